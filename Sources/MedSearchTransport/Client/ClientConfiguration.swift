import MedSearchCore

/// How a ``ServiceClient`` connects and how long it waits: one value handed to every client of a deployment,
/// so call sites never change when connection settings do. With ``tls`` every call goes over TLS 1.3 with the
/// deployment's CA as the only trust root and the holder's role certificate presented (mutual TLS).
@MemberwiseInit(.public)
public struct ClientConfiguration: Sendable, Hashable {
    /// How long one call may take, from sending the request to the last byte of the answer, unless the call
    /// passes its own deadline.
    public var timeout: Duration = .seconds(120)
    /// How long establishing a connection may take (bounded by ``timeout``).
    public var connectTimeout: Duration = .seconds(10)
    /// The largest answer accepted; a larger one is a ``ServiceError/badResponse(reason:)``.
    public var maxResponseBytes: Int = 1 << 30
    /// The TLS credentials presented and trusted (nil: plain HTTP, which a base URL `https://` refuses).
    public var tls: TLSCredentials? = nil

    /// The default: two minutes per call, ten seconds to connect, answers up to 1 GiB.
    public static let standard = ClientConfiguration()

    /// This configuration with TLS credentials.
    public func tls(_ credentials: TLSCredentials?) -> ClientConfiguration {
        var copy = self
        copy.tls = credentials
        return copy
    }

    /// This configuration with the credentials loaded from `files` (unchanged when nil).
    public func tls(files: TLSFiles?) throws(TLSFailure) -> ClientConfiguration {
        guard let files else { return self }
        return tls(try TLSCredentials(files: files))
    }

    /// This configuration with another per-call timeout.
    public func timeout(_ timeout: Duration) -> ClientConfiguration {
        var copy = self
        copy.timeout = timeout
        return copy
    }
}
