import Foundation
import Synchronization

/// Load for an exchange wrk cannot replay (FNN's search: a share to C2, the query to C1, the hand-over from C2,
/// each message depending on the user's fresh state): `connections` concurrent clients each run `request` again
/// and again for at most `seconds`, or until `limit` requests were started (FNN's shared back end consumes one
/// correlation entry per query). Reports the same figures as a wrk run, latencies from every completed request.
struct ClosedLoopRunner {
    let seconds: Int
    let connections: Int

    func run(_ target: LoadBenchmark.Target, endpoint: String, request: String, bodyBytes: Int, limit: Int,
             log: @Sendable (String) -> Void,
             _ work: @escaping @Sendable () async throws -> Void) async -> LoadBenchmark.Run {
        log("closed loop \(target.role) \(endpoint) for \(seconds) s at \(connections) concurrent clients")
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(seconds)
        let started = Counter()
        let results = await withTaskGroup(of: (latencies: [Double], errors: Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var latencies: [Double] = [], errors = 0
                    while clock.now < deadline, started.next() < limit {
                        let begin = clock.now
                        do {
                            try await work()
                            latencies.append(Self.milliseconds(clock.now - begin))
                        } catch {
                            errors += 1
                        }
                    }
                    return (latencies, errors)
                }
            }
            var all: [(latencies: [Double], errors: Int)] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = max(Self.milliseconds(clock.now - start) / 1000, 1e-9)
        let latencies = results.flatMap(\.latencies).sorted()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)]
        }
        return LoadBenchmark.Run(
            role: target.role, endpoint: endpoint, request: request, connections: connections, bodyBytes: bodyBytes,
            requests: latencies.count, requestsPerSecond: Double(latencies.count) / elapsed,
            p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99), maxMilliseconds: latencies.last ?? 0,
            connectErrors: 0, readErrors: 0, writeErrors: 0, timeouts: 0, non2xx: results.map(\.errors).reduce(0, +),
            rolePeakResidentBytes: target.pid.flatMap { ProcessMemory.peakResidentBytes(pid: $0) })
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// Requests started so far, shared by the clients.
    final class Counter: Sendable {
        private let value = Mutex(0)
        /// The number of requests started before this one.
        func next() -> Int { value.withLock { count in defer { count += 1 }; return count } }
    }
}
