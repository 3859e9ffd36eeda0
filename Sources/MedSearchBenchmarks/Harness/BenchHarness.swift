/// The one measurement loop of every `medsearch bench` suite: warm-up rounds that are not counted, then timed
/// rounds, each read on the wall clock and on a CPU clock, reported per operation with median, minimum and
/// maximum.
///
/// ```swift
/// let harness = BenchHarness(rounds: 7)
/// let decrypt = harness.measure(operations: 5) { for _ in 0..<5 { blackHole(key.decrypt(c)) } }
/// print(decrypt.cpu.median)   // ms per decryption, thread CPU time
/// ```
public struct BenchHarness: Sendable {
    /// Timed rounds per figure.
    public var rounds: Int
    /// Untimed rounds before the timed ones.
    public var warmUpRounds: Int
    /// The CPU clock read beside the wall clock.
    public var cpuScope: CPUScope
    /// Where time comes from.
    public var clock: any BenchClock

    /// A harness of `rounds` timed rounds after `warmUpRounds` untimed ones.
    public init(rounds: Int, warmUpRounds: Int = 1, cpuScope: CPUScope = .thread,
                clock: any BenchClock = SystemBenchClock()) {
        self.rounds = max(rounds, 1)
        self.warmUpRounds = max(warmUpRounds, 0)
        self.cpuScope = cpuScope
        self.clock = clock
    }

    /// The same harness with other round counts.
    public func with(rounds: Int? = nil, warmUpRounds: Int? = nil, cpuScope: CPUScope? = nil) -> BenchHarness {
        BenchHarness(rounds: rounds ?? self.rounds, warmUpRounds: warmUpRounds ?? self.warmUpRounds,
                     cpuScope: cpuScope ?? self.cpuScope, clock: clock)
    }

    /// How the figures were measured, for the report.
    public var method: String {
        "median of \(rounds) timed round\(rounds == 1 ? "" : "s") after \(warmUpRounds) warm-up; wall clock and "
            + (cpuScope == .thread ? "thread CPU time" : "process CPU time (all threads)")
    }

    /// Times `body`, which performs `operations` operations per round.
    public func measure(operations: Int = 1, _ body: () throws -> Void) rethrows -> Timing {
        for _ in 0..<warmUpRounds { try body() }
        var recorder = Recorder(operations: operations)
        for _ in 0..<rounds {
            let start = read()
            try body()
            recorder.add(since: start, now: read())
        }
        return recorder.timing
    }

    /// Times an asynchronous `body` (process CPU time is the meaningful CPU clock for work on several threads).
    public func measure(operations: Int = 1, _ body: () async throws -> Void) async rethrows -> Timing {
        for _ in 0..<warmUpRounds { try await body() }
        var recorder = Recorder(operations: operations)
        for _ in 0..<rounds {
            let start = read()
            try await body()
            recorder.add(since: start, now: read())
        }
        return recorder.timing
    }

    /// Times two bodies alternately in every round, so that both see the same machine load (an operation and
    /// the bound it is compared with). One warm-up of each first when `warmUpRounds` > 0.
    public func measureAlternating(operations: Int = 1, _ first: () throws -> Void,
                                   _ second: () throws -> Void) rethrows -> (Timing, Timing) {
        for _ in 0..<warmUpRounds {
            try first()
            try second()
        }
        var a = Recorder(operations: operations), b = Recorder(operations: operations)
        for _ in 0..<rounds {
            var start = read()
            try first()
            var end = read()
            a.add(since: start, now: end)
            start = read()
            try second()
            end = read()
            b.add(since: start, now: end)
        }
        return (a.timing, b.timing)
    }

    /// A point in time on both clocks.
    public struct Instant: Sendable {
        /// Wall-clock nanoseconds.
        public var wall: UInt64
        /// CPU nanoseconds.
        public var cpu: UInt64
    }

    /// Reads both clocks (for figures whose rounds are split into parts, see ``Stopwatch``).
    public func read() -> Instant {
        Instant(wall: clock.wallNanoseconds(), cpu: clock.cpuNanoseconds(cpuScope))
    }

    /// Collects per-operation samples.
    struct Recorder {
        let operations: Double
        var wall: [Double] = []
        var cpu: [Double] = []

        init(operations: Int) { self.operations = Double(max(operations, 1)) }

        mutating func add(since start: Instant, now end: Instant) {
            wall.append(Double(end.wall &- start.wall) / 1e6 / operations)
            cpu.append(Double(end.cpu &- start.cpu) / 1e6 / operations)
        }

        var timing: Timing { Timing(wall: wall, cpu: cpu) }
    }
}

/// Collects samples of figures measured by hand, for scenarios whose rounds have several parts (query,
/// server, client) or that cannot repeat a body as a closure.
public struct Stopwatch: Sendable {
    let harness: BenchHarness
    var wall: [String: [Double]] = [:]
    var cpu: [String: [Double]] = [:]

    /// A stopwatch on `harness`'s clocks.
    public init(_ harness: BenchHarness) { self.harness = harness }

    /// Reads both clocks.
    public func read() -> BenchHarness.Instant { harness.read() }

    /// Records the interval from `start` to `end` as one sample of `figure`, in milliseconds.
    public mutating func record(_ figure: String, from start: BenchHarness.Instant, to end: BenchHarness.Instant) {
        wall[figure, default: []].append(Double(end.wall &- start.wall) / 1e6)
        cpu[figure, default: []].append(Double(end.cpu &- start.cpu) / 1e6)
    }

    /// The samples of `figure` (empty summaries when none were recorded).
    public func timing(_ figure: String) -> Timing {
        Timing(wall: wall[figure] ?? [], cpu: cpu[figure] ?? [])
    }
}

/// Keeps a value alive so that the optimiser cannot remove the computation that produced it.
@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
