import MedSearchCore
import Testing
import _MedSearchTestSupport

@Suite struct WireTests {
    @Test func roundTripsEveryKind() throws {
        var writer = ByteWriter()
        writer.writeHeader(magic: FormatMagic("TEST"), version: 3)
        writer.write(UInt8(7)); writer.write(Int32(-5)); writer.write(UInt64.max)
        writer.write(3.25 as Double); writer.write(true)
        writer.writeString("héllo"); writer.writeArray([UInt16(1), 2, 65535]); writer.writeArray([Float(1.5), -2])
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readHeader(magic: FormatMagic("TEST"), supportedVersions: 1...3) == 3)
        #expect(try reader.read(UInt8.self) == 7)
        #expect(try reader.read(Int32.self) == -5)
        #expect(try reader.read(UInt64.self) == .max)
        #expect(try reader.readDouble() == 3.25)
        #expect(try reader.readBool())
        #expect(try reader.readString() == "héllo")
        #expect(try reader.readArray(of: UInt16.self, maxCount: 10) == [1, 2, 65535])
        #expect(try reader.readFloatArray(maxCount: 2) == [1.5, -2])
        try reader.expectEnd()
    }

    @Test func rejectsTruncationAtEveryLength() throws {
        var writer = ByteWriter()
        writer.writeHeader(magic: FormatMagic("TEST"), version: 1)
        writer.writeString("abc")
        writer.writeArray([UInt32(1), 2])
        let full = writer.bytes
        for cut in 0..<full.count {
            var reader = ByteReader(full[0..<cut])
            #expect(throws: WireError.self) {
                try reader.readHeader(magic: FormatMagic("TEST"), supportedVersions: 1...1)
                _ = try reader.readString()
                _ = try reader.readArray(of: UInt32.self, maxCount: 2)
            }
        }
    }

    @Test func rejectsForeignTagsVersionsAndHugeLengths() {
        var reader = ByteReader(Array("NOPE".utf8) + [1, 0])
        #expect(throws: WireError.wrongMagic(expected: "TEST", found: "NOPE")) {
            try reader.readHeader(magic: FormatMagic("TEST"), supportedVersions: 1...1)
        }
        var newer = ByteReader(Array("TEST".utf8) + [9, 0])
        #expect(throws: WireError.unsupportedVersion(format: "TEST", found: 9, supported: 1)) {
            try newer.readHeader(magic: FormatMagic("TEST"), supportedVersions: 1...1)
        }
        var huge = ByteReader([0xff, 0xff, 0xff, 0x7f])
        #expect(throws: WireError.lengthTooLarge(offset: 0, length: 0x7fff_ffff, limit: 100)) {
            _ = try huge.readArray(of: UInt8.self, maxCount: 100)
        }
    }

    @Test func listsRoundTripAndRefuseCountsTheDataCannotHold() throws {
        var writer = ByteWriter()
        writer.writeList(["a", "bc"]) { $0.writeString($1) }
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readList(minimumItemBytes: 5, limit: 2) { reader throws(WireError) in try reader.readString() }
                == ["a", "bc"])
        try reader.expectEnd()
        var overLimit = ByteReader(writer.bytes)
        #expect(throws: WireError.lengthTooLarge(offset: 0, length: 2, limit: 1)) {
            _ = try overLimit.readList(minimumItemBytes: 5, limit: 1) { reader throws(WireError) in try reader.readString() }
        }
        // A count of 1,000 items of at least 5 bytes each, backed by 11 bytes: refused before anything is read.
        var unbacked = ByteReader([0xe8, 0x03, 0, 0] + Array(writer.bytes.dropFirst(4)))
        #expect(throws: WireError.truncated(offset: 4, needed: 5_000, available: 11)) {
            _ = try unbacked.readList(minimumItemBytes: 5, limit: 10_000) { reader throws(WireError) in try reader.readString() }
        }
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SeededRandomNumberGenerator(seed: 42), b = SeededRandomNumberGenerator(seed: 42)
        let x = (0..<5).map { _ in a.next() }, y = (0..<5).map { _ in b.next() }
        #expect(x == y)
        #expect(Set(x).count == 5)
    }

    @Test func hexAndConstantTimeHelpers() {
        #expect(Hex.encode([0, 15, 255]) == "000fff")
        #expect(Hex.decode("000FfF") == [0, 15, 255])
        #expect(Hex.decode("0g") == nil)
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
        let secret = SecretBytes([9, 8, 7])
        #expect(secret.copyBytes() == [9, 8, 7])
    }
}
