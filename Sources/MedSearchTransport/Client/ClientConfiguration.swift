/// How a ``ServiceClient`` connects and how long it waits: one value handed to every client of a deployment,
/// so call sites never change when connection settings do (issue 15 adds the deployment CA and the client
/// certificate here).
public struct ClientConfiguration: Sendable, Hashable {
    /// How long one call may take, from sending the request to the last byte of the answer, unless the call
    /// passes its own deadline.
    public var timeout: Duration
    /// How long establishing a connection may take (bounded by ``timeout``).
    public var connectTimeout: Duration
    /// The largest answer accepted; a larger one is a ``ServiceError/badResponse(reason:)``.
    public var maxResponseBytes: Int

    /// Creates a configuration.
    public init(timeout: Duration = .seconds(120), connectTimeout: Duration = .seconds(10),
                maxResponseBytes: Int = 1 << 30) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// The default: two minutes per call, ten seconds to connect, answers up to 1 GiB.
    public static let standard = ClientConfiguration()

    /// This configuration with another per-call timeout.
    public func timeout(_ timeout: Duration) -> ClientConfiguration {
        var copy = self
        copy.timeout = timeout
        return copy
    }
}
