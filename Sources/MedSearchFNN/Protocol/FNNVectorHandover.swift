import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// The masked hand-over of the winners' vectors (FNN's `E(m_min + r)`): C1 adds a fresh random mask to each
/// winner's encrypted (or secret-shared) vector, C2 decrypts (or adds its share) and keeps the masked values for
/// the user, the user removes the mask. C1 draws one 32-byte seed per winner from the system CSPRNG and gives it
/// only to the user; the mask expands from the seed with ChaCha20 (``FNNKeystream``).
///
/// - Paillier: the mask of packed group `g` is `R_g`, uniform modulo `N` up to `2^-128` (`|N| + 128` keystream
///   bits reduced modulo `N`), so `(P_g + R_g) mod N` is statistically independent of the vector for C2.
/// - Shared: the mask is `r_j` uniform in Z/2^64 per coordinate; C2 sees `x_j + r_j`, a one-time pad.
public enum FNNVectorHandover {
    static let domainSharedMask: UInt32 = 40
    static let domainPaillierMask: UInt32 = 41

    /// A fresh mask seed (system CSPRNG).
    static func freshSeed() -> [UInt8] {
        var generator = SecureRandomGenerator()
        return SecureRandom.bytes(32, using: &generator)
    }

    /// The shared back end's mask `r` (d words of Z/2^64).
    public static func sharedMask(seed: [UInt8], dimension: Int) -> [UInt64] {
        let raw = FNNKeystream.bytes(seed: seed, domain: domainSharedMask, index: 0, count: dimension * 8)
        var out = [UInt64](repeating: 0, count: dimension)
        for index in 0..<dimension {
            var value: UInt64 = 0
            for byte in raw[(index * 8)..<(index * 8 + 8)].reversed() { value = value << 8 | UInt64(byte) }
            out[index] = value
        }
        return out
    }

    /// The Paillier back end's mask `R_g` of packed group `group` (uniform modulo `N` up to `2^-128`).
    public static func paillierMask(seed: [UInt8], group: Int, publicKey: PaillierPublicKey) -> BigInt {
        let count = (publicKey.bits + 7) / 8 + 16
        let raw = FNNKeystream.bytes(seed: seed, domain: domainPaillierMask, index: UInt64(group), count: count)
        return BigInt(magnitudeBytes: raw) % publicKey.n
    }

    // MARK: C1

    /// C1: the masked winner row for C2 (shared back end): `X1_j + r_j mod 2^64` for the `d` vector coordinates.
    static func maskShared(row: [UInt128], seed: [UInt8], dimension: Int) -> [UInt64] {
        let mask = sharedMask(seed: seed, dimension: dimension)
        return (0..<dimension).map { UInt64(truncatingIfNeeded: row[$0]) &+ mask[$0] }
    }

    /// C1: `E(P_g + R_g)` for every packed group of a winner (Paillier back end).
    static func maskPaillier(packed: [PaillierCiphertext], seed: [UInt8], publicKey: PaillierPublicKey) -> [PaillierCiphertext] {
        FNNSharedArithmetic.parallelChunks(packed.count, minimumChunk: 64) { range in
            range.map { group in publicKey.add(packed[group], plaintext: paillierMask(seed: seed, group: group, publicKey: publicKey)) }
        }
    }

    // MARK: C2

    /// C2: adds its row mask `A_id` (shared back end), giving `x_j + r_j`.
    static func unmaskShared(_ values: [UInt64], rowMask: [UInt128]) -> [UInt64] {
        values.indices.map { values[$0] &+ UInt64(truncatingIfNeeded: rowMask[$0]) }
    }

    // MARK: user

    /// The user: removes the mask of a shared-back-end hand-over and checks the range.
    ///
    /// - Throws: ``FNNError/malformed(_:)`` when the result is not a valid vector (wrong size, out of range).
    public static func recoverShared(_ masked: [UInt64], seed: [UInt8], parameters: FNNParameters) throws(FNNError) -> [Int64] {
        guard seed.count == 32 else { throw .malformed("vector mask seeds are 32 bytes") }
        guard masked.count == parameters.dimension else {
            throw .malformed("a masked vector has \(masked.count) coordinates, expected \(parameters.dimension)")
        }
        let mask = sharedMask(seed: seed, dimension: parameters.dimension)
        var out = [Int64](repeating: 0, count: masked.count)
        for index in masked.indices {
            let value = Int64(bitPattern: masked[index] &- mask[index])
            guard value >= -parameters.maxAbsCoordinate, value <= parameters.maxAbsCoordinate else {
                throw .malformed("recovered coordinate \(index) is out of range: the hand-over does not match")
            }
            out[index] = value
        }
        return out
    }

    /// The user: removes the masks of a Paillier hand-over, unpacks the groups and checks every slot.
    ///
    /// - Throws: ``FNNError/malformed(_:)`` when the result is not a valid vector (wrong size, slot overflow).
    public static func recoverPaillier(_ masked: [BigInt], seed: [UInt8], parameters: FNNParameters,
                                       publicKey: PaillierPublicKey) throws(FNNError) -> [Int64] {
        guard seed.count == 32 else { throw .malformed("vector mask seeds are 32 bytes") }
        let layout = try FNNPaillierLayout(parameters: parameters, keyBits: publicKey.bits)
        guard masked.count == layout.packedPerRecord else {
            throw .malformed("a masked vector has \(masked.count) groups, expected \(layout.packedPerRecord)")
        }
        let d = parameters.dimension, per = layout.coordinatesPerCiphertext, m = parameters.maxAbsCoordinate
        let limit = BigInt(Int(2 * m))
        var out = [Int64]()
        out.reserveCapacity(d)
        for (group, value) in masked.enumerated() {
            guard value.signum >= 0, value < publicKey.n else { throw .malformed("a masked group is not below N") }
            var plain = value - paillierMask(seed: seed, group: group, publicKey: publicKey)
            if plain.signum < 0 { plain += publicKey.n }
            let count = min(per, d - group * per)
            let slots = try FNNPaillierMath.unpack(plain, slotBits: layout.coordinateSlotBits, count: count)
            for slot in slots {
                guard slot.signum >= 0, slot <= limit, let small = slot.asUInt64 else {
                    throw .malformed("a recovered coordinate is out of range: the hand-over does not match")
                }
                out.append(Int64(small) - m)
            }
        }
        return out
    }
}
