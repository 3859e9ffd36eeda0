import ArgumentParser
import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchSEI
import MedSearchTransport

/// `medsearch sei`: the SEI engine's client side (owner and user) and its benchmark.
struct SEICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        "sei", documentation: SEIClientFlows.self,
        subcommands: [SEIKeygenCommand.self, SEIUserKeygenCommand.self, SEIRegisterCommand.self,
                      SEIIndexCommand.self, SEIQueryCommand.self, SEIAddCommand.self, SEIDeleteCommand.self,
                      SEIBenchCommand.self])
}

/// Where the SEI cloud is.
struct SEIServerOptions: ParsableArguments {
    @Option(help: "Base URL of `medsearch serve sei` (e.g. http://127.0.0.1:8080).") var server: String
    @Option(help: "Bearer token (owner token for index/add/delete, user token for query).") var token: String

    @OptionGroup var tls: ClientTLSOptions
    var remote: SEIRemote { get throws { SEIRemote(service: ServiceClient(baseURL: server, token: token, configuration: try tls.configuration())) } }
}

struct SEIKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "GenKey (owner): create the secret matrix key M, r, S, pi, theta, X and the image key.")
    @Option(help: "Owner state file to create (secret; written with mode 0600).") var owner: String
    @Option(help: "PCA dimension d (encrypted vectors have 2d+2 entries).") var dimension: Int = 128
    @Option(help: "DM threshold of the index tree.") var threshold: Double = 0.5
    @Flag(help: "Overwrite an existing owner file.") var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: owner) && !force {
            throw ValidationError("\(owner) exists; pass --force to replace it (its index becomes unusable)")
        }
        try SEIClientFlows.keygen(ownerFile: owner, configuration: .init(dimension: dimension, treeThreshold: threshold))
        print("owner key written to \(owner) (d = \(dimension), encrypted vectors of \(2 * dimension + 2) numbers)")
    }
}

struct SEIUserKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user-keygen", abstract: "User: create the secret matrix W and the registration request for the owner.")
    @Option(help: "The user's secret file to create (mode 0600).") var secret: String
    @Option(help: "Registration request to hand to the owner.") var request: String
    @Option(help: "PCA dimension d (must match the owner's).") var dimension: Int = 128

    func run() throws {
        try SEIClientFlows.userKeygen(dimension: dimension, secretFile: secret, requestFile: request)
        print("user secret W written to \(secret); send \(request) to the owner")
    }
}

struct SEIRegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Owner: answer a user's registration with Abar = A W^-1, U, the image key and the feature model.")
    @Option(help: "Owner state file.") var owner: String
    @Option(help: "The user's registration request.") var request: String
    @Option(help: "Credentials file to create for the user (secret: holds the image key).") var credentials: String

    func run() throws {
        let answer = try SEIClientFlows.register(ownerFile: owner, requestFile: request, credentialsFile: credentials)
        print("credentials written to \(credentials) (Abar, U, image key, \(answer.model.extractorKind) + PCA to \(answer.model.dimension))")
    }
}

struct SEIIndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "GenIndex + EncImage (owner): extract features, PCA, CAK-means, tree; encrypt; upload index and sealed images.")
    @Option(help: "Owner state file (updated with the PCA model and index).") var owner: String
    @Option(help: "Folder of images (images/*.png|jpg|dcm, optional labels.csv).") var images: String
    @Option(help: "Feature extractor (cnn when available, else lbp; also pixels, hog, ...).") var feature: String?
    @Option(help: "Index at most this many images.") var limit: Int?
    @OptionGroup var server: SEIServerOptions

    func run() async throws {
        let summary = try await SEIClientFlows.index(ownerFile: owner, images: URL(fileURLWithPath: images), limit: limit,
                                                     feature: feature, remote: try server.remote)
        print("indexed \(summary.images) images: \(summary.leafClusters) leaf clusters, tree height \(summary.treeHeight), GenIndex and upload \(String(format: "%.2f", summary.seconds)) s; sealed images uploaded")
    }
}

struct SEIQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "GenTrap + Search + DecImage (user): find the k images most similar to a query image.")
    @Option(help: "The user's secret file (W).") var secret: String
    @Option(help: "The credentials from the owner.") var credentials: String
    @Option(help: "The query image.") var image: String
    @Option(help: "Number of results.") var k: Int = 10
    @Option(help: "K-anonymity: hide the query among K-1 decoy trapdoors (1 = off).") var anonymity: Int = 1
    @Flag(help: "Scan every encrypted vector instead of descending the tree.") var linear = false
    @Option(help: "Write the decrypted result images into this folder.") var output: String?
    @OptionGroup var server: SEIServerOptions

    func run() async throws {
        let result = try await SEIClientFlows.query(secretFile: secret, credentialsFile: credentials, image: image,
                                                    options: .init(k: k, mode: linear ? .linear : .tree),
                                                    anonymity: anonymity, remote: try server.remote,
                                                    output: output.map(URL.init(fileURLWithPath:)))
        print("rank  id  encrypted-score  image")
        for (rank, hit) in result.hits.enumerated() {
            let note = result.images[hit.id].map { "\($0.count) bytes, authenticated" } ?? "not stored"
            print("\(rank + 1)  \(hit.id)  \(hit.score)  \(note)")
        }
        print("scored \(result.scoredImages) encrypted vectors and \(result.scoredNodes) tree nodes (\(result.trapdoors) trapdoor(s))")
    }
}

struct SEIAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Owner: add images to the built index (each joins its nearest leaf cluster).")
    @Option(help: "Owner state file.") var owner: String
    @Argument(help: "Image files to add (the id is the file name without extension).") var files: [String]
    @OptionGroup var server: SEIServerOptions

    func run() async throws {
        let report = try await SEIClientFlows.add(ownerFile: owner, files: files, remote: try server.remote)
        for line in SEIClientFlows.lines(report) { print(line) }
    }
}

struct SEIDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Owner: delete images from the index and the cloud.")
    @Option(help: "Owner state file.") var owner: String
    @Argument(help: "Image ids to delete.") var ids: [String]
    @OptionGroup var server: SEIServerOptions

    func run() async throws {
        try await SEIClientFlows.delete(ownerFile: owner, ids: ids, remote: try server.remote)
        print("deleted \(ids.count) image(s)")
    }
}
