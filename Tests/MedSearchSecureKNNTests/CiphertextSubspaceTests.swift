import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchSecureKNN

@Suite struct CiphertextSubspaceTests {
    static func vector(_ n: Int, _ generator: inout SeededRandomNumberGenerator) -> [Double] {
        (0..<n).map { _ in Double.random(in: -3...3, using: &generator) }
    }

    /// Ciphertexts of one key span an affine subspace of dimension d + 1, and scores through the
    /// coordinates equal the full dot products.
    @Test(arguments: [4, 16, 40])
    func ciphertextsLieInADPlusOneSubspace(d: Int) throws {
        var generator = seededGenerator(UInt64(300 + d))
        let (owner, key) = try registeredUser(dimension: d, using: &generator)
        var subspace = CiphertextSubspace(ambientDimension: owner.encryptedDimension)
        var encrypted = [[Float]]()
        var coordinates = [[Double]]()
        for _ in 0..<(3 * d + 10) {
            let e = try owner.encryptIndexVector(Self.vector(d, &generator)).map(Float.init)
            encrypted.append(e)
            coordinates.append(try subspace.coordinates(of: e).coordinates)
        }
        #expect(subspace.rank == d + 1)
        for _ in 0..<5 {
            let trapdoor = try key.trapdoor(for: Self.vector(d, &generator), using: &generator)
            let (projected, offset) = try subspace.projectTrapdoor(trapdoor)
            for (e, a) in zip(encrypted, coordinates) {
                let exact = SecureKNN.score(e.map(Double.init), trapdoor)
                var viaSubspace = offset
                for (i, c) in a.enumerated() { viaSubspace += c * projected[i] }
                let scale = e.reduce(0) { $0 + Double($1 * $1) }.squareRoot() * trapdoor.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(viaSubspace - exact) <= 2e-6 * scale)
            }
        }
        // Reconstruction returns the stored ciphertext up to the tolerance.
        for (e, a) in zip(encrypted, coordinates).prefix(10) {
            let back = subspace.reconstruct(a)
            let error = zip(back, e).reduce(0) { $0 + ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) }.squareRoot()
            let norm = e.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
            #expect(error <= 2e-6 * norm)
        }
    }

    /// The basis grows one direction at a time as vectors arrive; earlier coordinates stay valid.
    @Test func basisGrowsOnDemandAndKeepsEarlierCoordinates() throws {
        var generator = seededGenerator(311)
        let d = 12
        let owner = try SecureKNNOwnerKey.generate(dimension: d, using: &generator)
        var subspace = CiphertextSubspace(ambientDimension: owner.encryptedDimension)
        var stored = [([Float], [Double])]()
        var extensions = 0
        for index in 0..<40 {
            let e = try owner.encryptIndexVector(Self.vector(d, &generator)).map(Float.init)
            let (a, extended) = try subspace.coordinates(of: e)
            if extended { extensions += 1 }
            #expect(subspace.rank == min(index, d + 1))
            stored.append((e, a))
        }
        #expect(extensions == d + 1)
        for (e, a) in stored {
            let back = subspace.reconstruct(a)
            let norm = e.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
            #expect(zip(back, e).allSatisfy { abs($0.0 - Double($0.1)) <= 2e-6 * norm })
        }
    }

    /// Vectors without structure fill the whole space; the rank never exceeds the ambient dimension and
    /// the basis stays orthonormal.
    @Test func unstructuredVectorsReachFullRank() throws {
        var generator = seededGenerator(312)
        let n = 10
        var subspace = CiphertextSubspace(ambientDimension: n)
        for _ in 0..<30 { _ = try subspace.coordinates(of: Self.vector(n, &generator).map(Float.init)) }
        #expect(subspace.rank == n)
        for i in 0..<n {
            for j in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + subspace.basis[i * n + $1] * subspace.basis[j * n + $1] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-9)
            }
        }
    }

    @Test func badInputIsRejected() throws {
        var subspace = CiphertextSubspace(ambientDimension: 6)
        #expect(throws: SecureKNNError.dimensionMismatch(what: "encrypted vector", expected: 6, actual: 5)) {
            try subspace.coordinates(of: [1, 2, 3, 4, 5])
        }
        #expect(throws: SecureKNNError.nonFiniteValue(what: "encrypted vector")) {
            try subspace.coordinates(of: [1, 2, .nan, 4, 5, 6])
        }
        #expect(throws: SecureKNNError.self) { try subspace.projectTrapdoor([1, 2]) }
        #expect(throws: SecureKNNError.self) { try subspace.projectTrapdoor([1, 2, 3, 4, 5, .infinity]) }
    }
}
