import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

@Suite("FNN Paillier back end (in process, insecure 512-bit keys)")
struct FNNPaillierBackendTests {
    @Test("top-k equals plaintext exact search", arguments: [1, 4])
    func matchesPlaintext(k: Int) throws {
        var generator = seededGenerator(31)
        let records = randomRecords(count: 14, dimension: 9, using: &generator)
        var deployment = try FNNTestDeployment(backend: .paillier, records: records, dimension: 9)
        for (index, order) in FNNScanOrder.allCases.enumerated() {
            let query = records[index * 5].vector.map { min(255, $0 + Int64(index)) }
            let report = try deployment.search(query, k: k, batchSize: index + 1, order: order)
            #expect(report.hits.map(\.neighbor) == deployment.expected(query, k: k))
            #expect(report.hits.allSatisfy { $0.label.hasSuffix("\($0.id)") })
        }
    }

    @Test("duplicates tie by id and deletion is honoured")
    func tiesAndDelete() throws {
        var generator = seededGenerator(32)
        var records = randomRecords(count: 8, dimension: 5, using: &generator)
        records.append(FNNRecordInput(id: 1, vector: records[2].vector, label: "twin-1"))
        var deployment = try FNNTestDeployment(backend: .paillier, records: records, dimension: 5)
        let report = try deployment.search(records[2].vector, k: 3)
        #expect(report.hits.map(\.neighbor) == deployment.expected(records[2].vector, k: 3))
        #expect(report.hits.first?.id == 1)
        try deployment.c1.delete([1])
        deployment.records.removeAll { $0.id == 1 }
        #expect(try deployment.search(records[2].vector, k: 3).hits.map(\.neighbor)
                == deployment.expected(records[2].vector, k: 3))
    }

    @Test("the fixed-base encryptor produces decryptable ciphertexts")
    func encryptor() throws {
        var generator = seededGenerator(33)
        let sk = PaillierPrivateKey.generateInsecure(bits: 512, using: &generator)
        let base = FNNPaillierEncryptor.makeBase(publicKey: sk.publicKey, using: &generator)
        let encryptor = FNNPaillierEncryptor(publicKey: sk.publicKey, base: base)
        for value in [0, 1, -5, 123_456_789] {
            let c1 = encryptor.encrypt(BigInt(value), using: &generator)
            let c2 = encryptor.encrypt(BigInt(value), using: &generator)
            #expect(sk.decryptSigned(c1) == BigInt(value))
            #expect(c1 != c2)
        }
    }

    @Test("multi-exponentiation and Horner packing match the naive computation")
    func ciphertextMath() throws {
        var generator = seededGenerator(34)
        let sk = PaillierPrivateKey.generateInsecure(bits: 512, using: &generator)
        let pk = sk.publicKey
        let values = (0..<37).map { _ in BigInt(Int.random(in: 0..<1_000_000, using: &generator)) }
        let ciphertexts = values.map { pk.encrypt($0, using: &generator) }
        let exponents = (0..<37).map { _ in UInt64.random(in: 0..<(1 << 50), using: &generator) }
        let product = FNNPaillierMath.multiExponentiate(bases: ciphertexts.map(\.value)[...], exponents: exponents[...],
                                                        modulus: pk.nSquared)
        var expected = BigInt()
        for (value, exponent) in zip(values, exponents) { expected += value * BigInt(exponent) }
        #expect(sk.decrypt(PaillierCiphertext(rawValue: product)) == expected.modulo(pk.n))
        let packed = FNNPaillierMath.pack(ciphertexts[0..<5], slotBits: 40, publicKey: pk)
        #expect(try FNNPaillierMath.unpack(sk.decrypt(packed), slotBits: 40, count: 5) == Array(values[0..<5]))
    }
}
