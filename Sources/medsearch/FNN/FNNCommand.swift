import MedSearchClient
import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchFNN
import MedSearchTransport

/// `medsearch fnn ...`: the FNN engine's owner and user commands and its benchmark.
struct FNNCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fnn",
        abstract: "Exact nearest neighbours over encrypted image vectors with two non-colluding clouds (FNN).",
        discussion: """
            Security: semantically secure as long as C1 and C2 do not collude (Paillier under DCR, or additive \
            secret sharing with owner-made correlations). The servers learn which records were pruned by the lower \
            bound and the order of blinded comparison keys; C1 learns the ids of the returned records. See docs/fnn.md.
            Typical flow: keygen -> (start `medsearch serve fnn-c2` and `serve fnn-c1`) -> upload -> query.
            """,
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

    @Option(help: "Image side the feature resizes to (the paper: 256).")
    var side: Int = 64

    @Option(help: "Fixed-point scale for non-pixel features.")
    var scale: Int = 4096

    @Option(name: .customLong("max-abs"), help: "Largest coordinate magnitude for non-pixel features (pixels: 255).")
    var maxAbs: Int64 = 1 << 20

    @Option(name: .customLong("paillier-bits"), help: "Paillier modulus size (2048 or 3072).")
    var paillierBits: Int = 2048

    @Option(help: "Directory to write the keys to (created, mode 0700).")
    var out: String

    func run() async throws {
        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let vectorizer = FNNVectorizer(feature: feature, side: side, scale: scale, maxAbs: feature == "pixels" ? 255 : maxAbs)
        let parameters = try FNNParameters(backend: backend, dimension: try vectorizer.dimension,
                                           maxAbsCoordinate: vectorizer.maxAbs)
        let owner = try FNNOwner.generate(parameters: parameters, paillierBits: paillierBits)
        try FNNKeyFiles.writeSecret(owner.keys.serialized(), to: directory.appendingPathComponent(FNNKeyFiles.owner))
        try Data(owner.c1Setup.serialized()).write(to: directory.appendingPathComponent(FNNKeyFiles.c1Setup))
        try FNNKeyFiles.writeSecret(owner.c2Setup.serialized(), to: directory.appendingPathComponent(FNNKeyFiles.c2Setup))
        try FNNKeyFiles.writeSecret(owner.userCredentials.serialized(), to: directory.appendingPathComponent(FNNKeyFiles.user))
        try vectorizer.write(to: directory)
        print("FNN keys (\(backend), d = \(parameters.dimension), \(feature) \(side)x\(side)) written to \(directory.path)")
    }
}

extension FNNBackend: ExpressibleByArgument {}
extension FNNScanOrder: ExpressibleByArgument {}

/// Options of the owner's commands.
struct FNNOwnerOptions: ParsableArguments {
    @Option(help: "Key directory written by `medsearch fnn keygen`.")
    var keys: String

    @OptionGroup var connection: FNNConnectionOptions

    var keyDirectory: URL { URL(fileURLWithPath: keys) }

    func owner() throws -> FNNOwner {
        var bytes = try FNNKeyFiles.readSecret(keyDirectory, FNNKeyFiles.owner)
        defer { constantTimeWipe(&bytes) }
        return try FNNOwner(keys: try FNNOwnerKeys(serialized: bytes))
    }
}

/// `medsearch fnn upload`.
struct FNNUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Set up C1 and C2 and upload a directory of images (encrypted or shared).")

    @OptionGroup var options: FNNOwnerOptions

    @Option(help: "Directory of images (PNG, JPEG, DICOM).")
    var images: String

    @Option(help: "Use at most this many images.")
    var limit: Int?

    @Option(help: "Correlation entries to create (shared back end: one per query).")
    var pool: Int = 32

    func run() async throws {
        let owner = try options.owner()
        let vectorizer = try FNNVectorizer.load(from: options.keyDirectory)
        let urls = try FNNClientFlows.images(in: URL(fileURLWithPath: images), limit: limit)
        guard !urls.isEmpty else { throw ValidationError("no images in \(images)") }
        let (c1, c2) = try options.connection.clients(role: .owner)
        let status = try await FNNClientFlows.status(c1: c1)
        let firstID = (status.maxRecordID ?? 0) + 1
        let records = try FNNClientFlows.records(urls, firstID: firstID, vectorizer: vectorizer, progress: true)
        var manifest = try FNNKeyFiles.manifest(options.keyDirectory)
        let previous = try FNNClientFlows.loadManifestRecords(manifest, vectorizer: vectorizer)
        try await FNNClientFlows.upload(owner: owner, records: records, allRecords: previous + records, pool: pool,
                                        c1: c1, c2: c2, sendSetup: true, progress: true)
        manifest += zip(records, urls).map { (id: $0.id, path: $1.path) }
        try FNNKeyFiles.writeManifest(manifest, to: options.keyDirectory)
        print("uploaded \(records.count) records (ids \(firstID)...\(firstID + UInt64(records.count) - 1))")
    }
}

/// `medsearch fnn add`.
struct FNNAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add images to an uploaded database without rebuilding it.")

    @OptionGroup var options: FNNOwnerOptions

    @Argument(help: "Image files to add.")
    var files: [String]

    func run() async throws {
        let owner = try options.owner()
        let vectorizer = try FNNVectorizer.load(from: options.keyDirectory)
        let (c1, c2) = try options.connection.clients(role: .owner)
        let status = try await FNNClientFlows.status(c1: c1)
        let urls = files.map { URL(fileURLWithPath: $0) }
        let firstID = (status.maxRecordID ?? 0) + 1
        let records = try FNNClientFlows.records(urls, firstID: firstID, vectorizer: vectorizer, progress: true)
        try await FNNClientFlows.upload(owner: owner, records: records, allRecords: records, pool: 0, c1: c1, c2: c2,
                                        sendSetup: false, progress: true)
        var manifest = try FNNKeyFiles.manifest(options.keyDirectory)
        manifest += zip(records, urls).map { (id: $0.id, path: $1.path) }
        try FNNKeyFiles.writeManifest(manifest, to: options.keyDirectory)
        print("added \(records.count) records (ids \(firstID)...\(firstID + UInt64(records.count) - 1))")
    }
}

/// `medsearch fnn delete`.
struct FNNDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete records by id.")

    @OptionGroup var options: FNNOwnerOptions

    @Argument(help: "Record ids.")
    var ids: [UInt64]

    func run() async throws {
        let (c1, c2) = try options.connection.clients(role: .owner)
        let body = FNNRecordIDs(ids).serialized()
        _ = try await c1.call(Routes.FNNC1.deleteRecords, body: body)
        _ = try await c2.call(Routes.FNNC2.deleteRecords, body: body)
        let manifest = try FNNKeyFiles.manifest(options.keyDirectory).filter { !ids.contains($0.id) }
        try FNNKeyFiles.writeManifest(manifest, to: options.keyDirectory)
        print("deleted \(ids.count) records")
    }
}

/// `medsearch fnn replenish`.
struct FNNReplenishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replenish",
        abstract: "Add correlation entries (shared back end: every query consumes one).")

    @OptionGroup var options: FNNOwnerOptions

    @Option(help: "Entries to add.")
    var entries: Int = 32

    func run() async throws {
        let owner = try options.owner()
        let vectorizer = try FNNVectorizer.load(from: options.keyDirectory)
        let (c1, c2) = try options.connection.clients(role: .owner)
        let next = max(try await FNNClientFlows.status(c1: c1).nextEntry, try await FNNClientFlows.status(c2: c2).nextEntry)
        try await FNNClientFlows.replenish(owner: owner, entries: next..<(next + UInt64(entries)), c1: c1, c2: c2,
                                           progress: true, records: nil, keyDirectory: options.keyDirectory,
                                           vectorizer: vectorizer)
        print("added correlation entries \(next)..<\(next + UInt64(entries))")
    }
}

/// `medsearch fnn query`.
struct FNNQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Find the exact k nearest records of a query image.")

    @Option(help: "Directory holding user.fnncred and fnn-vectorizer.json.")
    var credentials: String

    @OptionGroup var connection: FNNConnectionOptions

    @Option(help: "The query image.")
    var image: String

    @Option(help: "How many neighbours.")
    var k: Int = 5

    @Option(help: ArgumentHelp(
        "Also recover the winners' vectors through the masked hand-over and write them to this directory: vectors.csv, and rank<r>-id<id>.png per hit for the pixels vectorizer.",
        valueName: "DIR"))
    var vectorsOut: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: credentials)
        var bytes = try FNNKeyFiles.readSecret(directory, FNNKeyFiles.user)
        defer { constantTimeWipe(&bytes) }
        let user = try FNNUser(credentials: try FNNUserCredentials(serialized: bytes))
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

extension FNNClientFlows {
    /// Re-reads the owner's manifest into records (needed for fresh correlation entries).
    static func loadManifestRecords(_ manifest: [(id: UInt64, path: String)], vectorizer: FNNVectorizer) throws -> [FNNRecordInput] {
        let model = try vectorizer.model()
        return try manifest.map { entry in
            FNNRecordInput(id: entry.id, vector: try vectorizer.vector(of: URL(fileURLWithPath: entry.path), model: model),
                           label: "")
        }
    }
}
