import ArgumentParser
import Foundation
import MedSearchClient
import MedSearchTransport

/// Options naming the edge master and the caller's token.
struct TrustMedMasterOptions: ParsableArguments {
    @Option(help: "The edge master's base URL.")
    var master: String

    @Option(name: .customLong("token-file"), help: "File holding this client's bearer token.")
    var tokenFile: String

    @Option(name: .customLong("timeout-s"), help: "Seconds one call to the master may take.")
    var timeoutSeconds: Int = 600

    @OptionGroup var tls: ClientTLSOptions

    func client() throws -> TrustMedRemote {
        TrustMedRemote(service: ServiceClient(
            baseURL: master, token: try TrustMedKeyFiles.readToken(tokenFile),
            configuration: try tls.configuration(ClientConfiguration.standard.timeout(.seconds(timeoutSeconds)))))
    }
}
