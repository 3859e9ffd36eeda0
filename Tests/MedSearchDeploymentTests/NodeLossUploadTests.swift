import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchTransport
import Testing
import _MedSearchTestSupport

/// Issue 14, item 6: `medsearch trustmed upload` with a storage node down ends within its deadline, says which
/// images were not stored, and running the same command again once the node is back completes the upload.
@Suite("Uploads under node loss", .serialized, .needsMedsearchExecutable)
struct NodeLossUploadTests {
    @Test func uploadWithANodeDownReportsEachImageAndARerunCompletesIt() async throws {
        let executable = try #require(TestData.medsearchExecutable)
        try await withTemporaryDirectory("node-loss") { directory in
            let cluster = try await TrustMedCluster.launch(executable: executable, directory: directory.appendingPathComponent("cluster"),
                                                          nodeCount: 5, threshold: 3, nodeTimeout: .seconds(2))
            try await withCleanup {
                let tokenFile = directory.appendingPathComponent("owner.token")
                try OwnerOnlyFile.write(Array((cluster.tokens[.owner] ?? "").utf8), to: tokenFile)
                let keys = directory.appendingPathComponent("keys").path
                let tls = try cluster.security.clientArguments(.owner)
                let demo = TestData.root.appendingPathComponent("DemoData").path
                let keygen = try ChildProcess.run(executable, [
                    "trustmed", "keygen", "--out", keys, "--train", demo, "--train-limit", "40", "--bits", "16",
                    "--hash-base", "pixels", "--params", "insecureN1024", "--master", cluster.master.url,
                    "--token-file", tokenFile.path] + tls)
                try #require(keygen.status == 0, "\(keygen.stderr)")
                func upload(_ limit: Int, timeout: Int = 20) throws -> ChildProcess.Result {
                    try ChildProcess.run(executable, ["trustmed", "upload", "--master", cluster.master.url,
                                                      "--token-file", tokenFile.path, "--keys", keys, "--data", demo,
                                                      "--limit", String(limit), "--timeout-s", String(timeout)] + tls)
                }
                // Ten images with every node up.
                let first = try upload(10)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                #expect(first.stdout.contains("stored 10 image(s), 0 already stored, 0 not stored"))

                // Node 2 dies: the ten stored images are recognised, the ten new ones are not stored, and the command
                // says so per image and exits 1, well within its deadline (20 s per call), in bounded memory.
                let port = try #require(cluster.nodes[2].port)
                await cluster.killNode(2)
                let started = ContinuousClock.now
                let degraded = try upload(20)
                let elapsed = ContinuousClock.now - started
                #expect(degraded.status == 1)
                #expect(degraded.stdout.contains("0 image(s), 10 already stored, 10 not stored"), "\(degraded.stdout)")
                let notStored = degraded.stdout.split(separator: "\n").filter { $0.hasPrefix("not stored ") }
                #expect(notStored.count == 10)
                #expect(degraded.stdout.contains("run the same command again"))
                #expect(elapsed < .seconds(20 + 30), "the upload took \(elapsed)")
                #expect(degraded.peakResidentBytes < 1 << 30)

                // The node is back (same data, same port): the same command completes the upload.
                _ = try await cluster.restartNode(2, generation: 0, port: port)
                let rerun = try upload(20)
                #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
                #expect(rerun.stdout.contains("stored 10 image(s), 10 already stored, 0 not stored"), "\(rerun.stdout)")
            } cleanup: {
                await cluster.stop()
            }
        }
    }
}
