import MedSearchBFV
import MedSearchCore

/// A record's place in an unlinkable response: shelf index in response order (`block`) and position within it.
public struct HammingSlot: Sendable, Hashable, Comparable {
    /// The block's index in the response (a fresh random order per query).
    public let block: Int
    /// The record's position within the block.
    public let position: Int

    public init(block: Int, position: Int) {
        self.block = block
        self.position = position
    }

    public static func < (a: HammingSlot, b: HammingSlot) -> Bool { (a.block, a.position) < (b.block, b.position) }
}

/// A slot the key holder picked, with its distance (kept by the client) and its rank (the index of its distance
/// among the distinct distances picked: 0 = nearest), which is all the master needs to order the results.
public struct HammingRankedSlot: Sendable, Hashable {
    /// The slot.
    public let slot: HammingSlot
    /// The decrypted distance (client side only; not part of ``HammingSlotRequest``'s wire form).
    public let distance: Int
    /// The rank of the distance (ties share a rank).
    public let rank: Int
}

/// What the key holder sends back to the master in unlinkable mode: slots and ranks, no distances.
public struct HammingSlotRequest: Sendable, Equatable {
    /// `(slot, rank)` pairs.
    public let entries: [(slot: HammingSlot, rank: Int)]

    /// The request for `slots` (distances dropped).
    public init(_ slots: [HammingRankedSlot]) {
        entries = slots.map { ($0.slot, $0.rank) }
    }

    init(entries: [(slot: HammingSlot, rank: Int)]) {
        self.entries = entries
    }

    public static func == (a: HammingSlotRequest, b: HammingSlotRequest) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.slot == $1.slot && $0.rank == $1.rank }
    }

}

/// The master's secret of one unlinkable evaluation: which record sits in which slot. Keep it with the query
/// (never send it); use it once to resolve the key holder's request.
public struct HammingResponseMapping: Sendable {
    /// One response block's identifiers.
    enum Shelf: Sendable, Equatable {
        /// By position (nil: no live record), as a prepared database holds them (shared, not copied).
        case dense([UInt64?])
        /// The live positions in ascending order and their identifiers, as a partial response carries them: a
        /// coordinator keeps what it decoded rather than spreading it over every position of every shelf per query.
        case sparse(positions: [Int], ids: [UInt64])

        /// The identifier at `position` (nil: none).
        func id(at position: Int) -> UInt64? {
            switch self {
            case let .dense(ids):
                return ids.indices.contains(position) ? ids[position] : nil
            case let .sparse(positions, ids):
                var low = 0, high = positions.count
                while low < high {
                    let mid = (low + high) / 2
                    if positions[mid] < position { low = mid + 1 } else { high = mid }
                }
                return low < positions.count && positions[low] == position ? ids[low] : nil
            }
        }

        /// The number of live records.
        var liveCount: Int {
            switch self {
            case let .dense(ids): ids.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
            case let .sparse(_, ids): ids.count
            }
        }
    }

    /// Identifiers by response block (the blocks in response order).
    let shelves: [Shelf]

    /// The number of live records in the response.
    public var recordCount: Int { shelves.reduce(0) { $0 + $1.liveCount } }

    /// Resolves the key holder's request to the `k` nearest records: orders the requested slots by rank, ties by
    /// identifier (the plaintext ranking rule), and returns `(slot, id)` pairs in that order.
    ///
    /// - Throws: ``HESearchError/malformed(_:)`` for a slot that does not hold a live record, a duplicate slot, or
    ///   more slots than records.
    public func resolve(_ request: HammingSlotRequest, k: Int) throws(HESearchError) -> [(slot: HammingSlot, id: UInt64)] {
        var resolved = try resolveAll(request)
        resolved.sort { ($0.rank, $0.id) < ($1.rank, $1.id) }
        return resolved.prefix(max(0, k)).map { ($0.slot, $0.id) }
    }

    /// Every requested slot with its identifier and rank, in request order (for callers whose ties are broken by
    /// another key, such as TrustMedSearch's record ids).
    ///
    /// - Throws: as ``resolve(_:k:)``.
    public func resolveAll(_ request: HammingSlotRequest) throws(HESearchError) -> [(slot: HammingSlot, id: UInt64, rank: Int)] {
        guard request.entries.count <= recordCount else { throw .malformed("more slots than records") }
        var seen = Set<HammingSlot>()
        var resolved: [(slot: HammingSlot, id: UInt64, rank: Int)] = []
        for entry in request.entries {
            let slot = entry.slot
            guard shelves.indices.contains(slot.block), let id = shelves[slot.block].id(at: slot.position) else {
                throw .malformed("slot \(slot.block)/\(slot.position) holds no record")
            }
            guard seen.insert(slot).inserted else { throw .malformed("duplicate slot") }
            resolved.append((slot, id, entry.rank))
        }
        return resolved
    }

    /// Resolves a serialised ``HammingSlotRequest``.
    public func resolve(requestBytes: [UInt8], k: Int) throws(HESearchError) -> [(slot: HammingSlot, id: UInt64)] {
        try resolve(wire { () throws(WireError) in try HammingSlotRequest(serialized: requestBytes) }, k: k)
    }
}

/// The result of ``HammingSearchServer/evaluateUnlinkable(queryBytes:prepared:)``.
public struct HammingUnlinkableResponse: Sendable {
    /// The response message for the key holder (no identifiers, blocks in random order).
    public let response: [UInt8]
    /// The slot-to-identifier mapping the master keeps.
    public let mapping: HammingResponseMapping
}

extension HammingSearchClient {
    /// Decrypts an unlinkable response and returns the slots of the `k` nearest records **plus every slot tied
    /// with the k-th distance** (the master breaks ties by identifier), nearest first, with ranks.
    ///
    /// - Throws: ``HESearchError/malformed(_:)`` for a response that carries identifiers (use ``topK(responseBytes:k:)``).
    public func nearestSlots(responseBytes: [UInt8], k: Int) throws(HESearchError) -> [HammingRankedSlot] {
        let response = try HammingResponse(serialized: responseBytes, configuration: configuration)
        guard response.withholdsIdentifiers else { throw .malformed("response carries identifiers") }
        var all: [(slot: HammingSlot, distance: Int)] = []
        for (index, shelf) in response.shelves.enumerated() {
            for (position, distance) in zip(shelf.positions, try decrypt(shelf)) {
                all.append((HammingSlot(block: index, position: position), distance))
            }
        }
        guard k > 0, !all.isEmpty else { return [] }
        // The k-th smallest distance in linear time, then sort only what is kept.
        let cutoff = HammingLayout.cutoff(all.lazy.map(\.distance), k: k, codeLength: configuration.codeLength)
        all = all.filter { $0.distance <= cutoff }
        all.sort { ($0.distance, $0.slot) < ($1.distance, $1.slot) }
        var out: [HammingRankedSlot] = []
        var rank = -1
        var last = -1
        for item in all where item.distance <= cutoff {
            if item.distance != last { rank += 1; last = item.distance }
            out.append(HammingRankedSlot(slot: item.slot, distance: item.distance, rank: rank))
        }
        return out
    }
}
