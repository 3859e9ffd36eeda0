import ArgumentParser
import MedSearchServer
import MedSearchTransport

/// `medsearch serve fnn-c2`: FNN cloud C2 (holds the decryption capability, compares blinded values).
struct ServeFNNC2Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnn-c2",
        abstract: "Run FNN cloud C2: the key holder (semantically secure unless C1 and C2 collude).",
        discussion: """
            C2 keeps the Paillier secret key (or its row-mask key and correlation pool) in SQLite under --data-dir, \
            answers C1's protocol messages (role fnn-c1) and keeps each search's masked hand-over for the user. It \
            sees statistically masked values and blinded comparison keys only: the order of the keys, never a \
            distance, vector or record id (Paillier) — the shared back end shows it the candidates' ids.
            """)

    @OptionGroup var serve: ServeOptions

    func run() async throws {
        try await serve.serve(serve.instance(.fnnC2))
    }
}
