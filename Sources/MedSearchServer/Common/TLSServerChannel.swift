import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import MedSearchTransport
import NIOCore
import NIOHTTPTypes
import NIOSSL
import NIOTLS
import Synchronization
import X509

/// What a server records about TLS: handshakes refused (with the reason), for logs and metrics.
public final class TLSEvents: Sendable {
    private let refused = Atomic<Int>(0)
    /// Called for every refused handshake with the peer address and reason (the role's log).
    let onRefused: @Sendable (_ peer: String, _ reason: String) -> Void

    /// Creates the recorder; `onRefused` sees every refused handshake.
    public init(onRefused: @escaping @Sendable (_ peer: String, _ reason: String) -> Void = { _, _ in }) {
        self.onRefused = onRefused
    }

    /// Handshakes refused since start.
    public var refusedHandshakes: Int { refused.load(ordering: .relaxed) }

    func record(peer: String, reason: String) {
        refused.add(1, ordering: .relaxed)
        MedSearchMetrics.shared.tlsHandshakeFailure()
        onRefused(peer, reason)
    }
}

/// A server child channel that runs TLS 1.3 before `base`, with the role's current credentials: every accepted
/// connection takes the `NIOSSLContext` in force at that moment (a reload on SIGHUP changes new connections only,
/// open ones stay), requires a client certificate and checks it with ``TLSCredentials/verify(peer:now:)``.
/// The peer's identity is handed to the request handlers in headers set by ``PeerIdentityHandler``, which `base`
/// must run after its HTTP decoding (``ServiceRunner`` passes it as an additional channel handler).
struct MutualTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let credentials: TLSCredentials
    let events: TLSEvents

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let peerAddress = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown peer"
        let refusal = RefusalBox()
        let credentials = self.credentials
        return channel.eventLoop.makeCompletedFuture {
            let handler = NIOSSLServerHandler(
                context: credentials.serverContext,
                customVerificationCallbackWithMetadata: { presented, promise in
                    do {
                        _ = try credentials.verify(peer: presented)
                        promise.succeed(.certificateVerified(VerificationMetadata(
                            ValidatedCertificateChain(Array(presented.prefix(1))))))
                    } catch {
                        refusal.reason = String(describing: error)
                        promise.succeed(.failed)
                    }
                })
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.pipeline.syncOperations.addHandler(
                TLSFailureObserver(peer: peerAddress, refusal: refusal, events: events))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension MutualTLSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

/// The reason the verification callback refused a peer, for the observer's log line.
private final class RefusalBox: @unchecked Sendable {
    // @unchecked: written by the verification callback and read by the observer, both on the channel's event loop.
    var reason: String?
}

/// Logs and counts a refused handshake once, with the reason when the verification callback gave one.
private final class TLSFailureObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let peer: String
    let refusal: RefusalBox
    let events: TLSEvents
    private var reported = false

    init(peer: String, refusal: RefusalBox, events: TLSEvents) {
        self.peer = peer
        self.refusal = refusal
        self.events = events
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Once the handshake completed, later TLS errors (a client closing without close_notify) are no refusals.
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent { reported = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported, error is NIOSSLError || error is BoringSSLError {
            reported = true
            let reason = refusal.reason ?? Self.describe(error)
            events.record(peer: peer, reason: reason)
        }
        context.fireErrorCaught(error)
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || text.contains("CERTIFICATE_REQUIRED") {
            return TLSFailure.noCertificate.description
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") {
            return "the client does not speak TLS (plain HTTP to a TLS port?)"
        }
        if text.contains("UNSUPPORTED_PROTOCOL") || text.contains("PROTOCOL_VERSION") {
            return "the client does not offer TLS 1.3"
        }
        if text.contains("ALERT") { return "the client aborted the handshake (\(text.prefix(200)))" }
        return "TLS handshake failed (\(text.prefix(200)))"
    }
}

/// Puts the identity of the peer's verified certificate into every request's headers
/// (``PeerIdentityHeaders``), removing any such header the peer sent itself.
final class PeerIdentityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    private var identity: PeerIdentity?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case var .head(request) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        for name in PeerIdentityHeaders.all { request.headerFields[name] = nil }
        if identity == nil,
           let leaf = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
               .peerValidatedCertificateChain?.leaf,
           let certificate = try? Certificate(derEncoded: try leaf.toDERBytes()) {
            identity = try? PeerIdentity(certificate: certificate)
        }
        if let identity { PeerIdentityHeaders.set(identity, in: &request.headerFields) }
        context.fireChannelRead(wrapInboundOut(.head(request)))
    }
}

/// The request headers through which the server's own TLS handler tells the handlers who the peer is. Set only
/// by ``PeerIdentityHandler`` on a TLS connection (it removes them from what the peer sent).
enum PeerIdentityHeaders {
    static let role = HTTPField.Name("x-medsearch-peer-role")!
    static let name = HTTPField.Name("x-medsearch-peer-name")!
    static let serial = HTTPField.Name("x-medsearch-peer-serial")!
    static let notAfter = HTTPField.Name("x-medsearch-peer-not-after")!
    static let all = [role, name, serial, notAfter]

    static func set(_ identity: PeerIdentity, in fields: inout HTTPFields) {
        fields[role] = identity.role.rawValue
        fields[name] = identity.name
        fields[serial] = identity.serial
        fields[notAfter] = String(Int64(identity.notAfter.timeIntervalSince1970))
    }

    /// The identity a request carries (nil on a plain-HTTP server).
    static func identity(in fields: HTTPFields) -> (role: ServiceRole, name: String, serial: String, notAfter: Date)? {
        guard let role = fields[role].flatMap(ServiceRole.init(rawValue:)), let serial = fields[serial],
              let seconds = fields[notAfter].flatMap(Int64.init) else { return nil }
        return (role, fields[name] ?? "", serial, Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
