import ArgumentParser
import MedSearchTransport

/// TLS of a client command talking to a server role: the deployment CA (the only trust root) and this client's
/// certificate and key (`medsearch pki issue --role owner|user|admin`), else $MEDSEARCH_TLS_CA, _CERT and _KEY.
struct ClientTLSOptions: ParsableArguments {
    @Option(help: "The deployment CA certificate (default: $MEDSEARCH_TLS_CA).") var ca: String?
    @Option(help: "This client's certificate (default: $MEDSEARCH_TLS_CERT).") var cert: String?
    @Option(help: "This client's private key, mode 0600 (default: $MEDSEARCH_TLS_KEY).") var key: String?

    func configuration(_ base: ClientConfiguration = .standard) throws -> ClientConfiguration { try base.tls(files: TLSFiles.given(ca: ca, certificate: cert, key: key, environment: "MEDSEARCH_TLS")) }
}

/// TLS of a `serve` command: its certificate from the deployment CA (`medsearch pki issue`), or `--insecure`.
struct ServeTLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-ca"), help: "The deployment CA certificate (ca.pem): the only trust root.") var ca: String?
    @Option(name: .customLong("tls-cert"), help: "This server's certificate (medsearch pki issue).") var cert: String?
    @Option(name: .customLong("tls-key"), help: "This server's private key (mode 0600).") var key: String?
    @Option(name: .customLong("tls-revoked"), help: "The deny list (default: revoked.txt beside the CA).") var revoked: String?
    @Flag(help: "Serve plain HTTP (a role: loopback only; the web application: behind a TLS proxy).") var insecure = false

    func files() throws -> TLSFiles? { try TLSFiles.given(ca: ca, certificate: cert, key: key, revoked: revoked) }
}
