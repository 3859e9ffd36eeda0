import Foundation
import MedSearchCore
import MedSearchImaging

/// De-identification of DICOM uploads (PS3.15 Annex E basic profile, via MedSearchImaging's `Deidentifier`)
/// under the web server's per-deployment secret, so UIDs and date shifts stay consistent across uploads.
struct WebDeidentification: Sendable {
    let deidentifier: Deidentifier

    /// Loads (or creates, mode 0600 from creation) the deployment secret in `directory`; an existing secret that
    /// others can read, or of the wrong size, is refused (never silently replaced: pseudonyms must stay stable).
    init(directory: URL) throws {
        let file = directory.appendingPathComponent("deid.secret")
        var secret: [UInt8]
        do { secret = try OwnerOnlyFile.readOrCreate(at: file, maxBytes: 64) { SecureRandom.bytes(32) } } catch {
            throw WebError.engineUnavailable("cannot use the de-identification secret: \(error)")
        }
        defer { constantTimeWipe(&secret) }
        guard secret.count == 32 else {
            throw WebError.engineUnavailable("the de-identification secret \(file.path) is not 32 bytes")
        }
        deidentifier = try Deidentifier(secret: SecretBytes(secret))
    }

    /// The de-identified file and its modality.
    func apply(_ bytes: [UInt8]) throws -> (bytes: [UInt8], modality: String?) {
        let (clean, _) = try deidentifier.deidentify(bytes: bytes)
        let modality = try? ImageInspector.inspect(bytes: clean).modality
        return (clean, modality)
    }
}
