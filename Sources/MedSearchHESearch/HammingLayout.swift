import MedSearchBFV

/// The coefficient layout shared by client, master and server (see ``HammingSearchConfiguration``).
enum HammingLayout {
    /// The plaintext of one block: record `r` bit `j` at coefficient `r l + j`, as `1` (bit 0) or `t - 1` (bit 1).
    static func blockPlaintext(_ records: ArraySlice<HammingRecord>, configuration: HammingSearchConfiguration,
                               context: BFVContext) throws(HESearchError) -> BFVPlaintext {
        let l = configuration.codeLength
        let minusOne = configuration.parameters.plainModulus - 1
        var coefficients = [UInt64](repeating: 0, count: records.count * l)
        for (r, record) in records.enumerated() {
            for j in 0..<l { coefficients[r * l + j] = record.code[bit: j] ? minusOne : 1 }
        }
        return try bfv { () throws(BFVError) in try context.encodeCoefficients(coefficients) }
    }

    /// The query plaintext: coefficient `b` holds `+-1` for bit `l - 1 - b`.
    static func queryPlaintext(_ code: HammingCode, configuration: HammingSearchConfiguration,
                               context: BFVContext) throws(HESearchError) -> BFVPlaintext {
        let l = configuration.codeLength
        let minusOne = configuration.parameters.plainModulus - 1
        let coefficients = (0..<l).map { b in code[bit: l - 1 - b] ? minusOne : 1 }
        return try bfv { () throws(BFVError) in try context.encodeCoefficients(coefficients) }
    }

    /// The coefficient holding record `r`'s result.
    static func resultPosition(record r: Int, codeLength l: Int) -> Int { r * l + l - 1 }

    /// Checks codes and identifiers and splits records into blocks.
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
