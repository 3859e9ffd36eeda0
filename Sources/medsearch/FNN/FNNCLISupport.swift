import ArgumentParser
import Foundation
import MedSearchTransport
import MedSearchTransport

/// Connection options shared by the owner and user commands.
struct FNNConnectionOptions: ParsableArguments {
    @Option(help: "C1's base URL.")
    var c1: String

    @Option(help: "C2's base URL.")
    var c2: String

    @Option(help: "Token file (JSON {\"tokens\": {token: role}}); the token of the caller's role is used.")
    var tokens: String

    @Option(help: "Seconds one call may take (a Paillier search at 256x256 takes minutes).")
    var timeout: Int = 7200

    @OptionGroup var tls: ClientTLSOptions

    func clients(role: ServiceRole) throws -> (c1: ServiceClient, c2: ServiceClient) {
        let token = try AccessTokens.load(from: URL(fileURLWithPath: tokens)).token(for: role)
        let configuration = try tls.configuration(ClientConfiguration.standard.timeout(.seconds(timeout)))
        return (ServiceClient(baseURL: c1, token: token, configuration: configuration),
                ServiceClient(baseURL: c2, token: token, configuration: configuration))
    }
}
