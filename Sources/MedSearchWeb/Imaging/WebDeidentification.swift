import Foundation
import MedSearchCore
import MedSearchDICOMweb
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

    /// The de-identified file, its modality and, when it has the UIDs DICOMweb needs, what the DICOMweb catalog
    /// keeps of it (so an instance uploaded on the web page is found, shown and retrieved like a stored one).
    func apply(_ bytes: [UInt8]) throws -> (bytes: [UInt8], modality: String?, catalog: CatalogDraft?) {
        let file = try DICOMFile(bytes: bytes)
        let (clean, _, identity) = try PseudonymMap(deidentifier: deidentifier).deidentify(file)
        let cleanBytes = try DICOMWriter.write(clean)
        let modality = try? ImageInspector.inspect(bytes: cleanBytes).modality
        let uids = [DICOMTag.sopInstanceUID, .studyInstanceUID, .seriesInstanceUID].map { file.dataset.string($0) ?? "" }
        let catalog = uids.allSatisfy(QIDOMatchUID.isUID)
            ? CatalogDraft(sopInstanceUID: uids[0], attributes: DICOMwebEntry.catalogAttributes(file.dataset), identity: identity)
            : nil
        return (cleanBytes, modality, catalog)
    }

    /// What the DICOMweb catalog keeps of a DICOM upload: the original SOP Instance UID, the attributes QIDO-RS
    /// matches and the identity record that undoes de-identification (all on the trusted side).
    struct CatalogDraft: Sendable {
        var sopInstanceUID: String
        var attributes: DICOMDataset
        var identity: IdentityRecord
    }
}
