import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Synchronization

/// The data owner (FNN's Alice): generates keys, encodes and encrypts records for C1, equips C2 and, for the
/// shared back end, acts as the dealer of the correlated randomness each query consumes.
public struct FNNOwner: Sendable {
    /// The owner's keys.
    public let keys: FNNOwnerKeys
    private let encryptor: FNNPaillierEncryptor?
    private let layout: FNNPaillierLayout?

    /// Wraps existing keys.
    public init(keys: FNNOwnerKeys) throws(FNNError) {
        self.keys = keys
        if let sk = keys.paillierSecretKey, let base = keys.randomizerBase {
            encryptor = FNNPaillierEncryptor(publicKey: sk.publicKey, base: base)
            layout = try FNNPaillierLayout(parameters: keys.parameters, keyBits: sk.publicKey.bits)
        } else {
            encryptor = nil
            layout = nil
        }
    }

    /// Generates fresh keys from the system CSPRNG (`paillierBits` is 2048 or 3072).
    public static func generate(parameters: FNNParameters, paillierBits: Int = 2048) throws(FNNError) -> FNNOwner {
        var generator = SecureRandomGenerator()
        switch parameters.backend {
        case .shared:
            return try FNNOwner(keys: FNNOwnerKeys(parameters: parameters, labelKey: SecureRandom.bytes(32),
                                                   sharedMaster: SecureRandom.bytes(32), paillierSecretKey: nil,
                                                   randomizerBase: nil))
        case .paillier:
            let sk: PaillierPrivateKey
            do { sk = try PaillierPrivateKey.generate(bits: paillierBits) } catch { throw .paillier("\(error)") }
            let base = FNNPaillierEncryptor.makeBase(publicKey: sk.publicKey, using: &generator)
            return try FNNOwner(keys: FNNOwnerKeys(parameters: parameters, labelKey: SecureRandom.bytes(32),
                                                   sharedMaster: nil, paillierSecretKey: sk, randomizerBase: base))
        }
    }

    /// Generates keys from a seeded generator with any Paillier size: for tests and benchmarks only.
    ///
    /// - Warning: insecure by name: small keys and seeded generators give keys anyone can break or reproduce.
    public static func generateInsecure(parameters: FNNParameters, paillierBits: Int,
                                        using generator: inout some RandomNumberGenerator) throws(FNNError) -> FNNOwner {
        switch parameters.backend {
        case .shared:
            return try FNNOwner(keys: FNNOwnerKeys(parameters: parameters,
                                                   labelKey: SecureRandom.bytes(32, using: &generator),
                                                   sharedMaster: SecureRandom.bytes(32, using: &generator),
                                                   paillierSecretKey: nil, randomizerBase: nil))
        case .paillier:
            let sk = PaillierPrivateKey.generateInsecure(bits: paillierBits, using: &generator)
            let base = FNNPaillierEncryptor.makeBase(publicKey: sk.publicKey, using: &generator)
            return try FNNOwner(keys: FNNOwnerKeys(parameters: parameters,
                                                   labelKey: SecureRandom.bytes(32, using: &generator),
                                                   sharedMaster: nil, paillierSecretKey: sk, randomizerBase: base))
        }
    }

    /// The parameters.
    public var parameters: FNNParameters { keys.parameters }

    /// What C1 receives at set-up.
    public var c1Setup: FNNC1Setup {
        FNNC1Setup(parameters: parameters, publicKey: keys.paillierSecretKey?.publicKey, randomizerBase: keys.randomizerBase)
    }

    /// What C2 receives at set-up.
    public var c2Setup: FNNC2Setup {
        FNNC2Setup(parameters: parameters, secretKey: keys.paillierSecretKey, randomizerBase: keys.randomizerBase,
                   rowMaskKey: keys.rowMaskKey)
    }

    /// What an authorised user receives.
    public var userCredentials: FNNUserCredentials {
        FNNUserCredentials(parameters: parameters, labelKey: keys.labelKey, publicKey: keys.paillierSecretKey?.publicKey,
                           randomizerBase: keys.randomizerBase)
    }

    /// Encodes and encrypts records for C1 (the Paillier back end encrypts on all cores).
    ///
    /// - Parameter progress: called with the number of records finished so far.
    /// - Throws: ``FNNError`` for vectors of the wrong size or range.
    public func encode(_ records: [FNNRecordInput], progress: (@Sendable (Int) -> Void)? = nil) throws(FNNError) -> [FNNC1Record] {
        for record in records { try parameters.validate(record.vector) }
        var out = [FNNC1Record]()
        out.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let label = try FNNLabelSealer.seal(record.label, id: record.id, key: keys.labelKey)
            out.append(FNNC1Record(id: record.id, sealedLabel: label, payload: encodePayload(record)))
            progress?(index + 1)
        }
        return out
    }

    private func encodePayload(_ record: FNNRecordInput) -> FNNC1RecordPayload {
        let statistics = FNNVectorStatistics(record.vector)
        if let rowKey = keys.rowMaskKey {
            let augmented = FNNSharedArithmetic.augmented(record.vector, statistics: statistics)
            let mask = FNNSharedArithmetic.rowMask(key: rowKey, id: record.id, dimension: parameters.dimension)
            let normMask = FNNSharedArithmetic.normMask(key: rowKey, id: record.id)
            let norms = [FNNSharedArithmetic.word(statistics.sumOfSquares) &- normMask[0],
                         FNNSharedArithmetic.word(statistics.boundNorm) &- normMask[1]]
            return .shared(masked: FNNSharedArithmetic.subtract(augmented, mask), norms: norms)
        }
        guard let encryptor, let layout else { preconditionFailure("Paillier keys without an encryptor") }
        let coordinates = encryptor.encrypt(record.vector.map { BigInt(Int($0)) })
        let packedPlain = FNNPaillierOwnerHelpers.packedOffsetVector(record.vector, layout: layout,
                                                                    offset: parameters.maxAbsCoordinate)
        let packed = encryptor.encrypt(packedPlain)
        return .paillier(coordinates: coordinates, packed: packed, sum: encryptor.encrypt(statistics.sum),
                         root: encryptor.encrypt(statistics.deviationRoot))
    }

    /// C1's seeds for correlation entries `entries` (shared back end).
    public func poolSeedsForC1(entries: Range<UInt64>) throws(FNNError) -> [FNNPoolSeed] {
        guard keys.sharedMaster != nil else { throw .backendMismatch(expected: "shared", found: "paillier") }
        return entries.map { FNNPoolSeed(index: $0, seed: keys.c1EntrySeed($0)!) }
    }

    /// C2's half of correlation entries `entries` for `records` (shared back end): seeds and the explicit rows
    /// `s2 = X1 b + A b' - s1` and `w2 = a v - w1` per record. Use it after an upload and, with only the new
    /// records, after an add (for the entries not yet consumed).
    ///
    /// - Complexity: O(entries * records * d).
    public func poolForC2(entries: Range<UInt64>, records: [FNNRecordInput],
                          progress: (@Sendable (Int) -> Void)? = nil) throws(FNNError) -> FNNSharedPoolC2 {
        guard let rowKey = keys.rowMaskKey else { throw .backendMismatch(expected: "shared", found: "paillier") }
        for record in records { try parameters.validate(record.vector) }
        let d = parameters.dimension
        let seeds = entries.map { FNNPoolSeed(index: $0, seed: keys.c2EntrySeed($0)!) }
        let c1 = entries.map { FNNSharedC1Correlation(seed: keys.c1EntrySeed($0)!, dimension: d) }
        let c2 = seeds.map { FNNSharedC2Correlation(seed: $0.seed, dimension: d) }
        let entryList = Array(entries)
        let counter = ProgressCounter()
        let rows: [[FNNPoolRow]] = Parallel.map(count: records.count) { recordIndex in
            let record = records[recordIndex]
            let statistics = FNNVectorStatistics(record.vector)
            let augmented = FNNSharedArithmetic.augmented(record.vector, statistics: statistics)
            let mask = FNNSharedArithmetic.rowMask(key: rowKey, id: record.id, dimension: d)
            let masked = FNNSharedArithmetic.subtract(augmented, mask)
            var out = [FNNPoolRow]()
            for entry in entryList.indices {
                let s1 = c1[entry].recordValues(id: record.id)
                let v = c2[entry].recordValues(id: record.id)
                let b = c2[entry].vector, bPrime = c1[entry].vector
                let stats = FNNSharedArithmetic.dot(masked, b, range: d..<d + 2)
                    &+ FNNSharedArithmetic.dot(mask, bPrime, range: d..<d + 2) &- s1[0]
                let vector = FNNSharedArithmetic.dot(masked, b, range: 0..<d)
                    &+ FNNSharedArithmetic.dot(mask, bPrime, range: 0..<d) &- s1[1]
                let a = c1[entry].scale
                out.append(FNNPoolRow(entry: entryList[entry], id: record.id,
                                      values: [stats, vector, a &* v[0] &- s1[2], a &* v[1] &- s1[3]]))
            }
            progress?(counter.increment())
            return out
        }
        return FNNSharedPoolC2(entries: seeds, rows: rows.flatMap { $0 })
    }
}

/// A thread-safe counter for progress callbacks from parallel loops.
final class ProgressCounter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}

/// Packing helpers shared by the owner and the user (Paillier back end).
enum FNNPaillierOwnerHelpers {
    /// Plaintexts `sum (v_j + offset) 2^(s j)` per group of coordinates.
    static func packedOffsetVector(_ vector: [Int64], layout: FNNPaillierLayout, offset: Int64) -> [BigInt] {
        var out = [BigInt]()
        var start = 0
        while start < vector.count {
            let end = min(start + layout.coordinatesPerCiphertext, vector.count)
            let values = vector[start..<end].map { BigInt(Int($0 + offset)) }
            out.append(FNNPaillierMath.packPlain(values[...], slotBits: layout.coordinateSlotBits))
            start = end
        }
        return out
    }
}
