import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// What C1 does next after a message from C2.
public enum FNNC1Step: Sendable {
    /// Send this message to C2 and feed its reply back.
    case send(FNNC1Message)
    /// The search is over: return this to the user.
    case finished(FNNC1Result)
}

/// C1's side of one search (FNN Algorithm 3 with the blinding of its security section, batched, top-k):
/// a message-in / message-out state machine over a snapshot of C1's database.
///
/// Flow: ``start()`` → C2 → ``handle(_:)`` ... until ``FNNC1Step/finished(_:)``. C1 learns which records were
/// computed (not pruned) and the winners' ids, nothing about the query or the distances.
public struct FNNC1Search: Sendable {
    /// The query id.
    public let queryID: FNNQueryID
    private let database: FNNC1Database
    private let query: FNNQueryForC1
    private let batchSize: Int
    private let order: FNNScanOrder
    private let slots: [UInt64]
    private let ranks: [UInt128]
    private let blinding: FNNBlinding
    private let correlation: FNNSharedC1Correlation?
    private let entry: UInt64?
    private let layout: FNNPaillierLayout?
    private var phase: Phase = .initial
    private var computedSlots: Set<Int> = []
    // shared
    private var combined: [UInt128] = []
    private var distanceShares: [Int: UInt128] = [:]
    // paillier
    private var statisticDifferences: [(PaillierCiphertext, PaillierCiphertext)] = []
    private var statisticMasks: [(UInt128, UInt128)] = []
    private var pendingSlots: [Int] = []
    private var coordinateDifferences: [[BigInt]] = []
    private var coordinateMasks: [[UInt64]] = []
    private var encryptedDistances: [Int: PaillierCiphertext] = [:]
    private var result: FNNC1Result?

    private enum Phase: Equatable { case initial, started, boundsSent, ssedSent, distancesSent, finishSent, done }

    /// Prepares a search.
    ///
    /// - Parameters:
    ///   - database: C1's database (a snapshot).
    ///   - query: the user's query.
    ///   - entry: the correlation entry this query consumes (shared back end; take it with
    ///     ``FNNC1Database/takeEntry()``), nil for Paillier.
    ///   - batchSize: candidates per round (1 prunes most; larger saves round trips).
    ///   - order: C2's visiting order.
    /// - Throws: ``FNNError`` for an empty database, a back-end mismatch or malformed query.
    public init(database: FNNC1Database, query: FNNQueryForC1, entry: FNNPoolSeed?, batchSize: Int = 1,
                order: FNNScanOrder = .lowerBound) throws(FNNError) {
        let parameters = database.parameters
        guard !database.records.isEmpty else { throw .invalidParameter("the database is empty") }
        guard query.k >= 1 else { throw .invalidParameter("k must be at least 1") }
        guard batchSize >= 1 else { throw .invalidParameter("batch size must be at least 1") }
        self.queryID = query.queryID
        self.database = database
        self.query = query
        self.batchSize = batchSize
        self.order = order
        var generator = SecureRandomGenerator()
        let sortedIDs = database.records.keys.sorted()
        var rankOf: [UInt64: UInt128] = [:]
        for (rank, id) in sortedIDs.enumerated() { rankOf[id] = UInt128(rank) }
        let permuted = sortedIDs.shuffled(using: &generator)
        slots = permuted
        ranks = permuted.map { rankOf[$0]! }
        let d = parameters.dimension
        switch (query.payload, parameters.backend) {
        case let (.shared(share, norms), .shared):
            guard share.count == d + 2, norms.count == 2 else { throw .dimensionMismatch(expected: d + 2, found: share.count) }
            guard let entry else { throw .correlationPoolExhausted }
            let correlation = FNNSharedC1Correlation(seed: entry.seed, dimension: d)
            self.correlation = correlation
            self.entry = entry.index
            let offset = UInt128.random(in: 0..<(UInt128(1) << FNNParameters.offsetBits), using: &generator)
            blinding = FNNBlinding(scale: correlation.scale, offset: offset)
            layout = nil
        case let (.paillier(coordinates, packed, _, _), .paillier):
            guard let pk = database.setup.publicKey else { throw .invalidParameter("C1 has no public key") }
            let layout = try FNNPaillierLayout(parameters: parameters, keyBits: pk.bits)
            guard coordinates.count == d else { throw .dimensionMismatch(expected: d, found: coordinates.count) }
            guard packed.count == layout.packedPerRecord else { throw .malformed("query has the wrong packed count") }
            self.layout = layout
            correlation = nil
            self.entry = nil
            blinding = FNNBlinding.random(using: &generator)
        case (.shared, _):
            throw .backendMismatch(expected: parameters.backend.rawValue, found: "shared")
        case (.paillier, _):
            throw .backendMismatch(expected: parameters.backend.rawValue, found: "paillier")
        }
    }

    private var parameters: FNNParameters { database.parameters }
    private var rankShift: Int { parameters.rankBits }

    /// The first message to C2.
    public mutating func start() throws(FNNError) -> FNNC1Message {
        guard phase == .initial else { throw .unexpectedMessage("search already started") }
        phase = .started
        switch query.payload {
        case let .shared(share, _):
            let delta = FNNSharedArithmetic.subtract(share, correlation!.vector)
            return .sharedStart(queryID: queryID, entry: entry!, ids: slots, k: query.k, batchSize: batchSize,
                                order: order, delta: delta)
        case let .paillier(_, _, negativeSum, negativeRoot):
            return paillierStart(negativeSum: negativeSum, negativeRoot: negativeRoot)
        }
    }

    /// Handles C2's reply.
    ///
    /// - Throws: ``FNNError`` for a message out of order or inconsistent with the search.
    public mutating func handle(_ message: FNNC2Message) throws(FNNError) -> FNNC1Step {
        switch (message, phase) {
        case let (.sharedStartReply(id, delta, boundShares), .started) where id == queryID:
            return .send(try sharedBounds(delta: delta, boundShares: boundShares))
        case let (.paillierSquares(id, sums), .started) where id == queryID:
            return .send(try paillierBounds(sums: sums))
        case let (.compute(id, requested, distanceShares), .boundsSent),
             let (.compute(id, requested, distanceShares), .distancesSent):
            guard id == queryID else { break }
            try checkRequested(requested)
            if parameters.backend == .shared {
                return .send(try sharedDistances(slots: requested, distanceShares: distanceShares))
            }
            return .send(try paillierSSEDRequest(slots: requested))
        case let (.ssedReply(id, sums), .ssedSent) where id == queryID:
            return .send(try paillierDistances(sums: sums))
        case let (.done(id, winners), .boundsSent), let (.done(id, winners), .distancesSent):
            guard id == queryID else { break }
            return .send(try finish(winners: winners))
        case let (.finished(id), .finishSent) where id == queryID:
            phase = .done
            return .finished(result!)
        default:
            break
        }
        throw .unexpectedMessage("C1 did not expect this message now")
    }

    private mutating func checkRequested(_ requested: [Int]) throws(FNNError) {
        guard !requested.isEmpty, requested.count <= batchSize else {
            throw .malformed("C2 requested \(requested.count) slots")
        }
        for slot in requested {
            guard slot >= 0, slot < slots.count, !computedSlots.contains(slot) else {
                throw .malformed("slot \(slot) is out of range or already computed")
            }
        }
        guard Set(requested).count == requested.count else { throw .malformed("duplicate slots requested") }
        computedSlots.formUnion(requested)
    }

    private mutating func finish(winners: [Int]) throws(FNNError) -> FNNC1Message {
        guard winners.count == min(query.k, slots.count), Set(winners).count == winners.count,
              winners.allSatisfy({ computedSlots.contains($0) }) else {
            throw .malformed("C2's winners are not computed slots")
        }
        var entries = [FNNResultEntry]()
        var masked = [PaillierCiphertext]()
        var sharedVectors: [[UInt64]] = []
        var paillierVectors: [[PaillierCiphertext]] = []
        var generator = SecureRandomGenerator()
        for slot in winners {
            let record = database.records[slots[slot]]!
            let seed = query.wantsVectors ? FNNVectorHandover.freshSeed() : []
            switch record.payload {
            case let .shared(row, _):
                entries.append(FNNResultEntry(id: record.id, sealedLabel: record.sealedLabel,
                                              mask: 0 &- distanceShares[slot]!, vectorMaskSeed: seed))
                if query.wantsVectors {
                    sharedVectors.append(FNNVectorHandover.maskShared(row: row, seed: seed, dimension: parameters.dimension))
                }
            case let .paillier(_, packed, _, _):
                let pk = database.setup.publicKey!
                let mask = UInt128.random(in: 0..<(UInt128(1) << 120), using: &generator)
                let scaled = pk.multiply(encryptedDistances[slot]!, byScalar: BigInt(parameters.dimension))
                masked.append(pk.add(scaled, plaintext: FNNPaillierMath.big(mask)))
                entries.append(FNNResultEntry(id: record.id, sealedLabel: record.sealedLabel, mask: mask,
                                              vectorMaskSeed: seed))
                if query.wantsVectors {
                    paillierVectors.append(FNNVectorHandover.maskPaillier(packed: packed, seed: seed, publicKey: pk))
                }
            }
        }
        let vectors: FNNVectorsForC2
        if !query.wantsVectors {
            vectors = .none
        } else if parameters.backend == .shared {
            vectors = .shared(sharedVectors)
        } else {
            vectors = .paillier(paillierVectors)
        }
        result = FNNC1Result(queryID: queryID, entries: entries, recordCount: slots.count,
                             rejected: slots.count - computedSlots.count)
        phase = .finishSent
        return .finish(queryID: queryID, masked: masked, vectors: vectors)
    }

    // MARK: shared back end

    private func sharedRecord(_ slot: Int) -> (masked: [UInt128], norms: [UInt128]) {
        guard case let .shared(masked, norms) = database.records[slots[slot]]!.payload else {
            preconditionFailure("checked at init")
        }
        return (masked, norms)
    }

    private mutating func sharedBounds(delta: [UInt128], boundShares: [UInt128]) throws(FNNError) -> FNNC1Message {
        let d = parameters.dimension
        guard delta.count == d + 2, boundShares.count == slots.count else {
            throw .malformed("C2's start reply has the wrong size")
        }
        guard case let .shared(share, queryNorms) = query.payload else { preconditionFailure() }
        combined = FNNSharedArithmetic.add(share, delta)
        let correlation = self.correlation!, blinding = self.blinding, shift = rankShift
        let combined = self.combined
        let this = self
        let values: [UInt128] = FNNSharedArithmetic.parallelChunks(slots.count, minimumChunk: 256) { range in
            var generator = SecureRandomGenerator()
            return range.map { slot in
                let (masked, norms) = this.sharedRecord(slot)
                let own = correlation.recordValues(id: this.slots[slot])
                let product = FNNSharedArithmetic.dot(masked, combined, range: d..<d + 2) &+ own[0]
                let key = (norms[1] &- 2 &* product &+ queryNorms[1]) << shift
                return blinding.scale &* (key &+ boundShares[slot]) &+ own[2] &+ blinding.offset
                    &+ blinding.noise(using: &generator)
            }
        }
        phase = .boundsSent
        return .lowerBounds(queryID: queryID, values: .shares(values))
    }

    private mutating func sharedDistances(slots requested: [Int], distanceShares shares: [UInt128]) throws(FNNError) -> FNNC1Message {
        guard shares.count == requested.count else { throw .malformed("one distance share per slot expected") }
        guard case let .shared(_, queryNorms) = query.payload else { preconditionFailure() }
        let d = parameters.dimension
        let correlation = self.correlation!, blinding = self.blinding, shift = rankShift
        let combined = self.combined, this = self
        let dimensionWord = UInt128(d), slack = UInt128(parameters.slack)
        let computed: [(UInt128, UInt128)] = Parallel.map(count: requested.count) { index in
            let slot = requested[index]
            let (masked, norms) = this.sharedRecord(slot)
            let own = correlation.recordValues(id: this.slots[slot])
            let product = FNNSharedArithmetic.dot(masked, combined, range: 0..<d) &+ own[1]
            let distance = dimensionWord &* (norms[0] &- 2 &* product &+ queryNorms[0])
            let key = ((distance &+ slack) << shift) &+ this.ranks[slot]
            var generator = SecureRandomGenerator()
            let z = blinding.scale &* (key &+ shares[index]) &+ own[3] &+ blinding.offset &+ blinding.noise(using: &generator)
            return (distance, z)
        }
        for (index, slot) in requested.enumerated() { distanceShares[slot] = computed[index].0 }
        phase = .distancesSent
        return .distances(queryID: queryID, slots: requested, values: .shares(computed.map(\.1)))
    }

    // MARK: Paillier back end

    private func paillierRecord(_ slot: Int) -> (coordinates: [PaillierCiphertext], packed: [PaillierCiphertext],
                                                 sum: PaillierCiphertext, root: PaillierCiphertext) {
        guard case let .paillier(coordinates, packed, sum, root) = database.records[slots[slot]]!.payload else {
            preconditionFailure("checked at init")
        }
        return (coordinates, packed, sum, root)
    }

    private mutating func paillierStart(negativeSum: PaillierCiphertext, negativeRoot: PaillierCiphertext) -> FNNC1Message {
        let pk = database.setup.publicKey!, layout = self.layout!
        var generator = SecureRandomGenerator()
        var differences: [(PaillierCiphertext, PaillierCiphertext)] = []
        var masks: [(UInt128, UInt128)] = []
        var maskedValues: [PaillierCiphertext] = []
        let bound = UInt128(layout.statisticBound)
        for slot in slots.indices {
            let record = paillierRecord(slot)
            let difference = (pk.add(record.sum, negativeSum), pk.add(record.root, negativeRoot))
            let mask = (bound + UInt128.random(in: 0..<layout.statisticMaskRange, using: &generator),
                        bound + UInt128.random(in: 0..<layout.statisticMaskRange, using: &generator))
            differences.append(difference)
            masks.append(mask)
            maskedValues.append(pk.add(difference.0, plaintext: FNNPaillierMath.big(mask.0)))
            maskedValues.append(pk.add(difference.1, plaintext: FNNPaillierMath.big(mask.1)))
        }
        statisticDifferences = differences
        statisticMasks = masks
        let packed = Self.packAll(maskedValues, per: layout.statisticsPerCiphertext, slotBits: layout.statisticSlotBits,
                                  publicKey: pk)
        return .paillierStart(queryID: queryID, count: slots.count, k: query.k, batchSize: batchSize, order: order,
                              packed: packed)
    }

    private static func packAll(_ values: [PaillierCiphertext], per: Int, slotBits: Int,
                                publicKey: PaillierPublicKey) -> [PaillierCiphertext] {
        let groups = (values.count + per - 1) / per
        return Parallel.map(count: groups) { group in
            let start = group * per
            return FNNPaillierMath.pack(values[start..<min(start + per, values.count)], slotBits: slotBits,
                                        publicKey: publicKey)
        }
    }

    private mutating func paillierBounds(sums: [PaillierCiphertext]) throws(FNNError) -> FNNC1Message {
        guard sums.count == slots.count else { throw .malformed("C2 returned \(sums.count) squares for \(slots.count) slots") }
        let pk = database.setup.publicKey!, layout = self.layout!
        let exponent = FNNPaillierMath.big(blinding.scale << rankShift)
        let differences = statisticDifferences, masks = statisticMasks, blinding = self.blinding
        let blinded: [PaillierCiphertext] = Parallel.map(count: slots.count) { slot in
            let (dS, dF) = differences[slot]
            let (mS, mF) = masks[slot]
            let correction = pk.add(pk.multiply(dS, byScalar: FNNPaillierMath.big(2 * mS)),
                                    pk.multiply(dF, byScalar: FNNPaillierMath.big(2 * mF)))
            var bound = pk.subtract(sums[slot], correction)
            let maskSquares = FNNPaillierMath.big(mS) * FNNPaillierMath.big(mS) + FNNPaillierMath.big(mF) * FNNPaillierMath.big(mF)
            bound = pk.subtract(bound, plaintext: maskSquares)
            var generator = SecureRandomGenerator()
            let scaled = pk.multiply(bound, byScalar: exponent)
            return pk.add(scaled, plaintext: FNNPaillierMath.big(blinding.offset + blinding.noise(using: &generator)))
        }
        statisticDifferences = []
        phase = .boundsSent
        return .lowerBounds(queryID: queryID,
                            values: .packed(Self.packAll(blinded, per: layout.blindedPerCiphertext, slotBits: 128,
                                                         publicKey: pk)))
    }

    private mutating func paillierSSEDRequest(slots requested: [Int]) throws(FNNError) -> FNNC1Message {
        guard case let .paillier(queryCoordinates, queryPacked, _, _) = query.payload else { preconditionFailure() }
        let pk = database.setup.publicKey!, layout = self.layout!
        let d = parameters.dimension
        let twoM = UInt64(2 * parameters.maxAbsCoordinate)
        var allPacked: [PaillierCiphertext] = []
        pendingSlots = requested
        coordinateDifferences = []
        coordinateMasks = []
        for slot in requested {
            let record = paillierRecord(slot)
            let differences: [BigInt] = FNNSharedArithmetic.parallelChunks(d, minimumChunk: 512) { range in
                range.map { BigInt.multiply(record.coordinates[$0].value, queryCoordinates[$0].value, modulo: pk.nSquared) }
            }
            var generator = SecureRandomGenerator()
            let masks = (0..<d).map { _ in twoM + UInt64.random(in: 0..<layout.coordinateMaskRange, using: &generator) }
            let packed: [PaillierCiphertext] = FNNSharedArithmetic.parallelChunks(layout.packedPerRecord) { range in
                range.map { group in
                    let start = group * layout.coordinatesPerCiphertext
                    let end = min(start + layout.coordinatesPerCiphertext, d)
                    let offsets = masks[start..<end].map { BigInt($0) }
                    let plain = FNNPaillierMath.packPlain(offsets[...], slotBits: layout.coordinateSlotBits)
                    return pk.add(pk.add(record.packed[group], queryPacked[group]), plaintext: plain)
                }
            }
            allPacked.append(contentsOf: packed)
            coordinateDifferences.append(differences)
            coordinateMasks.append(masks)
        }
        phase = .ssedSent
        return .ssedRequest(queryID: queryID, slots: requested, packed: allPacked)
    }

    private mutating func paillierDistances(sums: [PaillierCiphertext]) throws(FNNError) -> FNNC1Message {
        guard sums.count == pendingSlots.count else { throw .malformed("one SSED sum per slot expected") }
        let pk = database.setup.publicKey!, layout = self.layout!
        let d = parameters.dimension
        var blinded: [PaillierCiphertext] = []
        var generator = SecureRandomGenerator()
        let exponent = FNNPaillierMath.big(UInt128(d) * blinding.scale << rankShift)
        for (index, slot) in pendingSlots.enumerated() {
            let bases = coordinateDifferences[index], masks = coordinateMasks[index]
            let partials: [BigInt] = FNNSharedArithmetic.parallelChunks(d, minimumChunk: 1024) { range in
                [FNNPaillierMath.multiExponentiate(bases: bases[range], exponents: masks[range], modulus: pk.nSquared)]
            }
            var product = BigInt(1)
            for partial in partials { product.multiply(by: partial, modulo: pk.nSquared) }
            let correction = PaillierCiphertext(rawValue: BigInt.multiply(product, product, modulo: pk.nSquared))
            var maskSquares = BigInt()
            for mask in masks { maskSquares += BigInt(mask) * BigInt(mask) }
            let ssed = pk.subtract(pk.subtract(sums[index], correction), plaintext: maskSquares)
            encryptedDistances[slot] = ssed
            let keyOffset = (UInt128(parameters.slack) << rankShift) + ranks[slot]
            let plain = blinding.scale * keyOffset + blinding.offset + blinding.noise(using: &generator)
            blinded.append(pk.add(pk.multiply(ssed, byScalar: exponent), plaintext: FNNPaillierMath.big(plain)))
        }
        coordinateDifferences = []
        coordinateMasks = []
        phase = .distancesSent
        let requested = pendingSlots
        return .distances(queryID: queryID, slots: requested,
                          values: .packed(Self.packAll(blinded, per: layout.blindedPerCiphertext, slotBits: 128,
                                                       publicKey: pk)))
    }
}
