import ArgumentParser

/// `medsearch bench <suite>`: speed figures against the reference implementations, as JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed against reference implementations (release builds only; writes JSON).",
        discussion: """
            Engine benchmarks live under their engine: `medsearch fnn bench`, `medsearch sei bench`, \
            `medsearch trustmed bench`.
            """,
        subcommands: [BenchImagingCommand.self, BenchCryptoCommand.self, BenchBFVCommand.self, BenchStoreCommand.self]
    )
}
