import MedSearchCore
@testable import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

@Suite("Regenerating one share from m others")
struct ShareRegenerationTests {
    /// All subsets of `elements` of size `size`.
    static func subsets(_ elements: [Int], size: Int) -> [[Int]] {
        guard size > 0 else { return [[]] }
        guard elements.count >= size else { return [] }
        let first = elements[0], rest = Array(elements.dropFirst())
        return subsets(rest, size: size - 1).map { [first] + $0 } + subsets(rest, size: size)
    }

    @Test(arguments: [(2, 3), (3, 5), (4, 6)])
    func regeneratedShareIsByteIdenticalFromAnyMOthers(m: Int, n: Int) throws {
        let scheme = try VerifiableShareScheme(signingKey: VerifiableShareScheme.newSigningKey())
        var rng = seededGenerator(UInt64(10 * m + n))
        for length in [1, 17, 1000 + m] {
            let secret = SecureRandom.bytes(length, using: &rng)
            let (manifest, shares) = try scheme.split(secret, threshold: m, shareCount: n)
            for lost in 0..<n {
                let others = (0..<n).filter { $0 != lost }
                for subset in Self.subsets(others, size: m) {
                    let regenerated = try scheme.regenerate(index: lost, from: subset.map { shares[$0] }, manifest: manifest)
                    #expect(regenerated == shares[lost], "m=\(m) n=\(n) length=\(length) lost=\(lost) from \(subset)")
                }
                // More than m shares given: still the same bytes.
                #expect(try scheme.regenerate(index: lost, from: others.map { shares[$0] }, manifest: manifest) == shares[lost])
            }
            // The regenerated share verifies and rebuilds with the others.
            let regenerated = try scheme.regenerate(index: 0, from: Array(shares[1...m]), manifest: manifest)
            #expect(scheme.verifiedIndex(of: regenerated, manifest: manifest) == 0)
            #expect(try scheme.combine([regenerated] + Array(shares[1..<m]), manifest: manifest) == secret)
        }
    }

    @Test func corruptedForgedAndTooFewSharesAreRefused() throws {
        let scheme = try VerifiableShareScheme(signingKey: VerifiableShareScheme.newSigningKey())
        var rng = seededGenerator(99)
        let (manifest, shares) = try scheme.split(SecureRandom.bytes(500, using: &rng), threshold: 3, shareCount: 5)
        // A corrupted share among the inputs is skipped when m valid ones remain.
        var corrupted = shares[1]
        corrupted[corrupted.count / 2] ^= 0x40
        #expect(try scheme.regenerate(index: 0, from: [corrupted, shares[2], shares[3], shares[4]], manifest: manifest) == shares[0])
        // Only m - 1 valid shares (plus a corrupted one and a duplicate): refused, never a wrong share.
        #expect(throws: TrustMedError.self) {
            try scheme.regenerate(index: 0, from: [corrupted, shares[2], shares[3], shares[3]], manifest: manifest)
        }
        // The share asked for is not used to regenerate itself.
        #expect(throws: TrustMedError.self) {
            try scheme.regenerate(index: 0, from: [shares[0], shares[2], shares[3]], manifest: manifest)
        }
        // A manifest signed by another master is refused.
        let other = try VerifiableShareScheme(signingKey: VerifiableShareScheme.newSigningKey())
        #expect(throws: TrustMedError.self) {
            try other.regenerate(index: 0, from: Array(shares[1...4]), manifest: manifest)
        }
        // Out-of-range index.
        #expect(throws: TrustMedError.self) { try scheme.regenerate(index: 5, from: Array(shares[0...3]), manifest: manifest) }
        // Shares of another object do not count.
        let (_, foreign) = try scheme.split(SecureRandom.bytes(500, using: &rng), threshold: 3, shareCount: 5)
        #expect(throws: TrustMedError.self) {
            try scheme.regenerate(index: 0, from: [shares[1], shares[2], foreign[3]], manifest: manifest)
        }
    }

    @Test func lagrangeInterpolationMatchesHornerEvaluation() {
        // f(x) = c0 + c1 x + c2 x^2 over GF(256), two bytes at once, evaluated directly and by interpolation.
        let coefficients: [[UInt8]] = [[0x53, 0x01], [0xCA, 0xFF], [0x07, 0x80]]
        func f(_ x: UInt8) -> [UInt8] {
            (0..<2).map { position in
                var value: UInt8 = 0
                for k in stride(from: coefficients.count - 1, through: 0, by: -1) {
                    value = GF256Reference.multiply(value, x) ^ coefficients[k][position]
                }
                return value
            }
        }
        let points: [(x: UInt8, y: [UInt8])] = [3, 9, 200].map { ($0, f($0)) }
        for x in [UInt8(1), 2, 4, 255, 0] {
            #expect(ShareRegeneration.interpolate(at: x, points: points) == f(x), "x = \(x)")
        }
    }
}

/// A slow bitwise GF(2^8) multiplication with the polynomial 0x11D (as MedSearchSharing), independent of MedSearchSharing's tables.
enum GF256Reference {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a, b = b, product: UInt8 = 0
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            let carry = a & 0x80
            a <<= 1
            if carry != 0 { a ^= 0x1D }
            b >>= 1
        }
        return product
    }
}
