import MedSearchBFV
import MedSearchCore

/// What client, master and server agree on: the BFV parameter set and the hashcode length `l`.
///
/// Layout (**bit-sliced coefficient encoding**, see docs/bfv.md): a block of up to `N` records is `l` BFV
/// ciphertexts; ciphertext `j` holds bit `j` of record `r` at coefficient `r` as `+-1` (bit 0 -> 1, bit 1 -> -1).
/// The query is `l` *unscaled* (BGV-form) encryptions of the constants `+-1` (bit `j` of the query). One inner
/// product `sum_j B_j Q_j` modulo `q` (pointwise in NTT form, 128-bit accumulation, no base extension) puts
/// `sum_j (1 - 2 h_j)(1 - 2 q_j) = l - 2 d(h, q)` at coefficient `r` for every record of the block: one output
/// ciphertext answers `N` records, with no rotation and no relinearisation.
public struct HammingSearchConfiguration: Sendable, Hashable {
    /// The BFV parameter set (a named set; `n4096expand` by default).
    public let parameters: BFVParameters
    /// The hashcode length `l` in bits.
    public let codeLength: Int

    /// A configuration.
    ///
    /// - Throws: ``HESearchError/invalidCodeLength(_:)`` unless `16 <= l <= 256` and `l < t` (every distance
    ///   `0...l` must be a distinct residue modulo `t`).
    public init(parameters: BFVParameters = .n4096expand, codeLength: Int) throws(HESearchError) {
        guard (16...256).contains(codeLength), UInt64(codeLength) < parameters.plainModulus else {
            throw .invalidCodeLength(codeLength)
        }
        self.parameters = parameters
        self.codeLength = codeLength
    }

    /// Whether a query is **one** ciphertext that the server expands into the `l` constants (sets with a special
    /// prime, whose Galois keys the evaluation key carries: ``BFVContext/expand(_:count:keys:)``); otherwise the
    /// query is `l` ciphertexts.
    public var expandsQueries: Bool { parameters.specialModulus != nil }

    /// Ciphertexts in a query: 1 when queries are expanded, else `l`.
    public var queryCiphertextCount: Int { expandsQueries ? 1 : codeLength }

    /// Records per block (and per response ciphertext): `N`.
    public var recordsPerBlock: Int { parameters.polyDegree }

    /// Bits of `t`.
    var plainBits: Int { 64 - parameters.plainModulus.leadingZeroBitCount }

    /// `k`: the response's second and third polynomials are switched to `2^k`, `k = bitCount(t) + 16` (plus one bit
    /// per doubling of `N` beyond 4096, for the rounding noise of `c_2 s^2`): 25 for `t = 257`, 33 for `t = 65537`.
    public var responseBits: Int {
        let extra = max(0, parameters.polyDegree.trailingZeroBitCount - 12)
        return plainBits + 16 + extra
    }

    /// `k_0`: the first polynomial is sent at the live records' coefficients only, rounded to `2^(k_0)`
    /// (`bitCount(t) + 4`; its rounding error, at most `2^(k - k_0 - 1)`, is a sixteenth of the decryption margin).
    public var resultBits: Int { plainBits + 4 }

    /// Noise flooding of every returned result: uniform in `[-2^f, 2^f]` at the scale `2^k`, `f = k - bitCount(t) - 2`
    /// (at most half of the decryption margin `2^k / 2t`). Relative to the product's own noise (below `2^31` at
    /// scale `q` for `n4096hamming`, i.e. `2^-3` at scale `2^k`) this is a statistical margin of about 17 bits.
    var floodingBits: Int { responseBits - plainBits - 2 }

    /// The shared BFV context.
    public func context() throws(HESearchError) -> BFVContext {
        try bfv { () throws(BFVError) in try BFVContext.cached(parameters) }
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(parameters.name)
        parameters.write(to: &writer)
        writer.write(UInt16(codeLength))
    }

    /// Reads a configuration and checks it equals `self` (another one is ``WireError/invalidValue(offset:reason:)``).
    func readAndCheck(wire reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        let name = try reader.readString(maxLength: 64)
        guard name == parameters.name else {
            throw .invalidValue(offset: start, reason: "parameter set \(name.debugDescription), expected \(parameters.name)")
        }
        let parametersOffset = reader.offset
        try WireError.validating(at: parametersOffset) { try parameters.readAndCheck(from: &reader) }
        let lengthOffset = reader.offset
        let length = try reader.read(UInt16.self)
        guard Int(length) == codeLength else {
            throw .invalidValue(offset: lengthOffset, reason: "code length \(length), expected \(codeLength)")
        }
    }

    /// Reads a configuration and checks it equals `self`.
    func readAndCheck(from reader: inout ByteReader) throws(HESearchError) {
        do {
            try readAndCheck(wire: &reader)
        } catch {
            if case let .invalidValue(_, reason) = error { throw .configurationMismatch(reason) }
            throw .malformed(error.description)
        }
    }
}

extension ByteReader {
    mutating func heRead<T: FixedWidthInteger>(_: T.Type) throws(HESearchError) -> T {
        do { return try read(T.self) } catch { throw .malformed("\(error)") }
    }

    mutating func heSkip(_ count: Int) throws(HESearchError) {
        do { try skip(count: count) } catch { throw .malformed("\(error)") }
    }

    mutating func heHeader(_ magic: FormatMagic, version: UInt16 = 1) throws(HESearchError) {
        do { _ = try readHeader(magic: magic, supportedVersions: version...version) } catch { throw .malformed("\(error)") }
    }

    func heEnd() throws(HESearchError) {
        guard isAtEnd else { throw .malformed("\(remaining) trailing bytes at offset \(offset)") }
    }
}

/// The response's tag and version (the other HESearch formats are ``ContextualWireMessage`` conformances, in
/// HammingWire.swift).
enum HESearchWire {
    static let response = FormatMagic("HSRS")
    /// The bit-sliced layout: responses (`HSRS`), like databases and queries, are version 3 (version 1 and 2
    /// messages of the coefficient layout are rejected with a typed error).
    static let layoutVersion: UInt16 = 3
}
