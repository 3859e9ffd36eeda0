import Foundation
import Testing
import _MedSearchTestSupport
@testable import MedSearchBenchmarks

@Suite struct ReferenceRunnerTests {
    @Test func readsTheLastLineOfAScript() throws {
        let output = """
            some progress on stdout
            {"library": "pydicom 3.0.2", "versions": {"python": "3.11.2"}, "figures": {"rg1_unci": \
            {"wall": {"median_ms": 12.0, "min_ms": 11.0, "max_ms": 13.0, "samples_ms": [11.0, 12.0, 13.0]}, \
            "cpu": {"median_ms": 10.0, "min_ms": 10.0, "max_ms": 10.0, "samples_ms": [10.0]}}}, \
            "flags": {"have_gmp": true}, "counts": {"directory_files": 3}}

            """
        let (run, status) = ReferenceRunner.decode(output: output)
        #expect(status == .measured())
        let figure = try #require(run?.figures["rg1_unci"])
        #expect(figure.wall.median == 12 && figure.wall.samples == [11, 12, 13])
        #expect(run?.flags["have_gmp"] == true)
        #expect(run?.counts["directory_files"] == 3)
        #expect(run?.library == "pydicom 3.0.2")
    }

    @Test func aScriptThatCannotRunIsRecordedAsMissing() {
        let (run, status) = ReferenceRunner.decode(output: "{\"error\": \"missing package: No module named 'phe'\"}\n")
        #expect(run == nil)
        #expect(status == .missing("missing package: No module named 'phe'"))
        #expect(ReferenceRunner.decode(output: "").1.measured == false)
        #expect(ReferenceRunner.decode(output: "not json").1.measured == false)
    }

    @Test func aMissingRepositoryIsRecordedAsMissing() {
        let runner = ReferenceRunner(repositoryRoot: nil, status: { _ in })
        #expect(runner.run("crypto.py", arguments: []).1 == .missing("repository root not found"))
        let empty = ReferenceRunner(repositoryRoot: FileManager.default.temporaryDirectory, status: { _ in })
        #expect(empty.run("crypto.py", arguments: []).1.measured == false)
    }

    static var python: String? {
        ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The Python side of the contract (scripts/reference/common.py) prints what the Swift side reads.
    @Test(.enabled(if: python != nil, "needs python3"))
    func theCommonPythonModuleWritesWhatTheRunnerReads() throws {
        let python = try #require(Self.python)
        let directory = TestData.root.appendingPathComponent("scripts/reference").path
        let program = """
            import sys; sys.path.insert(0, \(String(reflecting: directory)))
            from common import Figures, emit
            figures = Figures()
            figures.time("spin", lambda: sum(range(1000)), 4, operations=2)
            emit("python " + sys.version.split()[0], {"python": "x"}, figures, flags={"ok": True}, counts={"n": 4})
            """
        let result = try ChildProcess.run(python, ["-c", program])
        #expect(result.status == 0)
        let (run, status) = ReferenceRunner.decode(output: result.output)
        #expect(status.measured)
        let spin = try #require(run?.figures["spin"])
        #expect(spin.wall.samples.count == 4)
        #expect(spin.wall.median > 0)
        #expect(spin.wall.minimum <= spin.wall.median && spin.wall.median <= spin.wall.maximum)
        #expect(run?.flags == ["ok": true])
        #expect(run?.counts == ["n": 4])
    }
}
