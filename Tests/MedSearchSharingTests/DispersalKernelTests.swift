import Crypto
import MedSearchCore
@testable import MedSearchSharing
import Testing
import _MedSearchTestSupport

/// The vectorised GF(256) kernel, the in-place dispersal and the direct AES-GCM path against slow references and
/// swift-crypto, so the faster code keeps the version 1 formats bit for bit.
@Suite("Dispersal kernels and format compatibility")
struct DispersalKernelTests {
    /// `sum_j c_j * s_j[x]` byte by byte with the log/exp multiply.
    func slowDot(_ coefficients: [UInt8], _ sources: [[UInt8]], count: Int, initial: [UInt8]?) -> [UInt8] {
        (0..<count).map { x in
            var acc = initial?[x] ?? 0
            for (c, s) in zip(coefficients, sources) { acc ^= GF256.multiply(c, s[x]) }
            return acc
        }
    }

    @Test("GF(256) dot product: vector and portable paths equal the byte-wise reference")
    func dot() {
        var rng = seededGenerator(81)
        #expect((0...2).contains(GF256.vectorPath))
        for k in [1, 2, 3, 5, 8, 9, 12] {
            for count in [1, 15, 31, 32, 33, 100, 1000] {
                let coefficients = SecureRandom.bytes(k, using: &rng) + []
                let sources = (0..<k).map { _ in SecureRandom.bytes(count, using: &rng) }
                let initial = SecureRandom.bytes(count, using: &rng)
                for accumulate in [false, true] {
                    let expected = slowDot(coefficients, sources, count: count, initial: accumulate ? initial : nil)
                    for portable in [false, true] {
                        var output = initial
                        withPointers(sources) { pointers in
                            output.withUnsafeMutableBufferPointer { buffer in
                                GF256.dot(coefficients, sources: pointers, into: buffer.baseAddress!, count: count,
                                          accumulate: accumulate, portableOnly: portable)
                            }
                        }
                        #expect(output == expected, "k=\(k) count=\(count) accumulate=\(accumulate) portable=\(portable)")
                    }
                }
            }
        }
    }

    @Test("dispersal fragments are the Cauchy combinations of the zero-padded stripes (format v1 unchanged)")
    func fragmentsMatchDefinition() throws {
        var rng = seededGenerator(82)
        for (m, n, length) in [(3, 5, 7_000), (3, 5, 2), (4, 7, 1_001), (2, 3, 64)] {
            let ida = try InformationDispersal(threshold: m, shareCount: n)
            let data = SecureRandom.bytes(length, using: &rng)
            let l = ida.fragmentLength(forDataLength: length)
            let stripes = (0..<m).map { i in (0..<l).map { j in i * l + j < length ? data[i * l + j] : 0 } }
            let fragments = ida.disperse(data)
            for x in 1...n {
                let expected: [UInt8] = x <= m ? stripes[x - 1] : (0..<l).map { j in
                    var acc: UInt8 = 0
                    for i in 0..<m { acc ^= GF256.multiply(GF256.inverse(UInt8(x - 1) ^ UInt8(i)), stripes[i][j]) }
                    return acc
                }
                #expect(fragments[x - 1] == expected, "m=\(m) n=\(n) length=\(length) fragment \(x)")
            }
        }
    }

    @Test("a share laid out field by field (format v1) parses, and split shares have that layout")
    func shareLayout() throws {
        var rng = seededGenerator(83)
        let keyShare = SecureRandom.bytes(32, using: &rng), fragment = SecureRandom.bytes(777, using: &rng)
        var writer = ByteWriter()
        writer.writeHeader(magic: Share.magic, version: 1)
        writer.writeString("obj")
        writer.write(UInt8(4))
        writer.write(UInt8(3))
        writer.write(UInt8(5))
        writer.writeRaw(keyShare)
        writer.writeBytes(fragment)
        let content = writer.bytes
        let serialized = content + Array(SHA256.hash(data: content))
        let share = try Share(serialized: serialized)
        #expect(share.index == 4 && share.threshold == 3 && share.shareCount == 5 && share.objectID == "obj")
        #expect(share.keyShare == keyShare && share.fragment == fragment)
        let built = Share(objectID: "obj", index: 4, threshold: 3, shareCount: 5, keyShare: keyShare, fragment: fragment)
        #expect(built.serialized() == serialized && built == share)
        // A fragment length beyond the bytes present is a typed error.
        var truncated = serialized
        truncated.removeLast(40)
        #expect(throws: WireError.self) { try Share(serialized: truncated) }
        #expect(throws: WireError.self) { try Share(serialized: serialized, maxFragmentLength: 776) }
    }

    @Test("the sealed stream inside the shares is standard AES-256-GCM (opens with swift-crypto)")
    func sealedStreamInterop() throws {
        var rng = seededGenerator(84)
        let master = Curve25519.Signing.PrivateKey()
        let data = SecureRandom.bytes(50_000, using: &rng)
        let object = try VerifiableSharing.split(data, objectID: "interop", threshold: 3, shareCount: 5, signingKey: master)
        let shares = try [1, 3, 4].map { try Share(serialized: object.shares[$0]) }
        let manifest = try ShareManifest(serialized: object.manifest)
        let key = ShamirSecretSharing.combine(shares.map { (index: $0.index, bytes: $0.keyShare) })
        let ida = try InformationDispersal(threshold: 3, shareCount: 5)
        let sealed = ida.reconstruct(shares.map { (index: $0.index, bytes: $0.fragment) }, dataLength: manifest.sealedLength)
        #expect(sealed.count == data.count + 28)
        let box = try AES.GCM.SealedBox(combined: sealed)
        let opened = try AES.GCM.open(box, using: SymmetricKey(data: key),
                                      authenticating: VerifiableSharing.associatedData(objectID: "interop", threshold: 3,
                                                                                       shareCount: 5))
        #expect(Array(opened) == data)
        #expect(SharingAEAD.implementationName == "OpenSSL 3 EVP AES-256-GCM")
    }
}
