import MedSearchClient
import ArgumentParser
import Foundation
import Logging
import MedSearchCore
import MedSearchServer
import MedSearchTrustMed

/// `medsearch serve edge-master`: the trusted TrustMedSearch master edge server.
struct ServeEdgeMasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-master",
        abstract: "Run the TrustMedSearch master edge server (encrypted hashcode search, m-of-n image shares).",
        discussion: """
            The master keeps BFV-encrypted hashcodes in SQLite under --data-dir, evaluates encrypted Hamming \
            distances for clients' encrypted queries (it holds public and evaluation keys only, never the secret \
            key), splits each sealed image into n verifiable shares on the storage nodes listed in --nodes, and \
            rebuilds requested images from any m of them. It learns which records a client fetches.
            --nodes is a JSON file: {"threshold": 3, "token": "<token for the nodes>", "nodes": ["http://...", ...]}; \
            without it the list saved in --data-dir from an earlier start is used.
            """)

    @OptionGroup var serve: ServeOptions

    @Option(help: "Storage-node list (JSON: threshold, token, nodes).")
    var nodes: String?

    @Option(name: .customLong("node-timeout-ms"), help: "Skip a storage node that does not answer within this time.")
    var nodeTimeoutMilliseconds: Int = 2000

    func validate() throws {
        guard (10...600_000).contains(nodeTimeoutMilliseconds) else {
            throw ValidationError("--node-timeout-ms must be 10...600000")
        }
    }

    func run() async throws {
        let configuration = try serve.configuration()
        let data = configuration.dataDirectory
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let saved = data.appendingPathComponent("trustmed-nodes.json")
        let listURL = nodes.map { URL(fileURLWithPath: $0) } ?? saved
        guard FileManager.default.fileExists(atPath: listURL.path) else {
            throw ValidationError("no --nodes file given and none saved in \(data.path)")
        }
        let list = try TrustMedNodeList.load(from: listURL)
        let signingKey = try TrustMedKeyFiles.loadOrCreateSecret(at: data.appendingPathComponent("trustmed-manifest-signing.key")) {
            TrustMedDefaults.newManifestSigningKey()
        }
        let deployment = try await TrustMedEdgeMasterService.Deployment(
            dataDirectory: data, database: configuration.database, nodeList: list, nodeTimeout: .milliseconds(nodeTimeoutMilliseconds),
            sharing: try TrustMedDefaults.sharingScheme(signingKey: signingKey),
            evaluatorFactory: TrustMedDefaults.evaluatorFactory)
        var logger = Logger(label: "medsearch.edge-master")
        logger.logLevel = Logger.Level(rawValue: serve.logLevel) ?? .notice
        // Shares of deleted records that a node missed (it was down) are retried in the background.
        let purge = Task { await deployment.purgeLoop() }
        defer { purge.cancel() }
        try await ServiceRunner.run(router: TrustMedEdgeMasterService.router(deployment: deployment, tokens: configuration.tokens),
                                    configuration: configuration, logger: logger)
    }
}
