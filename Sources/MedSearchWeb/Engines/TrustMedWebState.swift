import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchTransport
import MedSearchTrustMed

/// What ``TrustMedWebEngine`` keeps on the trusted web server between runs (all files mode 0600 under
/// `engines/trustmed/`): the client keys (`client.key`), the hash model (`hash.model`), the hashcodes of the
/// uploaded images (`codes.json`, the plaintext reference) and the images waiting for the hash model (`pending/`).
struct TrustMedWebState: Sendable {
    var client: TrustMedClient?
    var model: FeatureModel?
    var codes: [String: [UInt8]]
    var pending: [WebIngestItem]

    /// One waiting image on disk.
    private struct PendingFile: Codable {
        var id: String
        var rows: Int
        var columns: Int
        var values: [Float]
        var labels: [String]
        var bytes: Data
    }

    static func load(from directory: URL) throws -> TrustMedWebState {
        let files = FileManager.default
        var state = TrustMedWebState(client: nil, model: nil, codes: [:], pending: [])
        let keyFile = directory.appendingPathComponent("client.key")
        let modelFile = directory.appendingPathComponent("hash.model")
        if OwnerOnlyFile.exists(keyFile), let modelBytes = try OwnerOnlyFile.readIfPresent(at: modelFile, maxBytes: 1 << 30) {
            state.client = try TrustMedDefaults.client(keys: try TrustMedKeyFiles.readKeys(keyFile.path))
            state.model = try FeatureModel(serialized: modelBytes)
        }
        if let bytes = try OwnerOnlyFile.readIfPresent(at: directory.appendingPathComponent("codes.json"), maxBytes: 1 << 30) {
            state.codes = try JSONDecoder().decode([String: [UInt8]].self, from: Data(bytes))
        }
        let pendingDirectory = directory.appendingPathComponent("pending")
        let names = ((try? files.contentsOfDirectory(atPath: pendingDirectory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        for name in names {
            let bytes = try OwnerOnlyFile.read(from: pendingDirectory.appendingPathComponent(name), maxBytes: 1 << 30)
            let file = try JSONDecoder().decode(PendingFile.self, from: Data(bytes))
            guard file.rows > 0, file.columns > 0, file.values.count == file.rows * file.columns else {
                throw WebError.engineUnavailable("TrustMedSearch: damaged pending image \(name)")
            }
            state.pending.append(WebIngestItem(id: file.id, image: GrayImage(rows: file.rows, columns: file.columns, values: file.values),
                                               labels: file.labels, bytes: Array(file.bytes)))
        }
        return state
    }

    static func savePending(_ item: WebIngestItem, in directory: URL) throws {
        let file = PendingFile(id: item.id, rows: item.image.rows, columns: item.image.columns, values: item.image.values,
                               labels: item.labels, bytes: Data(item.bytes))
        try OwnerOnlyFile.write(try JSONEncoder().encode(file),
                            to: directory.appendingPathComponent("pending/\(item.id).json"))
    }

    static func clearPending(in directory: URL) throws {
        let pendingDirectory = directory.appendingPathComponent("pending")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: pendingDirectory.path)) ?? [] {
            try FileManager.default.removeItem(at: pendingDirectory.appendingPathComponent(name))
        }
    }

    static func saveKeys(_ keys: TrustMedClientKeys, model: FeatureModel, in directory: URL) throws {
        try TrustMedKeyFiles.writeKeys(keys, to: directory.appendingPathComponent("client.key"))
        try OwnerOnlyFile.write(model.serialized(), to: directory.appendingPathComponent("hash.model"))
    }

    static func saveCodes(_ codes: [String: [UInt8]], in directory: URL) throws {
        try OwnerOnlyFile.write(try JSONEncoder().encode(codes), to: directory.appendingPathComponent("codes.json"))
    }
}
