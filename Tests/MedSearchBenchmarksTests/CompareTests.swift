import Foundation
@testable import MedSearchBenchmarks
import Testing
import _MedSearchTestSupport

@Suite("medsearch compare")
struct CompareTests {
    static let cxrPublic = TestData.sharedFile("cxr-public/labels.csv")

    @Test func exponentFitRecoversThePowerLaw() throws {
        let points = [100, 1000, 10_000].map { (n: $0, y: 3 * pow(Double($0), 1.5)) }
        let fitted = try #require(CompareBenchmark.exponent(points))
        #expect(abs(fitted - 1.5) < 1e-9)
        #expect(CompareBenchmark.exponent([(n: 100, y: 2)]) == nil)
        #expect(CompareBenchmark.exponent([(n: 100, y: 0), (n: 200, y: 5)]) == nil)
    }

    @Test func percentilesAreNearestRank() {
        let values = (1...20).map(Double.init).reversed()
        #expect(CompareBenchmark.percentile(Array(values), 0.5) == 10)
        #expect(CompareBenchmark.percentile(Array(values), 0.95) == 19)
        #expect(CompareBenchmark.percentile([], 0.5) == 0)
    }

    @Test func processCPUReadsUtimePlusStime() {
        // A command name with spaces and a parenthesis; utime 250 and stime 50 ticks at 100 ticks per second.
        let stat = "4242 (medsearch (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 9 0 100 0 0"
        #expect(ProcessCPU.seconds(stat: stat, ticksPerSecond: 100) == 3.0)
        #expect(ProcessCPU.seconds(stat: "4242 (short) S 1 2", ticksPerSecond: 100) == nil)
        #expect(ProcessCPU.seconds(stat: "no parenthesis", ticksPerSecond: 100) == nil)
        let own = ProcessCPU.ownSeconds()
        #expect(own > 0 && (ProcessCPU.seconds(pid: getpid()) ?? -1) >= 0)
    }

    @Test func papersFiguresAreTheTranscribedOnes() {
        #expect(ComparePapers.value("fnn", "Table II", "256x256, n = 500", "search time") == 7.47)
        #expect(ComparePapers.value("fnn", "Table I", "512x512, n = 100", "LB time") == 549.7)
        #expect(ComparePapers.value("sei", "Table 5", "d = 64, k = 10", "P@k") == 0.625)
        #expect(ComparePapers.value("sei", "Fig. 11 (text)", "n = 4000, d = 128", "search time") == 0.22)
        #expect(ComparePapers.value("trustmed", "Table III", "TrustMedSearch, Infiltration, k = 50", "F1") == 0.233)
        // Two FNN tables of 5 sizes and 3 quantities, SEI's Table 5 (8 rows of 5) and 5 text figures, Table III.
        #expect(ComparePapers.figures.count == 30 + 40 + 5 + 9)
        #expect(Set(ComparePapers.figures.map(\.paper)) == Set(ComparePapers.setting.keys))
    }

    @Test func unknownEnginesAndBadListsAreRefused() async throws {
        var configuration = CompareBenchmark.Configuration.quick()
        #expect(throws: BenchmarkError.self) { try configuration.apply(engines: nil, sizes: "100,x", ks: nil) }
        try configuration.apply(engines: "plaintext,nope", sizes: nil, ks: nil)
        configuration.progress = false
        await #expect(throws: BenchmarkError.self) { _ = try await CompareBenchmark(configuration: configuration).run() }
    }

    /// The `--quick` run: every engine on the same 80 images and 4 queries, every top-k equal to the engine's
    /// plaintext reference, and the report, RESULTS.md and plots carry every section.
    @Test(.enabled(if: cxrPublic != nil, "needs ../shared/data/cxr-public"))
    func quickRunMatchesEveryPlaintextReference() async throws {
        var configuration = CompareBenchmark.Configuration.quick()
        configuration.progress = false
        configuration.seed = 7
        configuration.executable = TestData.medsearchExecutable
        let report = try await CompareBenchmark(configuration: configuration).run()
        #expect(report.engines.map(\.engine) == CompareBenchmark.engineNames)
        #expect(report.dataset.databaseSize == 80 && report.dataset.queryIDs.count == 4)
        #expect(Set(report.dataset.queryIDs).count == 4)
        for engine in report.engines {
            #expect(engine.referenceMismatches == 0, "\(engine.engine): top-k differs from its plaintext reference")
            #expect(engine.queries == 4 && engine.databaseSize == 80)
            #expect(engine.classes.map(\.name) == configuration.classes)
            #expect(engine.mean.figures.map(\.k) == [5, 10])
            #expect(engine.mean.figures.allSatisfy { (0...1).contains($0.precision) && (0...1).contains($0.recall) })
            #expect(engine.latencyP50Milliseconds > 0 && engine.latencyP95Milliseconds >= engine.latencyP50Milliseconds)
            if engine.engine != "plaintext" {
                #expect(engine.bytesUpPerQuery > 0 && engine.bytesDownPerQuery > 0, "\(engine.engine)")
                #expect(engine.indexBytesPerImage > 0 && engine.clientBytes > 0, "\(engine.engine)")
            }
        }
        if TestData.medsearchExecutable != nil {
            // CPU per role: every server role a process; the same answers as in process.
            for engine in report.engines {
                let run = try #require(engine.roles, "\(engine.engine): no role run")
                #expect(run.queries == 4 && run.sameTopKAsInProcess == 4, "\(engine.engine)")
                #expect(run.roles.allSatisfy { $0.cpuMillisecondsPerQuery >= 0 && $0.processes >= 1 })
            }
            let roles = report.engines.map { ($0.engine, $0.roles?.roles.map(\.role) ?? []) }
            #expect(roles.first { $0.0 == "fnn" }?.1.dropFirst() == ["fnn-c1", "fnn-c2"])
            #expect(roles.first { $0.0 == "trustmed" }?.1.dropFirst() == ["edge master", "storage nodes"])
            #expect(report.engines.first { $0.engine == "trustmed" }?.roles?.roles.last?.processes == 3)
            // The edge master evaluates BFV inner products: hundreds of milliseconds of CPU per query, far above one
            // 10 ms clock tick (lighter roles may fall under a tick in 4 queries).
            for name in ["trustmed", "trustmed-identifier"] {
                let master = report.engines.first { $0.engine == name }?.roles?.roles.first { $0.role == "edge master" }
                #expect((master?.cpuMillisecondsPerQuery ?? 0) > 0, "\(name): no edge-master CPU")
            }
        }
        #expect(report.engines.first { $0.engine == "trustmed" }?.parameters["mode"] == "unlinkable")
        #expect(report.engines.first { $0.engine == "trustmed-identifier" }?.parameters["mode"] == "identifier")
        #expect(report.papers == ComparePapers.figures)
        let byName = Dictionary(uniqueKeysWithValues: report.engines.map { ($0.engine, $0) })
        let fnn = try #require(byName["fnn"]), sei = try #require(byName["sei"]), trustMed = try #require(byName["trustmed"])
        #expect(fnn.bytesBetweenServersPerQuery > 0 && fnn.bytesPreprocessingPerQuery > 0)
        // Shares of m-of-n: more stored than the sealed image alone (n/m = 3/2).
        #expect(trustMed.imageBytesPerImage > sei.imageBytesPerImage)
        #expect(report.growth.map(\.engine) == CompareBenchmark.engineNames)
        for series in report.growth {
            #expect(series.points.map(\.n) == [64, 128])
            #expect(series.points.allSatisfy { $0.matchesReference }, "\(series.engine) growth")
            #expect(series.points.allSatisfy { $0.serverBytes > 0 })
            #expect(series.storageExponent != nil)
        }
        #expect(Set(report.leakage.map(\.engine)) == Set(CompareBenchmark.engineNames))
        #expect(report.enginesDifferingFromReference.isEmpty)

        let decoded = try JSONDecoder().decode(CompareReport.self, from: report.json())
        #expect(decoded == report)
        let markdown = CompareMarkdown.render(report, plots: "results")
        for section in ["## Cross-scheme table", "## Which to choose", "## Growth with n", "## What each server learns",
                        "### FNN (Guo et al.), Tables I and II", "### SEI (Li et al.), Table 5", "### TrustMedSearch",
                        "results/compare-precision.svg", "obfuscation only", "## CPU time per query on each role",
                        "| 500 | 2674.4 | 40.8 % | 30.44 h | 2745.1 | 42.4 % | 7.47 h |", "| paper, TrustMedSearch | 0.695 | 0.139 | 0.233 |",
                        "client (key holder), unlinkable mode"] {
            #expect(markdown.contains(section), "RESULTS.md lacks \(section)")
        }
        let plots = ComparePlots.all(report)
        #expect(plots.keys.sorted() == ["compare-bytes.svg", "compare-latency.svg", "compare-precision.svg"])
        for (name, svg) in plots {
            #expect(svg.hasPrefix("<svg") && svg.contains("prefers-color-scheme: dark"), "\(name)")
            #expect(CompareBenchmark.engineNames.allSatisfy { svg.contains(">\($0)</text>") }, "\(name) legend")
        }
        #expect(try #require(plots["compare-latency.svg"]).contains("(ms, log scale)"))
    }
}
