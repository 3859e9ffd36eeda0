import Foundation
@testable import MedSearchStore
import Testing
import _MedSearchTestSupport

/// The two back ends every store test runs against.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, empty place for one test's stores: a SQLite file in a new directory, or a new schema of the test
/// PostgreSQL server (dropped by ``cleanUp()``).
struct FreshStore: Sendable {
    let backend: Backend
    let directory: URL
    let schemaName: String

    init(_ backend: Backend) {
        self.backend = backend
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        schemaName = TestPostgres.uniqueSchema()
    }

    /// The location of one role's store (a role's SQLite file, or this test's schema).
    func location(_ role: String = "state") throws -> StoreLocation {
        switch backend {
        case .sqlite:
            return .sqlite(path: directory.appendingPathComponent("\(role).sqlite").path)
        case .postgres:
            guard let url = TestPostgres.url(schema: schemaName) else { throw StoreError.invalidLocation("no server") }
            return try StoreLocation(parsing: url)
        }
    }

    /// Removes the directory or drops the schema.
    func cleanUp() async {
        try? FileManager.default.removeItem(at: directory)
        guard backend == .postgres, case let .postgres(location)? = try? self.location() else { return }
        let empty = StoreSchema(name: schemaName, migrations: [], tables: [])
        guard let database = try? await PostgresStoreDatabase.open(location, schema: empty) else { return }
        let name = schemaName
        _ = try? await database.write { tx in try tx.execute("DROP SCHEMA \(name) CASCADE") }
        await database.close()
    }
}

/// Runs `body` with a fresh store place, cleaning up afterwards whatever happens.
func withFreshStore(_ backend: Backend, _ body: (FreshStore) async throws -> Void) async throws {
    let fresh = FreshStore(backend)
    try await withCleanup {
        try await body(fresh)
    } cleanup: {
        await fresh.cleanUp()
    }
}

/// Whether `error` is the ``StoreError`` case `matching`.
func isStoreError(_ error: any Error, _ matching: (StoreError) -> Bool) -> Bool {
    guard let error = error as? StoreError else { return false }
    return matching(error)
}

let postgresEnabled = ConditionTrait.enabled(if: TestPostgres.isConfigured, Comment(rawValue: TestPostgres.skipReason))
