import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// C2's side of one search: it holds the decryption capability (Paillier secret key, or its share of every
/// value), sees only statistically masked values and blinded comparison keys, runs
/// ``FNNCandidateScheduler`` on them and returns only the winners' slots — never a distance, a vector or an id.
public struct FNNC2Search: Sendable {
    /// The query id.
    public let queryID: FNNQueryID
    private let setup: FNNC2Setup
    private let encryptor: FNNPaillierEncryptor?
    private let layout: FNNPaillierLayout?
    private let rowCache: FNNRowMaskCache
    private let k: Int
    private let batchSize: Int
    private let order: FNNScanOrder
    private let count: Int
    private var scheduler: FNNCandidateScheduler?
    private var pending: [Int] = []
    private var phase: Phase = .started
    // shared
    private let ids: [UInt64]
    private let rows: [UInt64: [UInt128]]
    private let correlation: FNNSharedC2Correlation?
    private let combined: [UInt128]
    private let gamma: [UInt128]
    private var distanceShares: [Int: UInt128] = [:]
    /// The hand-over for the user, once the search is finished.
    public private(set) var handover: FNNC2Handover?

    private enum Phase: Equatable { case started, awaitingBounds, awaitingDistances, awaitingSSED, awaitingFinish, done }

    private var parameters: FNNParameters { setup.parameters }

    /// Starts a search from C1's first message, consuming the correlation entry it names (shared back end).
    ///
    /// - Parameters:
    ///   - database: C2's state (an entry is marked consumed).
    ///   - message: ``FNNC1Message/sharedStart(queryID:entry:ids:k:batchSize:order:delta:)`` or
    ///     ``FNNC1Message/paillierStart(queryID:count:k:batchSize:order:packed:)``.
    ///   - userShare: the user's share for this query (shared back end).
    /// - Returns: the search and the reply for C1.
    public static func start(database: inout FNNC2Database, message: FNNC1Message,
                             userShare: FNNQueryForC2?) throws(FNNError) -> (FNNC2Search, FNNC2Message) {
        switch message {
        case let .sharedStart(queryID, entry, ids, k, batchSize, order, delta):
            guard database.parameters.backend == .shared else { throw .backendMismatch(expected: "paillier", found: "shared") }
            guard let userShare, userShare.queryID == queryID, userShare.seed.count == 32 else {
                throw .unknownQuery(queryID.description)
            }
            try checkShape(count: ids.count, k: k, batchSize: batchSize, parameters: database.parameters)
            let d = database.parameters.dimension
            guard delta.count == d + 2 else { throw .malformed("C1's opened difference has the wrong size") }
            guard Set(ids).count == ids.count else { throw .malformed("duplicate record ids") }
            let consumed = try database.consume(entry)
            for id in ids where consumed.rows[id] == nil { throw .unknownRecord(id) }
            let search = FNNC2Search(database: database, queryID: queryID, k: k, batchSize: batchSize, order: order,
                                     count: ids.count, ids: ids, rows: consumed.rows, entrySeed: consumed.seed,
                                     userSeed: userShare.seed, delta: delta)
            let reply = search.sharedStartReply()
            var started = search
            started.phase = .awaitingBounds
            return (started, reply)
        case let .paillierStart(queryID, count, k, batchSize, order, packed):
            guard database.parameters.backend == .paillier else { throw .backendMismatch(expected: "shared", found: "paillier") }
            try checkShape(count: count, k: k, batchSize: batchSize, parameters: database.parameters)
            var search = FNNC2Search(database: database, queryID: queryID, k: k, batchSize: batchSize, order: order,
                                     count: count, ids: [], rows: [:], entrySeed: nil, userSeed: nil, delta: [])
            let reply = try search.paillierSquares(packed: packed)
            search.phase = .awaitingBounds
            return (search, reply)
        default:
            throw .unexpectedMessage("a search starts with a start message")
        }
    }

    private static func checkShape(count: Int, k: Int, batchSize: Int, parameters: FNNParameters) throws(FNNError) {
        guard count >= 1, count <= parameters.maximumRecords else { throw .malformed("slot count \(count) out of range") }
        guard k >= 1, k <= 1 << 20 else { throw .invalidParameter("k must be in 1...1048576") }
        guard batchSize >= 1, batchSize <= 1 << 16 else { throw .invalidParameter("batch size out of range") }
    }

    private init(database: FNNC2Database, queryID: FNNQueryID, k: Int, batchSize: Int, order: FNNScanOrder, count: Int,
                 ids: [UInt64], rows: [UInt64: [UInt128]], entrySeed: [UInt8]?, userSeed: [UInt8]?, delta: [UInt128]) {
        self.queryID = queryID
        setup = database.setup
        encryptor = database.encryptor
        layout = database.layout
        rowCache = database.rowCache
        self.k = k
        self.batchSize = batchSize
        self.order = order
        self.count = count
        self.ids = ids
        self.rows = rows
        let d = database.parameters.dimension
        if let entrySeed, let userSeed {
            let correlation = FNNSharedC2Correlation(seed: entrySeed, dimension: d)
            self.correlation = correlation
            let beta = FNNKeystream.words(seed: userSeed, domain: FNNSharedArithmetic.domainUserVector, index: 0, count: d + 2)
            gamma = FNNKeystream.words(seed: userSeed, domain: FNNSharedArithmetic.domainUserNorms, index: 0, count: 2)
            combined = FNNSharedArithmetic.add(delta, beta)
            openedDelta = FNNSharedArithmetic.subtract(beta, correlation.vector)
        } else {
            correlation = nil
            gamma = []
            combined = []
            openedDelta = []
        }
    }

    private let openedDelta: [UInt128]

    /// Handles C1's next message.
    ///
    /// - Throws: ``FNNError`` for a message out of order or inconsistent with the search.
    public mutating func handle(_ message: FNNC1Message) throws(FNNError) -> FNNC2Message {
        guard message.queryID == queryID else { throw .unknownQuery(message.queryID.description) }
        switch (message, phase) {
        case let (.lowerBounds(_, values), .awaitingBounds):
            let bounds = try openBlinded(values, slots: Array(0..<count), rowIndex: 2)
            scheduler = try FNNCandidateScheduler(lowerBounds: bounds, k: k, batchSize: batchSize, order: order)
            return try nextRequest()
        case let (.ssedRequest(_, slots, packed), .awaitingSSED):
            guard slots == pending else { throw .malformed("SSED request for other slots than requested") }
            return try ssedReply(packed: packed)
        case let (.distances(_, slots, values), .awaitingDistances):
            guard slots == pending else { throw .malformed("distances for other slots than requested") }
            let keys = try openBlinded(values, slots: slots, rowIndex: 3)
            try scheduler!.record(slots: slots, keys: keys)
            return try nextRequest()
        case let (.finish(_, masked, vectors), .awaitingFinish):
            let winners = scheduler!.winners
            switch parameters.backend {
            case .shared:
                guard masked.isEmpty else { throw .malformed("unexpected ciphertexts") }
                handover = FNNC2Handover(queryID: queryID, masked: winners.map { distanceShares[$0]! },
                                         vectors: try sharedVectors(vectors, winners: winners))
            case .paillier:
                guard masked.count == winners.count else { throw .malformed("one masked distance per winner expected") }
                let sk = setup.secretKey!
                var values = [UInt128]()
                for ciphertext in masked { values.append(try FNNPaillierMath.word(sk.decrypt(ciphertext))) }
                handover = FNNC2Handover(queryID: queryID, masked: values,
                                         vectors: try paillierVectors(vectors, winners: winners))
            }
            phase = .done
            return .finished(queryID: queryID)
        default:
            throw .unexpectedMessage("C2 did not expect this message now")
        }
    }

    /// The scan statistics: records computed and rejected so far.
    public var statistics: (computed: Int, rejected: Int) {
        (scheduler?.computed ?? 0, scheduler?.rejected ?? 0)
    }

    private mutating func nextRequest() throws(FNNError) -> FNNC2Message {
        let batch = scheduler!.nextBatch()
        if batch.isEmpty {
            phase = .awaitingFinish
            return .done(queryID: queryID, winners: scheduler!.winners)
        }
        pending = batch
        switch parameters.backend {
        case .shared:
            let shares = sharedDistanceShares(batch)
            phase = .awaitingDistances
            return .compute(queryID: queryID, slots: batch, distanceShares: shares)
        case .paillier:
            phase = .awaitingSSED
            return .compute(queryID: queryID, slots: batch, distanceShares: [])
        }
    }

    private func openBlinded(_ values: FNNBlindedValues, slots: [Int], rowIndex: Int) throws(FNNError) -> [UInt128] {
        switch (values, parameters.backend) {
        case let (.shares(parts), .shared):
            guard parts.count == slots.count else { throw .malformed("one blinded share per slot expected") }
            return zip(slots, parts).map { slot, part in part &+ rows[ids[slot]]![rowIndex] }
        case let (.packed(ciphertexts), .paillier):
            let per = layout!.blindedPerCiphertext
            guard ciphertexts.count == (slots.count + per - 1) / per else {
                throw .malformed("wrong number of packed blinded ciphertexts")
            }
            let words = try decryptSlots(ciphertexts, slotBits: 128, per: per)
            return Array(try words.prefix(slots.count).map { value throws(FNNError) in try FNNPaillierMath.word(value) })
        default:
            throw .backendMismatch(expected: parameters.backend.rawValue, found: "other")
        }
    }

    private func decryptSlots(_ ciphertexts: [PaillierCiphertext], slotBits: Int, per: Int) throws(FNNError) -> [BigInt] {
        let sk = setup.secretKey!
        let results: [Result<[BigInt], FNNError>] = Parallel.map(count: ciphertexts.count) { index in
            do throws(FNNError) {
                return .success(try FNNPaillierMath.unpack(sk.decrypt(ciphertexts[index]), slotBits: slotBits, count: per))
            } catch {
                return .failure(error)
            }
        }
        var out = [BigInt]()
        for result in results { out.append(contentsOf: try result.get()) }
        return out
    }

    // MARK: vector hand-over

    /// Shared back end: adds C2's row mask to C1's masked winner rows (`x + r`, uniformly random to C2).
    private func sharedVectors(_ vectors: FNNVectorsForC2, winners: [Int]) throws(FNNError) -> FNNMaskedVectors? {
        switch vectors {
        case .none: return nil
        case .paillier: throw .backendMismatch(expected: "shared", found: "paillier")
        case let .shared(rows):
            let d = parameters.dimension
            guard rows.count == winners.count, rows.allSatisfy({ $0.count == d }) else {
                throw .malformed("one masked vector of \(d) coordinates per winner expected")
            }
            let key = setup.rowMaskKey!
            return .shared(zip(winners, rows).map { slot, row in
                FNNVectorHandover.unmaskShared(row, rowMask: rowCache.mask(id: ids[slot], key: key, dimension: d))
            })
        }
    }

    /// Paillier back end: decrypts C1's masked packed groups (`(P_g + R_g) mod N`, uniformly random to C2).
    private func paillierVectors(_ vectors: FNNVectorsForC2, winners: [Int]) throws(FNNError) -> FNNMaskedVectors? {
        switch vectors {
        case .none: return nil
        case .shared: throw .backendMismatch(expected: "paillier", found: "shared")
        case let .paillier(rows):
            let groups = layout!.packedPerRecord
            guard rows.count == winners.count, rows.allSatisfy({ $0.count == groups }) else {
                throw .malformed("one masked vector of \(groups) packed groups per winner expected")
            }
            let sk = setup.secretKey!
            let flat = rows.flatMap { $0 }
            let plain: [BigInt] = FNNSharedArithmetic.parallelChunks(flat.count, minimumChunk: 8) { range in
                range.map { sk.decrypt(flat[$0]) }
            }
            return .paillier((0..<rows.count).map { Array(plain[($0 * groups)..<(($0 + 1) * groups)]) })
        }
    }

    // MARK: shared back end

    private func sharedStartReply() -> FNNC2Message {
        let d = parameters.dimension, shift = parameters.rankBits
        let key = setup.rowMaskKey!, cache = rowCache, correlation = self.correlation!
        let ids = self.ids, rows = self.rows, combined = self.combined, gamma = self.gamma
        let shares: [UInt128] = FNNSharedArithmetic.parallelChunks(ids.count, minimumChunk: 256) { range in
            range.map { slot in
                let id = ids[slot]
                let mask = cache.mask(id: id, key: key, dimension: d)
                let norms = FNNSharedArithmetic.normMask(key: key, id: id)
                let product = FNNSharedArithmetic.dot(mask, combined, range: d..<d + 2) &+ rows[id]![0]
                let boundKey = (norms[1] &- 2 &* product &+ gamma[1]) << shift
                return boundKey &- correlation.recordValues(id: id)[0]
            }
        }
        return .sharedStartReply(queryID: queryID, delta: openedDelta, boundShares: shares)
    }

    private mutating func sharedDistanceShares(_ batch: [Int]) -> [UInt128] {
        let d = parameters.dimension, shift = parameters.rankBits
        let key = setup.rowMaskKey!, cache = rowCache, correlation = self.correlation!
        let ids = self.ids, rows = self.rows, combined = self.combined, gamma = self.gamma
        let dimensionWord = UInt128(d)
        let computed: [(UInt128, UInt128)] = Parallel.map(count: batch.count) { index in
            let id = ids[batch[index]]
            let mask = cache.mask(id: id, key: key, dimension: d)
            let norms = FNNSharedArithmetic.normMask(key: key, id: id)
            let product = FNNSharedArithmetic.dot(mask, combined, range: 0..<d) &+ rows[id]![1]
            let distance = dimensionWord &* (norms[0] &- 2 &* product &+ gamma[0])
            return (distance, (distance << shift) &- correlation.recordValues(id: id)[1])
        }
        for (index, slot) in batch.enumerated() { distanceShares[slot] = computed[index].0 }
        return computed.map(\.1)
    }

    // MARK: Paillier back end

    private func paillierSquares(packed: [PaillierCiphertext]) throws(FNNError) -> FNNC2Message {
        let layout = self.layout!, encryptor = self.encryptor!
        let per = layout.statisticsPerCiphertext
        guard packed.count == (2 * count + per - 1) / per else { throw .malformed("wrong number of packed statistics") }
        let values = try decryptSlots(packed, slotBits: layout.statisticSlotBits, per: per)
        let sums: [PaillierCiphertext] = FNNSharedArithmetic.parallelChunks(count) { range in
            var generator = SecureRandomGenerator()
            return range.map { slot in
                let s = values[2 * slot], f = values[2 * slot + 1]
                return encryptor.encrypt(s * s + f * f, using: &generator)
            }
        }
        return .paillierSquares(queryID: queryID, sums: sums)
    }

    private mutating func ssedReply(packed: [PaillierCiphertext]) throws(FNNError) -> FNNC2Message {
        let layout = self.layout!, encryptor = self.encryptor!
        let perRecord = layout.packedPerRecord
        guard packed.count == pending.count * perRecord else { throw .malformed("wrong number of packed coordinates") }
        let values = try decryptSlots(packed, slotBits: layout.coordinateSlotBits, per: layout.coordinatesPerCiphertext)
        let perRecordValues = perRecord * layout.coordinatesPerCiphertext
        var generator = SecureRandomGenerator()
        var sums = [PaillierCiphertext]()
        for index in pending.indices {
            var total = BigInt()
            for value in values[(index * perRecordValues)..<((index + 1) * perRecordValues)] { total += value * value }
            sums.append(encryptor.encrypt(total, using: &generator))
        }
        phase = .awaitingDistances
        return .ssedReply(queryID: queryID, sums: sums)
    }
}
