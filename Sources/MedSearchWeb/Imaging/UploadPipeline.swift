import Foundation
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
import MedSearchStore

/// What happens to every uploaded file before anything leaves the web server: name and size checks, format
/// detection, DICOM de-identification, decoding to the analysis form, sealing into the vault, and ingest
/// into every engine's encrypted index.
struct UploadPipeline: Sendable {
    let app: WebApplication
    /// The side of the analysis image handed to the engines.
    static let analysisSide = 128

    /// The outcome for one file.
    struct Outcome: Sendable {
        var displayName: String
        var id: String?
        var stored: Bool
        var detail: String
    }

    /// Processes `files` uploaded by `username`, with `labels` attached to each (or, for a file named in
    /// `labelsByName`, those labels).
    /// `timing`, when given, hears how long each engine took to ingest the batch.
    func process(_ files: [UploadedFile], labels: [String], labelsByName: [String: [String]] = [:], username: String,
                 progress: ProgressReporter? = nil,
                 timing: (@Sendable (_ engine: String, _ images: Int, _ seconds: Double) -> Void)? = nil) async -> [Outcome] {
        var prepared: [(WebImageRecord, WebIngestItem, WebDeidentification.CatalogDraft?, Int)] = []
        var outcomes: [Outcome] = []
        for file in files {
            defer { progress?.advance() }
            let shownName = String(file.fileName.prefix(80))
            do {
                let name = try FileNames.sanitised(file.fileName)
                guard file.bytes.count <= app.configuration.maxFileBytes else {
                    throw WebError.uploadTooLarge(limit: app.configuration.maxFileBytes)
                }
                let (bytes, format, modality, renditions, catalog) = try decode(file.bytes)
                let image = renditions.analysis
                let id = "img-" + Hex.encode(SecureRandom.bytes(8))
                let labels = labelsByName[file.fileName] ?? labels
                let record = WebImageRecord(id: id, displayName: name, format: format, modality: modality,
                                            labels: labels.joined(separator: "|"), uploadedBy: username,
                                            status: "pending", detail: "")
                try app.vault.store(id: id, bytes: bytes)
                try renditions.store(id: id, in: app.vault)
                prepared.append((record, WebIngestItem(id: id, image: image, labels: labels, bytes: bytes), catalog,
                                 renditions.frame))
            } catch {
                let reason = (error as? WebError)?.description ?? String(describing: error)
                outcomes.append(Outcome(displayName: shownName, id: nil, stored: false, detail: reason))
                await app.store.audit(username, "upload", "refused", "\(shownName): \(reason)")
            }
        }
        guard !prepared.isEmpty else { return outcomes }
        // Every engine ingests the batch at the same time (each talks to its own server processes).
        let items = prepared.map(\.1)
        let failures = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, engine) in app.engines.enumerated() {
                group.addTask {
                    do {
                        let started = ContinuousClock.now
                        try await engine.ingest(items)
                        let elapsed = ContinuousClock.now - started
                        timing?(engine.name, items.count,
                                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                        return (index, nil)
                    } catch {
                        return (index, "\(engine.name): \(String(describing: error).prefix(200))")
                    }
                }
            }
            var collected: [(Int, String?)] = []
            for await outcome in group { collected.append(outcome) }
            return collected.sorted { $0.0 < $1.0 }.compactMap(\.1)
        }
        for (var record, _, catalog, frame) in prepared {
            record.status = failures.isEmpty ? "stored" : "failed"
            record.detail = failures.isEmpty ? "indexed by \(app.engines.map(\.name).joined(separator: ", "))"
                : failures.joined(separator: "; ")
            if failures.isEmpty, let catalog {
                record.detail += await self.catalog(catalog, imageID: record.id, frame: frame)
            }
            try? await app.store.saveImage(record)
            outcomes.append(Outcome(displayName: record.displayName, id: record.id, stored: failures.isEmpty,
                                    detail: record.detail))
            await app.store.audit(username, "upload", failures.isEmpty ? "ok" : "failed", "\(record.id) \(record.displayName)")
        }
        return outcomes
    }

    /// Enters a stored DICOM upload in the DICOMweb catalog (QIDO-RS, WADO-RS, the study shown with results);
    /// returns what the upload's detail says about it. An instance already catalogued stays as it was.
    func catalog(_ draft: WebDeidentification.CatalogDraft, imageID: String, frame: Int) async -> String {
        guard await !app.dicomwebCatalog.contains(draft.sopInstanceUID) else {
            return "; its SOP Instance UID was already stored through DICOMweb, so this copy is not in the DICOMweb catalog"
        }
        do {
            try await app.dicomwebCatalog.add(DICOMwebEntry(sopInstanceUID: draft.sopInstanceUID, imageID: imageID,
                                                            frame: frame, attributes: draft.attributes,
                                                            identity: draft.identity))
            return "; available through DICOMweb"
        } catch {
            return "; not in the DICOMweb catalog (\(String(describing: error).prefix(120)))"
        }
    }

    /// Detects the format, de-identifies DICOM, and decodes (once, within the configured ``DecodeLimits``) to
    /// the analysis form, the thumbnail and the view that are stored beside the original.
    func decode(_ bytes: [UInt8]) throws -> (stored: [UInt8], format: String, modality: String?, renditions: Renditions,
                                             catalog: WebDeidentification.CatalogDraft?) {
        guard let format = ImageLoader.detectFormat(bytes), [.dicom, .png, .jpeg].contains(format) else {
            throw WebError.notAnImage("the file starts with neither a DICOM, PNG nor JPEG signature")
        }
        var stored = bytes
        var modality: String?
        var catalog: WebDeidentification.CatalogDraft?
        if format == .dicom {
            let deidentified = try app.deidentification.apply(bytes)
            stored = deidentified.bytes
            modality = deidentified.modality
            catalog = deidentified.catalog
        }
        return (stored, format.rawValue, modality, try renditions(of: stored), catalog)
    }

    /// Decodes stored bytes within the configured limits and derives the renditions.
    func renditions(of stored: [UInt8]) throws -> Renditions {
        let pixels: PixelBuffer
        do { pixels = try ImageLoader.decode(stored, limits: app.configuration.decodeLimits) } catch {
            throw WebError.notAnImage(String(describing: error))
        }
        // A multi-frame instance is indexed and shown by its representative (middle) frame, as through DICOMweb.
        let frame = FrameSelection.representative.frames(of: pixels.frames)[0]
        return Renditions(analysis: pixels.analysisImage(side: Self.analysisSide, frame: frame),
                          thumbnail: PNGWriter.encode(pixels.analysisImage(side: 96, frame: frame)),
                          view: PNGWriter.encode(pixels.analysisImage(side: 512, frame: frame)), frame: frame)
    }

    /// The stored rendition `kind` of image `id`; an image stored before renditions existed is decoded once
    /// more (within the limits) and its renditions are stored.
    func rendition(_ kind: ImageVault.Derived, of id: String) throws -> [UInt8] {
        if let bytes = try app.vault.load(id: id, derived: kind) { return bytes }
        let renditions = try renditions(of: try app.vault.load(id: id))
        try renditions.store(id: id, in: app.vault)
        return renditions.bytes(kind)
    }

    /// The analysis image of stored image `id` (from its stored rendition).
    func analysisImage(of id: String) throws -> GrayImage {
        let bytes = try rendition(.analysis, of: id)
        guard let image = Renditions.grayImage(bytes) else { throw WebError.notFound("An intact copy of image \(id)") }
        return image
    }

    /// What an upload is decoded to, once.
    struct Renditions: Sendable {
        var analysis: GrayImage
        var thumbnail: [UInt8]
        var view: [UInt8]
        /// The frame they show (0 for single-frame images; the middle frame of a multi-frame instance).
        var frame = 0

        func bytes(_ kind: ImageVault.Derived) -> [UInt8] {
            switch kind {
            case .analysis: Self.bytes(analysis)
            case .thumbnail: thumbnail
            case .view: view
            }
        }

        func store(id: String, in vault: ImageVault) throws {
            for kind in ImageVault.Derived.allCases { try vault.store(id: id, derived: kind, bytes: bytes(kind)) }
        }

        /// rows and columns (UInt32 little-endian) and the Float values' bit patterns (little-endian).
        static func bytes(_ image: GrayImage) -> [UInt8] {
            var writer = ByteWriter(capacity: 8 + 4 * image.values.count)
            writer.write(UInt32(image.rows))
            writer.write(UInt32(image.columns))
            for value in image.values { writer.write(value.bitPattern) }
            return writer.bytes
        }

        static func grayImage(_ bytes: [UInt8]) -> GrayImage? {
            var reader = ByteReader(bytes)
            guard let rows = try? Int(reader.read(UInt32.self)), let columns = try? Int(reader.read(UInt32.self)),
                  rows <= 4096, columns <= 4096, bytes.count == 8 + 4 * rows * columns else { return nil }
            var values = [Float]()
            values.reserveCapacity(rows * columns)
            for _ in 0..<(rows * columns) {
                guard let bits = try? reader.read(UInt32.self) else { return nil }
                values.append(Float(bitPattern: bits))
            }
            return GrayImage(rows: rows, columns: columns, values: values)
        }
    }
}
