import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport

@Suite("Paillier fixed point, packing and randomizer pool")
struct PaillierEncodingTests: InsecureKeySuite {
    @Test("fixed-point values survive encryption, sums and products with the stated scale")
    func fixedPoint() throws {
        let codec = PaillierFixedPoint(scale: 1 << 16, publicKey: pk)
        #expect(try codec.encode(3.25) == BigInt(3 * 65536 + 16384))
        #expect(try codec.encode(-0.5) == BigInt(-32768))
        #expect(try codec.encode(1.0 / 131_072.0) == 1)  // half a unit rounds away from zero
        #expect(try codec.encode(-1.0 / 131_072.0) == -1)
        var rng = seededGenerator(41)
        for _ in 0..<30 {
            let x = Double.random(in: -1000...1000, using: &rng), y = Double.random(in: -1000...1000, using: &rng)
            let cx = pk.encrypt(try codec.encode(x), using: &rng), cy = pk.encrypt(try codec.encode(y), using: &rng)
            let sum = try codec.decode(sk.decryptSigned(pk.add(cx, cy)))
            #expect(abs(sum - (x + y)) <= 2.0 / 65536)
            // E(x) ^ encode(y) carries scale^2.
            let product = try codec.decode(sk.decryptSigned(pk.multiply(cx, byScalar: try codec.encode(y))), scalePower: 2)
            #expect(abs(product - x * y) <= 2000.0 / 65536)
        }
        // Large magnitudes use the exact path.
        let huge = 1.0e30
        #expect(try codec.decode(codec.encode(huge)) == huge)
        let tiny = PaillierFixedPoint(scale: 10_000, maxMagnitude: 1_000_000)
        #expect(try tiny.encode(99.9999) == 999_999)
        #expect(throws: PaillierError.self) { try tiny.encode(100) }
        #expect(throws: PaillierError.self) { try tiny.encode(.nan) }
        #expect(throws: PaillierError.self) { try tiny.encode(-.infinity) }
        #expect(throws: PaillierError.self) { try tiny.decode(2_000_000) }
        try tiny.requireHeadroom(terms: 9, maxAbsoluteValue: 10)
        #expect(throws: PaillierError.self) { try tiny.requireHeadroom(terms: 11, maxAbsoluteValue: 10) }
        #expect(throws: PaillierError.self) { try codec.requireHeadroom(terms: 2, maxAbsoluteValue: 1e150, scalePower: 2) }
    }

    @Test("packed values survive encryption and homomorphic addition up to the carry room")
    func packing() throws {
        let packing = try PaillierPacking(valueBits: 8, slotBits: 12, slotCount: 40, publicKey: pk)
        #expect(packing.maximumAdditions == 16)
        #expect(PaillierPacking.maximumSlots(slotBits: 12, publicKey: pk) == 42)
        var rng = seededGenerator(42)
        var totals = [BigInt](repeating: 0, count: 40)
        var accumulator = pk.encryptWithoutRandomness(0)
        for _ in 0..<packing.maximumAdditions {
            let values = (0..<40).map { _ in UInt64.random(in: 0...255, using: &rng) }
            for (i, v) in values.enumerated() { totals[i] += BigInt(v) }
            accumulator = pk.add(accumulator, pk.encrypt(try packing.pack(values), using: &rng))
        }
        #expect(try packing.unpack(sk.decrypt(accumulator)) == totals)
        let doubled = pk.multiply(pk.encrypt(try packing.pack([1, 2, 3] as [UInt64])), byScalar: 2)
        #expect(try packing.unpackUInt64(sk.decrypt(doubled)) == [2, 4, 6] + Array(repeating: 0, count: 37))
        #expect(throws: PaillierError.self) { try packing.pack([256] as [UInt64]) }
        #expect(throws: PaillierError.self) { try packing.pack([BigInt(-1)]) }
        #expect(throws: PaillierError.self) { try packing.pack(Array(repeating: 1 as UInt64, count: 41)) }
        #expect(throws: PaillierError.self) { try packing.unpack(BigInt(1) << 480) }
        #expect(throws: PaillierError.self) { try PaillierPacking(valueBits: 8, slotBits: 12, slotCount: 43, publicKey: pk) }
        #expect(throws: PaillierError.self) { try PaillierPacking(valueBits: 13, slotBits: 12, slotCount: 1, publicKey: pk) }
    }

    @Test("the pool fills in the background and every pooled encryption decrypts")
    func pool() async throws {
        let pool = PaillierRandomizerPool(publicKey: pk, capacity: 64, fillerThreads: 1)
        #expect(pool.waitUntilFilled(minimum: 64, timeout: 60))
        #expect(pool.available == 64)
        let ciphertexts = await withTaskGroup(of: [PaillierCiphertext].self) { group in
            for t in 0..<4 {
                group.addTask { (0..<20).map { pool.encrypt(BigInt(t * 100 + $0)) } }
            }
            var all = [PaillierCiphertext]()
            for await part in group { all += part }
            return all
        }
        #expect(Set(ciphertexts).count == 80)
        let plaintexts = Set(ciphertexts.map { sk.decrypt($0).asInt! })
        #expect(plaintexts == Set((0..<4).flatMap { t in (0..<20).map { t * 100 + $0 } }))
        pool.stop()
        // Stopped and drained: `next()` still works, computing inline and counting misses.
        while pool.available > 0 { _ = pool.next() }
        let before = pool.misses
        #expect(sk.decrypt(pool.encrypt(5)) == 5)
        #expect(pool.misses == before + 1)
        let manual = PaillierRandomizerPool(publicKey: pk, capacity: 3, fillerThreads: 0)
        manual.fill(count: 10)
        #expect(manual.available == 3)
        #expect(sk.decrypt(manual.rerandomize(pk.encrypt(8))) == 8)
    }
}
