import Foundation
import Hummingbird
import MedSearchServer
import MedSearchTransport
import Testing

/// `/metrics` is Prometheus text format: every sample belongs to a family with HELP and TYPE lines, names and
/// labels are well formed, and answered requests show up by route and status.
@Suite struct MetricsTests {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Parses the exposition, failing the test on any malformed line.
    static func parse(_ text: String) -> (samples: [Sample], help: Set<String>, types: [String: String]) {
        var samples: [Sample] = []
        var help = Set<String>()
        var types: [String: String] = [:]
        let name = #/[a-zA-Z_:][a-zA-Z0-9_:]*/#
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                help.insert(String(line.dropFirst(7).prefix { $0 != " " }))
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                #expect(parts.count == 2 && ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[1])))
                types[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
            } else if let match = line.wholeMatch(of: #/([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([-+0-9.eE]+|NaN|\+Inf|-Inf)/#) {
                var labels: [String: String] = [:]
                if let block = match.2 {
                    for pair in block.dropFirst().dropLast().split(separator: ",") {
                        let parts = pair.split(separator: "=", maxSplits: 1)
                        #expect(parts.count == 2 && parts[0].wholeMatch(of: name) != nil && parts[1].hasPrefix("\"") && parts[1].hasSuffix("\""),
                                "bad label \(pair)")
                        if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
                    }
                }
                samples.append(Sample(name: String(match.1), labels: labels, value: Double(match.3) ?? .nan))
            } else {
                Issue.record("not a Prometheus line: \(line)")
            }
        }
        return (samples, help, types)
    }

    @Test func theExpositionParsesAndCountsRequests() async throws {
        let (tokens, byRole) = AccessTokens.issue(roles: [.edgeMaster])
        let router = ServiceRunner.makeRouter(tokens: tokens, role: .storageNode)
        router.on(Routes.StorageNode.putShare) { call in .text("stored \(call.body.count)") }
        try await withLiveServer(router) { url in
            let master = ServiceClient(baseURL: url, token: byRole[.edgeMaster]!)
            for _ in 0..<3 { _ = try await master.call(Routes.StorageNode.putShare, String(repeating: "c", count: 32), body: [1, 2, 3, 4]) }
            let stranger = ServiceClient(baseURL: url, token: "ms_wrong")
            await #expect(throws: ServiceError.self) { _ = try await stranger.call(Routes.StorageNode.putShare, "x", body: [1]) }
            let text = String(decoding: try await master.call(Routes.metrics), as: UTF8.self)
            let (samples, help, types) = Self.parse(text)
            for sample in samples where sample.name.hasPrefix("medsearch_") {
                let family = types.keys.first { sample.name == $0 || sample.name.hasPrefix($0 + "_") }
                #expect(family != nil, "\(sample.name) has no TYPE line")
                if let family { #expect(help.contains(family), "\(family) has no HELP line") }
            }
            func value(_ name: String, _ labels: [String: String]) -> Double? {
                samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
            }
            #expect(try #require(value("medsearch_requests_total", ["route": "storage-node.put", "status": "200"])) >= 3)
            #expect(try #require(value("medsearch_requests_total", ["route": "storage-node.put", "status": "401"])) >= 1)
            #expect(try #require(value("medsearch_request_bytes_total", ["route": "storage-node.put"])) >= 12)
            #expect(try #require(value("medsearch_request_duration_seconds_count", ["route": "storage-node.put"])) >= 3)
            #expect(types["medsearch_request_duration_seconds"] == "histogram")
            #expect(value("medsearch_tls_handshake_failures_total", [:]) != nil)
        }
    }
}
