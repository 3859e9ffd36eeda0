import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve fnn-c2`: FNN cloud C2 (holds the decryption capability, compares blinded values).
struct ServeFNNC2Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnn-c2",
        abstract: "Run FNN cloud C2: the key holder (semantically secure unless C1 and C2 collude).",
        discussion: ServerRole.fnnC2.discussion)

    @OptionGroup var serve: ServeOptions

    func run() async throws {
        try await serve.serve(serve.instance(.fnnC2))
    }
}
