import MedSearchBFV
import MedSearchCore
@testable import MedSearchHESearch
import Testing
import _MedSearchTestSupport

func randomCode(bits: Int, using rng: inout SeededRandomNumberGenerator) throws -> HammingCode {
    try HammingCode(bits: (0..<bits).map { _ in Bool.random(using: &rng) })
}

/// A code at a chosen distance from `base` (to create ties and near neighbours).
func perturbed(_ base: HammingCode, flips: Int, using rng: inout SeededRandomNumberGenerator) throws -> HammingCode {
    var bits = (0..<base.bitCount).map { base[bit: $0] }
    for j in Array(0..<base.bitCount).shuffled(using: &rng).prefix(flips) { bits[j].toggle() }
    return try HammingCode(bits: bits)
}

@Suite struct HammingSearchTests {
    /// Records with many ties and near neighbours around the query.
    func makeRecords(count: Int, bits: Int, query: HammingCode,
                     using rng: inout SeededRandomNumberGenerator) throws -> [HammingRecord] {
        try (0..<count).map { i in
            let code = i % 3 == 0 ? try perturbed(query, flips: Int.random(in: 0...3, using: &rng), using: &rng)
                                  : try randomCode(bits: bits, using: &rng)
            return HammingRecord(id: UInt64(1000 + (i * 7919) % 10007), code: code)
        }
    }

    /// The response's exact size: header + per shelf (span, live bitmap, identifier varints, c_1 and c_2 at k bits,
    /// c_0 at the live positions only at k_0 bits).
    func expectedResponseSize(_ shelves: [[UInt64?]], config: HammingSearchConfiguration, identifiers: Bool) -> Int {
        let n = config.parameters.polyDegree
        var size = HammingResponse.header(configuration: config, shelfCount: shelves.count).bytes.count
        for ids in shelves {
            let live = ids.compactMap { $0 }
            size += 2 + (ids.count + 7) / 8
            if identifiers {
                var previous: UInt64 = 0
                for id in live {
                    let delta = Int64(bitPattern: id &- previous)
                    let zigzag = UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
                    size += max(1, (64 - zigzag.leadingZeroBitCount + 6) / 7)
                    previous = id
                }
            }
            size += 2 * ((n * config.responseBits + 7) / 8) + (live.count * config.resultBits + 7) / 8
        }
        return size
    }

    @Test(arguments: [(16, BFVParameters.insecureN256SmallT), (24, .insecureN256), (64, .insecureN256SmallT),
                      (16, .insecureN256Expand), (64, .insecureN256Expand)])
    func masterEncryptedTopKEqualsPlaintext(bits: Int, parameters: BFVParameters) async throws {
        var rng = seededGenerator(UInt64(bits))
        let config = try HammingSearchConfiguration(parameters: parameters, codeLength: bits)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        // The master only gets the evaluation key bytes.
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: bits, using: &rng)
        let records = try makeRecords(count: 3 * config.recordsPerBlock + 5, bits: bits, query: query, using: &rng)
        let database = try encoder.encrypt(records, using: &rng)
        #expect(database.recordCount == records.count && database.blockCount == 4 && database.ciphertextCount == 4 * bits)
        // Round trip the stored database through its wire form.
        let stored = try EncryptedHammingDatabase(serialized: database.serialized(), configuration: config)
        var server = try HammingSearchServer(configuration: config)
        let queryBytes = try client.encryptQuery(query, using: &rng)
        if config.expandsQueries {
            // One ciphertext per query (not one per bit); expanding it needs the evaluation key's Galois keys.
            #expect(try HammingQuery(serialized: queryBytes, context: HammingWireContext(config)).ciphertexts.count == 1)
            await #expect(throws: HESearchError.self) { _ = try await server.evaluate(queryBytes: queryBytes, database: stored) }
            server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
            server.publicKey = nil  // expansion keys, but no re-randomisation (the keyless server's responses)
        }
        let response = try await server.evaluate(queryBytes: queryBytes, database: stored)
        let all = try client.distances(responseBytes: response)
        let expected = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.code.distance(to: query)) })
        #expect(all.count == records.count)
        for match in all { #expect(match.distance == expected[match.id]) }
        for k in [1, 5, 10, records.count] {
            #expect(try client.topK(responseBytes: response, k: k) == plaintextHammingTopK(query: query, records: records, k: k))
        }
        let prepared = try await server.prepare(stored)
        #expect(prepared.shelfCount == 4 && prepared.recordCount == records.count)
        let preparedResponse = try await server.evaluate(queryBytes: queryBytes, prepared: prepared)
        #expect(try client.distances(responseBytes: preparedResponse).sorted() == all.sorted())
        let concurrent = try await client.topKConcurrently(responseBytes: response, k: 10)
        #expect(concurrent == plaintextHammingTopK(query: query, records: records, k: 10))
        // The server holding the evaluation key re-randomises and floods: fresh bytes, same distances.
        let rerandomizing = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        #expect(rerandomizing.rerandomizesResponses && !server.rerandomizesResponses)
        let fresh1 = try await rerandomizing.evaluate(queryBytes: queryBytes, prepared: prepared)
        let fresh2 = try rerandomizing.evaluateSerially(queryBytes: queryBytes, database: stored)
        #expect(fresh1 != fresh2 && fresh1.count == fresh2.count)
        #expect(try client.distances(responseBytes: fresh1).sorted() == all.sorted())
        #expect(try client.distances(responseBytes: fresh2).sorted() == all.sorted())
        #expect(fresh1.count == expectedResponseSize(stored.blocks.map(\.ids), config: config, identifiers: true))
        // Sharding: partial responses over disjoint shelf ranges merge into a full one.
        let parts = [try await rerandomizing.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 2..<4),
                     try await rerandomizing.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 0..<2)]
        let merged = try rerandomizing.mergeResponses(parts)
        #expect(merged.count == fresh1.count)
        #expect(try client.topK(responseBytes: merged, k: 10) == plaintextHammingTopK(query: query, records: records, k: 10))
        await #expect(throws: HESearchError.self) {
            _ = try await rerandomizing.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 3..<5)
        }
        // The product's own noise (flooding off) leaves a wide margin; flooding then uses part of it on purpose.
        var unflooded = rerandomizing
        unflooded.floodsResults = false
        let quiet = try await unflooded.evaluate(queryBytes: queryBytes, database: stored)
        let budget = try client.noiseBudget(responseBytes: quiet)
        print("Hamming response noise budget before flooding (\(parameters.name), l=\(bits)):", budget)
        #expect(budget >= 2)
        #expect(try client.noiseBudget(responseBytes: fresh1) <= budget)
    }

    /// A query in NTT form (one ciphertext per bit) gives the plaintext distances on every set, needs no Galois key
    /// even where the compact query is expanded, merges across shards like the compact one, and leaves the product
    /// a noise margin.
    @Test(arguments: [(16, BFVParameters.insecureN256SmallT), (64, .insecureN256Expand), (64, .n4096expand)])
    func nttFormQueryEqualsPlaintext(bits: Int, parameters: BFVParameters) async throws {
        var rng = seededGenerator(UInt64(bits) &+ 7)
        let config = try HammingSearchConfiguration(parameters: parameters, codeLength: bits)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: bits, using: &rng)
        let records = try makeRecords(count: 2 * min(config.recordsPerBlock, 300) + 3, bits: bits, query: query, using: &rng)
        let database = try encoder.encrypt(records, using: &rng)
        let queryBytes = try client.encryptQuery(query, form: .ntt, using: &rng)
        let decoded = try HammingNTTQuery(serialized: queryBytes, context: HammingWireContext(config))
        #expect(decoded.ciphertexts.count == bits)
        // A keyless server (no Galois keys, no public key) evaluates it: nothing is expanded.
        var keyless = try HammingSearchServer(configuration: config)
        keyless.floodsResults = false
        let prepared = try await keyless.prepare(database)
        let response = try await keyless.evaluate(queryBytes: queryBytes, prepared: prepared)
        let expected = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.code.distance(to: query)) })
        let all = try client.distances(responseBytes: response)
        #expect(all.count == records.count)
        for match in all { #expect(match.distance == expected[match.id]) }
        let nttBudget = try client.noiseBudget(responseBytes: response)
        // The same search with the compact query (expanded where the set expands queries) and with two shards.
        let full = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        var quietFull = full
        quietFull.floodsResults = false
        let compact = try await quietFull.evaluate(queryBytes: try client.encryptQuery(query, using: &rng), prepared: prepared)
        #expect(try client.distances(responseBytes: compact).sorted() == all.sorted())
        let compactBudget = try client.noiseBudget(responseBytes: compact)
        print("Hamming response noise budget before flooding (\(parameters.name), l=\(bits)): NTT-form query \(nttBudget) bits,"
              + " compact query \(compactBudget) bits")
        #expect(nttBudget >= 2, "the NTT-form query must leave the product a margin")
        let shelves = prepared.shelfCount
        let parts = [try await full.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 1..<shelves),
                     try await full.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: 0..<1)]
        #expect(try client.topK(responseBytes: full.mergeResponses(parts), k: 10)
                == plaintextHammingTopK(query: query, records: records, k: 10))
        let unlinkable = try await full.evaluateUnlinkable(queryBytes: queryBytes, prepared: prepared)
        let ranked = try client.nearestSlots(responseBytes: unlinkable.response, k: 10)
        let distanceOf = Dictionary(uniqueKeysWithValues: ranked.map { ($0.slot, $0.distance) })
        let resolved = try unlinkable.mapping.resolve(requestBytes: HammingSlotRequest(ranked).serialized(), k: 10)
        #expect(resolved.map { HammingMatch(id: $0.id, distance: distanceOf[$0.slot]!) }
                == plaintextHammingTopK(query: query, records: records, k: 10))
        // Damaged: a truncated query, a wrong ciphertext count, another configuration's query.
        await #expect(throws: HESearchError.self) {
            _ = try await keyless.evaluate(queryBytes: Array(queryBytes.dropLast(9)), prepared: prepared)
        }
        var wrongCount = queryBytes
        let countAt = HammingNTTQuery(ciphertexts: []).serialized(context: try HammingWireContext(config)).count - 2
        wrongCount[countAt] ^= 1
        await #expect(throws: HESearchError.self) { _ = try await keyless.evaluate(queryBytes: wrongCount, prepared: prepared) }
        let other = try HammingSearchConfiguration(parameters: parameters, codeLength: bits == 16 ? 24 : 16)
        let otherClient = try HammingSearchClient(configuration: other, using: &rng)
        let otherQuery = try otherClient.encryptQuery(try randomCode(bits: other.codeLength, using: &rng), form: .ntt, using: &rng)
        await #expect(throws: HESearchError.self) { _ = try await keyless.evaluate(queryBytes: otherQuery, prepared: prepared) }
    }

    @Test func ownerEncryptedDatabaseDeletionAndAppend() async throws {
        var rng = seededGenerator(99)
        let config = try HammingSearchConfiguration(parameters: .insecureN512, codeLength: 32)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let query = try randomCode(bits: 32, using: &rng)
        let records = try makeRecords(count: 40, bits: 32, query: query, using: &rng)
        var database = try client.encryptDatabase(Array(records[0..<30]), using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        try database.append(contentsOf: encoder.encrypt(Array(records[30...]), using: &rng))
        #expect(throws: HESearchError.duplicateIdentifier) {
            try database.append(contentsOf: encoder.encrypt([records[0]], using: &rng))
        }
        let removed = Set(records.prefix(12).map(\.id))
        database.remove(ids: removed)
        let live = records.filter { !removed.contains($0.id) }
        #expect(database.recordCount == live.count && database.blockCount == 2)
        let server = try HammingSearchServer(configuration: config)
        // The owner's block (30 records) and the master's (10) share one response ciphertext.
        #expect(try await server.prepare(database).shelfCount == 1)
        let response = try server.evaluateSerially(queryBytes: client.encryptQuery(query, using: &rng), database: database)
        let all = try client.distances(responseBytes: response)
        #expect(Set(all.map(\.id)) == Set(live.map(\.id)))
        #expect(try client.topK(responseBytes: response, k: 7) == plaintextHammingTopK(query: query, records: live, k: 7))
    }

    @Test(arguments: [BFVParameters.n4096expand, .n4096hamming, .n4096single, .n4096])
    func secureParametersNoiseMarginAndSecretKeyRestore(parameters: BFVParameters) async throws {
        var rng = seededGenerator(4096)
        let config = try HammingSearchConfiguration(parameters: parameters, codeLength: 64)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: 64, using: &rng)
        let records = try makeRecords(count: 80, bits: 64, query: query, using: &rng)
        let database = try encoder.encrypt(records, using: &rng)
        var server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let restored = try HammingSearchClient(configuration: config, secretKeyBytes: client.secretKeyBytes())
        let queryBytes = try restored.encryptQuery(query, using: &rng)
        let response = try await server.evaluate(queryBytes: queryBytes, database: database)
        #expect(try restored.topK(responseBytes: response, k: 10) == plaintextHammingTopK(query: query, records: records, k: 10))
        let flooded = try client.noiseBudget(responseBytes: response)
        server.floodsResults = false
        let quiet = try await server.evaluate(queryBytes: queryBytes, database: database)
        let budget = try client.noiseBudget(responseBytes: quiet)
        print("Hamming response noise budget (\(parameters.name), l=64): \(budget) bits before flooding, \(flooded) after")
        // Flooding takes at most half of the margin (one bit); the product's own noise and the rounding must stay
        // far below it.
        #expect(budget >= 2, "the depth-1 circuit and the rounding to 2^k must leave a margin")
        #expect(flooded >= 1)
    }

    /// Item 5 of issue 18: the largest database one response ciphertext holds (N = 4096 records) with the longest
    /// supported code (l = 256), encrypted by the master with the public key, re-randomised and flooded at the
    /// default secure set: every decrypted distance equals the plaintext one (the noise at its worst).
    @Test func largestShelfAndLongestCodeDecryptExactly() async throws {
        var rng = seededGenerator(256)
        let config = try HammingSearchConfiguration(codeLength: 256)
        #expect(config.parameters == .n4096expand && config.expandsQueries)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: 256, using: &rng)
        // Extremes included: the query itself (distance 0) and its complement (distance 256).
        var records = try makeRecords(count: config.recordsPerBlock - 2, bits: 256, query: query, using: &rng).enumerated().map {
            HammingRecord(id: UInt64($0.offset), code: $0.element.code)
        }
        records.append(HammingRecord(id: 1 << 40, code: query))
        records.append(HammingRecord(id: 1 << 41, code: try HammingCode(bits: (0..<256).map { !query[bit: $0] })))
        let database = try await encoder.encryptConcurrently(records)
        #expect(database.blockCount == 1)
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let response = try await server.evaluate(queryBytes: client.encryptQuery(query, using: &rng), database: database)
        let expected = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.code.distance(to: query)) })
        let all = try await client.distancesConcurrently(responseBytes: response)
        #expect(all.count == records.count)
        #expect(all.allSatisfy { expected[$0.id] == $0.distance })
        let budget = try client.noiseBudget(responseBytes: response)
        print("Hamming response noise budget (n4096expand, expanded query, l=256, 4096 records, flooded):", budget)
        #expect(budget >= 1)
        // The same with the query in NTT form (one fresh ciphertext per bit, as n4096hamming's).
        let nttResponse = try await server.evaluate(queryBytes: client.encryptQuery(query, form: .ntt, using: &rng), database: database)
        let nttAll = try await client.distancesConcurrently(responseBytes: nttResponse)
        #expect(nttAll.count == records.count && nttAll.allSatisfy { expected[$0.id] == $0.distance })
        let nttBudget = try client.noiseBudget(responseBytes: nttResponse)
        print("Hamming response noise budget (n4096expand, NTT-form query, l=256, 4096 records, flooded):", nttBudget)
        #expect(nttBudget >= 1)
    }

    @Test func unlinkableModeResolvesTheTopKWithoutIdentifiers() async throws {
        var rng = seededGenerator(77)
        let config = try HammingSearchConfiguration(parameters: .insecureN256SmallT, codeLength: 16)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: 16, using: &rng)
        // Many ties (16-bit codes, near neighbours): the master must break them by identifier.
        let records = try makeRecords(count: 6 * config.recordsPerBlock + 3, bits: 16, query: query, using: &rng)
        var database = try encoder.encrypt(records, using: &rng)
        let removed: Set<UInt64> = [records[1].id, records[20].id]
        database.remove(ids: removed)
        let live = records.filter { !removed.contains($0.id) }
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let queryBytes = try client.encryptQuery(query, using: &rng)
        let prepared = try await server.prepare(database)
        for k in [1, 5, 10, live.count] {
            let result = try await server.evaluateUnlinkable(queryBytes: queryBytes, prepared: prepared)
            #expect(result.mapping.recordCount == live.count)
            // The response carries no identifiers: the identifier-based API refuses it.
            #expect(throws: HESearchError.self) { try client.distances(responseBytes: result.response) }
            let ranked = try client.nearestSlots(responseBytes: result.response, k: k)
            #expect(ranked.count >= min(k, live.count))
            let request = HammingSlotRequest(ranked)
            #expect(try HammingSlotRequest(serialized: request.serialized()) == request)
            let resolved = try result.mapping.resolve(requestBytes: request.serialized(), k: k)
            let distanceOf = Dictionary(uniqueKeysWithValues: ranked.map { ($0.slot, $0.distance) })
            let matches = resolved.map { HammingMatch(id: $0.id, distance: distanceOf[$0.slot]!) }
            #expect(matches == plaintextHammingTopK(query: query, records: live, k: k))
        }
        // Fresh shelf order per query: two evaluations map slots differently (with overwhelming probability).
        let a = try await server.evaluateUnlinkable(queryBytes: queryBytes, database: database)
        let b = try await server.evaluateUnlinkable(queryBytes: queryBytes, database: database)
        #expect(a.mapping.shelves != b.mapping.shelves)
        // Bad requests are typed errors.
        let bogus = HammingSlotRequest(entries: [(HammingSlot(block: 10_000, position: 0), 0)])
        #expect(throws: HESearchError.self) { try a.mapping.resolve(bogus, k: 1) }
        let twice = HammingSlotRequest(entries: [(HammingSlot(block: 0, position: 2), 0), (HammingSlot(block: 0, position: 2), 1)])
        #expect(throws: HESearchError.self) { try a.mapping.resolve(twice, k: 2) }
        #expect(throws: WireError.self) { try HammingSlotRequest(serialized: Array(bogus.serialized().dropLast())) }
        #expect(throws: HESearchError.self) { try client.nearestSlots(responseBytes: server.evaluateSerially(queryBytes: queryBytes, database: database), k: 1) }
    }

    /// A shelved database changed block by block (adds, a block removed, records deleted) answers like the
    /// plaintext ranking of its live records, and shards' partial responses merge into one unlinkable response.
    @Test func shelvedDatabaseUpdatesAndShardedUnlinkableMerge() async throws {
        var rng = seededGenerator(1616)
        let config = try HammingSearchConfiguration(parameters: .insecureN256SmallT, codeLength: 16)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: 16, using: &rng)
        let records = try makeRecords(count: 12 * 40, bits: 16, query: query, using: &rng)
        // Block key b (1...12) holds records 40(b-1)..<40b.
        var blocks: [UInt64: EncryptedHammingDatabase] = [:]
        for b in 1...12 { blocks[UInt64(b)] = try encoder.encrypt(Array(records[(b - 1) * 40..<b * 40]), using: &rng) }
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let stored = blocks
        let load: @Sendable (UInt64) throws -> EncryptedHammingDatabase = { key in
            guard let block = stored[key] else { throw HESearchError.malformed("no block \(key)") }
            return block
        }
        var shelved = ShelvedHammingDatabase(configuration: config)
        try await server.update(&shelved, removing: [], adding: blocks.filter { $0.key <= 5 }, load: load)
        #expect(shelved.shelfCount == 1 && shelved.keys == Set(1...5))
        try await server.update(&shelved, removing: [], adding: blocks.filter { $0.key > 5 }, load: load)
        #expect(shelved.shelfCount == 2)
        // Block 3 goes; two records of block 7 are deleted.
        var ids7 = try #require(shelved.ids(of: 7))
        let deleted = [ids7[4], ids7[9]].compactMap { $0 }
        ids7[4] = nil
        ids7[9] = nil
        try await server.update(&shelved, removing: [3], adding: [:], relabelling: [7: ids7], load: load)
        let gone = Set(records[80..<120].map(\.id)).union(deleted)
        let live = records.filter { !gone.contains($0.id) }
        #expect(shelved.prepared.recordCount == live.count && shelved.shelfCount == 2)
        let queryBytes = try client.encryptQuery(query, using: &rng)
        let response = try await server.evaluate(queryBytes: queryBytes, prepared: shelved.prepared)
        for k in [1, 10, live.count] {
            #expect(try client.topK(responseBytes: response, k: k) == plaintextHammingTopK(query: query, records: live, k: k))
        }
        // The same live set prepared at once gives the same distances.
        var fresh = try EncryptedHammingDatabase(configuration: config,
                                                 concatenating: (1...12).compactMap { blocks[UInt64($0)] })
        fresh.remove(ids: gone)
        let direct = try await server.evaluate(queryBytes: queryBytes, database: fresh)
        #expect(try client.distances(responseBytes: direct).sorted() == client.distances(responseBytes: response).sorted())
        // Three shards (keys by residue mod 3), each a partial response with identifiers; one unlinkable merge.
        var shards: [ShelvedHammingDatabase] = []
        for shard in 0..<3 {
            var part = ShelvedHammingDatabase(configuration: config)
            try await server.update(&part, removing: [], adding: blocks.filter { $0.key % 3 == UInt64(shard) && $0.key != 3 },
                                    load: load)
            try await server.update(&part, removing: [], adding: [:], relabelling: part.keys.contains(7) ? [7: ids7] : [:],
                                    load: load)
            shards.append(part)
        }
        var parts: [[UInt8]] = []
        for shard in shards {
            parts.append(try await server.evaluate(queryBytes: queryBytes, prepared: shard.prepared,
                                                   shelves: 0..<shard.prepared.shelfCount))
        }
        for k in [1, 5, 10, live.count] {
            let merged = try server.mergeUnlinkable(parts)
            #expect(merged.mapping.recordCount == live.count)
            #expect(throws: HESearchError.self) { try client.distances(responseBytes: merged.response) }
            let ranked = try client.nearestSlots(responseBytes: merged.response, k: k)
            let resolved = try merged.mapping.resolve(requestBytes: HammingSlotRequest(ranked).serialized(), k: k)
            let distanceOf = Dictionary(uniqueKeysWithValues: ranked.map { ($0.slot, $0.distance) })
            #expect(resolved.map { HammingMatch(id: $0.id, distance: distanceOf[$0.slot]!) }
                == plaintextHammingTopK(query: query, records: live, k: k))
        }
        // The merged mapping (kept sparse: live positions and their identifiers) names exactly the live slots: a
        // position without a live record, or past the shelf, is refused.
        let mergedOnce = try server.mergeUnlinkable(parts)
        let liveSlots = Set(try client.nearestSlots(responseBytes: mergedOnce.response, k: live.count).map(\.slot))
        #expect(liveSlots.count == live.count)
        let n = config.parameters.polyDegree
        for block in mergedOnce.mapping.shelves.indices {
            for position in [0, 1, 2, 255, 256, n - 1, n, -1]
            where !liveSlots.contains(HammingSlot(block: block, position: position)) {
                let request = HammingSlotRequest(entries: [(HammingSlot(block: block, position: position), 0)])
                #expect(throws: HESearchError.self) { try mergedOnce.mapping.resolve(request, k: 1) }
            }
        }
        // A record in two parts, and a part without identifiers, are refused.
        #expect(throws: HESearchError.duplicateIdentifier) { try server.mergeUnlinkable([parts[0], parts[0]]) }
        let withheld = try await server.evaluateUnlinkable(queryBytes: queryBytes, prepared: shards[1].prepared)
        #expect(throws: HESearchError.self) { try server.mergeUnlinkable([withheld.response]) }
        // One thread gives the same answer.
        var single = server
        single.maxConcurrency = 1
        let serial = try await single.evaluate(queryBytes: queryBytes, prepared: shelved.prepared)
        #expect(try client.topK(responseBytes: serial, k: 10) == plaintextHammingTopK(query: query, records: live, k: 10))
    }

    /// Long run (MEDSEARCH_LONG_TESTS=1): 20,000 master-encrypted records at the secure default set (5 shelves, one
    /// partial), re-randomised and flooded responses; every one of the 20,000 decrypted distances must be exact.
    @Test(.enabled(if: TestData.longTestsEnabled, "set MEDSEARCH_LONG_TESTS=1"))
    func manyRecordsAtTheSecureDefaultDecryptExactly() async throws {
        var rng = seededGenerator(20_000)
        let config = try HammingSearchConfiguration(codeLength: 64)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let query = try randomCode(bits: 64, using: &rng)
        // Identifiers by index (makeRecords' identifiers repeat beyond 10,007 records).
        let records = try makeRecords(count: 20_000, bits: 64, query: query, using: &rng).enumerated().map {
            HammingRecord(id: UInt64($0.offset), code: $0.element.code)
        }
        let database = try await encoder.encryptConcurrently(records)
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let response = try await server.evaluate(queryBytes: client.encryptQuery(query, using: &rng), database: database)
        let expected = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.code.distance(to: query)) })
        let all = try await client.distancesConcurrently(responseBytes: response)
        #expect(all.count == records.count)
        #expect(all.allSatisfy { expected[$0.id] == $0.distance })
    }

    @Test func wrongKeyAndMalformedMessages() async throws {
        var rng = seededGenerator(5)
        let config = try HammingSearchConfiguration(parameters: .insecureN256, codeLength: 16)
        let client = try HammingSearchClient(configuration: config, using: &rng)
        let other = try HammingSearchClient(configuration: config, using: &rng)
        let query = try randomCode(bits: 16, using: &rng)
        let records = try makeRecords(count: 20, bits: 16, query: query, using: &rng)
        let database = try client.encryptDatabase(records, using: &rng)
        let server = try HammingSearchServer(configuration: config)
        let response = try await server.evaluate(queryBytes: client.encryptQuery(query, using: &rng), database: database)
        // Another key holder cannot read the distances: decryption gives non-distances (caught) or wrong values.
        do {
            let stolen = try other.topK(responseBytes: response, k: 20)
            #expect(stolen != plaintextHammingTopK(query: query, records: records, k: 20))
        } catch {
            #expect(error == .inconsistentResponse("a decrypted value is not a distance"))
        }
        // Truncations and corruptions are typed errors, never crashes.
        let queryBytes = try client.encryptQuery(query, using: &rng)
        for cut in [0, 3, 10, queryBytes.count / 2, queryBytes.count - 1] {
            await #expect(throws: HESearchError.self) {
                _ = try await server.evaluate(queryBytes: Array(queryBytes.prefix(cut)), database: database)
            }
        }
        #expect(throws: HESearchError.self) { try client.distances(responseBytes: Array(response.dropLast(5))) }
        #expect(throws: HESearchError.self) { try client.distances(responseBytes: response + [0]) }
        let otherConfig = try HammingSearchConfiguration(parameters: .insecureN256, codeLength: 32)
        #expect(throws: HESearchError.self) {
            try EncryptedHammingDatabase(serialized: database.serialized(), configuration: otherConfig)
        }
        #expect(throws: HESearchError.invalidCodeLength(8)) { try HammingSearchConfiguration(codeLength: 8) }
        #expect(throws: HESearchError.self) { try HammingCode(words: [1 << 20], bitCount: 16) }
    }

    @Test func hammingCodeBasics() throws {
        let a = try HammingCode(bytes: [0b1010_0001, 0xFF], bitCount: 16)
        let b = try HammingCode(bits: (0..<16).map { $0 == 0 })
        #expect(a[bit: 0] && !a[bit: 1] && a[bit: 5] && a[bit: 15])
        #expect(a.popcount == 11)
        #expect(a.distance(to: b) == 10)
        #expect(try HammingCode(words: a.words, bitCount: 16) == a)
    }
}
