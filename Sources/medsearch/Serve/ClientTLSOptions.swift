import ArgumentParser
import Foundation
import MedSearchTransport

/// TLS of a client command (`fnn`, `sei`, `trustmed` talking to a server role): the deployment CA to trust and
/// the client's own certificate and key (`medsearch pki issue --role owner|user|admin ...`). Each falls back to
/// an environment variable, so a shell set up once for a deployment needs no options.
struct ClientTLSOptions: ParsableArguments {
    @Option(name: .customLong("ca"), help: ArgumentHelp(
        "The deployment CA certificate; the only trust root (default: $MEDSEARCH_TLS_CA).", valueName: "pem"))
    var ca: String?

    @Option(name: .customLong("cert"), help: ArgumentHelp(
        "This client's certificate (default: $MEDSEARCH_TLS_CERT).", valueName: "pem"))
    var certificate: String?

    @Option(name: .customLong("key"), help: ArgumentHelp(
        "This client's private key, mode 0600 (default: $MEDSEARCH_TLS_KEY).", valueName: "pem"))
    var key: String?

    /// The TLS files given (options, then environment), nil when none.
    func files() throws -> TLSFiles? {
        let environment = ProcessInfo.processInfo.environment
        let ca = self.ca ?? environment["MEDSEARCH_TLS_CA"]
        let certificate = self.certificate ?? environment["MEDSEARCH_TLS_CERT"]
        let key = self.key ?? environment["MEDSEARCH_TLS_KEY"]
        if ca == nil, certificate == nil, key == nil { return nil }
        guard let ca, let certificate, let key else {
            throw ValidationError("--ca, --cert and --key (or MEDSEARCH_TLS_CA, _CERT, _KEY) go together")
        }
        return TLSFiles(ca: ca, certificate: certificate, key: key)
    }

    /// `base` with these TLS credentials (unchanged without any).
    func configuration(_ base: ClientConfiguration = .standard) throws -> ClientConfiguration {
        guard let files = try files() else { return base }
        return base.tls(try TLSCredentials(files: files))
    }
}
