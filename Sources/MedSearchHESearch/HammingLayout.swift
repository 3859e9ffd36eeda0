import MedSearchBFV

/// The bit-sliced layout shared by client, master and server (see ``HammingSearchConfiguration``).
enum HammingLayout {
    /// The `l` plaintexts of one block: plaintext `j` holds bit `j` of record `r` at coefficient `r`, as `1` (bit 0)
    /// or `t - 1` (bit 1); coefficients past the block's records are zero.
    static func blockPlaintexts(_ records: ArraySlice<HammingRecord>, configuration: HammingSearchConfiguration,
                                context: BFVContext) throws(HESearchError) -> [BFVPlaintext] {
        let l = configuration.codeLength
        let minusOne = configuration.parameters.plainModulus - 1
        var out: [BFVPlaintext] = []
        out.reserveCapacity(l)
        for j in 0..<l {
            let coefficients = records.map { $0.code[bit: j] ? minusOne : 1 }
            out.append(try bfv { () throws(BFVError) in try context.encodeCoefficients(coefficients) })
        }
        return out
    }

    /// The query's values modulo `t`: `+-1` for bit `j` (1 for bit 0, `t - 1` for bit 1).
    static func queryValues(_ code: HammingCode, configuration: HammingSearchConfiguration) -> [UInt64] {
        let minusOne = configuration.parameters.plainModulus - 1
        return (0..<configuration.codeLength).map { code[bit: $0] ? minusOne : 1 }
    }

    /// The `l` query plaintexts: the constant `+-1` for bit `j`.
    static func queryPlaintexts(_ code: HammingCode, configuration: HammingSearchConfiguration,
                                context: BFVContext) throws(HESearchError) -> [BFVPlaintext] {
        var out: [BFVPlaintext] = []
        for value in queryValues(code, configuration: configuration) {
            out.append(try bfv { () throws(BFVError) in try context.encodeCoefficients([value]) })
        }
        return out
    }

    /// The distance behind a decrypted coefficient `v = l - 2d mod t`: `d = (l - v) / 2 mod t`, or nil when it is not
    /// in `0...l` (a response for another key, or tampered).
    static func distance(decrypted v: UInt64, codeLength l: Int, plainModulus t: UInt64) -> Int? {
        let difference = (UInt64(l) % t + t - v % t) % t
        // t is an odd prime: 2^-1 mod t = (t + 1) / 2.
        let d = difference.multipliedFullWidth(by: (t + 1) / 2)
        let value = t.dividingFullWidth((high: d.high, low: d.low)).remainder
        return value <= UInt64(l) ? Int(value) : nil
    }

    /// The `k`-th smallest of `distances` (each in `0...l`) in linear time: a count per distance (`k >= 1`).
    static func cutoff(_ distances: some Sequence<Int>, k: Int, codeLength l: Int) -> Int {
        var counts = [Int](repeating: 0, count: l + 1)
        for d in distances { counts[d] += 1 }
        var cutoff = 0
        var seen = 0
        while cutoff < l, seen + counts[cutoff] < k {
            seen += counts[cutoff]
            cutoff += 1
        }
        return cutoff
    }

    /// Checks codes and identifiers and splits records into blocks of `N`.
    static func blocks(_ records: [HammingRecord],
                       configuration: HammingSearchConfiguration) throws(HESearchError) -> [ArraySlice<HammingRecord>] {
        var seen = Set<UInt64>()
        for record in records {
            guard record.code.bitCount == configuration.codeLength else {
                throw .invalidCode("\(record.code.bitCount) bits, configuration has \(configuration.codeLength)")
            }
            guard seen.insert(record.id).inserted else { throw .duplicateIdentifier }
        }
        let per = configuration.recordsPerBlock
        return stride(from: 0, to: records.count, by: per).map { records[$0..<min($0 + per, records.count)] }
    }
}
