import Foundation
import MedSearchCore
import MedSearchImaging

/// De-identification of DICOM uploads (PS3.15 Annex E basic profile, via MedSearchImaging's `Deidentifier`)
/// under the web server's per-deployment secret, so UIDs and date shifts stay consistent across uploads.
struct WebDeidentification: Sendable {
    let deidentifier: Deidentifier

    /// Loads (or creates, mode 0600) the deployment secret in `directory`.
    init(directory: URL) throws {
        let file = directory.appendingPathComponent("deid.secret")
        var secret: [UInt8]
        if let existing = try? Data(contentsOf: file), existing.count == 32 {
            secret = Array(existing)
        } else {
            secret = SecureRandom.bytes(32)
            do { try OwnerOnlyFile.write(secret, to: file) } catch {
                throw WebError.engineUnavailable("cannot write the de-identification secret: \(error)")
            }
        }
        deidentifier = try Deidentifier(secret: SecretBytes(secret))
        constantTimeWipe(&secret)
    }

    /// The de-identified file and its modality.
    func apply(_ bytes: [UInt8]) throws -> (bytes: [UInt8], modality: String?) {
        let (clean, _) = try deidentifier.deidentify(bytes: bytes)
        let modality = try? ImageInspector.inspect(bytes: clean).modality
        return (clean, modality)
    }
}
