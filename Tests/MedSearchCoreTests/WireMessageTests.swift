import MedSearchCore
import Testing
import _MedSearchTestSupport

/// A test format: version 2 added `count`; version 1 was written under the tag `"OLDG"` with a kind byte 7.
private struct Greeting: WireMessage, Equatable {
    static let magic = FormatMagic("GREE")
    static let version: UInt16 = 2
    static let legacyHeaders = [LegacyWireHeader(magic: FormatMagic("OLDG"), version: 1, discriminator: [7], decodedAs: 1)]

    var text: String
    var count: UInt16

    init(text: String, count: UInt16) {
        self.text = text
        self.count = count
    }

    func encode(to writer: inout ByteWriter) {
        writer.writeString(text)
        writer.write(count)
    }

    init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        text = try reader.readString(maxLength: 64)
        count = version >= 2 ? try reader.read(UInt16.self) : 1
    }
}

/// A test format that needs a key to decode: each byte is stored XORed with it.
private struct Masked: ContextualWireMessage, Equatable {
    static let magic = FormatMagic("MASK")
    static let version: UInt16 = 1
    var bytes: [UInt8]

    func encode(to writer: inout ByteWriter, context key: UInt8) { writer.writeBytes(bytes.map { $0 ^ key }) }

    init(bytes: [UInt8]) { self.bytes = bytes }

    init(from reader: inout ByteReader, version: UInt16, context key: UInt8) throws(WireError) {
        let start = reader.offset
        bytes = try reader.readBytes(maxLength: 16).map { $0 ^ key }
        try WireError.validating(at: start) {
            guard bytes.first != 0 else { throw Failure() }
        }
    }

    struct Failure: Error, CustomStringConvertible { var description: String { "leading zero" } }
}

@Suite struct WireMessageTests {
    @Test func serialisesWithHeaderAndRoundTrips() throws {
        let greeting = Greeting(text: "hi", count: 3)
        let bytes = greeting.serialized()
        #expect(bytes == Array("GREE".utf8) + [2, 0] + [2, 0, 0, 0] + Array("hi".utf8) + [3, 0])
        #expect(try Greeting(serialized: bytes) == greeting)
        #expect(Greeting.formatName == "GREE v2")
        #expect(Greeting.supportedVersions == 1...2)
    }

    @Test func readsEveryOlderVersionAndLegacyHeader() throws {
        let v1 = Array("GREE".utf8) + [1, 0] + [2, 0, 0, 0] + Array("hi".utf8)
        #expect(try Greeting(serialized: v1) == Greeting(text: "hi", count: 1))
        let legacy = Array("OLDG".utf8) + [1, 0, 7] + [2, 0, 0, 0] + Array("hi".utf8)
        #expect(try Greeting(serialized: legacy) == Greeting(text: "hi", count: 1))
        let otherKind = Array("OLDG".utf8) + [1, 0, 8] + [2, 0, 0, 0] + Array("hi".utf8)
        #expect(throws: WireError.wrongMagic(expected: "GREE", found: "OLDG")) { try Greeting(serialized: otherKind) }
    }

    @Test func refusesNewerVersionsTrailingBytesAndTruncation() {
        var bytes = Greeting(text: "hi", count: 3).serialized()
        #expect(throws: WireError.trailingBytes(offset: bytes.count, count: 1)) { try Greeting(serialized: bytes + [0]) }
        #expect(throws: WireError.truncated(offset: 12, needed: 2, available: 1)) {
            try Greeting(serialized: Array(bytes.dropLast()))
        }
        bytes[4] = 3
        #expect(throws: WireError.unsupportedVersion(format: "GREE", found: 3, supported: 2)) { try Greeting(serialized: bytes) }
    }

    @Test func embedsMessagesInlineAndLengthPrefixed() throws {
        var writer = ByteWriter()
        Greeting(text: "a", count: 1).write(to: &writer)
        writer.writeEmbedded(Greeting(text: "b", count: 2))
        writer.writeEmbedded(Masked(bytes: [1, 2]), context: 0x55)
        var reader = ByteReader(writer.bytes)
        #expect(try Greeting.read(from: &reader) == Greeting(text: "a", count: 1))
        #expect(try reader.readEmbedded(Greeting.self, maxLength: 64) == Greeting(text: "b", count: 2))
        #expect(try reader.readEmbedded(Masked.self, maxLength: 64, context: 0x55) == Masked(bytes: [1, 2]))
        try reader.expectEnd()
    }

    @Test func contextualFormatsReportValidationFailuresAsInvalidValues() throws {
        let bytes = Masked(bytes: [0, 1]).serialized(context: 9)
        #expect(throws: WireError.invalidValue(offset: 6, reason: "leading zero")) {
            try Masked(serialized: bytes, context: 9)
        }
        #expect(try Masked(serialized: Masked(bytes: [4]).serialized(context: 9), context: 9) == Masked(bytes: [4]))
    }
}
