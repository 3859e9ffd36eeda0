import Foundation
import GRDB
@testable import MedSearchStore
import Testing

@Suite struct AppDatabaseTests {
    private var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "item") { t in
                t.primaryKey("id", .text)
                t.column("value", .blob).notNull()
            }
        }
        return migrator
    }

    @Test func aDatabaseOnDiskKeepsItsRowsAcrossReopening() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = AppDatabase.path(in: directory.appendingPathComponent("role"), name: "state")
        do {
            let database = try AppDatabase.open(path: path, migrator: migrator)
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO item (id, value) VALUES (?, ?)", arguments: ["a", Data([1, 2, 3])])
            }
        }
        let reopened = try AppDatabase.open(path: path, migrator: migrator)
        let value = try reopened.writer.read { db in try Data.fetchOne(db, sql: "SELECT value FROM item WHERE id = 'a'") }
        #expect(value == Data([1, 2, 3]))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("role").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func inMemoryDatabasesAreMigratedAndIndependent() throws {
        let first = try AppDatabase.open(path: nil, migrator: migrator)
        let second = try AppDatabase.open(path: nil, migrator: migrator)
        try first.writer.write { db in try db.execute(sql: "INSERT INTO item VALUES ('x', x'00')") }
        #expect(try second.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") } == 0)
        #expect(try first.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") } == 1)
    }

    @Test func anUnopenablePathIsATypedError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("store-file-\(UUID().uuidString)")
        try Data("not a directory".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect {
            _ = try AppDatabase.open(path: file.appendingPathComponent("db.sqlite").path, migrator: migrator)
        } throws: { error in
            guard case .cannotOpen = error as? StoreError else { return false }
            return true
        }
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID().uuidString).sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: garbage)
        defer { try? FileManager.default.removeItem(at: garbage) }
        #expect(throws: StoreError.self) { _ = try AppDatabase.open(path: garbage.path, migrator: migrator) }
    }
}
