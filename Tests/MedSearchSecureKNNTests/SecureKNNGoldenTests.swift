import MedSearchCore
import MedSearchSecureKNN
import Testing
import _MedSearchTestSupport

/// Fixed values of every SecureKNN format (the paper's toy example, sei.md 5.4), pinned by golden bytes.
enum SecureKNNGolden {
    static let ownerKey = try! SecureKNNOwnerKey(
        m: Matrix(rows: [[17, 1, 26, 38, 8, 26], [33, 38, 5, 12, 1, 5], [18, 43, 9, 13, 22, 32],
                         [36, 28, 6, 41, 23, 14], [25, 44, 21, 13, 5, 16], [22, 24, 6, 28, 27, 28]]),
        r: [1, 3, 1], s: [2, 12, 3], permutation: [0, 2, 1], theta: 3, x: [6, 1, 2])
    static let userSecret = try! SecureKNNUserSecret(w: Matrix(rows: [[4, 5], [3, 1]]))
    static let grant = try! SecureKNNUserGrant(
        abar: Matrix(rows: [[22.909, -12.545], [-14.455, 90.273], [27.545, 24.273], [12.818, 46.909],
                            [-1.636, 71.182], [32.455, 2.727]]),
        u: [288, 301, 401, 378, 411, 330])

    static var samples: [GoldenSample] {
        [
            GoldenSample(ownerKey),
            GoldenSample(userSecret),
            GoldenSample(userSecret.registrationRequest),
            GoldenSample(grant),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct SecureKNNGoldenTests {
    @Test(arguments: SecureKNNGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(SecureKNNGolden.samples) }
}
