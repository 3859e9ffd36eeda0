import Hummingbird
import MedSearchTransport
import NIOCore

/// Connection limits every MedSearch HTTP server applies (each server role and the web application).
public enum ConnectionLimits {
    /// A connection on which no request part arrives for this long is closed: an idle keep-alive connection, a
    /// client that stalls in the middle of its headers or its body (Hummingbird's idle handler; the time a
    /// handler spends answering does not count).
    public static let idleTimeout: Duration = .seconds(30)

    /// `duration` as NIO's `TimeAmount`, for Hummingbird's `.http1(configuration: .init(idleTimeout:))`.
    public static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(max(0, seconds) &* 1_000_000_000 &+ max(0, attoseconds) / 1_000_000_000)
    }
}

/// Bounds the work of one request: it ends at the caller's deadline (``RequestDeadline/header``) and as soon as
/// the caller closes its connection, and everything it awaits (calls to other roles through ``ServiceClient``,
/// task groups) is cancelled with it.
public enum RequestLifetime {
    /// Runs `work` with ``RequestDeadline/current`` set from the request's header (the smaller of it and an
    /// enclosing deadline), cancelled when the deadline passes (then ``ServiceError/timeout(url:)``, answered 504)
    /// or when `channel`'s input closes (the caller went away).
    public static func run<T: Sendable>(_ request: Request, channel: (any Channel)?,
                                        _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        var deadline = RequestDeadline.current
        if let budget = RequestDeadline.budget(fromHeader: request.headers[.init(RequestDeadline.header)!]) {
            let fromHeader = ContinuousClock.now + budget
            deadline = deadline.map { min($0, fromHeader) } ?? fromHeader
        }
        var watcher: ClientDisconnectWatcher?
        if let channel { watcher = await ClientDisconnectWatcher.install(on: channel) }
        defer { watcher?.remove() }
        return try await RequestDeadline.$current.withValue(deadline) {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                if let deadline {
                    group.addTask {
                        try await Task.sleep(until: deadline, clock: .continuous)
                        throw RequestEnded.deadlinePassed
                    }
                }
                if let watcher {
                    group.addTask {
                        await watcher.closed()
                        throw RequestEnded.callerWentAway
                    }
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let value = next { return value }
                }
                throw RequestEnded.callerWentAway
            }
        }
    }

    /// Why a request's work was stopped.
    public enum RequestEnded: Error, HTTPResponseError, CustomStringConvertible {
        /// The caller's deadline passed.
        case deadlinePassed
        /// The caller closed its connection.
        case callerWentAway

        public var status: HTTPResponse.Status { self == .deadlinePassed ? .gatewayTimeout : .badRequest }

        public var description: String {
            self == .deadlinePassed ? "the caller's deadline passed before the work was done"
                : "the caller closed its connection"
        }

        public func response(from request: Request, context: some RequestContext) throws -> Response {
            .plainText(description, status: status)
        }
    }
}

/// Watches a connection for the caller closing it (end of input or inactive channel) while a request is served.
final class ClientDisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    // Touched on the channel's event loop only, except `signal`, which is an AsyncStream continuation (thread-safe).
    private let stream: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        (stream, signal) = AsyncStream<Void>.makeStream()
    }

    /// Puts a watcher first in `channel`'s pipeline (a channel already closed signals at once).
    static func install(on channel: any Channel) async -> ClientDisconnectWatcher {
        let watcher = ClientDisconnectWatcher(channel: channel)
        do { try await channel.pipeline.addHandler(watcher, position: .first).get() } catch { watcher.signal.yield() }
        if !channel.isActive { watcher.signal.yield() }
        return watcher
    }

    /// Returns when the caller has gone away (never when the request ends first and the task is cancelled).
    func closed() async {
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
    }

    /// Takes the watcher out of the pipeline (the request is answered).
    func remove() {
        signal.finish()
        channel.pipeline.removeHandler(self, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        signal.yield()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { signal.yield() }
        context.fireUserInboundEventTriggered(event)
    }
}
