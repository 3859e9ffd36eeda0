import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls another MedSearch process over HTTP with a bearer token.
///
/// Bodies are MedSearch's versioned binary messages; a non-2xx answer becomes
/// ``ServiceError/http(status:message:)`` carrying the server's one-line reason.
public struct ServiceClient: Sendable {
    /// The peer's base URL, e.g. `http://127.0.0.1:8081`.
    public let baseURL: String
    /// The token presented in `Authorization: Bearer`.
    public let token: String
    /// How long one call may take.
    public let timeout: Duration
    /// The largest answer accepted.
    public let maxResponseBytes: Int

    public init(baseURL: String, token: String, timeout: Duration = .seconds(120),
                maxResponseBytes: Int = 1 << 30) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// POSTs `body` to `path` and returns the answer's bytes.
    public func post(_ path: String, body: [UInt8] = []) async throws -> [UInt8] {
        try await call(.POST, path, body: body)
    }

    /// GETs `path` and returns the answer's bytes.
    public func get(_ path: String) async throws -> [UInt8] { try await call(.GET, path, body: nil) }

    /// DELETEs `path` and returns the answer's bytes.
    public func delete(_ path: String) async throws -> [UInt8] { try await call(.DELETE, path, body: nil) }

    /// PUTs `body` to `path` and returns the answer's bytes.
    public func put(_ path: String, body: [UInt8]) async throws -> [UInt8] { try await call(.PUT, path, body: body) }

    /// Whether `GET /health` answers within `timeout`.
    public func isHealthy(timeout: Duration = .seconds(2)) async -> Bool {
        let probe = ServiceClient(baseURL: baseURL, token: token, timeout: timeout, maxResponseBytes: 4096)
        return (try? await probe.get("/health")) != nil
    }

    private func call(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> [UInt8] {
        let url = baseURL + (path.hasPrefix("/") ? path : "/" + path)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout
            || error == .connectTimeout {
            throw ServiceError.timeout(url: url)
        } catch {
            throw ServiceError.unreachable(url: url, reason: Self.shortReason(error))
        }
        let collected: ByteBuffer
        do {
            collected = try await response.body.collect(upTo: maxResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw ServiceError.timeout(url: url)
        } catch {
            throw ServiceError.badResponse(reason: "reading answer from \(url): \(Self.shortReason(error))")
        }
        let bytes = Array(collected.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            let message = String(decoding: bytes.prefix(1000), as: UTF8.self)
            throw ServiceError.http(status: Int(response.status.code), message: message)
        }
        return bytes
    }

    private static func shortReason(_ error: any Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "error"
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
