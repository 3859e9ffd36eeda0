import Foundation
import MedSearchCore
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
        var prepared: [(WebImageRecord, WebIngestItem)] = []
        var outcomes: [Outcome] = []
        for file in files {
            defer { progress?.advance() }
            let shownName = String(file.fileName.prefix(80))
            do {
                let name = try FileNames.sanitised(file.fileName)
                guard file.bytes.count <= app.configuration.maxFileBytes else {
                    throw WebError.uploadTooLarge(limit: app.configuration.maxFileBytes)
                }
                let (bytes, format, modality, image) = try decode(file.bytes)
                let id = "img-" + Hex.encode(SecureRandom.bytes(8))
                let labels = labelsByName[file.fileName] ?? labels
                let record = WebImageRecord(id: id, displayName: name, format: format, modality: modality,
                                            labels: labels.joined(separator: "|"), uploadedBy: username,
                                            status: "pending", detail: "")
                try app.vault.store(id: id, bytes: bytes)
                prepared.append((record, WebIngestItem(id: id, image: image, labels: labels, bytes: bytes)))
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
        for (var record, _) in prepared {
            record.status = failures.isEmpty ? "stored" : "failed"
            record.detail = failures.isEmpty ? "indexed by \(app.engines.map(\.name).joined(separator: ", "))"
                : failures.joined(separator: "; ")
            try? await app.store.saveImage(record)
            outcomes.append(Outcome(displayName: record.displayName, id: record.id, stored: failures.isEmpty,
                                    detail: record.detail))
            await app.store.audit(username, "upload", failures.isEmpty ? "ok" : "failed", "\(record.id) \(record.displayName)")
        }
        return outcomes
    }

    /// Detects the format, de-identifies DICOM, and decodes to the analysis form.
    func decode(_ bytes: [UInt8]) throws -> (stored: [UInt8], format: String, modality: String?, image: GrayImage) {
        guard let format = ImageLoader.detectFormat(bytes), [.dicom, .png, .jpeg].contains(format) else {
            throw WebError.notAnImage("the file starts with neither a DICOM, PNG nor JPEG signature")
        }
        var stored = bytes
        var modality: String?
        if format == .dicom {
            let deidentified = try app.deidentification.apply(bytes)
            stored = deidentified.bytes
            modality = deidentified.modality
        }
        let pixels: PixelBuffer
        do { pixels = try ImageLoader.decode(stored) } catch {
            throw WebError.notAnImage(String(describing: error))
        }
        let image = try analysisImage(pixels, stored: stored)
        return (stored, format.rawValue, modality, image)
    }

    /// The analysis form of stored bytes (for display and search).
    func analysisImage(_ pixels: PixelBuffer, stored: [UInt8], side: Int = analysisSide) throws -> GrayImage {
        pixels.analysisImage(side: side)
    }
}
