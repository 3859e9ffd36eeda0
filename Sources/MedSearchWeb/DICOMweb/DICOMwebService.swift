import Crypto
import Foundation
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
import MedSearchStore

/// The DICOMweb service of the web application: stores instances (de-identify, index, seal, catalog),
/// answers QIDO-RS from the catalog, gives instances back re-identified, and searches by example.
struct DICOMwebService: Sendable {
    let app: WebApplication
    var catalog: DICOMwebCatalog { app.dicomwebCatalog }

    /// The private creator and tags of the search-similar result attributes (group 0009, block 0x10).
    static let privateCreator = "MEDSEARCH 1"
    /// (0009,0010) Private Creator "MEDSEARCH 1".
    static let creatorTag = DICOMTag(0x0009, 0x0010)
    /// (0009,1001) IS: rank of the result, 1 = most similar.
    static let rankTag = DICOMTag(0x0009, 0x1001)
    /// (0009,1002) DS: the engine's distance or score for the result (smaller is closer).
    static let distanceTag = DICOMTag(0x0009, 0x1002)
    /// (0009,1003) LO: what the distance is ("squared distance", "Hamming distance", "score").
    static let distanceKindTag = DICOMTag(0x0009, 0x1003)
    /// (0009,1004) LO: the engine that answered (fnn, sei, trustmed).
    static let engineTag = DICOMTag(0x0009, 0x1004)

    /// An instance checked, de-identified and decoded, ready to be stored.
    struct Prepared: Sendable {
        var sopClassUID: String
        var sopInstanceUID: String
        var studyInstanceUID: String
        var seriesInstanceUID: String
        var cleanBytes: [UInt8]
        var image: GrayImage
        var frame: Int
        var modality: String?
        var attributes: DICOMDataset
        var identity: IdentityRecord
    }

    /// De-identifies and decodes one examined instance (the representative frame is the analysis image).
    /// - Throws: ``STOWFailure``.
    func prepare(_ file: DICOMFile) throws -> Prepared {
        let sopClass = file.dataset.string(.sopClassUID) ?? file.meta.string(.mediaStorageSOPClassUID) ?? ""
        let sop = file.dataset.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID) ?? ""
        do {
            let map = PseudonymMap(deidentifier: app.deidentification.deidentifier)
            let (clean, _, identity) = try map.deidentify(file)
            let cleanBytes = try DICOMWriter.write(clean)
            let pixels = try DICOMFile(bytes: cleanBytes).decodePixels()
            let frame = FrameSelection.representative.frames(of: pixels.frames)[0]
            let image = pixels.analysisImage(side: UploadPipeline.analysisSide, frame: frame)
            return Prepared(sopClassUID: sopClass, sopInstanceUID: sop,
                            studyInstanceUID: file.dataset.string(.studyInstanceUID) ?? "",
                            seriesInstanceUID: file.dataset.string(.seriesInstanceUID) ?? "",
                            cleanBytes: cleanBytes, image: image, frame: frame,
                            modality: file.dataset.string(.modality), attributes: DICOMwebEntry.catalogAttributes(file.dataset),
                            identity: identity)
        } catch {
            throw STOWInstance.classify(error, sopClassUID: sopClass, sopInstanceUID: sop)
        }
    }

    /// The repository image id of a DICOMweb instance: derived from its pseudonymous SOP Instance UID (an HMAC
    /// under the deployment secret), so storing the same instance again gives the same id and an engine that
    /// already indexed it is not handed it twice.
    static func imageID(_ item: Prepared) -> String {
        "img-" + Hex.encode(SHA256.hash(data: Array("medsearch-dicomweb-image:\(item.identity.pseudonymousSOPInstanceUID)".utf8)).prefix(8))
    }

    /// Stores prepared instances: sealed into the vault, ingested in one batch by every engine that does not hold
    /// them yet, then entered in the catalog (the commit point). If an engine fails, none of them is entered and
    /// their vault copies are removed; each is reported failed with 0x0110 (Processing failure). Nothing is
    /// half-stored: index entries an engine made for the batch are under ids nobody can see (searches leave out
    /// what is not catalogued, ``FilteredSearch``), and a retry of the same instances (what a PACS does after a
    /// processing failure) reuses those ids, so the engines that succeeded skip them and the others catch up.
    func store(_ items: [Prepared], username: String, baseURL: String) async -> (stored: [STOWResponse.Stored],
                                                                                 failed: [STOWFailure]) {
        guard !items.isEmpty else { return ([], []) }
        var ids: [String] = []
        var ingest: [WebIngestItem] = []
        for item in items {
            let id = Self.imageID(item)
            do { try app.vault.store(id: id, bytes: item.cleanBytes) } catch {
                for stored in ids { app.vault.remove(id: stored) }
                return ([], items.map { STOWFailure(.outOfResources, "cannot seal the instance",
                                                   sopClassUID: $0.sopClassUID, sopInstanceUID: $0.sopInstanceUID) })
            }
            ids.append(id)
            ingest.append(WebIngestItem(id: id, image: item.image, labels: [], bytes: item.cleanBytes))
        }
        let batch = ingest
        let failures = await withTaskGroup(of: String?.self) { group in
            for engine in app.engines {
                group.addTask {
                    let held = await engine.heldIDs()
                    let missing = batch.filter { !held.contains($0.id) }
                    guard !missing.isEmpty else { return nil }
                    do { try await engine.ingest(missing); return nil } catch {
                        return "\(engine.name): \(String(describing: error).prefix(120))"
                    }
                }
            }
            var collected: [String] = []
            for await failure in group { if let failure { collected.append(failure) } }
            return collected
        }
        if !failures.isEmpty {
            for id in ids { app.vault.remove(id: id) }
            await app.store.audit(username, "dicomweb store", "failed", failures.joined(separator: "; "))
            return ([], items.map { STOWFailure(.processingFailure, "an engine could not index the instance",
                                               sopClassUID: $0.sopClassUID, sopInstanceUID: $0.sopInstanceUID) })
        }
        var stored: [STOWResponse.Stored] = []
        var failed: [STOWFailure] = []
        for (item, id) in zip(items, ids) {
            do {
                let record = WebImageRecord(id: id, displayName: "DICOMweb \(item.modality ?? "") instance",
                                            format: "dicom", modality: item.modality, labels: "", uploadedBy: username,
                                            status: "stored", detail: "stored through DICOMweb, indexed by "
                                                + app.engines.map(\.name).joined(separator: ", "))
                try await catalog.add(DICOMwebEntry(sopInstanceUID: item.sopInstanceUID, imageID: id, frame: item.frame,
                                                    attributes: item.attributes, identity: item.identity))
                try await app.store.saveImage(record)
                stored.append(.init(sopClassUID: item.sopClassUID, sopInstanceUID: item.sopInstanceUID,
                                    retrieveURL: "\(baseURL)/studies/\(item.studyInstanceUID)/series/"
                                        + "\(item.seriesInstanceUID)/instances/\(item.sopInstanceUID)"))
                await app.store.audit(username, "dicomweb store", "ok", id)
            } catch {
                app.vault.remove(id: id)
                failed.append(STOWFailure(.outOfResources, "cannot record the instance",
                                          sopClassUID: item.sopClassUID, sopInstanceUID: item.sopInstanceUID))
            }
        }
        return (stored, failed)
    }

    /// The original (re-identified) Part 10 bytes of a stored instance, from the web server's sealed copy.
    func originalInstance(_ entry: DICOMwebEntry) throws -> [UInt8] {
        try Self.reidentified(try app.vault.load(id: entry.imageID), entry)
    }

    /// The original Part 10 bytes of stored instances, in order, for WADO-RS: each rebuilt from the untrusted side's
    /// copy when a running engine keeps the files (TrustMedSearch: the edge master rebuilds it from m of n shares,
    /// opened with the sealing key; AES-GCM with the image id as associated data, so a swapped or altered copy is
    /// refused), else the web server's own sealed copy. Also says how many came from the engine, and which.
    func originalInstances(_ entries: [DICOMwebEntry]) async throws -> (instances: [[UInt8]], rebuilt: Int, engine: String?) {
        var copies: [String: [UInt8]] = [:]
        let source = app.engines.lazy.compactMap { $0 as? any WebImageSource }.first
        if let source { copies = (try? await source.retrieve(entries.map(\.imageID))) ?? [:] }
        let instances = try entries.map { entry in
            try Self.reidentified(try copies[entry.imageID] ?? app.vault.load(id: entry.imageID), entry)
        }
        return (instances, entries.filter { copies[$0.imageID] != nil }.count, source?.name)
    }

    /// `cleanBytes` (a de-identified instance) with the entry's identity record applied.
    static func reidentified(_ cleanBytes: [UInt8], _ entry: DICOMwebEntry) throws -> [UInt8] {
        let clean = try DICOMFile(bytes: cleanBytes)
        let dataset = try PseudonymMap.reidentify(clean.dataset, with: entry.identity)
        return try DICOMWriter.write(DICOMFile(meta: DICOMDataset(), dataset: dataset, transferSyntax: clean.transferSyntax))
    }

    /// The rendered frame of a stored instance: `window`, else the instance's own VOI window (else the frame's
    /// full range), MONOCHROME1 inverted, as an 8-bit grayscale image.
    func rendered(_ entry: DICOMwebEntry, frame: Int?, window: VOIWindow? = nil) throws -> GrayImage {
        let clean = try DICOMFile(bytes: try app.vault.load(id: entry.imageID))
        return try clean.grayImage(frame: frame ?? entry.frame, window: window)
    }

    /// The catalog entries matching the path scope, oldest first.
    func entries(study: String? = nil, series: String? = nil, instance: String? = nil) async -> [DICOMwebEntry] {
        await catalog.all().filter { entry in
            (study.map { entry.attributes.string(.studyInstanceUID) == $0 } ?? true)
                && (series.map { entry.attributes.string(.seriesInstanceUID) == $0 } ?? true)
                && (instance.map { entry.sopInstanceUID == $0 } ?? true)
        }
    }

    /// The k instances most similar to `query`, best first, as QIDO-RS instance results with rank, distance,
    /// its kind and the engine in (0009,1001-1004), and how many nearer images were left out. Images that are not
    /// catalogued (PNG and JPEG uploaded on the web page have no SOP Instance UID) are left out, and the engine is
    /// asked for more (``FilteredSearch``), so fewer than k results means fewer than k catalogued instances exist.
    func searchSimilar(_ query: GrayImage, engine: any WebEngine, k: Int, baseURL: String) async throws
        -> (results: [DICOMDataset], leftOut: Int) {
        let catalog = self.catalog
        let (hits, leftOut) = try await FilteredSearch.run(engine, query: query, k: k) { hit in
            await catalog.entry(imageID: hit.id) != nil
        }
        let records = await catalog.all().map(\.attributes)
        var results: [DICOMDataset] = []
        for (rank, hit) in hits.enumerated() {
            guard let entry = await catalog.entry(imageID: hit.id) else { continue }
            let found = QIDOSearch(records: records).run(
                try QIDOQuery(level: .instance, items: [("SOPInstanceUID", entry.sopInstanceUID),
                                                        ("includefield", "StudyDescription,BodyPartExamined,Modality")]),
                retrieveURL: { study, series, instance in
                    "\(baseURL)/studies/\(study)/series/\(series ?? "")/instances/\(instance ?? "")"
                }).results
            guard var result = found.first else { continue }
            result.set(DICOMElement(tag: Self.creatorTag, vr: .LO, string: Self.privateCreator))
            result.set(DICOMElement(tag: Self.rankTag, vr: .IS, string: String(rank + 1)))
            result.set(DICOMElement(tag: Self.distanceTag, vr: .DS, string: Self.decimalString(hit.score)))
            result.set(DICOMElement(tag: Self.distanceKindTag, vr: .LO, string: hit.scoreKind))
            result.set(DICOMElement(tag: Self.engineTag, vr: .LO, string: engine.name))
            results.append(result)
        }
        return (results, leftOut)
    }

    /// A DS value (at most 16 characters).
    static func decimalString(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let text = String(format: "%.10g", value)
        return String(text.prefix(16))
    }
}
