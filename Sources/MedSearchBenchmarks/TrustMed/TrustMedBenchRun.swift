import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import MedSearchDeployment
import MedSearchTransport
import MedSearchTrustMed

/// One run of the TrustMedSearch benchmark against a started cluster.
struct TrustMedBenchRun {
    let configuration: TrustMedBenchmark.Configuration
    let console: BenchConsole
    let harness: BenchHarness
    let cluster: TrustMedCluster
    let client: TrustMedClient
    let codes: [String: [UInt8]]
    let bytesByID: [String: [UInt8]]
    /// The records past the real images.
    let synthetic: TrustMedSyntheticRecords
    var watch: Stopwatch
    let owner: TrustMedRemote
    let user: TrustMedRemote

    init(configuration: TrustMedBenchmark.Configuration, console: BenchConsole, harness: BenchHarness,
         cluster: TrustMedCluster, client: TrustMedClient, codes: [String: [UInt8]], bytesByID: [String: [UInt8]]) {
        self.configuration = configuration
        self.console = console
        self.harness = harness
        self.cluster = cluster
        self.client = client
        self.codes = codes
        self.bytesByID = bytesByID
        synthetic = TrustMedSyntheticRecords(bits: configuration.bits, imageBytes: configuration.syntheticImageBytes)
        watch = Stopwatch(harness)
        owner = TrustMedRemote(service: cluster.masterClient(role: .owner))
        user = TrustMedRemote(service: cluster.masterClient(role: .user))
    }

    /// Seconds between two instants.
    static func seconds(_ start: BenchHarness.Instant, _ end: BenchHarness.Instant) -> Double {
        Double(end.wall &- start.wall) / 1e9
    }

    /// Uploads `entries`; each request is one sample of `upload_request`; returns the total seconds.
    mutating func upload(_ entries: [TrustMedDataset.Entry], label: String) async throws -> Double {
        let progress = ProgressReporter(label: label, total: entries.count)
        let images = try entries.map { entry in
            guard let bytes = bytesByID[entry.id], let code = codes[entry.id] else {
                throw BenchmarkError.missingInput("no bytes or hashcode for \(entry.id)")
            }
            return TrustMedClient.Image(recordID: entry.id, bytes: bytes, hashcode: code)
        }
        let start = watch.read()
        for request in try client.uploadRequests(for: images) {
            let t0 = watch.read()
            let response = try await owner.upload(request)
            watch.record("upload_request", from: t0, to: watch.read())
            guard response.allStored else {
                let reason = response.outcomes.first { $0.status == .failed }?.reason ?? "unknown"
                throw BenchmarkError.wrongResult("upload failed: \(reason)")
            }
            progress.advance(by: request.items.count)
        }
        return Self.seconds(start, watch.read())
    }

    /// Whether every retrieved image equals the uploaded file.
    func imagesAreRight(_ images: [TrustMedClient.Retrieved]) -> Bool {
        images.allSatisfy { (try? $0.result.get()) == bytesByID[$0.recordID] }
    }

    func code(_ id: String) throws -> [UInt8] {
        guard let code = codes[id] else { throw BenchmarkError.missingInput("no hashcode for \(id)") }
        return code
    }

    /// Accuracy, then (unless --quality-only) latency, storage, failures, re-sharing and deletion.
    mutating func measure(database: [TrustMedDataset.Entry], extra: [TrustMedDataset.Entry], classes: [String],
                          parameters: TrustMedBenchParameters,
                          keygenSeconds: Double) async throws -> TrustMedBenchmark.Body {
        let nodes = configuration.nodes, threshold = configuration.threshold, rounds = configuration.rounds
        try await owner.register(client.registration)
        let databaseUploadSeconds = try await upload(database, label: "uploading database")

        // Accuracy: leave-one-out, encrypted and plaintext, scored by RetrievalMetrics.
        let kMax = TrustMedBenchmark.kMax
        var queryIndices = Array(database.indices)
        if let maxQueries = configuration.maxQueries, maxQueries < database.count {
            queryIndices = (0..<maxQueries).map { $0 * database.count / maxQueries }
        }
        let indexByID = Dictionary(uniqueKeysWithValues: database.enumerated().map { ($1.id, $0) })
        let databaseIndex = try ExactSearch.HammingDatabase(ids: database.map(\.id), codes: try database.map {
            Hashcode(bits: try code($0.id).map { $0 == 1 })
        })
        var mismatches = 0
        var encryptedRankings = [[Int]](), plainRankings = [[Int]]()
        let progress = ProgressReporter(label: "leave-one-out queries", total: queryIndices.count)
        for index in queryIndices {
            let query = database[index]
            let t0 = watch.read()
            let response = try await user.search(try client.searchRequest(hashcode: try code(query.id)))
            let ranked = try client.rank(response, k: kMax + 1)
            watch.record("accuracy_search_rank", from: t0, to: watch.read())
            let plain = TrustMedPlaintext.topK(query: try code(query.id), database: databaseIndex, k: kMax + 1)
            if ranked != plain { mismatches += 1 }
            func ranking(_ ids: [String]) -> [Int] {
                Array(ids.filter { $0 != query.id }.prefix(kMax).compactMap { indexByID[$0] })
            }
            encryptedRankings.append(ranking(ranked.map(\.recordID)))
            plainRankings.append(ranking(plain.map(\.recordID)))
            progress.advance()
        }
        console.status("encrypted and plaintext top-\(kMax + 1) identical on \(queryIndices.count - mismatches) of "
                       + "\(queryIndices.count) queries")
        let databaseLabels = database.map { Array($0.labels) }
        let queryLabels = queryIndices.map { databaseLabels[$0] }
        func evaluate(_ rankings: [[Int]]) -> [ClassRetrievalResult] {
            let result = RetrievalMetrics.evaluate(rankings: rankings, queryLabels: queryLabels,
                                                   databaseLabels: databaseLabels, selfIndex: queryIndices,
                                                   classes: classes, ks: TrustMedBenchmark.ks)
            return result.classes + [result.mean]
        }
        let accuracy = TrustMedAccuracy(encrypted: evaluate(encryptedRankings), plaintextHamming: evaluate(plainRankings),
                                        encryptedEqualsPlaintextTopk: mismatches == 0,
                                        queriesWithDifferentTopk: mismatches,
                                        searchAndRank: watch.timing("accuracy_search_rank"))
        var parameters = parameters
        parameters.queries = queryIndices.count
        if configuration.qualityOnly {
            return TrustMedBenchmark.Body(parameters: parameters, accuracy: accuracy)
        }

        // Top up to the latency database size (real images first, then synthetic records) and time unlinkable
        // queries (the default of `trustmed query` and the web application) with real images' hashcodes.
        let topUp = Array(extra.prefix(max(0, configuration.latencyImages - database.count)))
        if !topUp.isEmpty { _ = try await upload(topUp, label: "uploading top-up") }
        let stored = database + topUp
        let syntheticCount = max(0, configuration.latencyImages - stored.count)
        let perBlock = client.keyHolder.recordsPerBlock
        // The last synthetic block is uploaded after the first query, to time the query after an upload.
        let lateBlock = syntheticCount > perBlock ? perBlock : 0
        var syntheticReport: TrustMedUnlinkableQueries.SyntheticTopUp?
        if syntheticCount > 0 {
            let progress = ProgressReporter(label: "uploading synthetic top-up", total: syntheticCount - lateBlock)
            let t0 = watch.read()
            let owner = self.owner
            let summary = try await synthetic.upload(0..<(syntheticCount - lateBlock), client: client,
                                                     upload: { try await owner.upload($0) },
                                                     progress: { progress.advance(by: $0) })
            syntheticReport = .init(records: syntheticCount, imageBytes: synthetic.imageBytes, seed: synthetic.seed,
                                    uploadRequests: summary.requests + (lateBlock > 0 ? 1 : 0),
                                    uploadSeconds: Self.seconds(t0, watch.read()))
        }
        func reference(synthetic count: Int) throws -> ExactSearch.HammingDatabase<String> {
            let codes = synthetic.codes(count: count)
            return try ExactSearch.HammingDatabase(
                ids: stored.map(\.id) + codes.map(\.id),
                codes: try stored.map { Hashcode(bits: try code($0.id).map { $0 == 1 }) }
                    + codes.map { Hashcode(bits: $0.hashcode.map { $0 == 1 }) })
        }
        var storedIndex = try reference(synthetic: syntheticCount - lateBlock)
        var rng = SeededRandomNumberGenerator(seed: 2024)
        var samples = [TrustMedTimedQuery]()
        var firstAfterUploads = 0.0, firstAfterBlock: Double?
        // Round 0 warms up (the master packs every block); with a late block, round 1 follows its upload.
        let untimed = harness.warmUpRounds + (lateBlock > 0 ? 1 : 0)
        for round in 0..<(untimed + rounds) {
            if round == harness.warmUpRounds, lateBlock > 0 {
                let t0 = watch.read()
                let owner = self.owner
                _ = try await synthetic.upload((syntheticCount - lateBlock)..<syntheticCount, client: client,
                                               upload: { try await owner.upload($0) })
                syntheticReport?.uploadSeconds += Self.seconds(t0, watch.read())
                storedIndex = try reference(synthetic: syntheticCount)
            }
            let query = stored[Int.random(in: 0..<stored.count, using: &rng)]
            let user = self.user, bytesByID = self.bytesByID, synthetic = self.synthetic
            let timed = try await TrustMedTimedQuery.run(
                harness, client: client, hashcode: try code(query.id), k: 10, search: { try await user.search($0) },
                fetch: { try await user.fetch($0) }, reference: storedIndex,
                expected: { bytesByID[$0] ?? synthetic.image(id: $0) })
            if round == 0 { firstAfterUploads = timed.total }
            if round == harness.warmUpRounds, lateBlock > 0 { firstAfterBlock = timed.total }
            if round < untimed { continue }
            samples.append(timed)
            let p0 = watch.read()
            blackHole(TrustMedPlaintext.topK(query: try code(query.id), database: storedIndex, k: 10))
            watch.record("plaintext_top10", from: p0, to: watch.read())
            watch.record("query_top10", from: timed.start, to: timed.opened)
            watch.record("query_search_rank", from: timed.start, to: timed.ranked)
            watch.record("query_fetch_open", from: timed.ranked, to: timed.opened)
        }
        guard let last = samples.last else { throw BenchmarkError.invalidArgument("--rounds must leave a timed round") }
        let master = cluster.master.pid
        let unlinkable = TrustMedUnlinkableQueries(
            storedImages: stored.count + syntheticCount, realImages: stored.count, synthetic: syntheticReport,
            total: .init(samples.map(\.total)), searchAndRank: .init(samples.map(\.searchAndRank)),
            fetchRebuildOpen: .init(samples.map(\.fetchRebuildOpen)), queryBytes: last.queryBytes,
            searchResponseBytes: last.searchResponseBytes, fetchRequestBytes: last.fetchRequestBytes,
            fetchResponseBytes: last.fetchResponseBytes, firstQueryAfterUploadsMilliseconds: firstAfterUploads,
            firstQueryAfterOneBlockUploadMilliseconds: firstAfterBlock,
            masterResidentBytes: master.flatMap(ProcessMemory.residentBytes(pid:)) ?? 0,
            masterPeakResidentBytes: master.flatMap(ProcessMemory.peakResidentBytes(pid:)) ?? 0,
            masterDatabaseBytes: TrustMedUnlinkableQueries.bytes(in: cluster.directory.appendingPathComponent("master"),
                                                                prefix: "trustmed-master.sqlite"))
        console.status("unlinkable query over \(unlinkable.storedImages) images: median \(unlinkable.total.medianMilliseconds) ms "
                       + "(search + rank \(unlinkable.searchAndRank.medianMilliseconds) ms, fetch + rebuild + open "
                       + "\(unlinkable.fetchRebuildOpen.medianMilliseconds) ms); top-10 equal to plaintext every round")

        // Storage on the nodes.
        var nodeBytes = 0, nodeShares = 0
        for index in 0..<nodes {
            let usage = try await cluster.nodeUsage(index)
            nodeBytes += usage.bytes
            nodeShares += usage.shares
        }
        let status = try await user.status()
        let nodePorts = cluster.nodeURLs.map { $0.flatMap(TrustMedCluster.port(of:)) ?? 0 }

        let sealedPerImage = Double(status.sealedBytes) / Double(max(status.records, 1))
        let nodeBytesPerImage = Double(nodeBytes) / Double(max(status.records, 1))
        var queryTop10 = Figure("query_top10", timing: watch.timing("query_top10"), cpuScope: .process,
                                parameters: ["stored_images": .int(unlinkable.storedImages), "k": 10, "mode": "unlinkable"],
                                note: "hashcode to decrypted top-10 images: search + rank, fetch + rebuild + open")
        queryTop10.reference = ReferenceComparison(library: "plaintext Hamming top-10 (ExactSearch.HammingDatabase)",
                                                   figure: "plaintext_hamming_top10", ours: watch.timing("query_top10"),
                                                   theirs: watch.timing("plaintext_top10"))
        queryTop10.target = TargetCheck("wall-clock median, ms", measured: queryTop10.headline, .below, 1000)
        queryTop10.resultsEqualPlaintext = true
        var latency = TrustMedLatency(
            keygenSeconds: keygenSeconds,
            uploadPerImageMilliseconds: 1000 * databaseUploadSeconds / Double(database.count),
            uploadPerRequest: watch.timing("upload_request"),
            uploadImagesPerRequest: client.keyHolder.recordsPerBlock, storedImagesForQueryTiming: unlinkable.storedImages,
            queryTop10: queryTop10, querySearchAndRank: watch.timing("query_search_rank"),
            queryFetchRebuildOpen: watch.timing("query_fetch_open"), queryUnlinkable: unlinkable)
        let storage = TrustMedStorage(records: status.records, sealedBytesPerImage: sealedPerImage,
                                      nodeBytesPerImageAllNodes: nodeBytesPerImage, nodeShares: nodeShares,
                                      ratioNodeStorageToSealed: nodeBytesPerImage / max(sealedPerImage, 1),
                                      idealRatioNOverM: Double(nodes) / Double(threshold), replicationRatioN: Double(nodes))
        // With synthetic records the failure, re-sharing and deletion runs are skipped (re-sharing regenerates a
        // share of every record: about 10 ms per record on 2 cores, minutes at 100,000 images).
        if syntheticCount > 0 {
            return TrustMedBenchmark.Body(parameters: parameters, accuracy: accuracy, latency: latency, storage: storage)
        }

        // Node failures: kill n - m nodes during a query run, every query must still return the right images.
        var failureRng = SeededRandomNumberGenerator(seed: 77)
        let victims = Array((0..<nodes).shuffled(using: &failureRng).prefix(nodes - threshold)).sorted()
        var failureQueries = 0, failureCorrect = 0
        for step in 0..<(2 * rounds + 2) {
            if step == 1 { for victim in victims { await cluster.killNode(victim) } }
            let query = stored[Int.random(in: 0..<stored.count, using: &failureRng)]
            let t0 = watch.read()
            let (ranked, images) = try await user.query(client: client, hashcode: try code(query.id), k: 10)
            if step >= 1 { watch.record("query_nodes_down", from: t0, to: watch.read()) }
            let plain = TrustMedPlaintext.topK(query: try code(query.id), database: storedIndex, k: 10)
            failureQueries += 1
            if ranked == plain, imagesAreRight(images) { failureCorrect += 1 }
        }
        console.status("killed nodes \(victims): \(failureCorrect) of \(failureQueries) queries returned the right images")

        // One more node down (fewer than m healthy): a clear error, never a wrong image.
        guard let extraVictim = (0..<nodes).first(where: { !victims.contains($0) }) else {
            throw BenchmarkError.invalidArgument("no healthy node left to stop")
        }
        await cluster.killNode(extraVictim)
        let (_, degraded) = try await user.query(client: client, hashcode: try code(stored[0].id), k: 10)
        let belowThreshold = TrustMedFailures.BelowThreshold(
            wrongImages: degraded.filter {
                if case let .success(bytes) = $0.result { bytes != bytesByID[$0.recordID] } else { false }
            }.count,
            refusedRecords: degraded.filter { if case .failure = $0.result { true } else { false } }.count,
            sampleError: degraded.compactMap { if case let .failure(error) = $0.result { error.description } else { nil } }
                .first ?? "")

        // The extra node restarts with its data (a crash); the n - m killed nodes are replaced by empty nodes at
        // the same addresses; re-sharing each regenerates its share of every record from m valid shares.
        _ = try await cluster.restartNode(extraVictim, generation: 0, port: nodePorts[extraVictim])
        for victim in victims { _ = try await cluster.restartNode(victim, generation: 1, port: nodePorts[victim]) }
        let reshareStart = watch.read()
        let admin = TrustMedRemote(service: cluster.masterClient(role: .admin))
        var reshareReports = [ReshareReport]()
        for victim in victims { reshareReports.append(try await admin.reshare(ReshareRequest(nodeIndex: victim))) }
        let reshareSeconds = Self.seconds(reshareStart, watch.read())
        // Then kill n - m nodes that were never replaced: the replaced nodes must hold valid shares.
        let secondVictims = Array((0..<nodes).filter { !victims.contains($0) }.prefix(nodes - threshold))
        for victim in secondVictims { await cluster.killNode(victim) }
        var afterReshareCorrect = 0
        for _ in 0..<rounds {
            let query = stored[Int.random(in: 0..<stored.count, using: &failureRng)]
            let (ranked, images) = try await user.query(client: client, hashcode: try code(query.id), k: 10)
            let plain = TrustMedPlaintext.topK(query: try code(query.id), database: storedIndex, k: 10)
            if ranked == plain, imagesAreRight(images) { afterReshareCorrect += 1 }
        }

        // Deletion while the n - m nodes above are down: deleted records are never returned; their shares on
        // the down nodes stay pending until the nodes are back, then one more delete call removes them.
        let doomed = stored.suffix(10).map(\.id)
        let deleteStart = watch.read()
        let deleteReport = try await owner.delete(recordIDs: doomed)
        let deleteSeconds = Self.seconds(deleteStart, watch.read())
        var deletedReturned = 0
        for id in doomed {
            let (ranked, _) = try await user.query(client: client, hashcode: try code(id), k: 10)
            deletedReturned += ranked.filter { doomed.contains($0.recordID) }.count
        }
        for victim in secondVictims { _ = try await cluster.restartNode(victim, generation: 0, port: nodePorts[victim]) }
        let purgeReport = try await owner.delete(recordIDs: [])
        var sharesAfterDelete = [Int]()
        for index in 0..<nodes { sharesAfterDelete.append(try await cluster.nodeUsage(index).shares) }

        let failures = TrustMedFailures(
            killedNodes: victims, queriesDuringKill: failureQueries, queriesWithRightImages: failureCorrect,
            fewerThanMHealthy: belowThreshold,
            reshare: .init(replacedNodes: victims, recordsRebuiltPerNode: reshareReports.map(\.rebuilt),
                           sharesRegeneratedPerNode: reshareReports.map(\.regenerated),
                           recordsResplitPerNode: reshareReports.map(\.resplit),
                           recordsFailed: reshareReports.map(\.failed.count).reduce(0, +),
                           secondsAllReplacedNodes: reshareSeconds),
            queriesAfterReshareWithOtherNodesKilled: rounds, rightAfterReshare: afterReshareCorrect,
            killedAfterReshare: secondVictims)
        let deletion = TrustMedDeletion(
            recordsDeleted: deleteReport.outcomes.filter { $0.status == .deleted }.count, seconds: deleteSeconds,
            nodesDownDuringDelete: secondVictims, sharesDeletedAtOnce: deleteReport.sharesDeleted,
            sharesPendingWhileNodesDown: deleteReport.sharesPending, deletedRecordsReturnedByQueries: deletedReturned,
            sharesDeletedAfterNodesRestarted: purgeReport.sharesDeleted, sharesPendingAfter: purgeReport.sharesPending,
            sharesPerNodeAfter: sharesAfterDelete, recordsLeft: stored.count - doomed.count)
        latency.queryTop10WithNMinusMNodesDown = watch.timing("query_nodes_down")
        return TrustMedBenchmark.Body(parameters: parameters, accuracy: accuracy, latency: latency, storage: storage,
                                      failures: failures, delete: deletion)
    }
}
