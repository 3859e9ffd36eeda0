import Foundation
import MedSearchCore
import MedSearchSEI
@testable import MedSearchServer
import MedSearchStore
import Testing
import _MedSearchTestSupport

/// `kill -9` of a real `medsearch serve sei` in the middle of an upload: after the restart every record is either
/// fully present (index entry and sealed image) or absent, and re-sending the same upload completes it without
/// duplicates. 120 records here; `MEDSEARCH_CRASH_RECORDS=1000` for the full run.
@Suite("Crash-safe uploads", .serialized)
struct CrashSafeUploadTests {
    static var recordCount: Int {
        Int(ProcessInfo.processInfo.environment["MEDSEARCH_CRASH_RECORDS"] ?? "") ?? 120
    }

    @Test func sqliteSurvivesAKillDuringAnUpload() async throws {
        try await killDuringUpload(database: nil)
    }

    @Test(.enabled(if: TestPostgres.isConfigured, Comment(rawValue: TestPostgres.skipReason)))
    func postgresSurvivesAKillDuringAnUpload() async throws {
        let database = ReplicaDatabase()
        do { try await killDuringUpload(database: database) } catch {
            await database.drop()
            throw error
        }
        await database.drop()
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
        let executable = try ServiceProcess.medsearchExecutable()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (table, tokens) = AccessTokens.issue(roles: [.owner, .user])
        let tokenFile = directory.appendingPathComponent("tokens.json")
        try table.write(to: tokenFile)
        let dataDirectory = directory.appendingPathComponent("sei")
        func launch(_ name: String) async throws -> ServiceProcess {
            try await ServiceProcess.launch(
                executable: executable, arguments: ["serve", "sei", "--data-dir", dataDirectory.path, "--tokens", tokenFile.path],
                environment: database?.environment ?? [:], logFile: directory.appendingPathComponent("\(name).log"))
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
        func send(_ batches: [Batch], to server: ServiceProcess, progress: Progress? = nil) async throws {
            let owner = ServiceClient(baseURL: server.url, token: tokens[.owner]!, timeout: .seconds(60))
            for batch in batches {
                _ = try await owner.post("/sei/v1/images", body: batch.images)
                _ = try await owner.post("/sei/v1/add", body: batch.add)
                await progress?.advance()
            }
        }

        var server = try await launch("first")
        let owner = ServiceClient(baseURL: server.url, token: tokens[.owner]!, timeout: .seconds(60))
        _ = try await owner.post("/sei/v1/index", body: world.upload.serialized())
        let running = server
        let progress = Progress()
        let upload = Task { try await send(batches, to: running, progress: progress) }
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
        let status = try JSONDecoder().decode(SEIServerStatus.self, from: Data(
            try await ServiceClient(baseURL: server.url, token: tokens[.user]!).get("/sei/v1/status")))
        #expect(status.indexed == 90 + total)
        #expect(status.sealedImages == total)
        await server.terminate()
        let store = try await SEIStore.open(location)
        let entries = try await store.loadIndex().entries.filter { $0.id.hasPrefix("up-") }
        #expect(entries.count == total && Set(entries.map(\.id)).count == total)
        #expect(try await store.entriesWithoutImage().filter { $0.hasPrefix("up-") }.isEmpty)
        await store.database.close()
    }
}
