import Crypto
import Foundation
import MedSearchCore
import MedSearchSharing
import Testing
import _MedSearchTestSupport

/// Every subset of `size` elements of 0..<count.
func subsets(of count: Int, size: Int) -> [[Int]] {
    if size == 0 { return [[]] }
    if count < size { return [] }
    return subsets(of: count - 1, size: size - 1).map { $0 + [count - 1] } + subsets(of: count - 1, size: size)
}

@Suite("GF(256), Shamir and dispersal")
struct SharingPrimitiveTests {
    @Test("GF(256) tables agree with carry-less multiplication modulo 0x11D")
    func field() {
        func slowMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
            var product = 0, x = Int(a), y = Int(b)
            while y > 0 {
                if y & 1 == 1 { product ^= x }
                x <<= 1
                if x & 0x100 != 0 { x ^= 0x11D }
                y >>= 1
            }
            return UInt8(product)
        }
        for a in 0..<256 {
            for b in stride(from: 0, to: 256, by: 7) {
                #expect(GF256.multiply(UInt8(a), UInt8(b)) == slowMultiply(UInt8(a), UInt8(b)))
            }
            if a > 0 {
                #expect(GF256.multiply(UInt8(a), GF256.inverse(UInt8(a))) == 1)
                #expect(GF256.divide(GF256.multiply(UInt8(a), 77), UInt8(a)) == 77)
            }
        }
    }

    @Test("Shamir: every m-subset recovers the secret; m-1 shares are uniform over secrets")
    func shamir() throws {
        var rng = seededGenerator(71)
        let secret = SecureRandom.bytes(32, using: &rng)
        for (m, n) in [(2, 2), (2, 5), (3, 5), (5, 7)] {
            let shares = try ShamirSecretSharing.split(secret, threshold: m, shareCount: n, using: &rng)
            for subset in subsets(of: n, size: m) {
                #expect(ShamirSecretSharing.combine(subset.map { (index: $0 + 1, bytes: shares[$0]) }) == secret)
            }
        }
        // With m = 2, one share's first byte is uniform whatever the secret: count over many splits.
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<2560 {
            counts[Int(try ShamirSecretSharing.split([0x00], threshold: 2, shareCount: 3, using: &rng)[1][0])] += 1
        }
        #expect(counts.allSatisfy { $0 > 0 && $0 < 40 })
        #expect(throws: SharingError.invalidParameters(threshold: 1, shares: 3)) {
            try ShamirSecretSharing.split(secret, threshold: 1, shareCount: 3, using: &rng)
        }
        #expect(throws: SharingError.self) { try ShamirSecretSharing.split(secret, threshold: 4, shareCount: 3, using: &rng) }
        #expect(throws: SharingError.self) { try ShamirSecretSharing.split(secret, threshold: 2, shareCount: 256, using: &rng) }
    }

    @Test("dispersal: any m of n fragments rebuild, fragments are about 1/m of the data")
    func dispersal() throws {
        var rng = seededGenerator(72)
        for (m, n, length) in [(2, 3, 1), (3, 5, 1000), (3, 5, 3), (4, 6, 4097), (2, 2, 10), (5, 9, 0)] {
            let ida = try InformationDispersal(threshold: m, shareCount: n)
            let data = SecureRandom.bytes(length, using: &rng)
            let fragments = ida.disperse(data)
            #expect(fragments.count == n)
            #expect(fragments.allSatisfy { $0.count == ida.fragmentLength(forDataLength: length) })
            for subset in subsets(of: n, size: m) {
                let rebuilt = ida.reconstruct(subset.map { (index: $0 + 1, bytes: fragments[$0]) }, dataLength: length)
                #expect(rebuilt == data, "m=\(m) n=\(n) subset \(subset)")
            }
        }
        // The largest code: 255 fragments, 128 needed, from the last 128 (all parity).
        let ida = try InformationDispersal(threshold: 128, shareCount: 255)
        let data = SecureRandom.bytes(5000, using: &rng)
        let fragments = ida.disperse(data)
        let parity = (127..<255).map { (index: $0 + 1, bytes: fragments[$0]) }
        #expect(ida.reconstruct(parity, dataLength: data.count) == data)
    }
}

@Suite("Verifiable m-of-n sharing")
struct VerifiableSharingTests {
    let master = Curve25519.Signing.PrivateKey()

    @Test("any m of n shares rebuild the object")
    func anySubset() throws {
        var rng = seededGenerator(73)
        let data = SecureRandom.bytes(30_001, using: &rng)
        let object = try VerifiableSharing.split(data, objectID: "img-1", threshold: 3, shareCount: 5, signingKey: master)
        #expect(object.shares.count == 5)
        #expect(object.shares.allSatisfy { $0.count < data.count / 3 + 200 })
        for subset in subsets(of: 5, size: 3) {
            let rebuilt = try VerifiableSharing.combine(shares: subset.map { object.shares[$0] }, manifest: object.manifest,
                                                        objectID: "img-1", verifyingKey: master.publicKey)
            #expect(rebuilt == data)
        }
    }

    @Test("corrupted and forged shares are skipped; fewer than m valid shares fail clearly")
    func verification() throws {
        var rng = seededGenerator(74)
        let data = SecureRandom.bytes(9_000, using: &rng)
        let object = try VerifiableSharing.split(data, objectID: "img-2", threshold: 3, shareCount: 5, signingKey: master)
        var corrupted = object.shares[0]
        corrupted[corrupted.count / 2] ^= 0xFF
        // A forged share: valid format and self-hash, but not the one the master signed.
        let other = try VerifiableSharing.split(SecureRandom.bytes(9_000, using: &rng), objectID: "img-2",
                                                threshold: 3, shareCount: 5, signingKey: master)
        let forged = other.shares[1]
        let shares = [corrupted, forged, object.shares[2], object.shares[3], object.shares[4]]
        #expect(try VerifiableSharing.combine(shares: shares, manifest: object.manifest, objectID: "img-2",
                                              verifyingKey: master.publicKey) == data)
        let error = #expect(throws: SharingError.self) {
            try VerifiableSharing.combine(shares: [corrupted, forged, object.shares[2], object.shares[2], object.shares[3]],
                                          manifest: object.manifest, objectID: "img-2", verifyingKey: master.publicKey)
        }
        guard case let .notEnoughValidShares(valid, needed, rejected)? = error else {
            Issue.record("expected notEnoughValidShares, got \(String(describing: error))")
            return
        }
        #expect(valid == 2 && needed == 3)
        #expect(rejected.map(\.reason) == [.malformed, .hashMismatch, .duplicate])
        #expect(throws: SharingError.notEnoughValidShares(valid: 0, needed: 3, rejected: [])) {
            try VerifiableSharing.combine(shares: [], manifest: object.manifest, objectID: "img-2",
                                          verifyingKey: master.publicKey)
        }
    }

    @Test("manifests from another master or object are refused")
    func manifests() throws {
        let object = try VerifiableSharing.split([1, 2, 3, 4, 5], objectID: "img-3", threshold: 2, shareCount: 3,
                                                 signingKey: master)
        let impostor = Curve25519.Signing.PrivateKey()
        #expect(throws: SharingError.invalidManifestSignature) {
            try VerifiableSharing.combine(shares: object.shares, manifest: object.manifest, objectID: "img-3",
                                          verifyingKey: impostor.publicKey)
        }
        #expect(throws: SharingError.objectMismatch) {
            try VerifiableSharing.combine(shares: object.shares, manifest: object.manifest, objectID: "img-4",
                                          verifyingKey: master.publicKey)
        }
        var tampered = object.manifest
        tampered[12] ^= 1
        #expect(throws: SharingError.self) {
            try VerifiableSharing.combine(shares: object.shares, manifest: tampered, objectID: "img-3",
                                          verifyingKey: master.publicKey)
        }
        #expect(throws: WireError.self) { try ShareManifest(serialized: Array(object.manifest.dropLast())) }
        let manifest = try ShareManifest(serialized: object.manifest)
        #expect(manifest.threshold == 2 && manifest.shareCount == 3 && manifest.isValidSignature(for: master.publicKey))
        #expect(throws: SharingError.invalidParameters(threshold: 3, shares: 2)) {
            try VerifiableSharing.split([1], objectID: "x", threshold: 3, shareCount: 2, signingKey: master)
        }
    }

    @Test("random garbage never traps the decoders")
    func fuzz() throws {
        var rng = seededGenerator(75)
        let object = try VerifiableSharing.split(SecureRandom.bytes(300, using: &rng), objectID: "f", threshold: 2,
                                                 shareCount: 3, signingKey: master)
        for _ in 0..<300 {
            var bytes = Bool.random(using: &rng) ? object.manifest : object.shares[Int.random(in: 0..<3, using: &rng)]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            _ = try? ShareManifest(serialized: bytes)
            _ = try? Share(serialized: bytes)
            _ = try? VerifiableSharing.combine(shares: [bytes, object.shares[0]], manifest: object.manifest,
                                               objectID: "f", verifyingKey: master.publicKey)
        }
    }

    @Test("the 7.2 MB DICOM file splits 3-of-5 and rebuilds from the two parity shares plus one", .enabled(if: TestData.hasShared("dicom/RG1_UNCI.dcm"), "needs ../shared/data/dicom/RG1_UNCI.dcm"))
    func largeFile() throws {
        let url = try #require(TestData.sharedFile("dicom/RG1_UNCI.dcm"))
        let data = try [UInt8](Data(contentsOf: url))
        let object = try VerifiableSharing.split(data, objectID: "RG1_UNCI", threshold: 3, shareCount: 5, signingKey: master)
        let rebuilt = try VerifiableSharing.combine(shares: [object.shares[4], object.shares[3], object.shares[0]],
                                                    manifest: object.manifest, objectID: "RG1_UNCI",
                                                    verifyingKey: master.publicKey)
        #expect(rebuilt == data)
    }
}
