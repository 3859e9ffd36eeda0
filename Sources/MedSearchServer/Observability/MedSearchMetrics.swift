import CoreMetrics
import Foundation
import MedSearchTransport
import Prometheus
import Synchronization

/// The metrics of a MedSearch process, in Prometheus text format at `GET /metrics` of every role.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `medsearch_requests_total` | counter | `route`, `status` |
/// | `medsearch_request_duration_seconds` | histogram | `route` |
/// | `medsearch_query_duration_seconds` | histogram | `engine` (`fnn`, `sei`, `trustmed`) |
/// | `medsearch_request_bytes_total`, `medsearch_response_bytes_total` | counter | `route` |
/// | `medsearch_records_stored` | gauge | `instance` (the role's name; read from its store at each scrape) |
/// | `medsearch_node_failures_total` | counter | `node` (index in the edge master's node list) |
/// | `medsearch_tls_handshake_failures_total` | counter | |
///
/// Labels are route names, roles, engines and node indexes only: a bounded set with no patient data. The
/// registry is swift-prometheus's; swift-metrics is bootstrapped onto the same registry (``bootstrapSwiftMetrics()``)
/// so that anything reporting through swift-metrics appears at `/metrics` too.
public final class MedSearchMetrics: Sendable {
    /// The metrics of this process.
    public static let shared = MedSearchMetrics()

    /// The registry (exposition with ``exposition()``).
    public let registry = PrometheusCollectorRegistry()
    private let gauges = Mutex<[String: @Sendable () async -> Int?]>([:])

    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// The engine whose query a route runs (its latency also goes into `medsearch_query_duration_seconds`).
    static let queryRoutes: [String: String] = [
        Routes.FNNC1.query.name: "fnn", Routes.SEI.search.name: "sei", Routes.EdgeMaster.search.name: "trustmed",
    ]

    private let swiftMetricsInstalled = Mutex(false)

    /// Points swift-metrics at this registry (once per process).
    public func bootstrapSwiftMetrics() {
        swiftMetricsInstalled.withLock { installed in
            guard !installed else { return }
            installed = true
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        }
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "medsearch", metricName: metric, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor { name("requests", "total", "Requests answered, by route and HTTP status.") }
    static var requestDuration: MetricNameDescriptor { name("request_duration", "seconds", "Time from the request head to the answer, by route.") }
    static var queryDuration: MetricNameDescriptor { name("query_duration", "seconds", "Latency of encrypted queries, by engine.") }
    static var bytesIn: MetricNameDescriptor { name("request_bytes", "total", "Request body bytes received, by route.") }
    static var bytesOut: MetricNameDescriptor { name("response_bytes", "total", "Response body bytes sent, by route.") }
    static var records: MetricNameDescriptor { name("records", "stored", "Records (shares, on a storage node) the role's store holds.") }
    static var nodeFailures: MetricNameDescriptor { name("node_failures", "total", "Calls of the edge master to a storage node that failed, by node index.") }
    static var handshakeFailures: MetricNameDescriptor { name("tls_handshake_failures", "total", "TLS handshakes refused (certificate, protocol or client errors).") }

    /// Records one answered request.
    public func request(route: String, status: Int, duration: Duration, bytesIn: Int, bytesOut: Int) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.requestDuration, labels: [("route", route)],
                                       buckets: Self.durationBuckets).record(duration)
        if let engine = Self.queryRoutes[route], (200..<300).contains(status) {
            registry.makeDurationHistogram(descriptor: Self.queryDuration, labels: [("engine", engine)],
                                           buckets: Self.durationBuckets).record(duration)
        }
        registry.makeCounter(descriptor: Self.bytesIn, labels: [("route", route)]).increment(by: Int64(bytesIn))
        registry.makeCounter(descriptor: Self.bytesOut, labels: [("route", route)]).increment(by: Int64(bytesOut))
    }

    /// Records a storage node that failed a call of the edge master.
    public func nodeFailure(node: Int) {
        registry.makeCounter(descriptor: Self.nodeFailures, labels: [("node", String(node))]).increment()
    }

    /// Records a refused TLS handshake.
    public func tlsHandshakeFailure() {
        registry.makeCounter(descriptor: Self.handshakeFailures).increment()
    }

    /// Registers the records count of the role instance named `instance`, read at every scrape.
    public func recordsStored(instance: String, _ read: @escaping @Sendable () async -> Int?) {
        gauges.withLock { $0[instance] = read }
    }

    /// The Prometheus text exposition (refreshing the records gauges first).
    public func exposition() async -> String {
        let readers = gauges.withLock { $0 }
        for (instance, read) in readers.sorted(by: { $0.key < $1.key }) {
            guard let count = await read() else { continue }
            registry.makeGauge(descriptor: Self.records, labels: [("instance", instance)]).set(Double(count))
        }
        // Present from the start, so a scrape shows it before any failure.
        registry.makeCounter(descriptor: Self.handshakeFailures).increment(by: Int64(0))
        return registry.emitToString()
    }
}
