import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve sei`: the SEI cloud server as its own process.
struct ServeSEICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sei",
        abstract: "Run the SEI cloud server (stores the encrypted index and sealed images; answers trapdoor searches).",
        discussion: ServerRole.sei.discussion)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        try await options.serve(options.instance(.sei))
    }
}
