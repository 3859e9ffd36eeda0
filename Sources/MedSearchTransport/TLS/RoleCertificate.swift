import Foundation
import SwiftASN1
import X509

/// What a MedSearch role certificate says about its holder, read from the certificate itself.
///
/// A role certificate is issued by the deployment's own CA (``DeploymentCA``). It names:
/// - the **role** as a subject alternative name URI `medsearch-role:<role>` (exactly one), e.g.
///   `medsearch-role:storage-node`; the role is what servers check against the route table
///   (``Route/admits(certificateRole:)``);
/// - the **name** of the instance (`node3`) as the subject's common name, the role again as its
///   organisational unit (for people reading it with `openssl x509`);
/// - the addresses the holder serves at (DNS names and IP addresses), which clients check against the URL they
///   call.
public struct PeerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The scheme of the role URI: `medsearch-role:storage-node`.
    public static let roleScheme = "medsearch-role:"

    /// The role named by the certificate.
    public let role: ServiceRole
    /// The instance name (the subject's common name).
    public let name: String
    /// The serial number, lowercase hexadecimal without separators (what a deny list names).
    public let serial: String
    /// The end of the validity period.
    public let notAfter: Date
    /// The start of the validity period.
    public let notBefore: Date

    /// Reads the identity of a role certificate.
    ///
    /// - Throws: ``TLSFailure/notARoleCertificate(_:)`` when the certificate names no role, or more than one.
    public init(certificate: Certificate) throws(TLSFailure) {
        var roles: [String] = []
        do {
            if let names = try certificate.extensions.subjectAlternativeNames {
                for name in names {
                    if case let .uniformResourceIdentifier(uri) = name, uri.hasPrefix(Self.roleScheme) {
                        roles.append(String(uri.dropFirst(Self.roleScheme.count)))
                    }
                }
            }
        } catch {
            throw .notARoleCertificate("its subject alternative names do not parse")
        }
        guard roles.count == 1, let roleName = roles.first else {
            throw .notARoleCertificate(roles.isEmpty ? "it names no medsearch-role" : "it names more than one role")
        }
        guard let role = ServiceRole(rawValue: roleName) else {
            throw .notARoleCertificate("it names an unknown role \"\(roleName)\"")
        }
        self.role = role
        name = Self.commonName(of: certificate.subject) ?? ""
        serial = Self.hex(certificate.serialNumber)
        notAfter = certificate.notValidAfter
        notBefore = certificate.notValidBefore
    }

    /// `storage-node node3 (serial 4f1c...)`.
    public var description: String { "\(role.rawValue) \(name) (serial \(serial.prefix(16)))" }

    /// The serial number as lowercase hexadecimal without separators or leading zero bytes.
    public static func hex(_ serial: Certificate.SerialNumber) -> String {
        let bytes = serial.bytes.drop { $0 == 0 }
        return bytes.isEmpty ? "00" : bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The first common name of a distinguished name.
    static func commonName(of name: DistinguishedName) -> String? {
        for relative in name {
            for attribute in relative where attribute.type == .RDNAttributeType.commonName {
                if let value = String(attribute.value) { return value }
            }
        }
        return nil
    }
}

extension ServiceRole {
    /// The hospital-side roles: a certificate of one of these admits its holder to every route that any
    /// hospital-side role may call; the bearer token then says which (owner, user, web or admin).
    public static let hospitalSide: Set<ServiceRole> = [.owner, .user, .web, .admin]

    /// Whether this is a server role (its certificate admits it only to routes that name it).
    public var isServerRole: Bool { !Self.hospitalSide.contains(self) }
}

extension Route {
    /// Whether a caller whose TLS certificate names `role` may call this route.
    ///
    /// A server role's certificate (`fnn-c1`, `storage-node`, ...) admits exactly the routes whose callers list
    /// that role: a storage node's certificate opens no route of C2, an edge master's certificate no owner
    /// route. A hospital-side certificate (`owner`, `user`, `web`, `admin`) admits the routes that any
    /// hospital-side role may call; the bearer token then has to grant one of the route's roles (``permits(_:)``).
    /// ``Access/open`` routes admit every certificate of the deployment.
    public func admits(certificateRole role: ServiceRole) -> Bool {
        switch access {
        case .open: true
        case let .roles(roles):
            roles.contains(role) || (!role.isServerRole && !roles.isDisjoint(with: ServiceRole.hospitalSide))
        }
    }
}
