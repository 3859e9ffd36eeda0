import MedSearchBFV
import MedSearchCore

/// What client, master and server agree on: the BFV parameter set and the hashcode length `l`.
///
/// Layout (coefficient encoding): a block ciphertext holds `N / l` records, record `r` in coefficients
/// `r l ..< (r + 1) l` as `+-1` (bit 0 -> 1, bit 1 -> -1). The query is the reversed `+-1` code in coefficients
/// `0 ..< l`, encrypted *unscaled* (BGV form). One negacyclic product modulo `q` (pointwise in NTT form, no base
/// extension) puts `sum_j (1 - 2 h_j)(1 - 2 q_j) = l - 2 d(h, q)` at coefficient `r l + l - 1` for every record of
/// the block: one ciphertext x ciphertext product per `N / l` records, no rotation, no relinearisation.
public struct HammingSearchConfiguration: Sendable, Hashable {
    /// The BFV parameter set (a named set; `n4096single` by default).
    public let parameters: BFVParameters
    /// The hashcode length `l` in bits.
    public let codeLength: Int

    /// A configuration.
    ///
    /// - Throws: ``HESearchError/invalidCodeLength(_:)`` unless `16 <= l <= 256`, `l <= N` and `2l < t`.
    public init(parameters: BFVParameters = .n4096single, codeLength: Int) throws(HESearchError) {
        guard (16...256).contains(codeLength), codeLength <= parameters.polyDegree,
              UInt64(2 * codeLength + 1) < parameters.plainModulus else {
            throw .invalidCodeLength(codeLength)
        }
        self.parameters = parameters
        self.codeLength = codeLength
    }

    /// Records per block ciphertext (`floor(N / l)`).
    public var recordsPerBlock: Int { parameters.polyDegree / codeLength }

    /// `k`: responses are switched to the modulus `2^k` (`bitCount(t) + 23` bits, 40 for `t = 65537`).
    public var responseBits: Int {
        let tBits = 64 - parameters.plainModulus.leadingZeroBitCount
        return min(tBits + 23, 60 - parameters.polyDegree.trailingZeroBitCount)
    }

    /// Bytes per coefficient of a response (`ceil(k / 8)`).
    var responseWordBytes: Int { (responseBits + 7) / 8 }

    /// Noise flooding of every returned result: uniform in `[-2^f, 2^f]` at the response scale
    /// `2^k / t ~ 2^(k - bitCount(t) + 1)`, with `f = k - bitCount(t) - 1` (a quarter of the scale): it leaves a
    /// quarter of the scale for the product's own noise (about `2^16` at `k = 40`, against `2^22` available).
    var floodingBits: Int { responseBits - (64 - parameters.plainModulus.leadingZeroBitCount) - 1 }

    /// The shared BFV context.
    public func context() throws(HESearchError) -> BFVContext {
        try bfv { () throws(BFVError) in try BFVContext.cached(parameters) }
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(parameters.name)
        parameters.write(to: &writer)
        writer.write(UInt16(codeLength))
    }

    /// Reads a configuration and checks it equals `self`.
    func readAndCheck(from reader: inout ByteReader) throws(HESearchError) {
        let name: String
        do { name = try reader.readString(maxLength: 64) } catch { throw .malformed("\(error)") }
        guard name == parameters.name else {
            throw .configurationMismatch("parameter set \(name.debugDescription), expected \(parameters.name)")
        }
        do { try parameters.readAndCheck(from: &reader) } catch { throw .configurationMismatch("\(error)") }
        let length: UInt16
        do { length = try reader.read(UInt16.self) } catch { throw .malformed("\(error)") }
        guard Int(length) == codeLength else {
            throw .configurationMismatch("code length \(length), expected \(codeLength)")
        }
    }
}

extension ByteReader {
    mutating func heRead<T: FixedWidthInteger>(_: T.Type) throws(HESearchError) -> T {
        do { return try read(T.self) } catch { throw .malformed("\(error)") }
    }

    mutating func heHeader(_ magic: FormatMagic, version: UInt16 = 1) throws(HESearchError) {
        do { _ = try readHeader(magic: magic, supportedVersions: version...version) } catch { throw .malformed("\(error)") }
    }

    func heEnd() throws(HESearchError) {
        guard isAtEnd else { throw .malformed("\(remaining) trailing bytes at offset \(offset)") }
    }
}

enum HESearchWire {
    static let database = FormatMagic("HSDB")
    static let query = FormatMagic("HSQY")
    static let response = FormatMagic("HSRS")
    static let evaluationKey = FormatMagic("HSEK")
    static let secretKey = FormatMagic("HSSK")
    static let slotRequest = FormatMagic("HSSL")
    static let version: UInt16 = 1
    /// Queries (unscaled encryption) and responses (power-of-two, sparse first polynomial) changed in version 2.
    static let evaluationVersion: UInt16 = 2
}
