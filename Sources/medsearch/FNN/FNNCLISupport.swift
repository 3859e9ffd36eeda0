import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchFNN
import MedSearchFeatures
import MedSearchImaging
import MedSearchServer

/// How images become FNN's integer vectors: raw pixels quantised to 0...255 (the paper's choice) or any feature
/// of the features target in fixed point (`round(x * scale)`, at most `maxAbs` in magnitude).
struct FNNVectorizer: Codable, Equatable, Sendable {
    /// The feature name (`pixels`, `stats`, `lbp`, `hog`, ...).
    var feature: String
    /// The image side the feature resizes to.
    var side: Int
    /// Fixed-point scale for non-pixel features.
    var scale: Int
    /// The largest coordinate magnitude.
    var maxAbs: Int64

    static let fileName = "fnn-vectorizer.json"

    func model() throws -> FeatureModel {
        var options = FeatureOptions()
        options.side = side
        return try FeatureRegistry.make(feature, options: options)
    }

    var dimension: Int { get throws { try model().dimension } }

    /// The integer vector of an image file.
    func vector(of url: URL, model: FeatureModel) throws -> [Int64] {
        let image = try ImageLoader.load(url).grayImage()
        return try vector(of: image, model: model)
    }

    /// The integer vector of an analysis image.
    func vector(of image: GrayImage, model: FeatureModel) throws -> [Int64] {
        let values = model.extract(image)
        let factor = feature == "pixels" ? 255.0 : Double(scale)
        return try values.enumerated().map { index, value in
            var scaled = (Double(value) * factor).rounded()
            // Resampling (Lanczos) can overshoot 0...1 slightly: pixels are clamped to the 8-bit range.
            if feature == "pixels" { scaled = min(255, max(0, scaled)) }
            guard scaled.isFinite, abs(scaled) <= Double(maxAbs) else {
                throw ValidationError("coordinate \(index) of the \(feature) vector exceeds --max-abs \(maxAbs) after scaling")
            }
            return Int64(scaled)
        }
    }

    func write(to directory: URL) throws {
        let data = try JSONEncoder().encode(self)
        try data.write(to: directory.appendingPathComponent(Self.fileName))
    }

    static func load(from directory: URL) throws -> FNNVectorizer {
        let url = directory.appendingPathComponent(fileName)
        do { return try JSONDecoder().decode(FNNVectorizer.self, from: Data(contentsOf: url)) } catch {
            throw ValidationError("cannot read \(url.path): \(error)")
        }
    }
}

/// Files of a key directory written by `medsearch fnn keygen`.
enum FNNKeyFiles {
    static let owner = "owner.fnnkey"
    static let c1Setup = "c1.fnnsetup"
    static let c2Setup = "c2.fnnsetup"
    static let user = "user.fnncred"
    static let manifest = "records.tsv"

    static func read(_ directory: URL, _ name: String) throws -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        do { return Array(try Data(contentsOf: url)) } catch {
            throw ValidationError("cannot read \(url.path) (run `medsearch fnn keygen` first)")
        }
    }

    static func writeSecret(_ bytes: [UInt8], to url: URL) throws {
        try writeSecretFile(Data(bytes), to: url)
    }

    /// The owner's manifest: record id and image path, one per line.
    static func manifest(_ directory: URL) throws -> [(id: UInt64, path: String)] {
        let url = directory.appendingPathComponent(manifest)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let id = UInt64(parts[0]) else { return nil }
            return (id, String(parts[1]))
        }
    }

    static func writeManifest(_ entries: [(id: UInt64, path: String)], to directory: URL) throws {
        let text = entries.map { "\($0.id)\t\($0.path)" }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: directory.appendingPathComponent(manifest))
    }
}

/// Connection options shared by the owner and user commands.
struct FNNConnectionOptions: ParsableArguments {
    @Option(help: "C1's base URL.")
    var c1: String

    @Option(help: "C2's base URL.")
    var c2: String

    @Option(help: "Token file (JSON {\"tokens\": {token: role}}); the token of the caller's role is used.")
    var tokens: String

    @Option(help: "Seconds one call may take (a Paillier search at 256x256 takes minutes).")
    var timeout: Int = 7200

    func clients(role: ServiceRole) throws -> (c1: ServiceClient, c2: ServiceClient) {
        let table = try AccessTokens.load(from: URL(fileURLWithPath: tokens))
        guard let token = table.tokens.first(where: { $0.value == role })?.key else {
            throw ValidationError("\(tokens) has no token for role \(role.rawValue)")
        }
        return (ServiceClient(baseURL: c1, token: token, timeout: .seconds(timeout)),
                ServiceClient(baseURL: c2, token: token, timeout: .seconds(timeout)))
    }
}

/// The owner's and user's network flows, shared by the CLI commands and the demo.
enum FNNClientFlows {
    /// Lists image files (PNG, JPEG, DICOM) in a directory, sorted by name.
    static func images(in directory: URL, limit: Int?) throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let images = names.filter { name in
            let lower = name.lowercased()
            return lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".dcm")
        }.map { directory.appendingPathComponent($0) }
        return limit.map { Array(images.prefix($0)) } ?? images
    }

    /// Vectorises images with ids starting at `firstID` (progress on stderr).
    static func records(_ urls: [URL], firstID: UInt64, vectorizer: FNNVectorizer, progress: Bool) throws -> [FNNRecordInput] {
        let model = try vectorizer.model()
        let reporter = ProgressReporter(label: "vectorise", total: urls.count, enabled: progress)
        var out: [FNNRecordInput] = []
        for (index, url) in urls.enumerated() {
            out.append(FNNRecordInput(id: firstID + UInt64(index), vector: try vectorizer.vector(of: url, model: model),
                                      label: url.lastPathComponent))
            reporter.advance()
        }
        return out
    }

    static func status(_ client: ServiceClient) async throws -> FNNServerStatus {
        try JSONDecoder().decode(FNNServerStatus.self, from: Data(try await client.get("/fnn/v1/status")))
    }

    /// Sends set-ups (idempotent), records and (shared back end) `pool` correlation entries.
    /// `allRecords` (every record stored after this upload) feeds the rows of fresh correlation entries.
    static func upload(owner: FNNOwner, records: [FNNRecordInput], allRecords: [FNNRecordInput], pool: Int,
                       c1: ServiceClient, c2: ServiceClient, sendSetup: Bool, progress: Bool) async throws {
        if sendSetup {
            _ = try await c1.post("/fnn/v1/setup", body: FNNWire.encode(owner.c1Setup))
            var c2Setup = FNNWire.encode(owner.c2Setup)
            _ = try await c2.post("/fnn/v1/setup", body: c2Setup)
            constantTimeWipe(&c2Setup)
        }
        let pk = owner.keys.paillierSecretKey?.publicKey
        let reporter = ProgressReporter(label: "encrypt+upload", total: records.count, enabled: progress)
        let chunk = owner.parameters.backend == .paillier ? 1 : 64
        var start = 0
        while start < records.count {
            let slice = Array(records[start..<min(start + chunk, records.count)])
            let encoded = try owner.encode(slice)
            _ = try await c1.post("/fnn/v1/records", body: FNNWire.encode(encoded, publicKey: pk))
            reporter.advance(by: slice.count)
            start += chunk
        }
        guard owner.parameters.backend == .shared else { return }
        // New records need C2's rows for every entry not yet consumed; fresh entries cover every record.
        let c1Status = try await Self.status(c1)
        if !c1Status.unusedEntries.isEmpty, !records.isEmpty {
            let low = c1Status.unusedEntries.min()!, high = c1Status.unusedEntries.max()!
            let rows = try owner.poolForC2(entries: low..<(high + 1), records: records)
            _ = try await c2.post("/fnn/v1/pool", body: FNNWire.encode(c2Pool: FNNSharedPoolC2(entries: [], rows: rows.rows)))
        }
        if pool > 0 {
            let next = max(c1Status.nextEntry, (try await Self.status(c2)).nextEntry)
            try await replenish(owner: owner, entries: next..<(next + UInt64(pool)), c1: c1, c2: c2, progress: progress,
                                records: allRecords)
        }
    }

    /// Adds correlation entries for every record (the owner re-reads the vectors from its manifest).
    static func replenish(owner: FNNOwner, entries: Range<UInt64>, c1: ServiceClient, c2: ServiceClient, progress: Bool,
                          records: [FNNRecordInput]?, keyDirectory: URL? = nil, vectorizer: FNNVectorizer? = nil) async throws {
        var all = records
        if all == nil, let keyDirectory, let vectorizer {
            let model = try vectorizer.model()
            all = try FNNKeyFiles.manifest(keyDirectory).map { entry in
                FNNRecordInput(id: entry.id, vector: try vectorizer.vector(of: URL(fileURLWithPath: entry.path), model: model),
                               label: "")
            }
        }
        let reporter = ProgressReporter(label: "correlations", total: max(all?.count ?? 0, 1), enabled: progress)
        let pool = try owner.poolForC2(entries: entries, records: all ?? []) { _ in reporter.advance() }
        _ = try await c2.post("/fnn/v1/pool", body: FNNWire.encode(c2Pool: pool))
        _ = try await c1.post("/fnn/v1/pool", body: FNNWire.encode(c1Pool: try owner.poolSeedsForC1(entries: entries)))
    }

    /// Runs one query over the network: share to C2 (shared back end), query to C1, hand-over from C2.
    static func query(user: FNNUser, vector: [Int64], k: Int, c1: ServiceClient, c2: ServiceClient) async throws
        -> (hits: [FNNSearchHit], result: FNNC1Result) {
        let prepared = try user.prepareQuery(vector, k: k)
        if let share = prepared.forC2 { _ = try await c2.post("/fnn/v1/share", body: FNNWire.encode(share)) }
        let body = FNNWire.encode(prepared.forC1, publicKey: user.credentials.publicKey)
        let result = try FNNWire.decodeResult(try await c1.post("/fnn/v1/query", body: body))
        let handover = try FNNWire.decodeHandover(try await c2.get("/fnn/v1/handover/\(prepared.forC1.queryID)"))
        return (try user.open(result: result, handover: handover), result)
    }
}
