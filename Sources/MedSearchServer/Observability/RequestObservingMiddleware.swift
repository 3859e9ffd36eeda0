import Foundation
import HTTPTypes
import Hummingbird
import MedSearchTransport

/// The outermost middleware of every role: gives each request its request id (the caller's
/// `x-medsearch-request-id`, or a fresh one) for the whole handling, including the calls it makes to other roles
/// (``RequestID/current``), echoes it in the answer, counts the request in ``MedSearchMetrics`` and logs one line
/// about it: route name, status, duration, sizes, the caller's certificate role and the request id. Never a body,
/// a header value other than these, or a token.
public struct RequestObservingMiddleware: RouterMiddleware {
    public typealias Context = MedSearchRequestContext

    /// The route of each `METHOD path` as Hummingbird names matched endpoints (`{id}` for a parameter).
    static let routes: [String: Route] = Dictionary(Routes.all.map { route in
        let path = route.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        return ("\(route.method.rawValue) \(path)", route)
    }, uniquingKeysWith: { first, _ in first })

    public init() {}

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = RequestID.accept(request.headers[Self.header])
        let started = ContinuousClock.now
        var context = context
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        let route = context.endpointPath.flatMap { Self.routes["\(request.method.rawValue) \($0)"] }
        let received = request.headers[.contentLength].flatMap(Int.init) ?? 0
        do {
            var response = try await RequestID.$current.withValue(requestID) { try await next(request, context) }
            response.headers[Self.header] = requestID
            observe(route, request: request, status: Int(response.status.code), started: started, received: received,
                    sent: response.body.contentLength ?? 0, context: context)
            return response
        } catch {
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            observe(route, request: request, status: status, started: started, received: received, sent: 0, context: context)
            throw error
        }
    }

    static let header = HTTPField.Name(RequestID.header)!

    func observe(_ route: Route?, request: Request, status: Int, started: ContinuousClock.Instant, received: Int, sent: Int,
                 context: Context) {
        let duration = ContinuousClock.now - started
        let name = route?.name ?? "unmatched"
        MedSearchMetrics.shared.request(route: name, status: status, duration: duration, bytesIn: received, bytesOut: sent)
        // Health, readiness and metrics scrapes are counted, not logged.
        guard route?.access != .open else { return }
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        let certificate = request.headers[PeerIdentityHeaders.role] ?? "-"
        context.logger.info("request", metadata: [
            "route": "\(name)", "status": "\(status)", "duration_ms": "\(String(format: "%.1f", milliseconds))",
            "bytes_in": "\(received)", "bytes_out": "\(sent)", "certificate": "\(certificate)",
        ])
    }
}
