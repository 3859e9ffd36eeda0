import Crypto
import Foundation
import MedSearchCore
import NIOSSL
import Synchronization
import SwiftASN1
import X509

/// Where a role's (or a client's) TLS files are: the deployment CA, its own certificate and key, and the deny
/// list. Codable: a deployment file and a ``RoleInstance`` carry it.
@MemberwiseInit(.public)
public struct TLSFiles: Codable, Sendable, Hashable {
    /// The deployment CA certificate (`ca.pem`): the only trust root.
    public var ca: String
    /// This holder's certificate (PEM).
    public var certificate: String
    /// This holder's private key (PEM; refused when group or others can read it).
    public var key: String
    /// The deny list (``RevocationList``); nil: `revoked.txt` beside ``ca`` when it exists.
    public var revoked: String? = nil

    /// The files of `name` issued into the PKI directory `directory` (`ca.pem`, `<name>.pem`, `<name>.key`).
    public static func issued(_ name: String, in directory: URL) -> TLSFiles {
        TLSFiles(ca: directory.appendingPathComponent(DeploymentCA.FileName.certificate).path,
                 certificate: directory.appendingPathComponent("\(name).pem").path,
                 key: directory.appendingPathComponent("\(name).key").path)
    }

    /// The files named on a command line: nil when none is given, else all three of CA, certificate and key.
    /// With `environment` each missing one is read from `<environment>_CA`, `_CERT` and `_KEY` (a client's
    /// shell set up once for a deployment: `MEDSEARCH_TLS`).
    public static func given(ca: String?, certificate: String?, key: String?, revoked: String? = nil,
                             environment: String? = nil) throws(TLSFailure) -> TLSFiles? {
        let variable = { (suffix: String) in environment.flatMap { ProcessInfo.processInfo.environment[$0 + suffix] } }
        let ca = ca ?? variable("_CA"), certificate = certificate ?? variable("_CERT"), key = key ?? variable("_KEY")
        if ca == nil, certificate == nil, key == nil {
            guard revoked == nil else { throw .incomplete("a deny list needs the CA, certificate and key") }
            return nil
        }
        guard let ca, let certificate, let key else {
            throw .incomplete("the CA certificate, the certificate and the key go together"
                              + (environment.map { " (options or \($0)_CA, _CERT, _KEY)" } ?? ""))
        }
        return TLSFiles(ca: ca, certificate: certificate, key: key, revoked: revoked)
    }

    /// A client's CA file alone (for the web application, which asks for no client certificate): `ca`, else
    /// `$MEDSEARCH_TLS_CA`, else nil.
    public static func caFile(_ ca: String?) -> URL? {
        (ca ?? ProcessInfo.processInfo.environment["MEDSEARCH_TLS_CA"]).flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
    }

    /// The deny list's path.
    public var revokedPath: String {
        if let revoked { return revoked }
        // Beside ca.pem, kept relative when ca.pem's path is (a deployment file resolves it later).
        let directory = (ca as NSString).deletingLastPathComponent
        return directory.isEmpty ? DeploymentCA.FileName.revoked : (directory as NSString).appendingPathComponent(DeploymentCA.FileName.revoked)
    }

    // MARK: Reading

    /// The first certificate of a PEM file.
    public static func certificate(at url: URL) throws(TLSFailure) -> Certificate {
        try readCertificates(url)[0]
    }

    /// Reads the certificates of a PEM file (at least one).
    static func readCertificates(_ url: URL) throws(TLSFailure) -> [Certificate] {
        let text: String
        do {
            let data = try Data(contentsOf: url)
            guard data.count <= 1 << 20 else { throw TLSFailure.invalidFile(path: url.path, reason: "larger than 1 MiB") }
            text = String(decoding: data, as: UTF8.self)
        } catch let error as TLSFailure {
            throw error
        } catch {
            throw .invalidFile(path: url.path, reason: "cannot read it (\(Self.reason(error)))")
        }
        do {
            let documents = try PEMDocument.parseMultiple(pemString: text)
            let certificates = try documents.filter { $0.discriminator == "CERTIFICATE" }
                .map { try Certificate(derEncoded: $0.derBytes) }
            guard !certificates.isEmpty else { throw TLSFailure.invalidFile(path: url.path, reason: "holds no certificate") }
            return certificates
        } catch let error as TLSFailure {
            throw error
        } catch {
            throw .invalidFile(path: url.path, reason: "is not a PEM certificate")
        }
    }

    /// Reads a P-256 private key (PKCS#8 or SEC 1 PEM), refusing a file that group or others can read.
    static func readP256Key(_ url: URL) throws(TLSFailure) -> P256.Signing.PrivateKey {
        var bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.read(from: url, maxBytes: 64 << 10) } catch {
            throw .invalidFile(path: url.path, reason: "\(error)")
        }
        defer { constantTimeWipe(&bytes) }
        do { return try P256.Signing.PrivateKey(pemRepresentation: String(decoding: bytes, as: UTF8.self)) } catch {
            throw .invalidFile(path: url.path, reason: "is not a P-256 private key in PEM")
        }
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}

/// A holder's loaded TLS material, replaced as a whole by ``TLSCredentials/reload()``.
struct TLSMaterial: @unchecked Sendable {
    // @unchecked: NIOSSLCertificate and NIOSSLPrivateKey are immutable reference types (Sendable in NIOSSL).
    let ca: Certificate
    let caNIO: NIOSSLCertificate
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    let identity: PeerIdentity
    let revoked: RevocationList
    let serverContext: NIOSSLContext
    let clientConfiguration: TLSConfiguration
    let browserConfiguration: TLSConfiguration
}

/// A role's or client's TLS credentials: the deployment CA, its own certificate and key, and the deny list;
/// reloaded from the same files on SIGHUP (``reload()``).
///
/// - Servers take a fresh `NIOSSLContext` (``serverContext``) for every new connection, so a reload changes the
///   certificate presented to new connections without touching open ones; each peer certificate is checked
///   (``verify(peer:now:)``) at the handshake and, for the deny list and expiry, again at every request.
/// - Clients (``ClientConfiguration/tls``) use a connection pool per ``generation``: after a reload new calls use
///   new connections with the new certificate, calls in flight finish on the old ones.
///
/// Equality is identity: two values are equal when they are the same credentials object.
public final class TLSCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The files it loads from.
    public let files: TLSFiles
    private let state: Mutex<(material: TLSMaterial, generation: Int)>

    /// Loads the files.
    ///
    /// - Throws: ``TLSFailure`` naming the file that is missing, unreadable, readable by others (the key) or
    ///   wrong: a certificate not issued by the CA, expired, revoked, without a role, or not matching the key.
    public init(files: TLSFiles) throws(TLSFailure) {
        self.files = files
        checksOwnCertificate = true
        state = Mutex((try Self.load(files, checkingOwnCertificate: true), 0))
    }

    /// Loads the files without checking this holder's own certificate against the CA, its validity and the
    /// deny list: for tests that present a foreign, expired or revoked certificate to a server.
    public init(files: TLSFiles, checkingOwnCertificate: Bool) throws(TLSFailure) {
        self.files = files
        checksOwnCertificate = checkingOwnCertificate
        state = Mutex((try Self.load(files, checkingOwnCertificate: checkingOwnCertificate), 0))
    }

    private let checksOwnCertificate: Bool

    /// Reads the files again and, when they are valid, replaces the material (the old one stays otherwise).
    ///
    /// - Returns: The new identity.
    /// - Throws: ``TLSFailure`` as ``init(files:)``; the credentials in use are then unchanged.
    @discardableResult
    public func reload() throws(TLSFailure) -> PeerIdentity {
        let material = try Self.load(files, checkingOwnCertificate: checksOwnCertificate)
        state.withLock { $0 = (material, $0.generation + 1) }
        return material.identity
    }

    /// How many times the material was replaced.
    public var generation: Int { state.withLock { $0.generation } }

    /// This holder's own identity (role, name, serial, validity).
    public var identity: PeerIdentity { state.withLock { $0.material.identity } }

    /// The TLS context for the next accepted connection (TLS 1.3 only, client certificate required).
    public var serverContext: NIOSSLContext { state.withLock { $0.material.serverContext } }

    /// The client TLS configuration (TLS 1.3 only, the deployment CA as the only trust root, this holder's
    /// certificate presented).
    public var clientConfiguration: TLSConfiguration { state.withLock { $0.material.clientConfiguration } }

    /// The TLS configuration of a server for browsers (the web application): TLS 1.3, this certificate, no
    /// client certificate asked for.
    public var browserServerConfiguration: TLSConfiguration { state.withLock { $0.material.browserConfiguration } }

    /// The deny list in force.
    public var revoked: RevocationList { state.withLock { $0.material.revoked } }

    /// Checks a peer's certificate chain as presented in a handshake: issued (signed) by the deployment CA,
    /// within its validity period at `now`, not a CA, not on the deny list, naming exactly one role.
    ///
    /// - Returns: The peer's identity.
    /// - Throws: ``TLSFailure`` with the reason.
    public func verify(peer chain: [NIOSSLCertificate], now: Date = Date()) throws(TLSFailure) -> PeerIdentity {
        guard let leafNIO = chain.first else { throw .noCertificate }
        let leaf: Certificate
        do { leaf = try Certificate(derEncoded: try leafNIO.toDERBytes()) } catch {
            throw .untrusted("the presented certificate does not parse")
        }
        let material = state.withLock { $0.material }
        return try Self.verify(leaf, material: material, now: now)
    }

    /// Checks a peer identity (read at the handshake) against the deny list and the clock, for requests on a
    /// connection opened before a reload.
    public func recheck(_ identity: PeerIdentity, now: Date = Date()) throws(TLSFailure) {
        if revoked.contains(identity.serial) { throw .revoked(identity: identity.description) }
        if now > identity.notAfter { throw .expired(identity: identity.description, notAfter: Self.show(identity.notAfter)) }
    }

    static func verify(_ leaf: Certificate, material: TLSMaterial, now: Date) throws(TLSFailure) -> PeerIdentity {
        guard leaf.issuer == material.ca.subject,
              material.ca.publicKey.isValidSignature(leaf.signature, for: leaf) else {
            throw .untrusted("issuer \"\(leaf.issuer)\" is not this deployment's CA, or its signature does not verify")
        }
        if let constraints = try? leaf.extensions.basicConstraints, case .isCertificateAuthority = constraints {
            throw .untrusted("a CA certificate cannot identify a role")
        }
        let identity = try PeerIdentity(certificate: leaf)
        if now < identity.notBefore {
            throw .notYetValid(identity: identity.description, notBefore: show(identity.notBefore))
        }
        if now > identity.notAfter { throw .expired(identity: identity.description, notAfter: show(identity.notAfter)) }
        if material.revoked.contains(identity.serial) { throw .revoked(identity: identity.description) }
        return identity
    }

    static func show(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func load(_ files: TLSFiles, checkingOwnCertificate: Bool) throws(TLSFailure) -> TLSMaterial {
        let caURL = URL(fileURLWithPath: files.ca)
        let certificateURL = URL(fileURLWithPath: files.certificate)
        let keyURL = URL(fileURLWithPath: files.key)
        let ca = try TLSFiles.readCertificates(caURL)[0]
        let chain = try TLSFiles.readCertificates(certificateURL)
        let key = try TLSFiles.readP256Key(keyURL)
        guard chain[0].publicKey == Certificate.PublicKey(key.publicKey) else {
            throw .invalidFile(path: keyURL.path, reason: "this key does not belong to \(certificateURL.lastPathComponent)")
        }
        let revoked = try RevocationList.load(URL(fileURLWithPath: files.revokedPath))
        let caMaterial = try Self.nioMaterial(ca: ca, chain: chain, key: key, caPath: caURL.path)
        let partial = TLSMaterial(ca: ca, caNIO: caMaterial.ca, chain: caMaterial.chain, key: caMaterial.key,
                                  identity: try PeerIdentity(certificate: chain[0]), revoked: revoked,
                                  serverContext: caMaterial.context, clientConfiguration: caMaterial.client,
                                  browserConfiguration: caMaterial.browser)
        // Our own certificate must pass the checks peers will apply, so a wrong file fails at start, not later.
        if checkingOwnCertificate {
            do { _ = try verify(chain[0], material: partial, now: Date()) } catch {
                throw .invalidFile(path: certificateURL.path, reason: error.description)
            }
        }
        return partial
    }

    private static func nioMaterial(ca: Certificate, chain: [Certificate], key: P256.Signing.PrivateKey, caPath: String)
        throws(TLSFailure) -> (ca: NIOSSLCertificate, chain: [NIOSSLCertificate], key: NIOSSLPrivateKey,
                               context: NIOSSLContext, client: TLSConfiguration, browser: TLSConfiguration) {
        do {
            let caNIO = try NIOSSLCertificate(bytes: try Self.der(ca), format: .der)
            let chainNIO = try chain.map { try NIOSSLCertificate(bytes: try Self.der($0), format: .der) }
            var keyPEM = Array(key.pemRepresentation.utf8)
            defer { constantTimeWipe(&keyPEM) }
            let keyNIO = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
            var server = TLSConfiguration.makeServerConfiguration(certificateChain: chainNIO.map { .certificate($0) },
                                                                  privateKey: .privateKey(keyNIO))
            server.minimumTLSVersion = .tlsv13
            server.certificateVerification = .noHostnameVerification
            server.trustRoots = .certificates([caNIO])
            var client = TLSConfiguration.makeClientConfiguration()
            client.minimumTLSVersion = .tlsv13
            client.certificateVerification = .fullVerification
            client.trustRoots = .certificates([caNIO])
            client.certificateChain = chainNIO.map { .certificate($0) }
            client.privateKey = .privateKey(keyNIO)
            var browser = TLSConfiguration.makeServerConfiguration(certificateChain: chainNIO.map { .certificate($0) },
                                                                   privateKey: .privateKey(keyNIO))
            browser.minimumTLSVersion = .tlsv13
            browser.certificateVerification = .none
            return (caNIO, chainNIO, keyNIO, try NIOSSLContext(configuration: server), client, browser)
        } catch {
            throw .invalidFile(path: caPath, reason: "TLS set-up failed: \(error)")
        }
    }

    private static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    public static func == (lhs: TLSCredentials, rhs: TLSCredentials) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// `TLS as storage-node node3 (serial ...)`.
    public var description: String { "TLS as \(identity)" }
}
