import MedSearchModular

/// A ciphertext switched from one prime `q_0` to the modulus `2^k` (``BFVContext/switchToPowerOfTwo(_:bits:)``):
/// each coefficient `round(2^k c / q_0) mod 2^k`. Smaller to send (`k` bits per coefficient instead of
/// `log q_0`), still decryptable with the secret key (``BFVPowerOfTwoDecryptor``), but no longer usable for
/// homomorphic operations. Coefficient form; `polys[0]` may be kept only at selected positions (sparse).
public struct BFVPowerOfTwoCiphertext: Sendable, Equatable {
    /// `k`: coefficients are reduced modulo `2^k`.
    public let bits: Int
    /// The polynomials (`N` values each, every value `< 2^k`).
    public var polys: [[UInt64]]

    /// A power-of-two ciphertext from its parts (values are masked to `k` bits).
    public init(bits: Int, polys: [[UInt64]]) {
        let mask: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        self.bits = bits
        var polys = polys
        for index in polys.indices {
            polys[index].withUnsafeMutableBufferPointer { values in
                for i in values.indices { values[i] &= mask }
            }
        }
        self.polys = polys
    }
}

extension BFVContext {
    /// The largest `k` for which ``BFVPowerOfTwoDecryptor`` decrypts exactly (`2^(k-1) N < 2^59`).
    public var maximumPowerOfTwoBits: Int { min(48, 60 - degree.trailingZeroBitCount) }

    /// Switches a level-1 ciphertext from `q_0` to `2^k`: `c -> round(2^k c / q_0) mod 2^k` (rounding error at most
    /// `0.57` per coefficient, which adds `~ sqrt(N) ||s||` of noise at the new scale `2^k / t`).
    ///
    /// - Throws: ``BFVError/shapeMismatch(_:)`` above level 1 (mod switch down first),
    ///   ``BFVError/valueOutOfRange(_:)`` unless `bitCount(t) + 8 <= k <= maximumPowerOfTwoBits`.
    public func switchToPowerOfTwo(_ a: BFVCiphertext, bits k: Int) throws(BFVError) -> BFVPowerOfTwoCiphertext {
        try check(a)
        guard a.level == 1 else { throw .shapeMismatch("switch to level 1 before switching to 2^k") }
        guard k >= plainModulus.bitCount + 8, k <= maximumPowerOfTwoBits else {
            throw .valueOutOfRange("power-of-two modulus 2^\(k)")
        }
        let q = moduli[0].value
        // M = floor(2^(64+k) / q) < 2^64 since 2^k < q.
        let multiplier = q.dividingFullWidth((high: UInt64(1) << UInt64(k), low: 0)).quotient
        let mask: UInt64 = (1 << UInt64(k)) - 1
        let n = degree
        let polys = a.polys.map { poly -> [UInt64] in
            var out = [UInt64](repeating: 0, count: n)
            poly.data.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    for i in 0..<n {
                        let product = x[i].multipliedFullWidth(by: multiplier)
                        let (_, carry) = product.low.addingReportingOverflow(1 << 63)
                        y[i] = (product.high &+ (carry ? 1 : 0)) & mask
                    }
                }
            }
            return out
        }
        return BFVPowerOfTwoCiphertext(bits: k, polys: polys)
    }
}

/// Decrypts ``BFVPowerOfTwoCiphertext``s (client side; holds the secret key in NTT form modulo a 61-bit helper
/// prime `P`, wiped on deinit).
///
/// `x = c_0 + c_1 s (+ c_2 s^2) mod 2^k` is computed exactly over the integers through NTT products modulo `P`
/// (`c_2 s` first, reduced modulo `2^k`, then `(c_1 + [c_2 s]) s`; every intermediate stays below `P / 2`), then
/// `m = round(t x / 2^k) mod t`. A wrong key gives garbage, not an error.
public final class BFVPowerOfTwoDecryptor: @unchecked Sendable {
    // @unchecked Sendable: the secret arrays are written only in init and deinit (wiping).
    let context: BFVContext
    let helper: NTTTables
    private var secretNTT: [UInt64]
    private var squareNTT: [UInt64]
    /// `||s||_1 + ||s^2||_1 + 1`: `c_1 s + c_2 s^2` is computed in one pass when `2^(k-1)` times this is below `P/2`.
    private let oneStepNorm: UInt64

    /// A decryptor for `secretKey`.
    public init(context: BFVContext, secretKey: BFVSecretKey) throws(BFVError) {
        guard secretKey.parameters == context.parameters else {
            throw .parameterMismatch("secret key of \(secretKey.parameters.name)")
        }
        self.context = context
        helper = context.auxNTT[0]
        let m = helper.modulus
        let p = m.value
        var s = secretKey.ternary.map { $0 >= 0 ? UInt64($0) : p &- UInt64(-Int64($0)) }
        helper.forward(&s)
        var square = s
        for i in square.indices { square[i] = m.multiply(square[i], square[i]) }
        // s^2 has integer coefficients of magnitude <= N < P/2: its centred residues are exact.
        var coefficients = square
        helper.inverse(&coefficients)
        let norm2 = coefficients.reduce(UInt64(0)) { $0 + ($1 > p >> 1 ? p - $1 : $1) }
        let norm1 = UInt64(secretKey.ternary.reduce(0) { $0 + abs(Int($1)) })
        coefficients.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = 0 } }
        secretNTT = s
        squareNTT = square
        oneStepNorm = norm1 + norm2 + 1
    }

    deinit {
        secretNTT.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = 0 }
        }
        squareNTT.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = 0 }
        }
    }

    /// Centred lift of values modulo `2^k` to residues modulo `P`.
    private func lift(_ y: [UInt64], bits k: Int) -> [UInt64] {
        let p = helper.modulus.value
        let half: UInt64 = 1 << UInt64(k - 1)
        let full: UInt64 = 1 << UInt64(k)
        var v = y
        v.withUnsafeMutableBufferPointer { b in
            for i in b.indices { b[i] = b[i] >= half ? p &- (full &- b[i]) : b[i] }
        }
        return v
    }

    /// Maps residues modulo `P` of integers below `P/2` in magnitude to their values modulo `2^k`.
    private func reduce(_ v: inout [UInt64], bits k: Int) {
        let p = helper.modulus.value
        let pHalf = p >> 1
        let mask: UInt64 = (1 << UInt64(k)) - 1
        v.withUnsafeMutableBufferPointer { b in
            for i in b.indices { b[i] = b[i] > pHalf ? (0 &- (p &- b[i])) & mask : b[i] & mask }
        }
    }

    /// `[y s]` exactly, for `y` given as centred values modulo `2^k` (`|y| <= 2^(k-1)`), reduced modulo `2^k`.
    private func multiplyBySecret(_ y: [UInt64], bits k: Int) -> [UInt64] {
        var v = lift(y, bits: k)
        helper.forward(&v)
        let m = helper.modulus
        v.withUnsafeMutableBufferPointer { b in
            secretNTT.withUnsafeBufferPointer { s in
                for i in b.indices { b[i] = m.multiply(b[i], s[i]) }
            }
        }
        helper.inverse(&v)
        reduce(&v, bits: k)
        return v
    }

    /// `[c_1 s + c_2 s^2] mod 2^k` in one pass (three transforms), valid when `2^(k-1) oneStepNorm < P/2`.
    private func multiplyOneStep(_ c1: [UInt64], _ c2: [UInt64], bits k: Int) -> [UInt64] {
        var v1 = lift(c1, bits: k)
        var v2 = lift(c2, bits: k)
        helper.forward(&v1)
        helper.forward(&v2)
        let m = helper.modulus
        v1.withUnsafeMutableBufferPointer { a in
            v2.withUnsafeBufferPointer { b in
                secretNTT.withUnsafeBufferPointer { s in
                    squareNTT.withUnsafeBufferPointer { s2 in
                        for i in a.indices { a[i] = m.multiplyAdd(a[i], s[i], m.multiply(b[i], s2[i])) }
                    }
                }
            }
        }
        helper.inverse(&v1)
        reduce(&v1, bits: k)
        return v1
    }

    /// The raw phase `c_0 + c_1 s (+ c_2 s^2) mod 2^k` at `positions`. `polys[0]` is either full (`N` values) or
    /// holds exactly the values at `positions` (in that order).
    func phase(_ c: BFVPowerOfTwoCiphertext, positions: [Int]) throws(BFVError) -> [UInt64] {
        let n = context.degree
        let k = c.bits
        guard k >= context.plainModulus.bitCount + 8, k <= context.maximumPowerOfTwoBits else {
            throw .valueOutOfRange("power-of-two modulus 2^\(k)")
        }
        guard (2...3).contains(c.polys.count), c.polys.dropFirst().allSatisfy({ $0.count == n }),
              c.polys[0].count == n || c.polys[0].count == positions.count,
              positions.allSatisfy({ (0..<n).contains($0) }) else {
            throw .shapeMismatch("power-of-two ciphertext shape")
        }
        let mask: UInt64 = (1 << UInt64(k)) - 1
        let z: [UInt64]
        if c.polys.count == 3 {
            let (bound, overflow) = oneStepNorm.multipliedReportingOverflow(by: 1 << UInt64(k - 1))
            if !overflow && bound < helper.modulus.value >> 1 {
                z = multiplyOneStep(c.polys[1], c.polys[2], bits: k)
            } else {
                var w = c.polys[1]
                let y = multiplyBySecret(c.polys[2], bits: k)
                for i in 0..<n { w[i] = (w[i] &+ y[i]) & mask }
                z = multiplyBySecret(w, bits: k)
            }
        } else {
            z = multiplyBySecret(c.polys[1], bits: k)
        }
        let sparse = c.polys[0].count != n
        return positions.enumerated().map { index, position in
            let c0 = sparse ? c.polys[0][index] : c.polys[0][position]
            return (c0 &+ z[position]) & mask
        }
    }

    /// Decrypts the plaintext coefficients at `positions` (values modulo `t`).
    public func decrypt(_ c: BFVPowerOfTwoCiphertext, positions: [Int]) throws(BFVError) -> [UInt64] {
        let k = c.bits
        let t = context.plainModulus.value
        return try phase(c, positions: positions).map { x in
            // round(t x / 2^k) mod t, with t x < 2^(k + 62).
            let product = x.multipliedFullWidth(by: t)
            let (low, carry) = product.low.addingReportingOverflow(1 << UInt64(k - 1))
            let high = product.high &+ (carry ? 1 : 0)
            let rounded = k == 64 ? high : (high << UInt64(64 - k)) | (low >> UInt64(k))
            return rounded % t
        }
    }

    /// The remaining noise budget in bits at `positions`: `k - log2(max |t x mod 2^k|) - 1` (centred), as SEAL
    /// defines it; 0 when exhausted. Client-side diagnostic.
    public func noiseBudget(_ c: BFVPowerOfTwoCiphertext, positions: [Int]) throws(BFVError) -> Int {
        let k = c.bits
        let t = context.plainModulus.value
        let mask: UInt64 = (1 << UInt64(k)) - 1
        let half: UInt64 = 1 << UInt64(k - 1)
        var maxBits = 0
        for x in try phase(c, positions: positions) {
            let r = (x &* t) & mask
            let magnitude = r >= half ? (1 << UInt64(k)) - r : r
            maxBits = max(maxBits, 64 - magnitude.leadingZeroBitCount)
        }
        return max(0, k - maxBits - 1)
    }
}
