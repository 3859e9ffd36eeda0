import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchSEI
import MedSearchStore
import MedSearchTransport
import MedSearchTrustMed
import Synchronization
import Testing
import _MedSearchTestSupport

/// Issue 16, item 5 (client side): `kill -9` of a real role (the SEI cloud, FNN's C1, the TrustMedSearch edge
/// master) while `medsearch <engine> upload|add` runs; after the restart the same command, run again, completes the
/// upload without duplicates and says what it stored and what it skipped. 200 images each here (with 40, an idle
/// machine's server sometimes finished the whole upload between two progress polls, so the kill landed after it);
/// `MEDSEARCH_CRASH_RECORDS=1000` for the full run.
@Suite("Crash-safe CLI uploads", .serialized, .needsMedsearchExecutable)
struct CrashSafeCLIUploadTests {
    static var recordCount: Int {
        Int(ProcessInfo.processInfo.environment["MEDSEARCH_CRASH_RECORDS"] ?? "") ?? 200
    }

    /// `count` images named `up-0000.png`... in `directory/images`, links to the demo images (cycled).
    static func imageFolder(_ directory: URL, count: Int) throws -> [URL] {
        let images = directory.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let demo = TestData.root.appendingPathComponent("DemoData/images")
        let sources = try FileManager.default.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".png") }.sorted()
        try #require(!sources.isEmpty)
        return try (0..<count).map { index in
            let link = images.appendingPathComponent(String(format: "up-%04d.png", index))
            try FileManager.default.createSymbolicLink(atPath: link.path,
                                                       withDestinationPath: demo.appendingPathComponent(sources[index % sources.count]).path)
            return link
        }
    }

    /// Runs the CLI with `arguments` in slices of 2 ms (SIGCONT, then SIGSTOP), each granted only after `progress`
    /// answered while the command was stopped; once it reaches `killAt`, `role` is killed (SIGKILL) and the command resumes
    /// for good. So the kill lands part way through however fast the upload runs. Returns the command's result and
    /// the progress seen at the kill (nil: the command ended first).
    static func run(_ arguments: [String], killing role: RunningRole, at killAt: Int,
                    progress: @escaping @Sendable () async -> Int?) async throws -> (ChildProcess.Result, Int?, String) {
        let executable = try #require(TestData.medsearchExecutable)
        let child = Child()
        // The command waits on its own thread, off Swift's cooperative threads (other tests keep those busy).
        let command = Task {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildProcess.Result, any Error>) in
                Thread {
                    let result = Result { try ChildProcess.run(executable, arguments) { pid in
                        // Stopped at once, by this thread: the slicing loop below is a task that a busy test run may
                        // not schedule for seconds, and the command must not run ahead meanwhile.
                        Glibc.kill(pid, SIGSTOP)
                        child.pid.withLock { $0 = pid }
                    } }
                    child.finished.withLock { $0 = true }
                    continuation.resume(with: result)
                }.start()
            }
        }
        var seen: Int?, lowered = false
        var slices = 0, failedReadings = 0, lastReading: Int?
        let deadline = ContinuousClock.now + .seconds(600)
        while !child.finished.withLock({ $0 }), ContinuousClock.now < deadline {
            guard let pid = child.pid.withLock({ $0 }) else {
                try await Task.sleep(for: .milliseconds(1))
                continue
            }
            // The slice is timed here, blocking, so a busy test runner cannot stretch it; the command runs at the
            // lowest priority, so on a loaded machine this thread is not kept waiting behind it.
            if !lowered {
                lowered = true
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), 19)
            }
            // A slice only after a reading: when the probe fails (a loaded machine, a slow answer) the command stays
            // stopped, so it cannot run to its end unobserved.
            guard let done = await progress() else {
                failedReadings += 1
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            lastReading = done
            if done >= killAt {
                await role.kill()
                seen = done
                break
            }
            Glibc.kill(pid, SIGCONT)
            usleep(2000)
            Glibc.kill(pid, SIGSTOP)
            slices += 1
        }
        if let pid = child.pid.withLock({ $0 }) { Glibc.kill(pid, SIGCONT) }
        let summary = "\(slices) slices, \(failedReadings) failed progress readings, last reading \(lastReading.map(String.init) ?? "none")"
        return (try await command.value, seen, summary)
    }

    /// The command's process id, and whether it ended.
    final class Child: Sendable {
        let pid = Mutex<pid_t?>(nil)
        let finished = Mutex(false)
    }

    static func cli(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(try #require(TestData.medsearchExecutable), arguments)
    }

    /// The line of `output` that starts with `prefix`.
    static func line(_ output: String, _ prefix: String) -> String? {
        output.split(separator: "\n").map(String.init).last { $0.hasPrefix(prefix) }
    }

    @Test func seiAddCutByAKillIsCompletedByARerun() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sei-cli-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)))
        let cloud = try await SEICloud.launch(launcher, directory: directory.appendingPathComponent("cloud"))
        try await withCleanup {
            let total = Self.recordCount
            let files = try Self.imageFolder(directory, count: total)
            let ownerFile = directory.appendingPathComponent("owner.sei").path
            let server = ["--server", cloud.server.url, "--token", try cloud.tokens.token(.owner)]
                + (try cloud.security.clientArguments(.owner))
            try #require(try Self.cli(["sei", "keygen", "--owner", ownerFile, "--dimension", "16"]).status == 0)
            let demo = TestData.root.appendingPathComponent("DemoData").path
            let index = try Self.cli(["sei", "index", "--owner", ownerFile, "--images", demo, "--limit", "20",
                                      "--feature", "lbp"] + server)
            try #require(index.status == 0, "\(index.stderr)")
            let user = try cloud.client(role: .user)
            @Sendable func indexed() async -> Int? {
                (try? await user.call(Routes.SEI.status, as: SEIServerStatus.self)).map { $0.indexed - 20 }
            }
            let add = ["sei", "add", "--owner", ownerFile] + server + files.map(\.path)
            let (first, killedAt, slicing) = try await Self.run(add, killing: cloud.server, at: SEIClientFlows.addRound,
                                                       progress: indexed)
            try #require(killedAt != nil, "the add ended before the kill (\(slicing)): \(first.stdout)\(first.stderr)")
            #expect(first.status != 0, "the add should have been cut by the kill")

            // Every image is fully present (entry and sealed image) or absent.
            let store = try await SEIStore.open(.sqlite(path: directory.appendingPathComponent("cloud/cloud/sei.sqlite").path))
            let survivors = try await store.loadIndex().entries.filter { $0.id.hasPrefix("up-") }.count
            #expect(try await store.entriesWithoutImage().isEmpty)
            await store.database.close()
            #expect(survivors >= SEIClientFlows.addRound && survivors < total, "\(survivors) of \(total) before the kill")

            try await cloud.server.restart()
            let rerun = try Self.cli(add)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(Self.line(rerun.stdout, "added ") == "added \(total - survivors) image(s), \(survivors) already stored (skipped)")
            let status = try await user.call(Routes.SEI.status, as: SEIServerStatus.self)
            #expect(status.indexed == 20 + total && status.sealedImages == 20 + total)
            // The owner adopted the images the cloud held: it can delete one of them.
            let delete = try Self.cli(["sei", "delete", "--owner", ownerFile] + server + ["up-0000"])
            #expect(delete.status == 0, "\(delete.stderr)")
            #expect(try await user.call(Routes.SEI.status, as: SEIServerStatus.self).indexed == 20 + total - 1)
        } cleanup: {
            await cloud.stop()
        }
    }

    @Test func fnnUploadCutByAKillOfC1IsCompletedByARerun() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fnn-cli-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let launcher = RoleLauncher(mode: .childProcess(executable: try #require(TestData.medsearchExecutable)))
        let clouds = try await FNNClouds.launch(launcher, directory: directory.appendingPathComponent("clouds"))
        try await withCleanup {
            let total = Self.recordCount
            let files = try Self.imageFolder(directory, count: total)
            let keys = directory.appendingPathComponent("keys")
            try #require(try Self.cli(["fnn", "keygen", "--out", keys.path, "--side", "8"]).status == 0)
            let connection = ["--c1", clouds.c1.url, "--c2", clouds.c2.url, "--tokens", clouds.tokens.file.path,
                              "--timeout", "60"] + (try clouds.security.clientArguments(.owner))
            let upload = ["fnn", "upload", "--keys", keys.path, "--images", files[0].deletingLastPathComponent().path,
                          "--pool", "4"] + connection
            let owner = try clouds.clients(role: .owner)
            @Sendable func records() async -> Int? {
                try? await FNNClientFlows.status(c1: owner.c1).records
            }
            let (first, killedAt, slicing) = try await Self.run(upload, killing: clouds.c1, at: FNNClientFlows.recordsPerRequest,
                                                       progress: records)
            try #require(killedAt != nil, "the upload ended before the kill (\(slicing)): \(first.stdout)\(first.stderr)")
            #expect(first.status != 0, "the upload should have been cut by the kill")

            try await clouds.c1.restart()
            let survivors = try await FNNClientFlows.status(c1: owner.c1).records
            #expect(survivors >= FNNClientFlows.recordsPerRequest && survivors < total, "\(survivors) of \(total) before the kill")
            let rerun = try Self.cli(upload)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(Self.line(rerun.stdout, "stored ")
                == "stored \(total - survivors) record(s), \(survivors) already stored (skipped) (ids 1...\(total))")
            #expect(try await FNNClientFlows.status(c1: owner.c1).records == total)
            let manifest = try FNNKeyFiles.manifest(keys)
            #expect(manifest.map(\.id).sorted() == Array(1...UInt64(total)))
            #expect(Set(manifest.map(\.path)).count == total)
            #expect(!FileManager.default.fileExists(atPath: keys.appendingPathComponent(FNNKeyFiles.plan).path))
            // A query finds an image of the cut part and one of the re-sent part at distance 0 (C2 holds the
            // correlation rows of every record).
            for image in [files[0], files[total - 1]] {
                let query = try Self.cli(["fnn", "query", "--credentials", keys.path, "--image", image.path, "--k", "1"]
                                         + connection)
                #expect(query.status == 0, "\(query.stderr)")
                let hit = Self.line(query.stdout, "1  ")?.split(separator: " ", omittingEmptySubsequences: true)
                #expect(hit?[2] == "0", "\(query.stdout)")
            }
        } cleanup: {
            await clouds.stop()
        }
    }

    @Test func trustMedUploadCutByAKillOfTheMasterIsCompletedByARerun() async throws {
        let executable = try #require(TestData.medsearchExecutable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trustmed-cli-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try await TrustMedCluster.launch(executable: executable, directory: directory.appendingPathComponent("cluster"),
                                                      nodeCount: 3, threshold: 2, nodeTimeout: .seconds(15))
        try await withCleanup {
            let total = Self.recordCount
            let files = try Self.imageFolder(directory, count: total)
            let tokenFile = directory.appendingPathComponent("owner.token")
            try OwnerOnlyFile.write(Array((cluster.tokens[.owner] ?? "").utf8), to: tokenFile)
            let keys = directory.appendingPathComponent("keys").path
            let demo = TestData.root.appendingPathComponent("DemoData").path
            let keygen = try Self.cli(["trustmed", "keygen", "--out", keys, "--train", demo, "--train-limit", "40",
                                       "--bits", "16", "--hash-base", "pixels", "--params", "insecureN1024",
                                       "--master", cluster.master.url, "--token-file", tokenFile.path]
                                      + (try cluster.security.clientArguments(.owner)))
            try #require(keygen.status == 0, "\(keygen.stderr)")
            let upload = ["trustmed", "upload", "--master", cluster.master.url, "--token-file", tokenFile.path,
                          "--keys", keys, "--data", directory.path, "--timeout-s", "5"]
                + (try cluster.security.clientArguments(.owner))
            let owner = TrustMedRemote(service: cluster.masterClient(role: .owner, timeout: .seconds(60)))
            @Sendable func records() async -> Int? { try? await owner.status().records }
            let (first, killedAt, slicing) = try await Self.run(upload, killing: cluster.master, at: max(total / 4, 1),
                                                       progress: records)
            try #require(killedAt != nil, "the upload ended before the kill (\(slicing)): \(first.stdout)\(first.stderr)")
            #expect(first.status != 0, "the upload should have been cut by the kill")
            #expect(first.stdout.contains("run the same command again"))

            var restarted = cluster.master.instance
            restarted.peers.nodeList = nil
            try await cluster.master.restart(with: restarted)
            let survivors = try await owner.status().records
            #expect(survivors >= total / 4 && survivors < total, "\(survivors) of \(total) before the kill")
            let rerun = try Self.cli(upload)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(rerun.stdout.contains("stored \(total - survivors) image(s), \(survivors) already stored, 0 not stored"),
                    "\(rerun.stdout)")
            #expect(try await owner.status().records == total)
            // Every image is there once and whole: rebuilt from its shares, byte for byte.
            let client = try TrustMedClientFlows.load(keys: keys).client
            let ids = files.map { $0.deletingPathExtension().lastPathComponent }
            for start in stride(from: 0, to: total, by: TrustMedLimits.maxRecordsPerFetch) {
                let chunk = Array(ids[start..<min(start + TrustMedLimits.maxRecordsPerFetch, total)])
                let opened = client.open(try await owner.fetch(FetchRequest(recordIDs: chunk)))
                #expect(opened.map(\.recordID) == chunk)
                for (item, file) in zip(opened, files[start...]) {
                    #expect(try item.result.get() == Array(try Data(contentsOf: file)))
                }
            }
        } cleanup: {
            await cluster.stop()
        }
    }
}
