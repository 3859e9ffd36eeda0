import MedSearchBigInt
import MedSearchPaillier
import Synchronization

/// Everything C2 keeps: its secret (the Paillier key, or the row-mask key), and for the shared back end its half
/// of the owner's correlation pool and a cache of expanded row masks.
public struct FNNC2Database: Sendable {
    /// The set-up from the owner.
    public let setup: FNNC2Setup
    /// Unconsumed entry seeds (shared back end).
    public private(set) var poolSeeds: [UInt64: [UInt8]] = [:]
    /// Explicit rows per entry and record id (shared back end).
    public private(set) var poolRows: [UInt64: [UInt64: [UInt128]]] = [:]
    /// Consumed entries (shared back end).
    public private(set) var consumedEntries: Set<UInt64> = []
    /// Expanded row masks (shared back end), computed on first use.
    public let rowCache = FNNRowMaskCache()
    let encryptor: FNNPaillierEncryptor?
    let layout: FNNPaillierLayout?

    /// Creates C2's state.
    ///
    /// - Throws: ``FNNError/invalidParameter(_:)`` when the set-up lacks the back end's secret.
    public init(setup: FNNC2Setup) throws(FNNError) {
        self.setup = setup
        switch setup.parameters.backend {
        case .paillier:
            guard let sk = setup.secretKey, let base = setup.randomizerBase else {
                throw .invalidParameter("a Paillier C2 needs the secret key and randomizer base")
            }
            encryptor = FNNPaillierEncryptor(publicKey: sk.publicKey, base: base)
            layout = try FNNPaillierLayout(parameters: setup.parameters, keyBits: sk.publicKey.bits)
        case .shared:
            guard setup.rowMaskKey?.count == 32 else { throw .invalidParameter("a shared C2 needs the row-mask key") }
            encryptor = nil
            layout = nil
        }
    }

    /// The parameters.
    public var parameters: FNNParameters { setup.parameters }

    /// Adds a batch of the owner's correlations (new entries, or rows for new records of existing entries).
    public mutating func addPool(_ pool: FNNSharedPoolC2) throws(FNNError) {
        guard parameters.backend == .shared else { throw .backendMismatch(expected: "shared", found: "paillier") }
        for seed in pool.entries {
            guard seed.seed.count == 32 else { throw .malformed("entry seeds are 32 bytes") }
            guard !consumedEntries.contains(seed.index) else { throw .malformed("entry \(seed.index) was consumed") }
        }
        for row in pool.rows {
            guard row.values.count == 4 else { throw .malformed("a pool row has four values") }
            guard !consumedEntries.contains(row.entry) else { throw .malformed("entry \(row.entry) was consumed") }
        }
        for seed in pool.entries { poolSeeds[seed.index] = seed.seed }
        for row in pool.rows { poolRows[row.entry, default: [:]][row.id] = row.values }
    }

    /// Forgets a deleted record's correlation rows and cached mask.
    public mutating func deleteRecords(_ ids: [UInt64]) {
        for entry in poolRows.keys {
            for id in ids { poolRows[entry]?[id] = nil }
        }
        rowCache.remove(ids)
    }

    /// Marks an entry consumed (restoring from storage).
    public mutating func markConsumed(_ entry: UInt64) {
        consumedEntries.insert(entry)
        poolSeeds[entry] = nil
        poolRows[entry] = nil
    }

    /// Consumes entry `entry` and returns its seed and rows.
    mutating func consume(_ entry: UInt64) throws(FNNError) -> (seed: [UInt8], rows: [UInt64: [UInt128]]) {
        guard !consumedEntries.contains(entry), let seed = poolSeeds[entry] else {
            throw .malformed("correlation entry \(entry) is unknown or already consumed")
        }
        let rows = poolRows[entry] ?? [:]
        markConsumed(entry)
        return (seed, rows)
    }

    /// The entries not yet consumed, ascending.
    public var unusedEntries: [UInt64] { poolSeeds.keys.sorted() }
}

/// A thread-safe cache of expanded row masks `A_id` (C2, shared back end).
public final class FNNRowMaskCache: Sendable {
    private let rows = Mutex<[UInt64: [UInt128]]>([:])

    /// Creates an empty cache.
    public init() {}

    /// The mask of `id`, expanded from `key` on first use (outside the lock, so threads expand in parallel).
    public func mask(id: UInt64, key: [UInt8], dimension: Int) -> [UInt128] {
        if let row = rows.withLock({ $0[id] }) { return row }
        let row = FNNSharedArithmetic.rowMask(key: key, id: id, dimension: dimension)
        rows.withLock { $0[id] = row }
        return row
    }

    /// Drops cached masks.
    public func remove(_ ids: [UInt64]) {
        rows.withLock { rows in
            for id in ids { rows[id] = nil }
        }
    }
}
