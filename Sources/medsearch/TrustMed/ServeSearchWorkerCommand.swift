import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve search-worker`: evaluates one shard of the TrustMedSearch encrypted hashcode database for the
/// edge master (run several, on several machines, and list them in the master's `--search-workers` file).
struct ServeSearchWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-worker", abstract: ServerRole.searchWorker.abstract, discussion: ServerRole.searchWorker.discussion)

    @OptionGroup var serve: ServeOptions
    @Option(help: "The most threads one evaluation uses (default: one per core).") var threads: Int?

    func run() async throws {
        try await serve.serve(serve.instance(.searchWorker, engine: .init(threads: threads)))
    }
}
