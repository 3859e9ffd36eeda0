import Foundation
import MedSearchClient
import MedSearchDeployment
import MedSearchFNN
import MedSearchSEI
import MedSearchTransport
import MedSearchTrustMed

/// The CPU-per-role run of `medsearch compare`: after an engine's in-process measurement, the same owner state is
/// uploaded to its server roles started as child processes on loopback (`medsearch serve ...`, as deployed), the
/// same queries run over HTTP, and each role's CPU time is read from /proc/PID/stat before and after the query
/// phase (the client's own from getrusage). Every answer must equal the in-process one.
struct CompareRoleHarness: Sendable {
    /// Starts each role as a child process of the `medsearch` executable.
    let launcher: RoleLauncher
    /// Working directory (tokens, data directories, logs); removed by the caller.
    let directory: URL

    static let client = ClientConfiguration.standard.timeout(.seconds(600))

    /// FNN: C1 and C2; the owner uploads the same fixed-point records with one correlation entry per query.
    func fnn(owner: FNNOwner, records: [FNNRecordInput], input: CompareInput, expected: [[Int]]) async throws -> CompareRoleRun {
        let clouds = try await FNNClouds.launch(launcher, directory: directory.appendingPathComponent("fnn"))
        return try await Self.stopping({ await clouds.stop() }) {
            let (ownerC1, ownerC2) = try clouds.clients(role: .owner, configuration: Self.client)
            try await FNNClientFlows.upload(owner: owner, records: records, allRecords: records, pool: input.queries.count,
                                            c1: ownerC1, c2: ownerC2, sendSetup: true, progress: false)
            let user = try FNNUser(credentials: owner.userCredentials)
            let (c1, c2) = try clouds.clients(role: .user, configuration: Self.client)
            return try await Self.measure(roles: [("fnn-c1", [clouds.c1]), ("fnn-c2", [clouds.c2])], input: input,
                                          expected: expected) { q in
                let (hits, _) = try await FNNClientFlows.query(user: user, vector: records[q].vector, k: input.k + 1, c1: c1, c2: c2)
                return hits.map { Int($0.id) - 1 }
            }
        }
    }

    /// SEI: the cloud; the owner replaces its index with the same upload, the same user searches.
    func sei(upload: SEIIndexUpload, user: SEIUser, options: SEISearchOptions, input: CompareInput,
             expected: [[Int]]) async throws -> CompareRoleRun {
        let cloud = try await SEICloud.launch(launcher, directory: directory.appendingPathComponent("sei"))
        return try await Self.stopping({ await cloud.stop() }) {
            try await SEIRemote(service: try cloud.client(role: .owner, configuration: Self.client)).replaceIndex(upload)
            let remote = SEIRemote(service: try cloud.client(role: .user, configuration: Self.client))
            let position = Dictionary(uniqueKeysWithValues: input.ids.enumerated().map { ($1, $0) })
            return try await Self.measure(roles: [("sei", [cloud.server])], input: input, expected: expected) { q in
                let (request, pending) = try user.makeSearch(input.features[q], options: options)
                return try user.results(from: try await remote.search(request), for: pending).compactMap { position[$0.id] }
            }
        }
    }

    /// TrustMedSearch: an edge master and `nodes` storage nodes (threshold m); the same client registers, uploads
    /// the same images and hashcodes, and queries in the given mode (unlinkable: search, then fetch the top-k).
    func trustMed(client: TrustMedClient, images: [TrustMedClient.Image], nodes: Int, threshold: Int, unlinkable: Bool,
                  input: CompareInput, expected: [[Int]]) async throws -> CompareRoleRun {
        let cluster = try await TrustMedCluster.launch(launcher, directory: directory.appendingPathComponent(
            unlinkable ? "trustmed" : "trustmed-identifier"), nodeCount: nodes, threshold: threshold)
        return try await Self.stopping({ await cluster.stop() }) {
            let owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
            try await owner.register(client.registration)
            for request in try client.uploadRequests(for: images) {
                guard try await owner.upload(request).allStored else {
                    throw BenchmarkError.wrongResult("TrustMedSearch: the edge master did not store every record")
                }
            }
            let remote = TrustMedRemote(service: cluster.masterClient(role: .user))
            let position = Dictionary(uniqueKeysWithValues: input.ids.enumerated().map { ($1, $0) })
            return try await Self.measure(roles: [("edge master", [cluster.master]), ("storage nodes", cluster.nodes)],
                                          input: input, expected: expected) { q in
                let ranked: [TrustMedClient.Ranked]
                if unlinkable {
                    ranked = try await remote.query(client: client, hashcode: input.codes[q], k: input.k + 1).ranked
                } else {
                    ranked = try client.rank(try await remote.search(try client.searchRequest(hashcode: input.codes[q])),
                                             k: input.k + 1)
                }
                return ranked.compactMap { position[$0.recordID] }
            }
        }
    }

    /// Runs `body` and then `stop`, also when `body` throws.
    static func stopping<T>(_ stop: () async -> Void, _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            await stop()
            return value
        } catch {
            await stop()
            throw error
        }
    }

    /// Runs every query through `search` (database indices, best first), reading each role's CPU time (summed over
    /// its processes) and this process's around the whole query phase.
    static func measure(roles: [(name: String, processes: [RunningRole])], input: CompareInput, expected: [[Int]],
                        search: (Int) async throws -> [Int]) async throws -> CompareRoleRun {
        func cpu(_ processes: [RunningRole]) throws -> Double {
            try processes.reduce(0) { sum, role in
                guard let pid = role.pid, let seconds = ProcessCPU.seconds(pid: pid) else {
                    throw BenchmarkError.missingInput("no CPU time for \(role.instance.name) (process gone?)")
                }
                return sum + seconds
            }
        }
        let before = try roles.map { try cpu($0.processes) }
        let own = ProcessCPU.ownSeconds()
        var latencies: [Double] = [], same = 0
        for (index, q) in input.queries.enumerated() {
            let start = CompareEngines.now
            let ranking = try await search(q)
            latencies.append(CompareEngines.seconds(since: start))
            if CompareEngines.leaveOneOut(ranking, query: q, k: input.k) == expected[index] { same += 1 }
        }
        let client = ProcessCPU.ownSeconds() - own
        let after = try roles.map { try cpu($0.processes) }
        let n = Double(max(1, input.queries.count))
        var costs = [CompareRoleCost(role: "client (the compare process)", processes: 1,
                                     cpuMillisecondsPerQuery: 1000 * client / n, peakResidentBytes: nil)]
        for (index, role) in roles.enumerated() {
            let peaks = role.processes.compactMap { $0.pid.flatMap(ProcessMemory.peakResidentBytes(pid:)) }
            costs.append(CompareRoleCost(role: role.name, processes: role.processes.count,
                                         cpuMillisecondsPerQuery: 1000 * (after[index] - before[index]) / n,
                                         peakResidentBytes: peaks.max()))
        }
        return CompareRoleRun(queries: input.queries.count, roles: costs,
                              latencyP50Milliseconds: 1000 * CompareBenchmark.percentile(latencies, 0.5),
                              latencyP95Milliseconds: 1000 * CompareBenchmark.percentile(latencies, 0.95),
                              sameTopKAsInProcess: same)
    }
}
