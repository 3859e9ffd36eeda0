import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchServer
import MedSearchTrustMed

/// Helpers shared by the `trustmed` commands.
enum TrustMedCLI {
    /// Reads a secret file, or creates it (readable by its owner only) from `make`.
    static func loadOrCreateSecret(at url: URL, make: () -> SecretBytes) throws -> SecretBytes {
        if let data = FileManager.default.contents(atPath: url.path) {
            var bytes = [UInt8](data)
            defer { constantTimeWipe(&bytes) }
            return SecretBytes(bytes)
        }
        let secret = make()
        var bytes = secret.copyBytes()
        defer { constantTimeWipe(&bytes) }
        try writeSecretFile(Data(bytes), to: url)
        return secret
    }

    /// Reads a bearer token from a file (first line, trimmed).
    static func readToken(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read token file \(path)")
        }
        let token = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw ValidationError("token file \(path) is empty") }
        return token
    }

    /// Reads the client key file.
    static func readKeys(_ path: String) throws -> TrustMedClientKeys {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read key file \(path) (create one with `medsearch trustmed keygen`)")
        }
        var bytes = [UInt8](data)
        defer { constantTimeWipe(&bytes) }
        return try TrustMedClientKeys(serialized: bytes)
    }
}

/// Options naming the edge master and the caller's token.
struct TrustMedMasterOptions: ParsableArguments {
    @Option(help: "The edge master's base URL.")
    var master: String

    @Option(name: .customLong("token-file"), help: "File holding this client's bearer token.")
    var tokenFile: String

    @Option(name: .customLong("timeout-s"), help: "Seconds one call to the master may take.")
    var timeoutSeconds: Int = 600

    func client() throws -> TrustMedRemote {
        TrustMedRemote(service: ServiceClient(baseURL: master, token: try TrustMedCLI.readToken(tokenFile),
                                              timeout: .seconds(timeoutSeconds)))
    }
}

/// The client side's calls to an edge master over HTTP.
struct TrustMedRemote: Sendable {
    let service: ServiceClient

    func register(_ registration: KeyRegistration) async throws {
        _ = try await service.post("/trustmed/v1/keys", body: registration.serialized())
    }

    /// Sends an upload, retrying the same request (same idempotency key) on transport failures.
    func upload(_ request: UploadRequest, attempts: Int = 3) async throws -> UploadResponse {
        let body = request.serialized()
        var lastError: any Error = ServiceError.badResponse(reason: "no attempt made")
        for attempt in 1...max(attempts, 1) {
            do {
                return try UploadResponse(serialized: try await service.post("/trustmed/v1/upload", body: body))
            } catch let error as ServiceError {
                lastError = error
                switch error {
                case .unreachable, .timeout, .badResponse: break
                case let .http(status, _) where status >= 500: break
                default: throw error
                }
                if attempt < attempts { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
        throw lastError
    }

    func search(_ request: SearchRequest) async throws -> SearchResponse {
        try SearchResponse(serialized: try await service.post("/trustmed/v1/search", body: request.serialized()))
    }

    func fetch(_ request: FetchRequest) async throws -> FetchResponse {
        try FetchResponse(serialized: try await service.post("/trustmed/v1/fetch", body: request.serialized()))
    }

    func reshare(_ request: ReshareRequest) async throws -> ReshareReport {
        try ReshareReport(serialized: try await service.post("/trustmed/v1/reshare", body: request.serialized()))
    }

    func status() async throws -> TrustMedEdgeMasterService.Status {
        try JSONDecoder().decode(TrustMedEdgeMasterService.Status.self, from: Data(try await service.get("/trustmed/v1/status")))
    }

    /// Search, rank, fetch and open: the whole query of a clinician.
    func query(client: TrustMedClient, hashcode: [UInt8], k: Int) async throws
        -> (ranked: [TrustMedClient.Ranked], images: [TrustMedClient.Retrieved]) {
        let response = try await search(try client.searchRequest(hashcode: hashcode))
        let ranked = try client.rank(response, k: k)
        let fetched = try await fetch(FetchRequest(recordIDs: ranked.map(\.recordID)))
        return (ranked, client.open(fetched))
    }
}
