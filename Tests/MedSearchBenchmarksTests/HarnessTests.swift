import Foundation
import Synchronization
import Testing
import _MedSearchTestSupport
@testable import MedSearchBenchmarks

/// A clock that returns scripted readings, so that the harness's arithmetic can be checked exactly.
final class ScriptedClock: BenchClock {
    private struct Readings {
        var wall: [UInt64]
        var cpu: [UInt64]
        var scopes: [CPUScope] = []
    }

    private let readings: Mutex<Readings>

    /// The scope of every CPU reading taken, in order.
    var scopes: [CPUScope] { readings.withLock { $0.scopes } }

    /// Readings in milliseconds, consumed in order (start, end, start, end, ...).
    init(wallMilliseconds: [Double], cpuMilliseconds: [Double]) {
        readings = Mutex(Readings(wall: wallMilliseconds.map { UInt64($0 * 1e6) },
                                  cpu: cpuMilliseconds.map { UInt64($0 * 1e6) }))
    }

    func wallNanoseconds() -> UInt64 {
        readings.withLock { $0.wall.removeFirst() }
    }

    func cpuNanoseconds(_ scope: CPUScope) -> UInt64 {
        readings.withLock {
            $0.scopes.append(scope)
            return $0.cpu.removeFirst()
        }
    }
}

@Suite struct HarnessTests {
    @Test func statisticsOfScriptedRounds() {
        // Three rounds lasting 2, 3 and 1 ms of wall time and 1, 1 and 4 ms of CPU time.
        let clock = ScriptedClock(wallMilliseconds: [0, 2, 10, 13, 20, 21], cpuMilliseconds: [0, 1, 5, 6, 6, 10])
        let harness = BenchHarness(rounds: 3, warmUpRounds: 2, clock: clock)
        var calls = 0
        let timing = harness.measure { calls += 1 }
        #expect(calls == 5, "two warm-up rounds and three timed rounds")
        #expect(timing.wall.samples == [2, 3, 1])
        #expect(timing.wall.median == 2)
        #expect(timing.wall.minimum == 1)
        #expect(timing.wall.maximum == 3)
        #expect(timing.cpu.samples == [1, 1, 4])
        #expect(timing.cpu.median == 1)
        #expect(clock.scopes.allSatisfy { $0 == .thread })
    }

    @Test func operationsPerRoundDivideEverySample() {
        let clock = ScriptedClock(wallMilliseconds: [0, 10, 10, 30], cpuMilliseconds: [0, 8, 8, 28])
        let timing = BenchHarness(rounds: 2, warmUpRounds: 0, cpuScope: .process, clock: clock).measure(operations: 5) {}
        #expect(timing.wall.samples == [2, 4])
        #expect(timing.wall.median == 3, "the median of an even count is the mean of the middle two")
        #expect(timing.cpu.samples == [1.6, 4])
        #expect(clock.scopes.allSatisfy { $0 == .process })
    }

    @Test func alternatingRoundsKeepTheirOwnSamples() {
        // Round 1: first 1 ms, second 7 ms; round 2: first 2 ms, second 9 ms.
        let clock = ScriptedClock(wallMilliseconds: [0, 1, 1, 8, 8, 10, 10, 19],
                                  cpuMilliseconds: [0, 1, 1, 8, 8, 10, 10, 19])
        var order: [String] = []
        let (a, b) = BenchHarness(rounds: 2, warmUpRounds: 1, clock: clock).measureAlternating({ order.append("a") }, {
            order.append("b")
        })
        #expect(order == ["a", "b", "a", "b", "a", "b"])
        #expect(a.wall.samples == [1, 2])
        #expect(b.wall.samples == [7, 9])
    }

    @Test func asynchronousBodiesAreTimedTheSameWay() async {
        let clock = ScriptedClock(wallMilliseconds: [0, 4, 4, 10], cpuMilliseconds: [0, 1, 1, 2])
        let timing = await BenchHarness(rounds: 2, warmUpRounds: 0, clock: clock).measure {
            await Task.yield()
        }
        #expect(timing.wall.samples == [4, 6])
        #expect(timing.cpu.samples == [1, 1])
    }

    @Test func stopwatchCollectsNamedParts() {
        let clock = ScriptedClock(wallMilliseconds: [0, 5, 5, 6], cpuMilliseconds: [0, 2, 2, 3])
        var watch = Stopwatch(BenchHarness(rounds: 1, clock: clock))
        let a = watch.read(), b = watch.read()
        watch.record("search", from: a, to: b)
        let c = watch.read(), d = watch.read()
        watch.record("search", from: c, to: d)
        #expect(watch.timing("search").wall.samples == [5, 1])
        #expect(watch.timing("absent").wall.samples.isEmpty)
        #expect(watch.timing("absent").wall.median == 0)
    }

    @Test func summaryStatistics() {
        #expect(SampleSummary([5, 1, 4, 2]).median == 3)
        #expect(SampleSummary([7]).median == 7)
        let empty = SampleSummary([])
        #expect(empty.median == 0 && empty.minimum == 0 && empty.maximum == 0)
        #expect(SampleSummary([2, 4]).divided(by: 2) == SampleSummary([1, 2]))
    }

    @Test func systemClockAdvances() {
        let harness = BenchHarness(rounds: 3)
        let timing = harness.measure {
            var x = 0.0
            for i in 0..<20_000 { x += Double(i).squareRoot() }
            blackHole(x)
        }
        #expect(timing.wall.samples.count == 3)
        #expect(timing.wall.minimum > 0)
        #expect(timing.cpu.samples.allSatisfy { $0 >= 0 })
    }

    @Test func targetsAndComparisons() {
        #expect(TargetCheck("t", measured: 3.1, .atMost, 3.1).met)
        #expect(!TargetCheck("t", measured: 3.1, .below, 3.1).met)
        #expect(TargetCheck("t", measured: 100, .atLeast, 100).met)
        let ours = Timing(wall: [2, 4], cpu: [1])
        let theirs = Timing(wall: [6], cpu: [4])
        let comparison = ReferenceComparison(library: "ref", figure: "f", ours: ours, theirs: theirs)
        #expect(comparison.wallRatio == 0.5)
        #expect(comparison.cpuRatio == 0.25)
        #expect(comparison.minimumRatio == 2.0 / 6.0)
        let run = ReferenceRun(library: "ref", figures: ["f": theirs])
        #expect(ReferenceComparison(ours: ours, figure: "missing", in: run) == nil)
        #expect(ReferenceComparison(ours: ours, figure: "f", in: nil) == nil)
        #expect(ReferenceComparison(ours: ours, figure: "f", in: run) == comparison)
    }

    @Test func sealRunsCombineTheirSamples() throws {
        let before = ReferenceRun(library: "SEAL", figures: ["multiply": Timing(wall: [10, 12], cpu: [9, 11])])
        let after = ReferenceRun(library: "SEAL", figures: ["multiply": Timing(wall: [14], cpu: [13])])
        let combined = try #require(BFVBenchmark.combine([before, after]))
        #expect(combined.figures["multiply"]?.wall.samples == [10, 12, 14])
        #expect(combined.figures["multiply"]?.wall.median == 12)
        #expect(BFVBenchmark.combine([]) == nil)
    }
}
