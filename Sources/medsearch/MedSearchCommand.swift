import ArgumentParser
import MedSearchCore

/// The `medsearch` executable: every role of MedSearch, from image inspection to the servers.
@main
struct MedSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medsearch",
        abstract: "Search medical images that stay encrypted.",
        discussion: """
            MedSearch keeps X-ray, CT and MRI images on servers it does not trust and still finds the images most \
            similar to a query image. Three published schemes are implemented as engines:
              fnn       exact nearest neighbours over Paillier with two non-colluding clouds
              sei       matrix-encrypted CNN features in an index tree (obfuscation only: see `sei --help`)
              trustmed  BFV-encrypted hashcodes on an edge master, images shared m-of-n over storage nodes
            Start with `medsearch demo`.
            """,
        version: MedSearchVersion.current,
        subcommands: [DemoCommand.self, InspectCommand.self, DeidCommand.self, EvalCommand.self, CipherStatsCommand.self,
                      FNNCommand.self, SEICommand.self, TrustMedCommand.self, ServeCommand.self, PKICommand.self,
                      ClusterCommand.self, StoreCommand.self,
                      IngestCommand.self, BenchCommand.self, CompareCommand.self]
    )
}

extension CommandConfiguration {
    /// A command whose one-line abstract and `--help` discussion its library keeps (``CommandDocumentation``).
    init(_ commandName: String, documentation: any CommandDocumentation.Type,
         subcommands: [any ParsableCommand.Type] = []) {
        self.init(commandName: commandName, abstract: documentation.abstract, discussion: documentation.discussion,
                  subcommands: subcommands)
    }
}
