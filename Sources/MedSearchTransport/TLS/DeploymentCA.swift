import Crypto
import Foundation
import MedSearchCore
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#endif

/// A deployment's own certificate authority: the one trust root of every MedSearch role and client.
///
/// `medsearch pki init --dir pki` creates it (ECDSA P-256), `medsearch pki issue` issues role certificates
/// (``issue(role:name:days:subjectAlternativeNames:into:now:)``). The directory holds:
///
/// | file | what | mode |
/// |---|---|---|
/// | `ca.pem` | the CA certificate (every role and client trusts it, and nothing else) | 0644 |
/// | `ca.key` | the CA's private key (keep it off the servers) | 0600 from creation |
/// | `revoked.txt` | the deny list: serial numbers of revoked certificates, one a line (``RevocationList``) | 0644 |
/// | `<name>.pem`, `<name>.key` | an issued certificate and its private key | 0644, 0600 from creation |
///
/// Private keys are written by ``OwnerOnlyFile`` (mode 0600 from the first byte, renamed into place).
public struct DeploymentCA: Sendable {
    /// The CA certificate.
    public let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// File names inside a PKI directory.
    public enum FileName {
        /// The CA certificate.
        public static let certificate = "ca.pem"
        /// The CA private key.
        public static let key = "ca.key"
        /// The deny list.
        public static let revoked = "revoked.txt"
    }

    /// Creates a new CA in `directory` (which must not hold one yet).
    ///
    /// - Parameters:
    ///   - name: A name for the deployment (the CA's common name is `MedSearch CA <name>`).
    ///   - days: The CA's validity in days.
    /// - Throws: ``TLSFailure/issuing(_:)`` when a CA exists there already or a file cannot be written.
    @discardableResult
    public static func initialize(in directory: URL, name: String, days: Int = 3650,
                                  now: Date = Date()) throws(TLSFailure) -> DeploymentCA {
        let keyURL = directory.appendingPathComponent(FileName.key)
        let certificateURL = directory.appendingPathComponent(FileName.certificate)
        guard !FileManager.default.fileExists(atPath: keyURL.path),
              !FileManager.default.fileExists(atPath: certificateURL.path) else {
            throw .issuing("\(directory.path) already holds a CA (\(FileName.certificate), \(FileName.key)); "
                           + "use another directory or remove them")
        }
        guard (1...36500).contains(days) else { throw .issuing("the CA's validity must be 1...36500 days") }
        let key = P256.Signing.PrivateKey()
        let subject: DistinguishedName
        let certificate: Certificate
        do {
            subject = try DistinguishedName {
                OrganizationName("MedSearch")
                CommonName("MedSearch CA \(name)")
            }
            let publicKey = Certificate.PublicKey(key.publicKey)
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(days) * 86400),
                issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: .init(key))
        } catch {
            throw .issuing("building the CA certificate: \(error)")
        }
        try Self.writeKey(key, to: keyURL)
        try Self.writePublic(Self.pem(certificate), to: certificateURL)
        let revoked = directory.appendingPathComponent(FileName.revoked)
        if !FileManager.default.fileExists(atPath: revoked.path) {
            try Self.writePublic(RevocationList.header, to: revoked)
        }
        return DeploymentCA(certificate: certificate, key: key)
    }

    /// Loads the CA of `directory` (its certificate and private key) to issue certificates.
    ///
    /// - Throws: ``TLSFailure/invalidFile(path:reason:)`` when a file is missing, readable by others (the key)
    ///   or does not parse, or when the key does not belong to the certificate.
    public static func load(from directory: URL) throws(TLSFailure) -> DeploymentCA {
        let certificate = try TLSFiles.readCertificates(directory.appendingPathComponent(FileName.certificate))[0]
        let keyURL = directory.appendingPathComponent(FileName.key)
        let key = try TLSFiles.readP256Key(keyURL)
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw .invalidFile(path: keyURL.path, reason: "this key does not belong to \(FileName.certificate)")
        }
        return DeploymentCA(certificate: certificate, key: key)
    }

    /// An issued certificate and where it was written.
    public struct Issued: Sendable {
        /// The certificate.
        public let certificate: Certificate
        /// Its identity (role, name, serial, validity).
        public let identity: PeerIdentity
        /// The certificate file (PEM).
        public let certificateFile: URL
        /// The private key file (PEM, PKCS#8, mode 0600).
        public let keyFile: URL
    }

    /// The addresses every certificate is valid for, besides its own names: the loopback addresses, so that a
    /// deployment on one machine needs no extra names.
    public static let loopbackNames = ["localhost", "127.0.0.1", "::1"]

    /// Issues a role certificate and writes `<name>.pem` and `<name>.key` into `directory`.
    ///
    /// - Parameters:
    ///   - role: The role the certificate names (`medsearch-role:<role>`).
    ///   - name: The instance name (common name and file name): letters, digits, `-` and `_`.
    ///   - days: Validity in days from `now` (1...3650).
    ///   - subjectAlternativeNames: DNS names or IP addresses the holder serves at, besides ``loopbackNames``.
    ///   - notBefore: Overrides the start of the validity period (tests issue expired certificates with it).
    /// - Throws: ``TLSFailure/issuing(_:)``.
    public func issue(role: ServiceRole, name: String, days: Int = 365, subjectAlternativeNames: [String] = [],
                      into directory: URL, now: Date = Date(), notBefore: Date? = nil) throws(TLSFailure) -> Issued {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
              name != "ca" else {
            throw .issuing("the name \"\(name)\" must be 1 to 64 letters, digits, - or _ (and not \"ca\")")
        }
        guard (1...3650).contains(days) || notBefore != nil else { throw .issuing("validity must be 1...3650 days") }
        var names: [GeneralName] = [.uniformResourceIdentifier(PeerIdentity.roleScheme + role.rawValue)]
        var seen = Set<String>()
        for entry in [name] + Self.loopbackNames + subjectAlternativeNames where seen.insert(entry.lowercased()).inserted {
            if let address = Self.ipAddressBytes(entry) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else if Self.isDNSName(entry) {
                names.append(.dnsName(entry.lowercased()))
            } else {
                throw .issuing("\"\(entry)\" is neither an IP address nor a DNS name")
            }
        }
        let key = P256.Signing.PrivateKey()
        let certificate: Certificate
        do {
            let subject = try DistinguishedName {
                OrganizationName("MedSearch")
                OrganizationalUnitName(role.rawValue)
                CommonName(name)
            }
            let start = notBefore ?? now.addingTimeInterval(-300)
            let publicKey = Certificate.PublicKey(key.publicKey)
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: start, notValidAfter: (notBefore ?? now).addingTimeInterval(Double(days) * 86400),
                issuer: self.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames(names)
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: .init(self.key))
        } catch {
            throw .issuing("building the certificate: \(error)")
        }
        let keyFile = directory.appendingPathComponent("\(name).key")
        let certificateFile = directory.appendingPathComponent("\(name).pem")
        try Self.writeKey(key, to: keyFile)
        try Self.writePublic(Self.pem(certificate), to: certificateFile)
        return Issued(certificate: certificate, identity: try PeerIdentity(certificate: certificate),
                      certificateFile: certificateFile, keyFile: keyFile)
    }

    // MARK: Files

    static func pem(_ certificate: Certificate) throws(TLSFailure) -> String {
        do { return try certificate.serializeAsPEM().pemString + "\n" } catch {
            throw .issuing("encoding the certificate: \(error)")
        }
    }

    /// Writes a private key (PKCS#8 PEM) with mode 0600 from its first byte.
    static func writeKey(_ key: P256.Signing.PrivateKey, to url: URL) throws(TLSFailure) {
        do { try OwnerOnlyFile.write(Array((key.pemRepresentation + "\n").utf8), to: url) } catch {
            throw .issuing("writing \(url.path): \(error)")
        }
    }

    /// Writes public material (certificates, the deny list) atomically, readable by all.
    static func writePublic(_ text: String, to url: URL) throws(TLSFailure) {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw .issuing("writing \(url.path): \(error)")
        }
    }

    /// The network-order bytes of an IPv4 or IPv6 address literal, nil for anything else.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Whether `text` is a plausible DNS name (labels of letters, digits and `-`; `*.` wildcard refused).
    static func isDNSName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
