import Foundation
import MedSearchCore

/// One golden-byte fixture of a binary format: a fixed value, how to encode it, and how to decode bytes and
/// compare them with it.
///
/// A *current* sample is re-encoded and compared byte for byte with its fixture (a format that changes without a
/// version bump fails), then the fixture is decoded and compared with the value. A *legacy* sample (a fixture
/// written by an earlier version of the format) is only decoded: it must still give the same value.
public struct GoldenSample: Sendable, CustomStringConvertible {
    /// The fixture's file name, `Type[-variant].vN.bin`.
    public let file: String
    /// The format's Swift type name.
    public let typeName: String
    /// The format's tag.
    public let magic: String
    /// The version the fixture holds.
    public let version: UInt16
    /// The newest version the decoder reads (for the version-refusal check).
    public let newestReadable: UInt16
    /// Whether the fixture is written by this build (false: an older version, decoded only).
    public let isCurrent: Bool
    /// Whether every change to the body must be refused (the format carries a hash, tag or signature that the
    /// decode step checks).
    public let integrityProtected: Bool
    /// Whether decoding throws ``WireError`` (false when the decode step adds a check with its own error type).
    public let throwsWireErrors: Bool
    let encodeValue: @Sendable () -> [UInt8]
    let decodesToValue: @Sendable ([UInt8]) throws -> Bool

    public var description: String { file }

    /// A sample of a format conforming to ``ContextualWireMessage``: equal when the decoded value re-encodes to
    /// the value's bytes (the body encodings are injective).
    public init<T: ContextualWireMessage>(_ value: T, variant: String? = nil, context: T.WireContext,
                                          integrityProtected: Bool = false) where T.WireContext: Sendable {
        self.init(T.self, variant: variant, version: T.version, isCurrent: true, integrityProtected: integrityProtected,
                  encode: { value.serialized(context: context) },
                  decode: { try T(serialized: $0, context: context).serialized(context: context) == value.serialized(context: context) })
    }

    /// A sample of a ``WireMessage``.
    public init<T: WireMessage>(_ value: T, variant: String? = nil, integrityProtected: Bool = false) {
        self.init(value, variant: variant, context: (), integrityProtected: integrityProtected)
    }

    /// A sample of an `Equatable` ``WireMessage``: the decoded value must equal `value`.
    public init<T: WireMessage & Equatable>(_ value: T, variant: String? = nil, integrityProtected: Bool = false) {
        self.init(T.self, variant: variant, version: T.version, isCurrent: true, integrityProtected: integrityProtected,
                  encode: { value.serialized() }, decode: { try T(serialized: $0) == value })
    }

    /// A fixture of an earlier `version` of `T`'s format that must still decode to `value`.
    public static func legacy<T: ContextualWireMessage>(_ value: T, variant: String? = nil, version: UInt16,
                                                        context: T.WireContext) -> GoldenSample where T.WireContext: Sendable {
        GoldenSample(T.self, variant: variant, version: version, isCurrent: false, integrityProtected: false,
                     encode: { value.serialized(context: context) },
                     decode: { try T(serialized: $0, context: context).serialized(context: context) == value.serialized(context: context) })
    }

    /// A fixture of an earlier `version` of a ``WireMessage``.
    public static func legacy<T: WireMessage>(_ value: T, variant: String? = nil, version: UInt16) -> GoldenSample {
        legacy(value, variant: variant, version: version, context: ())
    }

    /// A sample whose decode step is more than the format's decoder (for example it also opens a sealed image):
    /// `decode` returns whether the bytes give the sample's value, throwing any error.
    public init<T: ContextualWireMessage>(_: T.Type, variant: String? = nil, integrityProtected: Bool,
                                          encode: @escaping @Sendable () -> [UInt8],
                                          decode: @escaping @Sendable ([UInt8]) throws -> Bool) {
        self.init(T.self, variant: variant, version: T.version, isCurrent: true, integrityProtected: integrityProtected,
                  throwsWireErrors: false, encode: encode, decode: decode)
    }

    /// A sample described field by field (for a format read and written by functions rather than a
    /// ``ContextualWireMessage`` conformance).
    public init(typeName: String, variant: String? = nil, magic: String, version: UInt16, newestReadable: UInt16? = nil,
                isCurrent: Bool = true, integrityProtected: Bool = false, throwsWireErrors: Bool = false,
                encode: @escaping @Sendable () -> [UInt8], decode: @escaping @Sendable ([UInt8]) throws -> Bool) {
        self.file = typeName + (variant.map { "-\($0)" } ?? "") + ".v\(version).bin"
        self.typeName = typeName
        self.magic = magic
        self.version = version
        self.newestReadable = newestReadable ?? version
        self.isCurrent = isCurrent
        self.integrityProtected = integrityProtected
        self.throwsWireErrors = throwsWireErrors
        self.encodeValue = encode
        self.decodesToValue = decode
    }

    init<T: ContextualWireMessage>(_: T.Type, variant: String?, version: UInt16, isCurrent: Bool, integrityProtected: Bool,
                                   throwsWireErrors: Bool = true, encode: @escaping @Sendable () -> [UInt8],
                                   decode: @escaping @Sendable ([UInt8]) throws -> Bool) {
        let typeName = String(describing: T.self)
        self.file = typeName + (variant.map { "-\($0)" } ?? "") + ".v\(version).bin"
        self.typeName = typeName
        self.magic = T.magic.description
        self.version = version
        self.newestReadable = T.supportedVersions.upperBound
        self.isCurrent = isCurrent
        self.integrityProtected = integrityProtected
        self.throwsWireErrors = throwsWireErrors
        self.encodeValue = encode
        self.decodesToValue = decode
    }
}

/// Why a golden check failed (thrown, so Swift Testing records it with its text).
public struct GoldenFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The `Golden` directory beside a test file: fixtures (`*.bin`) and `manifest.json`.
///
/// With `MEDSEARCH_REGENERATE_GOLDEN=1` the checks write the current fixtures and the manifest instead of
/// comparing (legacy fixtures are never written: they come from older builds). Review the diff before committing:
/// a changed current fixture means a changed format, which needs a version bump and the old fixture kept as a
/// legacy sample.
public struct GoldenDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// The `Golden` directory beside `testFile`.
    public init(testFile: String = #filePath) {
        url = URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    /// Whether fixtures are being regenerated (`MEDSEARCH_REGENERATE_GOLDEN=1`).
    public static var regenerating: Bool {
        ProcessInfo.processInfo.environment["MEDSEARCH_REGENERATE_GOLDEN"] == "1"
    }

    /// The fixture's bytes.
    public func bytes(of sample: GoldenSample) throws -> [UInt8] {
        let file = url.appendingPathComponent(sample.file)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw GoldenFailure("missing fixture \(file.path): run the tests with MEDSEARCH_REGENERATE_GOLDEN=1 "
                                + "(see docs/formats.md)")
        }
        return Array(data)
    }

    /// Checks (or, when regenerating, writes) one fixture: the value encodes to the fixture's bytes (current
    /// samples) and the fixture decodes to the value.
    public func check(_ sample: GoldenSample) throws {
        if sample.isCurrent {
            let encoded = sample.encodeValue()
            if Self.regenerating {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                let file = url.appendingPathComponent(sample.file)
                if FileManager.default.contents(atPath: file.path).map(Array.init) != encoded {
                    try Data(encoded).write(to: file)
                }
            }
            let fixture = try bytes(of: sample)
            guard encoded == fixture else {
                let first = zip(encoded, fixture).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(encoded.count, fixture.count)
                throw GoldenFailure("""
                    \(sample.file): \(sample.typeName) now encodes differently (\(encoded.count) bytes, fixture \
                    \(fixture.count); first difference at offset \(first)). A layout change needs a version bump \
                    of \(sample.magic) and the old fixture kept as a legacy sample (docs/formats.md).
                    """)
            }
        }
        let fixture = try bytes(of: sample)
        guard try sample.decodesToValue(fixture) else {
            throw GoldenFailure("\(sample.file) decodes to a value other than the sample's")
        }
    }

    /// Checks that damaged copies of a current fixture are refused: every cut inside the header is
    /// ``WireError/truncated(offset:needed:available:)``, a changed tag ``WireError/wrongMagic(expected:found:)``,
    /// a newer version ``WireError/unsupportedVersion(format:found:supported:)``, every cut of the body and an
    /// appended byte throw (``WireError/trailingBytes(offset:count:)`` for the latter), and flipped body bits never
    /// crash the decoder (and are always refused by formats with integrity protection).
    public func checkCorruption(_ sample: GoldenSample) throws {
        let fixture = try bytes(of: sample)
        let header = 6
        for cut in 0..<header {
            try expectRefusal(sample, Array(fixture.prefix(cut)), "cut at \(cut)") { error in
                if case .truncated = error { return true } else { return false }
            }
        }
        for index in 0..<4 {
            var damaged = fixture
            damaged[index] ^= 0x20
            try expectRefusal(sample, damaged, "tag byte \(index) changed") { error in
                if case .wrongMagic = error { return true } else { return false }
            }
        }
        var newer = fixture
        let version = sample.newestReadable &+ 1
        newer[4] = UInt8(truncatingIfNeeded: version)
        newer[5] = UInt8(truncatingIfNeeded: version >> 8)
        try expectRefusal(sample, newer, "version \(version)") { error in
            if case .unsupportedVersion = error { return true } else { return false }
        }
        for cut in Self.positions(in: header..<fixture.count) {
            try expectRefusal(sample, Array(fixture.prefix(cut)), "cut at \(cut) of \(fixture.count)") { _ in true }
        }
        try expectRefusal(sample, fixture + [0], "one byte appended") { error in
            if case .trailingBytes = error { return true } else { return false }
        }
        for position in Self.positions(in: header..<fixture.count) {
            var damaged = fixture
            damaged[position] ^= UInt8(1) << UInt8(position % 8)
            do {
                let same = try sample.decodesToValue(damaged)
                if sample.integrityProtected {
                    throw GoldenFailure("\(sample.file): bit \(position % 8) of byte \(position) flipped was accepted "
                                        + (same ? "as the same value" : "as another value"))
                }
            } catch let failure as GoldenFailure {
                throw failure
            } catch {
                if sample.throwsWireErrors, !(error is WireError) {
                    throw GoldenFailure("\(sample.file): flipped byte \(position) threw \(type(of: error)), not WireError")
                }
            }
        }
    }

    /// Every position of a small range, else 512 spread evenly plus the last 32.
    static func positions(in range: Range<Int>) -> [Int] {
        guard range.count > 1024 else { return Array(range) }
        let step = max(1, range.count / 512)
        return Array(Set(Array(stride(from: range.lowerBound, to: range.upperBound, by: step))
                         + Array(range.suffix(32)))).sorted()
    }

    private func expectRefusal(_ sample: GoldenSample, _ bytes: [UInt8], _ what: String,
                               _ isExpected: (WireError) -> Bool) throws {
        do {
            _ = try sample.decodesToValue(bytes)
        } catch let error as WireError {
            guard isExpected(error) else {
                throw GoldenFailure("\(sample.file), \(what): refused with an unexpected error: \(error)")
            }
            return
        } catch {
            guard !sample.throwsWireErrors else {
                throw GoldenFailure("\(sample.file), \(what): threw \(type(of: error)) (\(error)), not WireError")
            }
            return
        }
        throw GoldenFailure("\(sample.file), \(what): accepted")
    }

    /// Everything one sample must satisfy: ``check(_:)`` and, for a current sample, ``checkCorruption(_:)``.
    /// A test suite of golden fixtures is this, parameterised over its samples, plus ``checkManifest(_:)``.
    public func checkFully(_ sample: GoldenSample) throws {
        try check(sample)
        if sample.isCurrent { try checkCorruption(sample) }
    }

    /// Checks (or, when regenerating, writes) `manifest.json`: one entry per sample, and no fixture file
    /// without a sample.
    public func checkManifest(_ samples: [GoldenSample]) throws {
        let manifest = GoldenManifest(fixtures: samples.map {
            GoldenManifest.Fixture(file: $0.file, type: $0.typeName, magic: $0.magic, version: Int($0.version),
                                   current: $0.isCurrent)
        }.sorted { $0.file < $1.file })
        let files = samples.map(\.file)
        guard Set(files).count == files.count else { throw GoldenFailure("two samples share a fixture file name") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(manifest) + Data("\n".utf8)
        let file = url.appendingPathComponent("manifest.json")
        if Self.regenerating {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            if FileManager.default.contents(atPath: file.path) != data { try data.write(to: file) }
        }
        guard let stored = FileManager.default.contents(atPath: file.path) else {
            throw GoldenFailure("missing \(file.path): run the tests with MEDSEARCH_REGENERATE_GOLDEN=1")
        }
        guard try JSONDecoder().decode(GoldenManifest.self, from: stored) == manifest else {
            throw GoldenFailure("\(file.path) does not list exactly this target's samples: regenerate it")
        }
        let present = (try FileManager.default.contentsOfDirectory(atPath: url.path)).filter { $0.hasSuffix(".bin") }
        let orphans = Set(present).subtracting(files)
        guard orphans.isEmpty else {
            throw GoldenFailure("fixtures without a sample in \(url.path): \(orphans.sorted().joined(separator: ", "))")
        }
    }
}

/// `Golden/manifest.json`: which fixture holds which format and version.
public struct GoldenManifest: Codable, Equatable, Sendable {
    /// One fixture file.
    public struct Fixture: Codable, Equatable, Sendable {
        public var file: String
        public var type: String
        public var magic: String
        public var version: Int
        /// Written by this build (false: a legacy version that must still decode).
        public var current: Bool
    }

    public var fixtures: [Fixture]
}

extension GoldenSample {
    /// A sample of a format read and written by the given functions; the decoded value must re-encode to the
    /// sample's bytes.
    public static func functions<T: Sendable>(_ value: T, type: String, variant: String? = nil, magic: String,
                                              version: UInt16, isCurrent: Bool = true,
                                              encode: @escaping @Sendable (T) -> [UInt8],
                                              decode: @escaping @Sendable ([UInt8]) throws -> T) -> GoldenSample {
        GoldenSample(typeName: type, variant: variant, magic: magic, version: version, isCurrent: isCurrent,
                     encode: { encode(value) }, decode: { try encode(decode($0)) == encode(value) })
    }
}
