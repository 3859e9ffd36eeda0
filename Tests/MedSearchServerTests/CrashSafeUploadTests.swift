import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchSEI
@testable import MedSearchServer
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

/// `kill -9` of a real `medsearch serve sei` in the middle of an upload: after the restart every record is either
/// fully present (index entry and sealed image) or absent, and re-sending the same upload completes it without
/// duplicates. 120 records here; `MEDSEARCH_CRASH_RECORDS=1000` for the full run.
@Suite("Crash-safe uploads", .serialized, .needsMedsearchExecutable)
struct CrashSafeUploadTests {
    static var recordCount: Int {
        Int(ProcessInfo.processInfo.environment["MEDSEARCH_CRASH_RECORDS"] ?? "") ?? 120
    }

    @Test func sqliteSurvivesAKillDuringAnUpload() async throws {
        try await killDuringUpload(database: nil)
    }

    @Test(.enabled(if: TestPostgres.isConfigured, Comment(rawValue: TestPostgres.skipReason)))
    func postgresSurvivesAKillDuringAnUpload() async throws {
        try await ReplicaDatabase.with { try await killDuringUpload(database: $0) }
    }

    @Test func edgeMasterSurvivesAKillDuringAnUpload() async throws {
        try await killMasterDuringUpload(database: nil)
    }

    @Test(.enabled(if: TestPostgres.isConfigured, Comment(rawValue: TestPostgres.skipReason)))
    func edgeMasterOnPostgresSurvivesAKillDuringAnUpload() async throws {
        try await ReplicaDatabase.with { try await killMasterDuringUpload(database: $0) }
    }

    /// `kill -9` of a real edge master between and during upload requests: every record it lists afterwards has all
    /// its shares (its image is rebuilt byte for byte), and re-sending the same requests (same idempotency keys)
    /// completes the upload with every record once.
    func killMasterDuringUpload(database: ReplicaDatabase?) async throws {
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("master-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try await TrustMedCluster.launch(launcher, directory: directory, nodeCount: 3, threshold: 2,
                                                      nodeTimeout: .seconds(15), masterDatabase: database?.url)
        try await withCleanup {
            let client = try TrustMedDefaults.client(keys: try TrustMedDefaults.generateClientKeys(
                hashBits: 32, parameterSet: TrustMedDefaults.testParameterSet))
            var rng = seededGenerator(4242)
            let total = max(Self.recordCount / 2, 40)
            let images = (0..<total).map { i in
                TrustMedClient.Image(recordID: "rec-\(i)", bytes: SecureRandom.bytes(300 + i, using: &rng),
                                     hashcode: (0..<32).map { _ in UInt8.random(in: 0...1, using: &rng) })
            }
            // Small requests (8 records each), prepared once: the re-run sends the same bytes and idempotency keys.
            let requests = try stride(from: 0, to: total, by: 8).flatMap {
                try client.uploadRequests(for: Array(images[$0..<min($0 + 8, total)]))
            }
            let first = TrustMedRemote(service: cluster.masterClient(role: .owner, timeout: .seconds(60)))
            try await first.register(client.registration)
            let progress = Progress()
            let upload = Task {
                for request in requests {
                    _ = try await first.upload(request, attempts: 1)
                    await progress.advance()
                }
            }
            let killAfter = requests.count / 3
            let deadline = ContinuousClock.now + .seconds(300)
            while await progress.done < killAfter, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            await cluster.master.kill()
            #expect(await (try? upload.value) == nil, "the upload should have been cut by the kill")

            // Restarted at the same port from its data directory, with the node list it saved there.
            var restarted = cluster.master.instance
            restarted.peers.nodeList = nil
            try await cluster.master.restart(with: restarted)
            let owner = TrustMedRemote(service: cluster.masterClient(role: .owner, timeout: .seconds(60)))
            // Whatever survived is whole: each listed record's image is rebuilt from its shares.
            let survivors = try await owner.status().records
            #expect(survivors >= killAfter * 8 && survivors < total, "\(survivors) of \(total) records before the kill")
            let expected = Dictionary(uniqueKeysWithValues: images.map { ($0.recordID, $0.bytes) })
            let stored = try await owner.fetch(FetchRequest(recordIDs: images.map(\.recordID)))
            let opened = client.open(stored)
            let present = opened.filter { (try? $0.result.get()) != nil }
            #expect(present.count == survivors)
            for item in present { #expect(try item.result.get() == expected[item.recordID]) }
            // The same requests again complete the upload: nothing refused, every record once.
            for request in requests { #expect(try await owner.upload(request).allStored) }
            #expect(try await owner.status().records == total)
            let all = client.open(try await owner.fetch(FetchRequest(recordIDs: images.map(\.recordID))))
            #expect(all.count == total)
            for item in all { #expect(try item.result.get() == expected[item.recordID]) }
        } cleanup: {
            await cluster.stop()
        }
    }

    /// How many batches the upload has sent.
    actor Progress {
        var done = 0
        func advance() { done += 1 }
    }

    /// One upload step as the owner sends it: the sealed images first, then the index entries.
    struct Batch {
        var ids: [String]
        var images: [UInt8]
        var add: [UInt8]
        var entries: [SEIStore.Entry]
    }

    func killDuringUpload(database: ReplicaDatabase?) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-crash-\(UUID().uuidString)")
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)),
                                    security: try .localTLS(in: directory))
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (table, tokens) = AccessTokens.issue(roles: [.owner, .user])
        let tokenFile = directory.appendingPathComponent("tokens.json")
        try table.write(to: tokenFile)
        let dataDirectory = directory.appendingPathComponent("sei")
        func launch(_ name: String) async throws -> RunningRole {
            try await launcher.start(RoleInstance(role: .sei, name: name, dataDirectory: dataDirectory.path,
                                                  tokenFile: tokenFile.path, database: database?.url))
        }

        // The upload is prepared once, as a client that keeps its upload plan would, so a re-run sends the same bytes.
        var world = try SEIServiceTests.World()
        var rng = seededGenerator(1009)
        let total = Self.recordCount
        var batches: [Batch] = []
        for start in stride(from: 0, to: total, by: 10) {
            let ids = (start..<min(start + 10, total)).map { "up-\($0)" }
            let features = ids.indices.map { i in world.features[(start + i) % 90].map { $0 + Float.random(in: -0.5...0.5, using: &rng) } }
            let add = try world.owner.addImages(ids: ids, features: features)
            let sealed = try ids.map { SEISealedImages.SealedImage(id: $0, sealed: try world.owner.sealImage(Array($0.utf8), id: $0)) }
            batches.append(Batch(ids: ids, images: SEISealedImages(images: sealed).serialized(), add: add.serialized(),
                                 entries: add.entries.map { .init(id: $0.id, cluster: $0.cluster, vector: $0.vectorBytes) }))
        }
        func send(_ batches: [Batch], to server: RunningRole, progress: Progress? = nil) async throws {
            let owner = server.client(token: tokens[.owner]!, role: .owner, configuration: .standard.timeout(.seconds(60)))
            for batch in batches {
                _ = try await owner.call(Routes.SEI.images, body: batch.images)
                _ = try await owner.call(Routes.SEI.add, body: batch.add)
                await progress?.advance()
            }
        }

        var server = try await launch("first")
        let owner = server.client(token: tokens[.owner]!, role: .owner, configuration: .standard.timeout(.seconds(60)))
        _ = try await owner.call(Routes.SEI.index, body: world.upload.serialized())
        let running = server
        let progress = Progress()
        let upload = Task { [batches] in try await send(batches, to: running, progress: progress) }
        // Kill the server once a third of the batches are in, while the next one is in flight.
        let killAfter = batches.count / 3
        let deadline = ContinuousClock.now + .seconds(300)
        while await progress.done < killAfter, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        await server.kill()
        #expect(await (try? upload.value) == nil, "the upload should have been cut by the kill")

        // After the crash: every record is fully present or absent, and whatever is present is what was sent.
        let location = try database.map { try StoreLocation(parsing: $0.url) }
            ?? .sqlite(path: dataDirectory.appendingPathComponent("sei.sqlite").path)
        let expected = Dictionary(uniqueKeysWithValues: batches.flatMap(\.entries).map { ($0.id, $0) })
        do {
            let store = try await SEIStore.open(location)
            let stored = try await store.loadIndex().entries.filter { $0.id.hasPrefix("up-") }
            #expect(stored.count >= killAfter * 10 && stored.count < total, "\(stored.count) of \(total) records before the kill")
            for entry in stored { #expect(expected[entry.id] == entry) }
            #expect(try await store.entriesWithoutImage().filter { $0.hasPrefix("up-") }.isEmpty)
            await store.database.close()
        }

        // Restarted, the same upload sent again completes it: every record once, none refused.
        server = try await launch("second")
        try await send(batches, to: server)
        let status = try await server.client(token: tokens[.user]!, role: .user)
            .call(Routes.SEI.status, as: SEIServerStatus.self)
        #expect(status.indexed == 90 + total)
        #expect(status.sealedImages == total)
        await server.stop()
        let store = try await SEIStore.open(location)
        let entries = try await store.loadIndex().entries.filter { $0.id.hasPrefix("up-") }
        #expect(entries.count == total && Set(entries.map(\.id)).count == total)
        #expect(try await store.entriesWithoutImage().filter { $0.hasPrefix("up-") }.isEmpty)
        await store.database.close()
    }
}
