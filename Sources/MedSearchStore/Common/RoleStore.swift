/// A role's store (FNN C1 and C2, SEI, the TrustMedSearch master and nodes): the database it wraps and the schema
/// that database is migrated to.
public protocol RoleStore: Sendable {
    /// The role's tables and migrations.
    static var schema: StoreSchema { get }
    /// Wraps an open database (already migrated to ``schema``).
    init(database: any StoreDatabase)
}

extension RoleStore {
    /// Opens (or creates) the store at `location`, migrated to ``schema``.
    public static func open(_ location: StoreLocation) async throws -> Self {
        Self(database: try await location.open(schema: schema))
    }
}
