import ArgumentParser

/// `medsearch serve <role>`: runs one server role as its own process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run one MedSearch server role (each role is a separate process).",
        discussion: """
            Every role listens on --host/--port (port 0 picks a free port; the bound URL is printed as \
            `MEDSEARCH_LISTENING <url>`), keeps its state in SQLite under --data-dir, and accepts the bearer \
            tokens listed in --tokens (JSON: {"tokens": {"<token>": "<role>"}}).
            """,
        subcommands: [ServeFNNC1Command.self, ServeFNNC2Command.self, ServeSEICommand.self, ServeEdgeMasterCommand.self,
                      ServeStorageNodeCommand.self, ServeSearchWorkerCommand.self, ServeWebCommand.self]
    )
}
