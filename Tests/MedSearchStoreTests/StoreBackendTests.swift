import Foundation
import GRDB
@testable import MedSearchStore
import Testing
import _MedSearchTestSupport

/// What is particular to each back end: SQLite files and their permissions, older SQLite databases, locations and
/// the password that must never be shown.
@Suite struct StoreBackendTests {
    @Test func aSQLiteFileKeepsItsRowsAcrossReopeningInAPrivateFolder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let location = StoreLocation.resolve(nil, dataDirectory: directory.appendingPathComponent("role"),
                                             schema: TrustMedNodeDatabase.schema)
        #expect(location == .sqlite(path: directory.appendingPathComponent("role/trustmed-node.sqlite").path))
        do {
            let store = try await TrustMedNodeDatabase.open(location)
            try await store.put(shareID: "a", bytes: [1, 2, 3])
            await store.database.close()
        }
        let reopened = try await TrustMedNodeDatabase.open(location)
        #expect(try await reopened.get(shareID: "a") == [1, 2, 3])
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("role").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func inMemoryDatabasesAreMigratedAndIndependent() async throws {
        let first = try await TrustMedNodeDatabase.open(.memory)
        let second = try await TrustMedNodeDatabase.open(StoreLocation.resolve(nil, dataDirectory: nil, schema: TrustMedNodeDatabase.schema))
        try await first.put(shareID: "x", bytes: [0])
        #expect(try await second.usage().shares == 0)
        #expect(try await first.usage().shares == 1)
    }

    @Test func anUnopenablePathOrAGarbageFileIsATypedError() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("store-file-\(UUID().uuidString)")
        try Data("not a directory".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        await #expect {
            _ = try await SEIStore.open(.sqlite(path: file.appendingPathComponent("db.sqlite").path))
        } throws: { error in
            guard case .cannotOpen = error as? StoreError else { return false }
            return true
        }
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID().uuidString).sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: garbage)
        defer { try? FileManager.default.removeItem(at: garbage) }
        await #expect(throws: StoreError.self) { _ = try await SEIStore.open(.sqlite(path: garbage.path)) }
    }

    /// A SEI database written by the previous store layer (GRDB's migrator, migration `sei-v1`) opens, keeps its
    /// rows and gains the version table.
    @Test func anOlderSQLiteDatabaseIsMigratedForward() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("sei.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("sei-v1") { db in
                try db.create(table: "sei_skeleton") { t in
                    t.primaryKey("singleton", .integer).check { $0 == 1 }
                    t.column("payload", .blob).notNull()
                }
                try db.create(table: "sei_entry") { t in
                    t.primaryKey("id", .text)
                    t.column("cluster", .integer).notNull()
                    t.column("vector", .blob).notNull()
                }
                try db.create(table: "sei_image") { t in
                    t.primaryKey("id", .text)
                    t.column("sealed", .blob).notNull()
                }
            }
            try migrator.migrate(queue)
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO sei_skeleton VALUES (1, x'0102')")
                try db.execute(sql: "INSERT INTO sei_entry VALUES ('old', 3, x'09')")
            }
        }
        let store = try await SEIStore.open(.sqlite(path: path))
        let state = try await store.loadIndex()
        #expect(state.skeleton == [1, 2])
        #expect(state.entries == [.init(id: "old", cluster: 3, vector: [9])])
        #expect(state.version == 0)
    }

    @Test func locationsParseAndNeverShowThePassword() throws {
        #expect(try StoreLocation(parsing: "sqlite:/tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try StoreLocation(parsing: "/tmp/y.sqlite") == .sqlite(path: "/tmp/y.sqlite"))
        #expect(try StoreLocation(parsing: "memory") == .memory)
        let location = try StoreLocation(parsing: "postgres://med%40search:s3cr%2Ft@db.example:6543/hospital?schema=node_2&sslmode=require")
        guard case let .postgres(postgres) = location else {
            Issue.record("not postgres")
            return
        }
        #expect(postgres.username == "med@search")
        #expect(postgres.password == "s3cr/t")
        #expect(postgres.host == "db.example" && postgres.port == 6543 && postgres.database == "hospital")
        #expect(postgres.schema == "node_2" && postgres.tls == .require)
        #expect(location.description == "postgres://med@search@db.example:6543/hospital?schema=node_2")
        #expect(!location.description.contains("s3cr"))
        #expect(location.isShared)
        for bad in ["postgres://host/db", "postgres://u@/db", "postgres://u@h", "postgres://u:pw@h/db?schema=a;drop",
                    "postgres://u:pw@h/db?sslmode=maybe", "postgres://u:pw@h/db?password=pw", "mysql://u@h/db", ""] {
            #expect(throws: StoreError.self) { _ = try StoreLocation(parsing: bad) }
            do { _ = try StoreLocation(parsing: bad) } catch {
                #expect(!"\(error)".contains("pw@"), "the error for \(bad.count)-character input shows credentials")
            }
        }
    }

    @Test func placeholdersAreNumberedOutsideQuotes() {
        #expect(PostgresStoreDatabase.Transaction.numbered("SELECT ? , '?', \"a?\", ?") == "SELECT $1 , '?', \"a?\", $2")
    }

    /// A refused login or an unreachable server is a typed error naming the server without the password.
    @Test(postgresEnabled) func aWrongPasswordOrADeadServerNeverShowsThePassword() async throws {
        guard case var .postgres(location)? = try TestPostgres.url.map(StoreLocation.init(parsing:)) else { return }
        location.password = "wrong-Pa55word-\(UInt32.random(in: 0...UInt32.max))"
        location.username = "medsearch_nobody"
        let secret = location.password ?? ""
        await #expect {
            _ = try await PostgresStoreDatabase.open(location, schema: SEIStore.schema)
        } throws: { error in
            guard case .cannotOpen = error as? StoreError else { return false }
            return !"\(error)".contains(secret) && "\(error)".contains(location.host)
        }
        location.port = 1  // nothing listens there
        await #expect {
            _ = try await PostgresStoreDatabase.open(location, schema: SEIStore.schema)
        } throws: { error in
            guard case .cannotOpen = error as? StoreError else { return false }
            return !"\(error)".contains(secret)
        }
    }
}
