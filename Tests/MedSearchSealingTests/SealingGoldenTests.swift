import MedSearchCore
@testable import MedSearchSealing
import Testing
import _MedSearchTestSupport

/// Fixed values of every sealing format, pinned by golden bytes.
enum SealingGolden {
    static let keyBytes = (0..<32).map { UInt8(($0 * 11 + 5) & 0xFF) }
    static let imageKey = try! ImageSealingKey(bytes: keyBytes)
    static let qmedKey = try! QMedShieldKey(bytes: keyBytes.reversed())
    static let nonce = (0..<12).map { UInt8(0xA0 + $0) }
    static let plaintext = Array("DICM fixture image bytes".utf8)
    static let imageID = "study-1/image-7"
    static let cipherImage = QMedShieldCipherImage(width: 3, height: 2, bitsPerSample: 16,
                                                   nonce: (0..<16).map { UInt8($0 * 3) },
                                                   payload: (0..<12).map { UInt8(200 - $0 * 7) })

    static var samples: [GoldenSample] {
        [
            GoldenSample(imageKey),
            GoldenSample(qmedKey),
            GoldenSample(cipherImage),
            // A sealed image with a fixed nonce (seal draws a fresh random one); decoding opens it with the key.
            GoldenSample(SealedImageEnvelope.self, integrityProtected: true,
                         encode: { try! ImageSealer.seal(plaintext, imageID: imageID, key: imageKey, nonce: nonce) },
                         decode: { try ImageSealer.open($0, imageID: imageID, key: imageKey) == plaintext }),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct SealingGoldenTests {
    @Test(arguments: SealingGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(SealingGolden.samples) }
}
