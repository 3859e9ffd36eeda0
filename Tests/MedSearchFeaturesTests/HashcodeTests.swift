import MedSearchCore
import MedSearchFeatures
import Testing
import _MedSearchTestSupport

@Suite("Hashcodes")
struct HashcodeTests {
    @Test("packing, bits and Hamming distance against a bit-by-bit reference", arguments: [16, 63, 64, 65, 128, 200, 256])
    func hamming(bits: Int) throws {
        var generator = seededGenerator(UInt64(bits))
        for _ in 0..<50 {
            let a = (0..<bits).map { _ in Bool.random(using: &generator) }
            let b = (0..<bits).map { _ in Bool.random(using: &generator) }
            let ca = Hashcode(bits: a), cb = Hashcode(bits: b)
            #expect(ca.bits == a.map { $0 ? 1 : 0 })
            #expect(ca.hammingDistance(to: cb) == zip(a, b).filter { $0 != $1 }.count)
            var writer = ByteWriter()
            ca.write(to: &writer)
            #expect(writer.bytes.count == 2 + (bits + 7) / 8)
            var reader = ByteReader(writer.bytes)
            #expect(try Hashcode.read(from: &reader) == ca)
        }
    }

    @Test("unused high bits are rejected")
    func unusedBits() {
        #expect(throws: FeaturesError.self) { try Hashcode(bitCount: 60, words: [1 << 62]) }
        #expect(throws: FeaturesError.self) { try Hashcode(bitCount: 64, words: [1, 2]) }
        var writer = ByteWriter()
        writer.write(UInt16(12))
        writer.writeRaw([0xFF, 0xFF])
        var reader = ByteReader(writer.bytes)
        #expect(throws: FeaturesError.self) { try Hashcode.read(from: &reader) }
    }
}
