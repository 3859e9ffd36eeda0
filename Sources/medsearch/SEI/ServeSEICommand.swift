import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve sei`: the SEI cloud server as its own process.
struct ServeSEICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sei",
        abstract: "Run the SEI cloud server (stores the encrypted index and sealed images; answers trapdoor searches).",
        discussion: """
            Routes under /sei/v1: index, images, add, delete (owner token); search, fetch (user token); status. \
            State lives in <data-dir>/sei.sqlite and the in-memory index is rebuilt from it at start. \
            The server never holds a key; it learns tree paths, result ids and per-query scaled scores \
            (see `medsearch sei --help`).
            """)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        try await options.serve(options.instance(.sei))
    }
}
