import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve search-worker`: evaluates one shard of the TrustMedSearch encrypted hashcode database for the
/// edge master (run several, on several machines, and list them in the master's `--search-workers` file).
struct ServeSearchWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-worker",
        abstract: "Run a TrustMedSearch search worker (evaluates one shard of the encrypted hashcode database).",
        discussion: """
            A search worker reads the edge master's store given with --database (the master's SQLite file, \
            sqlite:DATA_DIR/trustmed-master.sqlite, on the same machine; or the master's PostgreSQL database) and \
            evaluates encrypted Hamming distances over its shard when the master asks (callers whose token maps to \
            role `edge-master`). Worker i of the master's list searches every block whose sequence number is i \
            modulo the number of workers; it follows adds and deletes by reading only what changed in the store. It \
            holds public material only (the evaluation key and ciphertexts), like the master.
            """)

    @OptionGroup var serve: ServeOptions
    @Option(help: "The most threads one evaluation uses (default: one per core).") var threads: Int?

    func validate() throws {
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1...1024") }
    }

    func run() async throws {
        try await serve.serve(serve.instance(.searchWorker, engine: .init(threads: threads)))
    }
}
