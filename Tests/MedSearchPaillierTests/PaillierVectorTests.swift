import Foundation
import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport

/// Vectors produced by python-paillier (scripts/vectors/paillier_vectors.py generate).
struct PheVectors: Decodable {
    struct Encryption: Decodable { let m, r, c: String }
    struct Binary: Decodable { let c1: String; let c2: String; let c: String; let m: String }
    struct Unary: Decodable { let c1: String; let c: String; let m: String }
    struct Scalar: Decodable { let c1: String; let k: String; let c: String; let m: String }
    struct Key: Decodable {
        let bits: Int
        let p, q, n: String
        let encryptions: [Encryption]
        let additions: [Binary]
        let subtractions: [Binary]
        let negations: [Unary]
        let scalarProducts: [Scalar]
        let plaintextAdditions: [Scalar]
    }
    let generator: String
    let keys: [Key]
}

/// Vectors produced by this implementation, verified by python-paillier (paillier_vectors.py verify).
struct SwiftVectors: Codable, Equatable {
    struct Encryption: Codable, Equatable { let m, r, c: String }
    struct Operation: Codable, Equatable { let op: String; let c: String; let m: String }
    struct Key: Codable, Equatable {
        let bits: Int
        let p, q, n: String
        let encryptions: [Encryption]
        let operations: [Operation]
    }
    let description: String
    let keys: [Key]
}

func vectorURL(_ name: String) throws -> URL {
    let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Vectors/\(name)")
    return url
}

func big(_ text: String) throws -> BigInt { try BigInt(text, radix: 10) }

@Suite("Paillier known-answer vectors")
struct PaillierVectorTests {
    @Test("python-paillier ciphertexts decrypt here, and encryption with the same r gives the same ciphertext")
    func pheVectors() throws {
        let data = try Data(contentsOf: try vectorURL("phe_vectors.json"))
        let vectors = try JSONDecoder().decode(PheVectors.self, from: data)
        #expect(vectors.keys.map(\.bits) == [512, 1024, 2048])
        for key in vectors.keys {
            let sk = try PaillierPrivateKey(p: try big(key.p), q: try big(key.q))
            let pk = sk.publicKey
            #expect(pk.n == (try big(key.n)))
            #expect(pk.bits == key.bits)
            for e in key.encryptions {
                let m = try big(e.m), r = try big(e.r)
                let c = try pk.ciphertext(try big(e.c))
                #expect(sk.decrypt(c) == m.modulo(pk.n))
                let randomizer = r.power(pk.n, modulo: pk.nSquared, variableTime: true)
                #expect(pk.encrypt(m, randomizer: randomizer) == c)
            }
            for v in key.additions {
                let sum = pk.add(try pk.ciphertext(big(v.c1)), try pk.ciphertext(big(v.c2)))
                #expect(sum.value == (try big(v.c)))
                #expect(sk.decryptSigned(sum) == (try big(v.m)))
            }
            for v in key.subtractions {
                let difference = pk.subtract(try pk.ciphertext(big(v.c1)), try pk.ciphertext(big(v.c2)))
                #expect(difference.value == (try big(v.c)))
                #expect(sk.decryptSigned(difference) == (try big(v.m)))
            }
            for v in key.negations {
                let negated = pk.negate(try pk.ciphertext(big(v.c1)))
                #expect(negated.value == (try big(v.c)))
                #expect(sk.decryptSigned(negated) == (try big(v.m)))
            }
            for v in key.scalarProducts {
                let product = pk.multiply(try pk.ciphertext(big(v.c1)), byScalar: try big(v.k))
                #expect(product.value == (try big(v.c)))
                #expect(sk.decryptSigned(product) == (try big(v.m)))
                if let k = try big(v.k).asInt {
                    #expect(pk.multiply(try pk.ciphertext(big(v.c1)), byScalar: k) == product)
                }
            }
            for v in key.plaintextAdditions {
                let shifted = pk.add(try pk.ciphertext(big(v.c1)), plaintext: try big(v.k))
                #expect(shifted.value == (try big(v.c)))
                #expect(sk.decryptSigned(shifted) == (try big(v.m)))
            }
        }
    }

    /// Builds the vectors python-paillier verifies, from fixed seeds (deterministic).
    static func makeSwiftVectors() -> SwiftVectors {
        var keys = [SwiftVectors.Key]()
        for (bits, seed) in [(512, UInt64(0xA11CE)), (1024, UInt64(0xB0B))] {
            var rng = SeededRandomNumberGenerator(seed: seed)
            let sk = PaillierPrivateKey.generateInsecure(bits: bits, using: &rng)
            let pk = sk.publicKey
            var encryptions = [SwiftVectors.Encryption]()
            var ciphertexts = [(BigInt, PaillierCiphertext)]()
            let plaintexts: [BigInt] = [0, 1, 7, -3, pk.halfN, BigInt.random(bits: bits - 4, using: &rng),
                                        -BigInt.random(bits: 100, using: &rng)]
            for m in plaintexts {
                let r = BigInt.randomUnit(modulo: pk.n, using: &rng)
                let c = pk.encrypt(m, randomizer: r.power(pk.n, modulo: pk.nSquared, variableTime: true))
                encryptions.append(.init(m: m.description, r: r.description, c: c.value.description))
                ciphertexts.append((m, c))
            }
            var operations = [SwiftVectors.Operation]()
            func signed(_ x: BigInt) -> BigInt {
                let reduced = x.modulo(pk.n)
                return reduced > pk.halfN ? reduced - pk.n : reduced
            }
            for i in 0..<(ciphertexts.count - 1) {
                let (a, ca) = ciphertexts[i], (b, cb) = ciphertexts[i + 1]
                operations.append(.init(op: "add", c: pk.add(ca, cb).value.description, m: signed(a + b).description))
                operations.append(.init(op: "subtract", c: pk.subtract(ca, cb).value.description,
                                        m: signed(a - b).description))
                operations.append(.init(op: "negate", c: pk.negate(ca).value.description, m: signed(-a).description))
                let k = BigInt.random(bits: 32, using: &rng) - (BigInt(1) << 31)
                operations.append(.init(op: "scalar", c: pk.multiply(ca, byScalar: k).value.description,
                                        m: signed(a * k).description))
                operations.append(.init(op: "addPlaintext", c: pk.add(ca, plaintext: k).value.description,
                                        m: signed(a + k).description))
            }
            keys.append(.init(bits: bits, p: sk.p.description, q: sk.q.description, n: pk.n.description,
                              encryptions: encryptions, operations: operations))
        }
        return SwiftVectors(description: "ciphertexts produced by MedSearchPaillier from fixed seeds (insecure test keys); "
                            + "verified by scripts/vectors/paillier_vectors.py verify", keys: keys)
    }

    @Test("vectors for python-paillier are reproducible from their seeds and decrypt here")
    func swiftVectors() throws {
        let fresh = Self.makeSwiftVectors()
        if ProcessInfo.processInfo.environment["MEDSEARCH_WRITE_VECTORS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Vectors/swift_vectors.json")
            try encoder.encode(fresh).write(to: path)
            print("wrote \(path.path)")
        }
        let committed = try JSONDecoder().decode(SwiftVectors.self,
                                                 from: Data(contentsOf: try vectorURL("swift_vectors.json")))
        #expect(committed == fresh)
        for key in committed.keys {
            let sk = try PaillierPrivateKey(p: try big(key.p), q: try big(key.q))
            for e in key.encryptions {
                #expect(sk.decryptSigned(try sk.publicKey.ciphertext(big(e.c))) == (try big(e.m)))
            }
            for op in key.operations {
                #expect(sk.decryptSigned(try sk.publicKey.ciphertext(big(op.c))) == (try big(op.m)))
            }
        }
    }
}
