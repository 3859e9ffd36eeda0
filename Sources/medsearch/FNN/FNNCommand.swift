import ArgumentParser
import Foundation
import MedSearchClient
import MedSearchFNN
import MedSearchTransport

/// `medsearch fnn ...`: the FNN engine's owner and user commands and its benchmark.
struct FNNCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        "fnn", documentation: FNNClientFlows.self,
        subcommands: [FNNKeygenCommand.self, FNNUploadCommand.self, FNNAddCommand.self, FNNDeleteCommand.self,
                      FNNReplenishCommand.self, FNNQueryCommand.self, FNNBenchCommand.self])
}

/// `medsearch fnn keygen`.
struct FNNKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate the owner's keys, both servers' set-ups and the users' credentials.",
        discussion: """
            Writes into --out: owner.fnnkey (secret, owner only), c1.fnnsetup (public), c2.fnnsetup (secret, for C2 \
            only), user.fnncred (label key, for authorised users) and fnn-vectorizer.json.
            """)
    @Option(help: "Arithmetic back end: shared (fast, owner-dealt correlations) or paillier (the paper's).")
    var backend: FNNBackend = .shared
    @Option(help: "Feature: pixels (the paper) or any feature of the features target (stats, lbp, hog).")
    var feature: String = "pixels"
    @Option(help: "Image side the feature resizes to (the paper: 256).") var side: Int = 64
    @Option(help: "Fixed-point scale for non-pixel features.") var scale: Int = 4096
    @Option(name: .customLong("max-abs"), help: "Largest coordinate magnitude for non-pixel features (pixels: 255).")
    var maxAbs: Int64 = 1 << 20
    @Option(name: .customLong("paillier-bits"), help: "Paillier modulus size (2048 or 3072).") var paillierBits: Int = 2048
    @Option(help: "Directory to write the keys to (created, mode 0700).") var out: String

    func run() async throws {
        let directory = URL(fileURLWithPath: out)
        let vectorizer = FNNVectorizer(feature: feature, side: side, scale: scale, maxAbs: feature == "pixels" ? 255 : maxAbs)
        let parameters = try FNNClientFlows.keygen(vectorizer, backend: backend, paillierBits: paillierBits, to: directory)
        print("FNN keys (\(backend), d = \(parameters.dimension), \(feature) \(side)x\(side)) written to \(directory.path)")
    }
}

extension FNNBackend: ExpressibleByArgument {}
extension FNNScanOrder: ExpressibleByArgument {}

/// Options of the owner's commands.
struct FNNOwnerOptions: ParsableArguments {
    @Option(help: "Key directory written by `medsearch fnn keygen`.") var keys: String
    @OptionGroup var connection: FNNConnectionOptions

    var keyDirectory: URL { URL(fileURLWithPath: keys) }

    func clients() throws -> (c1: ServiceClient, c2: ServiceClient) { try connection.clients(role: .owner) }
}

/// Connection options shared by the owner and user commands.
struct FNNConnectionOptions: ParsableArguments {
    @Option(help: "C1's base URL.") var c1: String
    @Option(help: "C2's base URL.") var c2: String
    @Option(help: "Token file (JSON {\"tokens\": {token: role}}); the token of the caller's role is used.") var tokens: String
    @Option(help: "Seconds one call may take (a Paillier search at 256x256 takes minutes).") var timeout: Int = 7200
    @OptionGroup var tls: ClientTLSOptions

    func clients(role: ServiceRole) throws -> (c1: ServiceClient, c2: ServiceClient) {
        let token = try AccessTokens.load(from: URL(fileURLWithPath: tokens)).token(for: role)
        let configuration = try tls.configuration(ClientConfiguration(timeout: .seconds(timeout)))
        return (ServiceClient(baseURL: c1, token: token, configuration: configuration),
                ServiceClient(baseURL: c2, token: token, configuration: configuration))
    }
}

/// `medsearch fnn upload`.
struct FNNUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Set up C1 and C2 and upload a directory of images (encrypted or shared).")
    @OptionGroup var options: FNNOwnerOptions
    @Option(help: "Directory of images (PNG, JPEG, DICOM).") var images: String
    @Option(help: "Use at most this many images.") var limit: Int?
    @Option(help: "Correlation entries to create (shared back end: one per query).") var pool: Int = 32

    func run() async throws {
        let urls = try FNNClientFlows.images(in: URL(fileURLWithPath: images), limit: limit)
        guard !urls.isEmpty else { throw ValidationError("no images in \(images)") }
        let (c1, c2) = try options.clients()
        print(try await FNNClientFlows.upload(urls, keyDirectory: options.keyDirectory, c1: c1, c2: c2, pool: pool).line)
    }
}

/// `medsearch fnn add`.
struct FNNAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add images to an uploaded database without rebuilding it.")
    @OptionGroup var options: FNNOwnerOptions
    @Argument(help: "Image files to add.") var files: [String]

    func run() async throws {
        let (c1, c2) = try options.clients()
        print(try await FNNClientFlows.upload(files.map { URL(fileURLWithPath: $0) },
                                              keyDirectory: options.keyDirectory, c1: c1, c2: c2, pool: nil).line)
    }
}

/// `medsearch fnn delete`.
struct FNNDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete records by id.")
    @OptionGroup var options: FNNOwnerOptions
    @Argument(help: "Record ids.") var ids: [UInt64]

    func run() async throws {
        let (c1, c2) = try options.clients()
        try await FNNClientFlows.delete(ids, keyDirectory: options.keyDirectory, c1: c1, c2: c2)
        print("deleted \(ids.count) records")
    }
}

/// `medsearch fnn replenish`.
struct FNNReplenishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replenish",
        abstract: "Add correlation entries (shared back end: every query consumes one).")
    @OptionGroup var options: FNNOwnerOptions
    @Option(help: "Entries to add.") var entries: Int = 32

    func run() async throws {
        let (c1, c2) = try options.clients()
        let added = try await FNNClientFlows.replenish(entries, keyDirectory: options.keyDirectory, c1: c1, c2: c2)
        print("added correlation entries \(added.lowerBound)..<\(added.upperBound)")
    }
}

/// `medsearch fnn query`.
struct FNNQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Find the exact k nearest records of a query image.")
    @Option(help: "Directory holding user.fnncred and fnn-vectorizer.json.") var credentials: String
    @OptionGroup var connection: FNNConnectionOptions
    @Option(help: "The query image.") var image: String
    @Option(help: "How many neighbours.") var k: Int = 5
    @Option(help: ArgumentHelp(
        "Also recover the winners' vectors through the masked hand-over and write them to this directory: vectors.csv, and rank<r>-id<id>.png per hit for the pixels vectorizer.",
        valueName: "DIR"))
    var vectorsOut: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: credentials)
        let user = try FNNClientFlows.user(credentials: directory)
        let vectorizer = try FNNVectorizer.load(from: directory)
        let vector = try vectorizer.vector(of: URL(fileURLWithPath: image), model: try vectorizer.model())
        let (c1, c2) = try connection.clients(role: .user)
        let start = Date()
        let (hits, result) = try await FNNClientFlows.query(user: user, vector: vector, k: k, c1: c1, c2: c2,
                                                            recoverVectors: vectorsOut != nil)
        print("rank  id  squared distance  label")
        for (rank, hit) in hits.enumerated() {
            print("\(rank + 1)  \(hit.id)  \(hit.squaredDistance)  \(hit.label)")
        }
        print(String(format: "%d records, %.1f %% rejected by the lower bound, %.2f s", result.recordCount,
                     100 * result.rejectRatio, Date().timeIntervalSince(start)))
        if let vectorsOut {
            let files = try FNNClientFlows.writeVectors(hits, vectorizer: vectorizer, to: URL(fileURLWithPath: vectorsOut))
            print("recovered \(hits.count) vector(s) of \(vector.count) coordinates through the masked hand-over: "
                  + files.map(\.path).joined(separator: ", "))
        }
    }
}
