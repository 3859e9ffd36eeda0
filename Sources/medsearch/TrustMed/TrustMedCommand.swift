import ArgumentParser
import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchTransport
import MedSearchTrustMed

/// `medsearch trustmed ...`: the client side of TrustMedSearch (owners and clinicians).
struct TrustMedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        "trustmed", documentation: TrustMedClientFlows.self,
        subcommands: [Keygen.self, Register.self, Upload.self, Query.self, Delete.self, ReplaceNode.self, Status.self,
                      TrustMedBenchCommand.self])

    /// `trustmed keygen`: keys and hash model for an owner.
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the client keys (BFV, sealing, tags) and train the hash model on the owner's images.",
            discussion: "Writes DIR/client.key (secret: give it only to authorised clinicians) and DIR/hash.model.")
        @Option(help: "Directory to write client.key and hash.model to.") var out: String
        @Option(help: "Training images for the hash model (a folder with images/ or image files).") var train: String
        @Option(name: .customLong("train-limit"), help: "Train on at most this many images.") var trainLimit: Int = 2000
        @Option(help: "Hashcode length in bits (16...256).") var bits: Int = 64
        @Option(name: .customLong("hash-base"), help: "Feature the hashcode is computed from (hog, lbp, pixels, pca, cnn, ...).")
        var hashBase: String = TrustMedHashing.defaultBase
        @Option(name: .customLong("params"), help: "BFV parameter set.")
        var parameterSet: String = TrustMedDefaults.defaultParameterSet
        @Option(help: "Register the evaluation keys with this edge master right away.") var master: String?
        @Option(name: .customLong("token-file"), help: "Owner token file for --master.") var tokenFile: String?
        @OptionGroup var tls: ClientTLSOptions

        func validate() throws {
            guard Hashcode.supportedBitCounts.contains(bits) else { throw ValidationError("--bits must be 16...256") }
            guard (master == nil) == (tokenFile == nil) else { throw ValidationError("--master needs --token-file") }
        }

        func run() async throws {
            let made = try TrustMedClientFlows.keygen(out: URL(fileURLWithPath: out), train: URL(fileURLWithPath: train),
                                                      trainLimit: trainLimit, bits: bits, hashBase: hashBase,
                                                      parameterSet: parameterSet)
            print("wrote \(made.keyFile.path) (secret) and hash.model (\(made.model.summary))")
            if let master, let tokenFile {
                let client = try TrustMedDefaults.client(keys: made.keys)
                try await TrustMedRemote(service: ServiceClient(baseURL: master, token: try TrustMedKeyFiles.readToken(tokenFile),
                                                                configuration: try tls.configuration()))
                    .register(client.registration)
                print("registered the evaluation keys with \(master)")
            }
        }
    }

    /// `trustmed register`: sends the evaluation keys to an edge master.
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register the client's evaluation keys with an edge master.")
        @OptionGroup var remote: TrustMedMasterOptions
        @Option(help: "Directory holding client.key.") var keys: String

        func run() async throws {
            let client = try TrustMedDefaults.client(keys: try TrustMedKeyFiles.readKeys(keys + "/client.key"))
            try await remote.client().register(client.registration)
            print("registered evaluation keys \(Hex.encode(client.keyFingerprint.prefix(8)))")
        }
    }

    /// `trustmed upload`: seal, hash, encrypt and upload a folder of images.
    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload images: each is sealed, its hashcode BFV-encrypted, and it is searchable once all n shares are stored.",
            discussion: TrustMedClientFlows.uploadDiscussion)
        @OptionGroup var remote: TrustMedMasterOptions
        @Option(help: "Directory holding client.key and hash.model.") var keys: String
        @Option(help: "Images to upload (a folder with images/ and optional labels.csv, or image files).") var data: String
        @Option(help: "Upload at most this many images.") var limit: Int?

        func run() async throws {
            let report = try await TrustMedClientFlows.upload(
                try TrustMedClientFlows.load(keys: keys), data: URL(fileURLWithPath: data), limit: limit,
                remote: try remote.client()) { id, outcome in
                // One line per image, written at once (not buffered until exit).
                FileHandle.standardOutput.write(Data((TrustMedUpload.line(id, outcome) + "\n").utf8))
            }
            print(report.summary)
            if !report.notStored.isEmpty { throw ExitCode.failure }
        }
    }

    /// `trustmed query`: find the images most similar to a query image.
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query by image: encrypted hashcode search, client-side top-k, images rebuilt from m shares.")
        @OptionGroup var remote: TrustMedMasterOptions
        @Option(help: "Directory holding client.key and hash.model.") var keys: String
        @Option(help: "The query image.") var image: String
        @Option(name: .short, help: "How many results.") var k: Int = 10
        @Option(help: "Write the retrieved images to this directory.") var out: String?
        @Option(name: .customLong("query-form"),
                help: "compact (30 KB, expanded by the evaluator) or ntt (1.94 MB for 64 bits, nothing to expand: for masters with search workers).")
        var queryForm: TrustMedQueryForm = .compact

        func validate() throws { guard (1...1000).contains(k) else { throw ValidationError("-k must be 1...1000") } }

        func run() async throws {
            let result = try await TrustMedClientFlows.query(try TrustMedClientFlows.load(keys: keys, queryForm: queryForm),
                                                             image: URL(fileURLWithPath: image), k: k,
                                                             remote: try remote.client(), out: out.map(URL.init(fileURLWithPath:)))
            TrustMedClientFlows.lines(result).forEach { print($0) }
            if result.hits.contains(where: { (try? $0.image.get()) == nil }) { throw ExitCode.failure }
        }
    }

    /// `trustmed delete`: delete records and their shares.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete records: never returned again; their shares are deleted on every storage node.",
            discussion: TrustMedClientFlows.deleteDiscussion)
        @OptionGroup var remote: TrustMedMasterOptions
        @Option(name: .customLong("id"), help: "A record id to delete (repeatable).") var ids: [String] = []
        @Option(name: .customLong("ids-file"), help: "A file with one record id per line.") var idsFile: String?

        func run() async throws {
            let report = try await remote.client().delete(recordIDs: try TrustMedClientFlows.recordIDs(ids, file: idsFile))
            for line in TrustMedClientFlows.lines(report) { print(line) }
        }
    }

    /// `trustmed replace-node`: re-share every record after a storage node was replaced.
    struct ReplaceNode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replace-node",
            abstract: "After storage node INDEX was replaced (empty), regenerate its share of every record from m others.",
            discussion: "A replacement at another address is first written into the edge master's node list (the "
                + "--node-list file it was started with); the master re-reads it here and never takes an address from a request.")
        @OptionGroup var remote: TrustMedMasterOptions
        @Option(help: "The replaced node's index (0-based, as in the master's node list).") var index: Int

        func run() async throws {
            let report = try await remote.client().reshare(ReshareRequest(nodeIndex: index))
            for line in TrustMedClientFlows.lines(report) { print(line) }
            if !report.failed.isEmpty { throw ExitCode.failure }
        }
    }

    /// `trustmed status`: what the edge master holds.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the edge master's record count, storage and nodes.")
        @OptionGroup var remote: TrustMedMasterOptions

        func run() async throws {
            for line in TrustMedClientFlows.lines(try await remote.client().status()) { print(line) }
        }
    }
}

/// Options naming the edge master and the caller's token.
struct TrustMedMasterOptions: ParsableArguments {
    @Option(help: "The edge master's base URL.") var master: String
    @Option(name: .customLong("token-file"), help: "File holding this client's bearer token.") var tokenFile: String
    @Option(name: .customLong("timeout-s"), help: "Seconds one call to the master may take.") var timeoutSeconds: Int = 600
    @OptionGroup var tls: ClientTLSOptions

    func client() throws -> TrustMedRemote {
        TrustMedRemote(service: ServiceClient(baseURL: master, token: try TrustMedKeyFiles.readToken(tokenFile),
                                              configuration: try tls.configuration(ClientConfiguration(timeout: .seconds(timeoutSeconds)))))
    }
}

extension TrustMedQueryForm: ExpressibleByArgument {}
