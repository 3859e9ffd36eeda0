/// Why a certificate, key or TLS connection was refused. Descriptions name files, roles, serial numbers and
/// dates, never key material.
public enum TLSFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read or parsed.
    case invalidFile(path: String, reason: String)
    /// The certificate is not a MedSearch role certificate.
    case notARoleCertificate(String)
    /// The certificate was not issued by this deployment's CA (or is a CA certificate itself).
    case untrusted(String)
    /// The certificate's validity period has ended.
    case expired(identity: String, notAfter: String)
    /// The certificate's validity period has not begun.
    case notYetValid(identity: String, notBefore: String)
    /// The certificate's serial number is on the deployment's deny list.
    case revoked(identity: String)
    /// The peer presented no certificate.
    case noCertificate
    /// A certificate authority or certificate could not be created.
    case issuing(String)
    /// Only some of the files that go together were named.
    case incomplete(String)

    public var description: String {
        switch self {
        case let .invalidFile(path, reason): "\(path): \(reason)"
        case let .notARoleCertificate(reason): "not a MedSearch role certificate: \(reason)"
        case let .untrusted(reason): "certificate not issued by this deployment's CA: \(reason)"
        case let .expired(identity, notAfter): "certificate \(identity) expired on \(notAfter)"
        case let .notYetValid(identity, notBefore): "certificate \(identity) is not valid before \(notBefore)"
        case let .revoked(identity): "certificate \(identity) is revoked (on the deployment's deny list)"
        case .noCertificate: "the peer presented no certificate"
        case let .issuing(reason): "cannot issue: \(reason)"
        case let .incomplete(reason): "incomplete TLS options: \(reason)"
        }
    }
}
