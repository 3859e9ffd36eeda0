import MedSearchModular

extension BFVContext {
    /// Encodes up to `N` values modulo `t` into the SIMD slots of a `2 x N/2` matrix (row 0 = slots
    /// `0..<N/2`, row 1 = slots `N/2..<N`); missing slots are zero.
    ///
    /// - Throws: ``BFVError/valueOutOfRange(_:)`` for more than `N` values or a value `>= t` (the value itself is
    ///   not reported).
    public func encode(_ values: [UInt64]) throws(BFVError) -> BFVPlaintext {
        guard let plainNTT else { throw .invalidParameters("\(parameters.name) has no SIMD batching (t != 1 mod 2N)") }
        guard values.count <= degree else { throw .valueOutOfRange("\(values.count) values for \(degree) slots") }
        let t = plainModulus.value
        guard values.allSatisfy({ $0 < t }) else { throw .valueOutOfRange("a slot value is not below t = \(t)") }
        var coefficients = [UInt64](repeating: 0, count: degree)
        for (i, v) in values.enumerated() { coefficients[slotIndexMap[i]] = v }
        plainNTT.inverse(&coefficients)
        return BFVPlaintext(coefficients: coefficients)
    }

    /// Encodes signed values (each in `(-t/2, t/2]`) into SIMD slots.
    public func encode(signed values: [Int64]) throws(BFVError) -> BFVPlaintext {
        let half = Int64(plainModulus.value / 2)
        guard values.allSatisfy({ $0 > -half - 1 && $0 <= half }) else {
            throw .valueOutOfRange("a slot value is outside (-t/2, t/2]")
        }
        return try encode(values.map { plainModulus.reduce(signed: $0) })
    }

    /// Decodes the `N` SIMD slots of a plaintext (values in `[0, t)`).
    ///
    /// - Throws: ``BFVError/invalidParameters(_:)`` for a parameter set without batching.
    public func decode(_ plaintext: BFVPlaintext) throws(BFVError) -> [UInt64] {
        guard let plainNTT else { throw .invalidParameters("\(parameters.name) has no SIMD batching (t != 1 mod 2N)") }
        var values = plaintext.coefficients
        plainNTT.forward(&values)
        return (0..<degree).map { values[slotIndexMap[$0]] }
    }

    /// Decodes the slots as centred values in `(-t/2, t/2]`.
    public func decodeSigned(_ plaintext: BFVPlaintext) throws(BFVError) -> [Int64] {
        try decode(plaintext).map { plainModulus.centered($0) }
    }

    /// A plaintext whose polynomial coefficients are `values` (up to `N`, each `< t`; the rest zero).
    /// Coefficient encoding: products are negacyclic convolutions, used by the Hamming search.
    public func encodeCoefficients(_ values: [UInt64]) throws(BFVError) -> BFVPlaintext {
        guard values.count <= degree else { throw .valueOutOfRange("\(values.count) coefficients for degree \(degree)") }
        let t = plainModulus.value
        guard values.allSatisfy({ $0 < t }) else { throw .valueOutOfRange("a coefficient is not below t = \(t)") }
        return BFVPlaintext(coefficients: values + [UInt64](repeating: 0, count: degree - values.count))
    }

    /// A plaintext from exactly `N` reduced coefficients (no padding), e.g. a decoded wire plaintext.
    public func plaintext(coefficients: [UInt64]) throws(BFVError) -> BFVPlaintext {
        guard coefficients.count == degree else { throw .shapeMismatch("\(coefficients.count) coefficients") }
        return try encodeCoefficients(coefficients)
    }
}
