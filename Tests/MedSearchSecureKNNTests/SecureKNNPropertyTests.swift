import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchSecureKNN

@Suite struct SecureKNNPropertyTests {
    static func randomVector(_ n: Int, _ generator: inout SeededRandomNumberGenerator, scale: Double = 3) -> [Double] {
        (0..<n).map { _ in Double.random(in: -scale...scale, using: &generator) }
    }

    /// Score differences equal gamma*theta*(squared distance differences) for random keys and vectors.
    @Test(arguments: [1, 4, 16, 64])
    func scoreIsAffineInSquaredDistance(d: Int) throws {
        var generator = seededGenerator(UInt64(100 + d))
        let (owner, key) = try registeredUser(dimension: d, using: &generator)
        let q = Self.randomVector(d, &generator)
        let gamma = 1.37
        let trapdoor = try key.trapdoor(for: q, gamma: gamma)
        let vectors = (0..<20).map { _ in Self.randomVector(d, &generator) }
        let scores = try vectors.map { SecureKNN.score(try owner.encryptIndexVector($0), trapdoor) }
        func dist2(_ a: [Double]) -> Double { zip(a, q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        for i in 1..<vectors.count {
            let expected = gamma * owner.theta * (dist2(vectors[i]) - dist2(vectors[0]))
            #expect(abs((scores[i] - scores[0]) - expected) < 1e-7 * max(1, abs(expected)))
        }
    }

    /// Float storage ranks exactly like the Double computation for well-separated neighbours.
    @Test func floatTableRanksLikeDouble() throws {
        var generator = seededGenerator(21)
        let d = 64
        let (owner, key) = try registeredUser(dimension: d, using: &generator)
        var table = EncryptedVectorTable(dimension: owner.encryptedDimension)
        var encrypted = [[Double]]()
        for _ in 0..<300 {
            let e = try owner.encryptIndexVector(Self.randomVector(d, &generator))
            encrypted.append(e)
            try table.append(e)
        }
        var agreements = 0, comparisons = 0
        for _ in 0..<10 {
            let trapdoor = try key.trapdoor(for: Self.randomVector(d, &generator), using: &generator)
            let prepared = try table.prepare(trapdoor)
            let exact = encrypted.map { SecureKNN.score($0, trapdoor) }
            var single = [Float](repeating: 0, count: table.count)
            table.forEachScore(prepared, rows: 0..<table.count) { single[$0] = $1 }
            let exactOrder = (0..<exact.count).sorted { exact[$0] < exact[$1] }
            let floatOrder = (0..<single.count).sorted { single[$0] < single[$1] }
            #expect(Array(exactOrder.prefix(10)) == Array(floatOrder.prefix(10)))
            for i in 0..<exact.count {
                #expect(abs(Double(single[i]) - exact[i]) <= 1e-4 * max(1, abs(exact[i])) + 1e-2)
            }
            agreements += Set(exactOrder.prefix(40)).intersection(floatOrder.prefix(40)).count
            comparisons += 40
        }
        #expect(agreements == comparisons)
    }

    @Test func freshGammaMakesTrapdoorsDiffer() throws {
        var generator = seededGenerator(22)
        let (owner, key) = try registeredUser(dimension: 8, using: &generator)
        let q = Self.randomVector(8, &generator)
        let t1 = try key.trapdoor(for: q), t2 = try key.trapdoor(for: q)
        #expect(t1 != t2)
        let ratio = t1[0] / t2[0]
        #expect(zip(t1, t2).allSatisfy { abs($0 / $1 - ratio) < 1e-9 })   // same direction, secret scale
    }

    @Test func wrongKeyDoesNotRank() throws {
        var generator = seededGenerator(23)
        let d = 16
        let owner = try SecureKNNOwnerKey.generate(dimension: d, using: &generator)
        let other = try SecureKNNOwnerKey.generate(dimension: d, using: &generator)
        let secret = try SecureKNNUserSecret.generate(dimension: d, using: &generator)
        let wrongKey = try SecureKNNQueryKey(grant: other.register(secret.registrationRequest), secret: secret)
        let vectors = (0..<200).map { _ in Self.randomVector(d, &generator) }
        let encrypted = try vectors.map { try owner.encryptIndexVector($0) }
        var hits = 0
        for t in 0..<20 {
            let q = vectors[t]
            let trapdoor = try wrongKey.trapdoor(for: q, gamma: 1)
            let best = (0..<encrypted.count).min { SecureKNN.score(encrypted[$0], trapdoor) < SecureKNN.score(encrypted[$1], trapdoor) }!
            if best == t { hits += 1 }
        }
        #expect(hits <= 3)   // the right key would find every query itself (distance 0)
    }

    @Test func serializationRoundTripsAndRejectsGarbage() throws {
        var generator = seededGenerator(24)
        let owner = try SecureKNNOwnerKey.generate(dimension: 5, using: &generator)
        #expect(try SecureKNNOwnerKey(serialized: owner.serialized()) == owner)
        let secret = try SecureKNNUserSecret.generate(dimension: 5, using: &generator)
        #expect(try SecureKNNUserSecret(serialized: secret.serialized()) == secret)
        let request = secret.registrationRequest
        #expect(try SecureKNNRegistrationRequest(serialized: request.serialized()) == request)
        let grant = try owner.register(request)
        #expect(try SecureKNNUserGrant(serialized: grant.serialized()) == grant)
        var bytes = owner.serialized()
        bytes.removeLast()
        #expect(throws: WireError.self) { try SecureKNNOwnerKey(serialized: bytes) }
        #expect(throws: WireError.self) { try SecureKNNOwnerKey(serialized: grant.serialized()) }
        #expect(throws: WireError.self) { try SecureKNNUserGrant(serialized: [0x53, 0x4B, 0x47, 0x52, 1, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F]) }
        #expect(throws: SecureKNNError.self) { try owner.register(SecureKNNRegistrationRequest(w: Matrix(rows: 5, columns: 5))) }
        #expect(throws: SecureKNNError.self) { try owner.encryptIndexVector([1, 2]) }
        #expect(throws: SecureKNNError.self) { try owner.encryptIndexVector([1, 2, .nan, 4, 5]) }
    }
}
