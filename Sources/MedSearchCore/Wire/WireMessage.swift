/// A versioned binary format whose decoding needs outside knowledge (a key, a parameter set) to check its
/// contents: the one convention every MedSearch message, key file and stored blob follows.
///
/// Bytes on the wire: ``magic`` (4 ASCII bytes), ``version`` (UInt16, little-endian), then the body written by
/// ``encode(to:context:)``. The header, the version check and the refusal of trailing bytes are implemented
/// once, here: ``serialized(context:)`` and ``init(serialized:context:)``. A body decoder never traps: it throws
/// ``WireError`` naming the offset and what was wrong, and bounds every allocation by a limit it states.
///
/// Rules for a format:
/// - A change of layout bumps ``version``; ``init(from:version:context:)`` keeps reading every version in
///   ``supportedVersions`` (by default all of them, `1...version`) wherever such bytes may exist (key files,
///   database rows).
/// - A format that used to be written under another header lists it in ``legacyHeaders``.
/// - Every conforming type has golden-byte fixtures under `Tests/<Target>Tests/Golden` (see docs/formats.md);
///   a test fails when a conformance has none.
///
/// Types that decode without outside knowledge conform to ``WireMessage`` instead.
public protocol ContextualWireMessage: Sendable {
    /// What decoding (and encoding) needs besides the bytes, for example a public key.
    associatedtype WireContext

    /// The 4-byte tag that opens the format.
    static var magic: FormatMagic { get }
    /// The version this build writes.
    static var version: UInt16 { get }
    /// The versions this build reads (default `1...version`).
    static var supportedVersions: ClosedRange<UInt16> { get }
    /// Earlier headers under which this format was written, still read (default none).
    static var legacyHeaders: [LegacyWireHeader] { get }

    /// Writes the body (everything after the header) at the current ``version``.
    func encode(to writer: inout ByteWriter, context: WireContext)

    /// About how many bytes ``serialized(context:)`` writes, reserved up front (0: unknown, the writer grows). A
    /// message carrying megabytes says so, sparing the copies and fresh pages of a buffer grown step by step.
    var serializedSizeHint: Int { get }

    /// Reads a body of the given `version` (one of ``supportedVersions``), checking every length and value.
    ///
    /// The reader's offset is just past the header; the body must not read beyond itself (callers check for
    /// trailing bytes).
    init(from reader: inout ByteReader, version: UInt16, context: WireContext) throws(WireError)
}

/// A versioned binary format that decodes from its bytes alone (see ``ContextualWireMessage``).
///
/// ```swift
/// struct Greeting: WireMessage, Equatable {
///     static let magic = FormatMagic("GREE")
///     static let version: UInt16 = 1
///     var text: String
///     func encode(to writer: inout ByteWriter) { writer.writeString(text) }
///     init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
///         text = try reader.readString(maxLength: 256)
///     }
/// }
/// let bytes = greeting.serialized()             // "GREE", 1, 0, then the body
/// let same = try Greeting(serialized: bytes)    // WireError on any malformed input
/// ```
public protocol WireMessage: ContextualWireMessage where WireContext == Void {
    /// Writes the body (everything after the header) at the current ``ContextualWireMessage/version``.
    func encode(to writer: inout ByteWriter)

    /// Reads a body of the given `version`, checking every length and value.
    init(from reader: inout ByteReader, version: UInt16) throws(WireError)
}

/// A header a format was once written under: `magic`, `version`, then the `discriminator` bytes (for example a
/// kind byte shared by several formats under one tag). Bytes opening with it are decoded as `decodedAs`.
public struct LegacyWireHeader: Sendable, Equatable {
    /// The old tag.
    public let magic: FormatMagic
    /// The old version.
    public let version: UInt16
    /// Bytes that followed the old header and identify this format.
    public let discriminator: [UInt8]
    /// The version of this format whose body layout follows the old header.
    public let decodedAs: UInt16

    /// Creates a legacy header.
    public init(magic: FormatMagic, version: UInt16, discriminator: [UInt8] = [], decodedAs: UInt16) {
        self.magic = magic
        self.version = version
        self.discriminator = discriminator
        self.decodedAs = decodedAs
    }

    /// The bytes of the old header.
    public var bytes: [UInt8] {
        magic.bytes + [UInt8(truncatingIfNeeded: version), UInt8(truncatingIfNeeded: version >> 8)] + discriminator
    }
}

extension ContextualWireMessage {
    public static var supportedVersions: ClosedRange<UInt16> { 1...version }
    public static var legacyHeaders: [LegacyWireHeader] { [] }
    public var serializedSizeHint: Int { 0 }

    /// `"TAG v1"`: the tag and the version this build writes.
    public static var formatName: String { "\(magic) v\(version)" }

    /// Appends the header and the body to `writer` (for embedding without a length prefix).
    public func write(to writer: inout ByteWriter, context: WireContext) {
        writer.writeHeader(magic: Self.magic, version: Self.version)
        encode(to: &writer, context: context)
    }

    /// Reads a header and a body from `reader` (the inverse of ``write(to:context:)``), leaving the reader
    /// just past the body.
    public static func read(from reader: inout ByteReader, context: WireContext) throws(WireError) -> Self {
        let version = try reader.readHeader(for: Self.self)
        return try Self(from: &reader, version: version, context: context)
    }

    /// The format's bytes: header, then body.
    public func serialized(context: WireContext) -> [UInt8] {
        var writer = ByteWriter(capacity: serializedSizeHint)
        write(to: &writer, context: context)
        return writer.bytes
    }

    /// Decodes bytes written by ``serialized(context:)`` (or by an earlier supported version).
    ///
    /// - Throws: ``WireError/wrongMagic(expected:found:)`` for another format,
    ///   ``WireError/unsupportedVersion(format:found:supported:)`` for a version this build does not read,
    ///   ``WireError/truncated(offset:needed:available:)``, ``WireError/lengthTooLarge(offset:length:limit:)`` or
    ///   ``WireError/invalidValue(offset:reason:)`` for a malformed body, and
    ///   ``WireError/trailingBytes(offset:count:)`` when bytes follow the body.
    public init(serialized bytes: [UInt8], context: WireContext) throws(WireError) {
        var reader = ByteReader(bytes)
        self = try Self.read(from: &reader, context: context)
        try reader.expectEnd()
    }
}

extension WireMessage {
    public func encode(to writer: inout ByteWriter, context: Void) { encode(to: &writer) }

    public init(from reader: inout ByteReader, version: UInt16, context: Void) throws(WireError) {
        try self.init(from: &reader, version: version)
    }

    /// Appends the header and the body to `writer` (for embedding without a length prefix).
    public func write(to writer: inout ByteWriter) { write(to: &writer, context: ()) }

    /// Reads a header and a body from `reader`, leaving the reader just past the body.
    public static func read(from reader: inout ByteReader) throws(WireError) -> Self {
        try read(from: &reader, context: ())
    }

    /// The format's bytes: header, then body.
    public func serialized() -> [UInt8] { serialized(context: ()) }

    /// Decodes bytes written by ``serialized()`` (or by an earlier supported version).
    ///
    /// - Throws: ``WireError`` (see ``ContextualWireMessage/init(serialized:context:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) { try self.init(serialized: bytes, context: ()) }
}

extension ByteReader {
    /// Reads the header of `Format` (or one of its legacy headers) and returns the body's version.
    public mutating func readHeader<Format: ContextualWireMessage>(for _: Format.Type) throws(WireError) -> UInt16 {
        for legacy in Format.legacyHeaders {
            let old = legacy.bytes
            if remaining >= old.count, bytes[offset..<offset + old.count].elementsEqual(old) {
                _ = try readRaw(count: old.count)
                return legacy.decodedAs
            }
        }
        return try readHeader(magic: Format.magic, supportedVersions: Format.supportedVersions)
    }

    /// Reads a message written by ``ByteWriter/writeEmbedded(_:context:)``: a length, then exactly that many
    /// bytes holding the message (its own trailing bytes are refused).
    public mutating func readEmbedded<Format: ContextualWireMessage>(
        _: Format.Type, maxLength: Int, context: Format.WireContext
    ) throws(WireError) -> Format {
        try Format(serialized: readBytes(maxLength: maxLength), context: context)
    }

    /// Reads a message written by ``ByteWriter/writeEmbedded(_:)``.
    public mutating func readEmbedded<Format: WireMessage>(_: Format.Type, maxLength: Int) throws(WireError) -> Format {
        try readEmbedded(Format.self, maxLength: maxLength, context: ())
    }
}

extension ByteWriter {
    /// Writes a message as a length-prefixed byte string (header and body).
    public mutating func writeEmbedded<Format: ContextualWireMessage>(_ message: Format, context: Format.WireContext) {
        writeBytes(message.serialized(context: context))
    }

    /// Writes a message as a length-prefixed byte string (header and body).
    public mutating func writeEmbedded<Format: WireMessage>(_ message: Format) {
        writeEmbedded(message, context: ())
    }
}

extension WireError {
    /// Runs `body`, a validating initialiser applied to decoded fields, and reports any error it throws as
    /// ``invalidValue(offset:reason:)`` at `offset` (a ``WireError`` passes through unchanged).
    ///
    /// Error descriptions in MedSearch carry sizes, offsets and names only, never secrets, so the reason is
    /// the error's description.
    public static func validating<T>(at offset: Int, _ body: () throws -> T) throws(WireError) -> T {
        do {
            return try body()
        } catch let error as WireError {
            throw error
        } catch {
            throw .invalidValue(offset: offset, reason: String(describing: error))
        }
    }
}
