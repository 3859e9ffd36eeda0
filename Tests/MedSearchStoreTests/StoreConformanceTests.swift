import Foundation
@testable import MedSearchStore
import Testing
import _MedSearchTestSupport

/// One behaviour every role's store must have, whatever its back end.
enum StoreScenario: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case valuesRoundTrip, migrationsRunOnce, seiIndex, seiIdempotentAdd, seiImages, fnnC1, fnnC2, trustmedMaster,
         concurrentRecordInserts, incrementalSearchReads, shareIntents, trustmedNode, copyVerified
    var testDescription: String { rawValue }

    func run(_ fresh: FreshStore) async throws {
        switch self {
        case .valuesRoundTrip: try await Self.valuesRoundTrip(fresh)
        case .migrationsRunOnce: try await Self.migrationsRunOnce(fresh)
        case .seiIndex: try await Self.seiIndex(fresh)
        case .seiIdempotentAdd: try await Self.seiIdempotentAdd(fresh)
        case .seiImages: try await Self.seiImages(fresh)
        case .fnnC1: try await Self.fnnC1(fresh)
        case .fnnC2: try await Self.fnnC2(fresh)
        case .trustmedMaster: try await Self.trustmedMaster(fresh)
        case .concurrentRecordInserts: try await Self.concurrentRecordInserts(fresh)
        case .incrementalSearchReads: try await Self.incrementalSearchReads(fresh)
        case .shareIntents: try await Self.shareIntents(fresh)
        case .trustmedNode: try await Self.trustmedNode(fresh)
        case .copyVerified: try await Self.copyVerified(fresh)
        }
    }

    static let valuesSchema = StoreSchema(name: "values", migrations: [
        StoreMigration("values-v1", sqlite: [
            "CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT, payload BLOB, at DATETIME, ratio REAL)",
        ], postgres: [
            "CREATE TABLE item (id BIGINT PRIMARY KEY, label TEXT, payload BYTEA, at TIMESTAMPTZ, ratio DOUBLE PRECISION)",
        ]),
    ], tables: [StoreTable("item", columns: ["id", "label", "payload", "at", "ratio"], key: ["id"])])

    /// Every value kind survives a round trip, including a '?' inside a string literal and extreme integers.
    static func valuesRoundTrip(_ fresh: FreshStore) async throws {
        let database = try await fresh.location().open(schema: valuesSchema)
        defer { Task { await database.close() } }
        let moment = Date(timeIntervalSince1970: 1_700_000_000.123)
        let bytes = (0...255).map { UInt8($0) }
        try await database.write { tx in
            try tx.execute("INSERT INTO item (id, label, payload, at, ratio) VALUES (?, ?, ?, ?, ?)",
                           [UInt64.max, "ünïcode ? 'quoted'", bytes, moment, 0.1])
            try tx.execute("INSERT INTO item (id, label, payload, at, ratio) VALUES (?, ?, ?, ?, ?)",
                           [Int64.min, SQLValue.null, [UInt8](), SQLValue.null, SQLValue.null])
        }
        let rows = try await database.read { tx in
            try tx.query("SELECT id, label, payload, at, ratio FROM item WHERE label IS NULL OR label <> '?' ORDER BY id", [])
        }
        #expect(rows.count == 2)
        #expect(try rows[0].int64("id") == Int64.min)
        #expect(try rows[0].optionalText("label") == nil)
        #expect(try rows[0].blob("payload") == [])
        #expect(try rows[0].optionalDate("at") == nil)
        #expect(try rows[1].uint64("id") == UInt64.max)
        #expect(try rows[1].text("label") == "ünïcode ? 'quoted'")
        #expect(try rows[1].blob("payload") == bytes)
        #expect(abs(try rows[1].date("at").timeIntervalSince(moment)) < 0.001)
        #expect(rows[1]["ratio"] == .real(0.1))
        // A failing statement rolls the whole transaction back and is a typed error.
        await #expect(throws: StoreError.self) {
            try await database.write { tx in
                try tx.execute("INSERT INTO item (id, label) VALUES (?, ?)", [1, "kept?"])
                try tx.execute("INSERT INTO item (id, label) VALUES (?, ?)", [1, "duplicate"])
            }
        }
        #expect(try await database.read { tx in try tx.count("SELECT COUNT(*) FROM item") } == 2)
        // A wrong-kind read is a typed error, not a crash.
        #expect(throws: StoreError.self) { try rows[1].int("label") }
    }

    /// Opening twice applies each migration once; a role's tables are separate from another role's.
    static func migrationsRunOnce(_ fresh: FreshStore) async throws {
        let first = try await SEIStore.open(fresh.location("sei"))
        _ = try await first.insertEntries([.init(id: "a", cluster: 0, vector: [1])])
        let second = try await SEIStore.open(fresh.location("sei"))
        #expect(try await second.loadIndex().entries.map(\.id) == ["a"])
        let node = try await TrustMedNodeDatabase.open(fresh.location("node"))
        try await node.put(shareID: "s", bytes: [1])
        #expect(try await node.usage() == (1, 1))
        await first.database.close()
        await second.database.close()
        await node.database.close()
    }

    static func seiIndex(_ fresh: FreshStore) async throws {
        let store = try await SEIStore.open(fresh.location())
        defer { Task { await store.database.close() } }
        let empty = try await store.loadIndex()
        #expect(empty.skeleton == nil && empty.entries.isEmpty)
        let entries = [SEIStore.Entry(id: "b", cluster: 1, vector: [2, 3]), .init(id: "a", cluster: 0, vector: [0, 1])]
        let v1 = try await store.replaceIndex(skeleton: [9, 9], entries: entries)
        let loaded = try await store.loadIndex()
        #expect(loaded.skeleton == [9, 9])
        #expect(loaded.entries == entries.sorted { $0.id < $1.id })
        #expect(loaded.version == v1 && v1 == empty.version + 1)
        try await store.putImages([("a", [7]), ("b", [8])])
        // Deleting is all or nothing: an unknown id leaves both the entry and its image.
        await #expect { try await store.deleteEntries(["a", "zz"]) } throws: { error in
            isStoreError(error) { if case .notFound(_, "zz") = $0 { true } else { false } }
        }
        #expect(try await store.loadIndex().entries.count == 2)
        #expect(try await store.imageCount() == 2)
        let v2 = try await store.deleteEntries(["a"])
        #expect(v2 == v1 + 1)
        #expect(try await store.loadIndex().entries.map(\.id) == ["b"])
        #expect(try await store.images(["a", "b"]).map(\.id) == ["b"])
        // Replacing the index keeps sealed images.
        try await store.replaceIndex(skeleton: [1], entries: [])
        #expect(try await store.imageCount() == 1)
    }

    static func seiIdempotentAdd(_ fresh: FreshStore) async throws {
        let store = try await SEIStore.open(fresh.location())
        defer { Task { await store.database.close() } }
        let first = try await store.insertEntries([.init(id: "x", cluster: 2, vector: [1, 2, 3])])
        #expect(first.added.map(\.id) == ["x"])
        // The same entry again (an upload re-sent after a crash) is a no-op and does not bump the version.
        let again = try await store.insertEntries([.init(id: "x", cluster: 2, vector: [1, 2, 3]),
                                                   .init(id: "y", cluster: 0, vector: [4])])
        #expect(again.added.map(\.id) == ["y"])
        #expect(again.version == first.version + 1)
        let third = try await store.insertEntries([.init(id: "y", cluster: 0, vector: [4])])
        #expect(third.added.isEmpty && third.version == again.version)
        // Another vector under a stored id is refused, and the batch with it is not applied.
        await #expect { _ = try await store.insertEntries([.init(id: "z", cluster: 0, vector: [5]),
                                                           .init(id: "x", cluster: 2, vector: [9])]) } throws: { error in
            isStoreError(error) { if case .conflict(_, "x", _) = $0 { true } else { false } }
        }
        #expect(try await store.loadIndex().entries.map(\.id) == ["x", "y"])
    }

    static func seiImages(_ fresh: FreshStore) async throws {
        let store = try await SEIStore.open(fresh.location())
        defer { Task { await store.database.close() } }
        _ = try await store.insertEntries([.init(id: "p", cluster: 0, vector: [1]), .init(id: "q", cluster: 0, vector: [2])])
        try await store.putImages([("p", [1, 2])])
        #expect(try await store.entriesWithoutImage() == ["q"])
        try await store.putImages([("p", [3]), ("q", [4])])
        let images = try await store.images(["q", "missing", "p"])
        #expect(images.map(\.id) == ["q", "p"])
        #expect(images.map(\.sealed) == [[4], [3]])
        #expect(try await store.entriesWithoutImage().isEmpty)
    }

    static func fnnC1(_ fresh: FreshStore) async throws {
        let store = try await FNNC1Store.open(fresh.location())
        defer { Task { await store.database.close() } }
        #expect(try await store.loadSetup() == nil)
        try await store.saveSetup([1, 2])
        try await store.saveSetup([1, 2])
        await #expect(throws: StoreError.self) { try await store.saveSetup([3]) }
        #expect(try await store.loadSetup() == [1, 2])
        let big = UInt64.max - 1
        let v0 = try await store.version()
        let first = try await store.insertRecords([.init(id: 5, payload: [5]), .init(id: big, payload: [6])])
        #expect(first.added == [5, big] && first.version == v0 + 1)
        let second = try await store.insertRecords([.init(id: 5, payload: [5]), .init(id: 7, payload: [7])])
        #expect(second.added == [7] && second.version == v0 + 2)
        #expect(try await store.insertRecords([.init(id: 7, payload: [7])]).version == v0 + 2)
        await #expect(throws: StoreError.self) {
            try await store.insertRecords([.init(id: 8, payload: [8]), .init(id: 5, payload: [0])])
        }
        #expect(try await store.allRecords().map(\.id) == [5, 7, big])
        await #expect(throws: StoreError.self) { try await store.deleteRecords([7, 99]) }
        try await store.deleteRecords([7])
        #expect(try await store.allRecords().map(\.id) == [5, big])
        try await store.insertPool([.init(entry: 0, seed: [1]), .init(entry: 1, seed: [2])])
        await #expect(throws: StoreError.self) { try await store.insertPool([.init(entry: 1, seed: [3])]) }
        try await store.consume(entry: 0)
        // A replica that took the same entry finds it consumed.
        await #expect(throws: StoreError.self) { try await store.consume(entry: 0) }
        #expect(try await store.poolEntries() == [.init(entry: 0, seed: nil), .init(entry: 1, seed: [2])])
        let state = try await store.loadState()
        #expect(state.setup == [1, 2] && state.records.map(\.id) == [5, big] && state.pool.count == 2)
        #expect(state.version == (try await store.version()))
    }

    static func fnnC2(_ fresh: FreshStore) async throws {
        let store = try await FNNC2Store.open(fresh.location())
        defer { Task { await store.database.close() } }
        try await store.saveSetup([4])
        await #expect(throws: StoreError.self) { try await store.saveSetup([5]) }
        let row = [UInt8](repeating: 3, count: 64)
        try await store.insertPool(seeds: [.init(entry: 0, seed: [1]), .init(entry: 1, seed: [2])],
                                   rows: [.init(entry: 0, recordID: 10, payload: row), .init(entry: 1, recordID: 11, payload: row)])
        // Known entries keep their seed.
        try await store.insertPool(seeds: [.init(entry: 0, seed: [9])], rows: [])
        try await store.consume(entry: 0)
        try await store.deleteRows(recordIDs: [11])
        let pool = try await store.pool()
        #expect(pool.entries == [.init(entry: 0, seed: nil), .init(entry: 1, seed: [2])])
        #expect(pool.rows.isEmpty)
        try await store.putQueryShare(queryID: "q1", payload: [1])
        #expect(try await store.takeQueryShare(queryID: "q1") == [1])
        #expect(try await store.takeQueryShare(queryID: "q1") == nil)
        try await store.putHandover(queryID: "q1", payload: [2])
        try await store.putHandover(queryID: "q1", payload: [3])
        #expect(try await store.takeHandover(queryID: "q1") == [3])
        #expect(try await store.takeHandover(queryID: "q1") == nil)
    }

    static func record(_ id: String, block: String = "b0", slot: Int = 0) -> TrustMedMasterDatabase.Record {
        .init(recordID: id, blockID: block, slot: slot, contentTag: [1, 2], manifest: [3],
              placements: [.init(nodeIndex: 0, shareID: "\(id)-s0"), .init(nodeIndex: 1, shareID: "\(id)-s1")],
              sealedSize: 100, shareBytes: 120)
    }

    static func trustmedMaster(_ fresh: FreshStore) async throws {
        let store = try await TrustMedMasterDatabase.open(fresh.location())
        defer { Task { await store.database.close() } }
        #expect(try await store.keyRegistration() == nil)
        try await store.saveKeyRegistration([1])
        try await store.saveKeyRegistration([2])
        #expect(try await store.keyRegistration() == [2])
        try await store.beginUpload(idempotencyKey: [0xA], requestDigest: [1], blockID: "b0", ciphertext: [5, 5])
        try await store.beginUpload(idempotencyKey: [0xA], requestDigest: [2], blockID: "b0", ciphertext: [6])
        #expect(try await store.requestDigest(forIdempotencyKey: [0xA]) == [1])
        #expect(try await store.insertRecord(record("r1", slot: 1)))
        #expect(try await store.insertRecord(record("r0", slot: 0)))
        #expect(try await !store.insertRecord(record("r1", slot: 5)))
        #expect(try await store.record("r1") == record("r1", slot: 1))
        let blocks = try await store.searchableBlocks()
        #expect(blocks.count == 1 && blocks[0].ciphertext == [5, 5])
        #expect(blocks[0].entries.map(\.recordID) == ["r0", "r1"])
        #expect(try await store.totals() == (2, 200, 240))
        try await store.updateShares(recordID: "r1", manifest: [9], placements: [.init(nodeIndex: 2, shareID: "n")], shareBytes: 7)
        #expect(try await store.record("r1")?.placements == [.init(nodeIndex: 2, shareID: "n")])
        // A block still referenced stays.
        try await store.deleteBlockIfUnused("b0")
        #expect(try await store.searchableBlocks().count == 1)
        let removed = try await store.deleteRecord("r0")
        #expect(removed == record("r0"))
        #expect(try await store.deleteRecord("r0") == nil)
        #expect(try await store.pendingShareDeletions(limit: 10).map(\.shareID) == ["r0-s0", "r0-s1"])
        #expect(try await store.pendingShareDeletions(limit: 1).count == 1)
        try await store.completeShareDeletions([.init(nodeIndex: 0, shareID: "r0-s0")])
        #expect(try await store.pendingShareDeletions(limit: 10).map(\.shareID) == ["r0-s1"])
        _ = try await store.deleteRecord("r1")
        try await store.deleteBlockIfUnused("b0")
        #expect(try await store.searchableBlocks().isEmpty)
        #expect(try await store.recordIDs().isEmpty)
        // A bulk insert is one transaction; known ids are reported, not duplicated.
        try await store.beginUpload(idempotencyKey: [0xB], requestDigest: [1], blockID: "b1", ciphertext: [4])
        #expect(try await store.insertRecords([record("x", block: "b1"), record("y", block: "b1", slot: 1)]) == [true, true])
        #expect(try await store.insertRecords([record("y", block: "b1", slot: 1), record("z", block: "b1", slot: 2)]) == [false, true])
        #expect(try await store.searchableBlocks().first?.entries.map(\.recordID) == ["x", "y", "z"])
    }

    /// Two handles on one database (as two processes have) inserting the same record id concurrently: exactly one
    /// insert wins.
    static func concurrentRecordInserts(_ fresh: FreshStore) async throws {
        let first = try await TrustMedMasterDatabase.open(fresh.location())
        let second = try await TrustMedMasterDatabase.open(fresh.location())
        try await first.beginUpload(idempotencyKey: [1], requestDigest: [1], blockID: "b0", ciphertext: [0])
        #expect(try await first.searchableBlocks().isEmpty)
        for round in 0..<5 {
            let id = "same-\(round)"
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for attempt in 0..<8 {
                    let handle = attempt.isMultiple(of: 2) ? first : second
                    // One record id has one slot (a block's slots hold one record each).
                    group.addTask { try await handle.insertRecord(record(id, slot: round)) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        }
        #expect(try await second.recordIDs().count == 5)
        // The first handle's search cache sees the records the second inserted.
        #expect(try await first.searchableBlocks().first?.entries.count == 5)
        _ = try await second.deleteRecord("same-0")
        #expect(Set(try await first.searchableBlocks().first?.entries.map(\.recordID) ?? []) == Set((1..<5).map { "same-\($0)" }))
        await first.database.close()
        await second.database.close()
    }

    /// A reader (another process's handle) follows adds, deletions and re-adds by reading only what changed, and
    /// ends with the same state as a fresh reader; block sequence numbers grow and are never reused.
    static func incrementalSearchReads(_ fresh: FreshStore) async throws {
        let reader = try await TrustMedMasterDatabase.open(fresh.location())
        let writer = try await TrustMedMasterDatabase.open(fresh.location())
        func state(_ snapshot: TrustMedMasterDatabase.SearchSnapshot) -> [String] {
            snapshot.blocks.flatMap { block in block.entries.map { "\(block.seq)/\(block.blockID)/\($0.slot)=\($0.recordID)" } }
        }
        func freshState() async throws -> [String] {
            let other = try await TrustMedMasterDatabase.open(fresh.location())
            let result = state(try await other.searchSnapshot())
            await other.database.close()
            return result
        }
        try await writer.beginUpload(idempotencyKey: [1], requestDigest: [1], blockID: "b0", ciphertext: [0])
        #expect(try await writer.insertRecords((0..<4).map { record("a\($0)", slot: $0) }) == [true, true, true, true])
        let first = try await reader.searchSnapshot()
        #expect(first.blocks.map(\.blockID) == ["b0"] && first.blocks[0].entries.count == 4)
        #expect(try await reader.searchSnapshot().version == first.version)
        try await writer.beginUpload(idempotencyKey: [2], requestDigest: [1], blockID: "b1", ciphertext: [1])
        #expect(try await writer.insertRecord(record("b0", block: "b1", slot: 0)))
        _ = try await writer.deleteRecord("a1")
        _ = try await writer.deleteRecord("a2")
        #expect(try await writer.insertRecord(record("a2", slot: 2)))  // deleted, then stored again
        let second = try await reader.searchSnapshot()
        #expect(second.version > first.version)
        #expect(state(second) == (try await freshState()))
        #expect(second.blocks.map(\.blockID) == ["b0", "b1"] && second.blocks[0].seq < second.blocks[1].seq)
        #expect(second.blocks[0].entries.map(\.recordID) == ["a0", "a2", "a3"])
        // The last record of b0 goes with its block; a new block gets a new sequence number.
        for id in ["a0", "a2", "a3"] { _ = try await writer.deleteRecord(id) }
        try await writer.deleteBlockIfUnused("b0")
        try await writer.beginUpload(idempotencyKey: [3], requestDigest: [1], blockID: "b2", ciphertext: [2])
        #expect(try await writer.insertRecord(record("c0", block: "b2", slot: 3)))
        let third = try await reader.searchSnapshot()
        #expect(third.blocks.map(\.blockID) == ["b1", "b2"])
        #expect(third.blocks[1].seq > second.blocks[1].seq && third.blocks[1].ciphertext == [2])
        #expect(state(third) == (try await freshState()))
        await reader.database.close()
        await writer.database.close()
    }

    /// Share intents: cleared by the insert that refers to them (not by a losing one) and by queueing for deletion;
    /// the rest are reclaimed into the deletion queue once old enough.
    static func shareIntents(_ fresh: FreshStore) async throws {
        let store = try await TrustMedMasterDatabase.open(fresh.location())
        let stored = record("kept")
        let orphan = TrustMedMasterDatabase.Placement(nodeIndex: 2, shareID: "orphan")
        let failed = TrustMedMasterDatabase.Placement(nodeIndex: 0, shareID: "failed")
        try await store.recordShareIntents(stored.placements + [orphan, failed])
        try await store.beginUpload(idempotencyKey: [1], requestDigest: [1], blockID: "b0", ciphertext: [0])
        #expect(try await store.insertRecord(stored))
        // A second insert of the id loses and leaves its own intents alone.
        var loser = record("kept", slot: 1)
        loser.placements = [.init(nodeIndex: 0, shareID: "loser")]
        try await store.recordShareIntents(loser.placements)
        #expect(try await store.insertRecord(loser) == false)
        try await store.enqueueShareDeletions([failed])
        #expect(try await store.reclaimShareIntents(olderThan: .seconds(3600)) == 0)
        #expect(try await store.reclaimShareIntents(olderThan: .zero) == 2)
        #expect(try await store.reclaimShareIntents(olderThan: .zero) == 0)
        let pending = try await store.pendingShareDeletions(limit: 10).map(\.shareID)
        #expect(Set(pending) == ["failed", "loser", "orphan"])
        await store.database.close()
    }

    static func trustmedNode(_ fresh: FreshStore) async throws {
        let store = try await TrustMedNodeDatabase.open(fresh.location())
        defer { Task { await store.database.close() } }
        try await store.put(shareID: "a", bytes: [1, 2, 3])
        try await store.put(shareID: "a", bytes: [4])
        try await store.put(shareID: "b", bytes: [])
        #expect(try await store.get(shareID: "a") == [4])
        #expect(try await store.get(shareID: "b") == [])
        #expect(try await store.get(shareID: "c") == nil)
        #expect(try await store.usage() == (2, 1))
        #expect(try await store.delete(shareID: "a"))
        #expect(try await !store.delete(shareID: "a"))
    }

    /// `store migrate`: a web store and a SEI store on SQLite copied to this back end, verified, usable afterwards
    /// (new accounts get fresh ids), and refused a second time (the destination is not empty).
    static func copyVerified(_ fresh: FreshStore) async throws {
        let sourceDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: sourceDirectory) }
        let webSource = StoreLocation.sqlite(path: sourceDirectory.appendingPathComponent("web.sqlite").path)
        let web = try await webSource.open(schema: WebSchema.schema)
        let moment = Date(timeIntervalSince1970: 1_800_000_000.25)
        try await web.write { tx in
            for name in ["zed", "Ann", "bob"] {
                try tx.execute("""
                    INSERT INTO "user" (username, fullName, passwordHash, role, status, failedLogins, lockedUntil, createdAt)
                    VALUES (?, ?, ?, 'clinician', 'approved', 0, NULL, ?)
                    """, [name, "Full \(name)", "$2b$hash", moment])
            }
            try tx.execute("INSERT INTO audit (at, username, action, outcome, detail) VALUES (?, 'zed', 'login', 'ok', '')", [moment])
            try tx.execute("INSERT INTO session (tokenHash, userId, csrfToken, createdAt, expiresAt) VALUES ('h', 2, 'c', ?, ?)",
                           [moment, moment.addingTimeInterval(60)])
        }
        await web.close()
        let seiSource = StoreLocation.sqlite(path: sourceDirectory.appendingPathComponent("sei.sqlite").path)
        let sei = try await SEIStore.open(seiSource)
        try await sei.replaceIndex(skeleton: [1, 2, 3], entries: (0..<1200).map { .init(id: "e\($0)", cluster: $0 % 7, vector: [UInt8]("v\($0)".utf8)) })
        try await sei.putImages([("e1", [9])])
        await sei.database.close()

        let webReport = try await StoreCopy.run(role: "web", from: webSource, to: fresh.location("web"))
        #expect(webReport.verified)
        #expect(webReport.tables.first { $0.table == "\"user\"" }?.destinationRows == 3)
        let seiReport = try await StoreCopy.run(role: "sei", from: seiSource, to: fresh.location("sei"))
        #expect(seiReport.verified)
        #expect(seiReport.tables.map(\.destinationRows) == [1, 1, 1200, 1])
        let copied = try await SEIStore.open(fresh.location("sei"))
        #expect(try await copied.loadIndex().entries.count == 1200)
        await copied.database.close()
        // The copied web store hands out new ids after the copied ones and reads the copied dates back.
        let destination = try await fresh.location("web").open(schema: WebSchema.schema)
        let (id, created) = try await destination.write { tx in
            let row = try tx.queryOne("""
                INSERT INTO "user" (username, fullName, passwordHash, role, status, failedLogins, createdAt)
                VALUES ('new', 'New', 'x', 'owner', 'pending', 0, ?) RETURNING id
                """, [Date()])
            let first = try tx.queryOne(#"SELECT createdAt FROM "user" WHERE username = 'zed'"#)
            return (try row?.int64("id"), try first?.date("createdAt"))
        }
        #expect(id == 4)
        #expect(abs((created ?? .distantPast).timeIntervalSince(moment)) < 0.001)
        await destination.close()
        await #expect(throws: StoreError.self) { _ = try await StoreCopy.run(role: "sei", from: seiSource, to: fresh.location("sei")) }
    }
}

/// The same store behaviours on SQLite (always) and on PostgreSQL (when a server is configured).
@Suite struct StoreConformanceTests {
    @Test(arguments: StoreScenario.allCases)
    func sqlite(_ scenario: StoreScenario) async throws {
        try await withFreshStore(.sqlite) { try await scenario.run($0) }
    }

    @Test(postgresEnabled, arguments: StoreScenario.allCases)
    func postgres(_ scenario: StoreScenario) async throws {
        try await withFreshStore(.postgres) { try await scenario.run($0) }
    }
}
