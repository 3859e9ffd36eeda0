import Foundation
import Testing
import _MedSearchTestSupport
@testable import MedSearchBenchmarks

@Suite struct ReportTests {
    struct Body: BenchmarkBody, Equatable {
        static let suite = "test"
        var figures: [Figure]
        var referenceStatus: ReferenceStatus

        enum CodingKeys: String, CodingKey {
            case figures, referenceStatus = "reference_status"
        }
    }

    static func sampleReport() -> BenchmarkReport<Body> {
        var timed = Figure("decrypt", timing: Timing(wall: [3, 1, 2], cpu: [2, 1, 1]),
                           parameters: ["bits": 2048, "function": "mpz_powm", "shares": .ints([1, 2, 3]),
                                        "ratio": 0.5, "prepared": true])
        timed.reference = ReferenceComparison(library: "phe", figure: "paillier_decrypt", ours: timed.timing!,
                                              theirs: Timing(wall: [4], cpu: [4]))
        timed.target = TargetCheck("ms", measured: 2, .atMost, 3.1)
        var value = Figure("response_size", value: 65_536, unit: "bytes", note: "sparse")
        value.resultsEqualPlaintext = true
        let environment = BenchEnvironment(
            machine: MachineDescription(cpu: "AMD EPYC", cores: 2, loadAverage: [1.5, 2, 2.5], operatingSystem: "Linux"),
            gitCommit: String(repeating: "a", count: 40), build: "release", medsearchVersion: "0.1.0",
            date: "2026-12-05T06:00:00Z", loadAverageAtEnd: [3, 2, 1])
        return BenchmarkReport(method: "median of 3", environment: environment,
                               body: Body(figures: [timed, value], referenceStatus: .measured()))
    }

    @Test func encodingRoundTrips() throws {
        let report = Self.sampleReport()
        let data = try report.json()
        let decoded = try BenchmarkReport<Body>.decode(data)
        #expect(decoded.suite == "test")
        #expect(decoded.method == report.method)
        #expect(decoded.environment == report.environment)
        #expect(decoded.body == report.body)
    }

    @Test func environmentAndBodyShareTheTopLevel() throws {
        let data = try Self.sampleReport().json()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["suite", "method", "machine", "git_commit", "build", "medsearch_version", "date",
                                     "load_average_at_end", "figures", "reference_status"])
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(Set(machine.keys) == ["cpu", "cores", "load_average", "os"])
        let figure = try #require((object["figures"] as? [[String: Any]])?.first)
        let wall = try #require((figure["timing"] as? [String: Any])?["wall"] as? [String: Any])
        #expect(wall["median_ms"] as? Double == 2)
        #expect(wall["samples_ms"] as? [Double] == [3, 1, 2])
        #expect((figure["reference"] as? [String: Any])?["wall_ratio"] as? Double == 0.5)
        #expect((figure["target"] as? [String: Any])?["comparison"] as? String == "<=")
        #expect((figure["parameters"] as? [String: Any])?["shares"] as? [Int] == [1, 2, 3])
    }

    @Test func nonFiniteNumbersDoNotBreakTheReport() throws {
        var report = Self.sampleReport()
        report.body.figures.append(Figure("ratio", value: .nan, unit: "ratio"))
        let text = String(decoding: try report.json(), as: UTF8.self)
        #expect(text.contains("\"nan\""))
    }

    @Test func theMachineIsDescribed() throws {
        let machine = MachineDescription.current()
        #expect(machine.cores >= 1)
        #expect(!machine.cpu.isEmpty)
        #expect(!machine.operatingSystem.isEmpty)
        if FileManager.default.fileExists(atPath: "/proc/loadavg") {
            #expect(machine.loadAverage.count == 3)
        }
        let cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\n"
        #expect(MachineDescription.cpuModel(cpuinfo: cpuinfo) == "AMD EPYC 7B13")
        #expect(MachineDescription.cpuModel(cpuinfo: "") == "unknown")
        #expect(MachineDescription.loadAverage(loadavg: "0.52 1.04 2.50 2/345 6789\n") == [0.52, 1.04, 2.5])
        #expect(MachineDescription.loadAverage(loadavg: "garbage") == [])
        #expect(ProcessMemory.peakResidentBytes(status: "Name:\tx\nVmHWM:\t  2048 kB\n") == 2_097_152)
        #expect(ProcessMemory.peakResidentBytes(status: "Name:\tx\n") == 0)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestData.root.appendingPathComponent(".git").path),
                   "needs a git checkout"))
    func theEnvironmentNamesTheCommit() throws {
        let environment = BenchEnvironment.current(repository: TestData.root)
        let commit = try #require(environment.gitCommit)
        #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit))
        #expect(["debug", "release"].contains(environment.build))
        #expect(environment.finished().loadAverageAtEnd != nil)
        #expect(BenchEnvironment.gitCommit(repository: nil) == nil)
    }
}
