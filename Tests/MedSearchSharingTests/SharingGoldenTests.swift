import Crypto
import MedSearchCore
@testable import MedSearchSharing
import Testing
import _MedSearchTestSupport

/// Fixed values of every sharing format, pinned by golden bytes (Ed25519 signatures are deterministic).
enum SharingGolden {
    static let share = Share(objectID: "record-42", index: 2, threshold: 3, shareCount: 5,
                             keyShare: (0..<32).map { UInt8($0 ^ 0x5A) }, fragment: (0..<24).map { UInt8($0 * 9 & 0xFF) })
    static let signingKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: (0..<32).map { UInt8(0x40 + $0) })
    static let manifest = try! ShareManifest(objectID: "record-42", threshold: 3, shareCount: 5, sealedLength: 1234,
                                             shareHashes: (0..<5).map { i in (0..<32).map { UInt8(($0 + i * 32) & 0xFF) } },
                                             signingKey: signingKey)

    static var samples: [GoldenSample] {
        [
            GoldenSample(share, integrityProtected: true),
            GoldenSample(manifest),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct SharingGoldenTests {
    @Test(arguments: SharingGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(SharingGolden.samples) }
}
