import MedSearchPaillier

/// Everything C1 stores: the encrypted records and (shared back end) its seeds of the owner's correlations.
///
/// A value type: a search takes a snapshot (copy-on-write, no copying of the records), so adds and deletes never
/// disturb a running search.
public struct FNNC1Database: Sendable {
    /// The set-up from the owner.
    public let setup: FNNC1Setup
    /// Records by id.
    public private(set) var records: [UInt64: FNNC1Record] = [:]
    /// Unconsumed correlation seeds by entry (shared back end).
    public private(set) var poolSeeds: [UInt64: [UInt8]] = [:]
    /// Consumed correlation entries (shared back end); an entry is never used twice.
    public private(set) var consumedEntries: Set<UInt64> = []

    /// Creates an empty database.
    public init(setup: FNNC1Setup) {
        self.setup = setup
    }

    /// The parameters.
    public var parameters: FNNParameters { setup.parameters }

    /// Adds records (no rebuild: other records are untouched).
    ///
    /// - Throws: ``FNNError/duplicateRecord(_:)``, ``FNNError/backendMismatch(expected:found:)`` or
    ///   ``FNNError/dimensionMismatch(expected:found:)``; nothing is added on error.
    public mutating func add(_ newRecords: [FNNC1Record]) throws(FNNError) {
        var seen = Set<UInt64>()
        for record in newRecords {
            guard records[record.id] == nil, seen.insert(record.id).inserted else { throw .duplicateRecord(record.id) }
            try check(record)
        }
        guard records.count + newRecords.count <= parameters.maximumRecords else {
            throw .invalidParameter("the database holds at most \(parameters.maximumRecords) records")
        }
        for record in newRecords { records[record.id] = record }
    }

    /// Restores a record loaded from storage (same checks as ``add(_:)``).
    public mutating func restore(_ record: FNNC1Record) throws(FNNError) { try add([record]) }

    private func check(_ record: FNNC1Record) throws(FNNError) {
        let d = parameters.dimension
        switch (record.payload, parameters.backend) {
        case let (.shared(masked, norms), .shared):
            guard masked.count == d + 2, norms.count == 2 else {
                throw .dimensionMismatch(expected: d + 2, found: masked.count)
            }
        case let (.paillier(coordinates, packed, _, _), .paillier):
            guard coordinates.count == d else { throw .dimensionMismatch(expected: d, found: coordinates.count) }
            guard let pk = setup.publicKey,
                  let layout = try? FNNPaillierLayout(parameters: parameters, keyBits: pk.bits),
                  packed.count == layout.packedPerRecord else {
                throw .malformed("record \(record.id) has the wrong number of packed ciphertexts")
            }
        case (.shared, _):
            throw .backendMismatch(expected: parameters.backend.rawValue, found: "shared")
        case (.paillier, _):
            throw .backendMismatch(expected: parameters.backend.rawValue, found: "paillier")
        }
    }

    /// Deletes records by id.
    ///
    /// - Throws: ``FNNError/unknownRecord(_:)`` (nothing is deleted then).
    public mutating func delete(_ ids: [UInt64]) throws(FNNError) {
        for id in ids where records[id] == nil { throw .unknownRecord(id) }
        for id in ids { records[id] = nil }
    }

    /// Adds correlation seeds (shared back end); already consumed or present entries are refused.
    public mutating func addPool(_ seeds: [FNNPoolSeed]) throws(FNNError) {
        guard parameters.backend == .shared else { throw .backendMismatch(expected: "shared", found: "paillier") }
        for seed in seeds {
            guard seed.seed.count == 32 else { throw .malformed("entry seeds are 32 bytes") }
            guard poolSeeds[seed.index] == nil, !consumedEntries.contains(seed.index) else {
                throw .malformed("correlation entry \(seed.index) already exists")
            }
        }
        for seed in seeds { poolSeeds[seed.index] = seed.seed }
    }

    /// Marks an entry consumed (restoring from storage).
    public mutating func markConsumed(_ entry: UInt64) {
        poolSeeds[entry] = nil
        consumedEntries.insert(entry)
    }

    /// Takes the lowest unconsumed correlation entry (shared back end).
    ///
    /// - Throws: ``FNNError/correlationPoolExhausted``.
    public mutating func takeEntry() throws(FNNError) -> FNNPoolSeed {
        guard let index = poolSeeds.keys.min(), let seed = poolSeeds[index] else { throw .correlationPoolExhausted }
        markConsumed(index)
        return FNNPoolSeed(index: index, seed: seed)
    }

    /// The entries not yet consumed, ascending.
    public var unusedEntries: [UInt64] { poolSeeds.keys.sorted() }
}
