import MedSearchModular

/// A polynomial in `R_q = Z_q[X] / (X^N + 1)` in RNS form: one row of `N` residues per prime of the basis.
///
/// Storage is limb-major (`data[limb * N + i]`), each residue reduced modulo its prime. Whether the rows hold
/// coefficients or NTT evaluations is decided by the owner (ciphertexts keep coefficients, keys keep NTT form);
/// the moduli are those of the ``BFVContext`` that made it. A value type; copies are cheap until written.
public struct PolyRq: Sendable, Equatable {
    /// The polynomial degree `N`.
    public let degree: Int
    /// The residues, limb-major.
    public var data: [UInt64]

    /// The number of RNS limbs.
    @inlinable public var limbCount: Int { data.count / degree }

    /// A zero polynomial with `limbCount` limbs.
    public init(degree: Int, limbCount: Int) {
        self.degree = degree
        data = [UInt64](repeating: 0, count: degree * limbCount)
    }

    /// A polynomial whose residues are written by `initializer` (every one of the `degree * limbCount` values must
    /// be set): skips the zero fill of ``init(degree:limbCount:)`` for buffers that are overwritten at once.
    @inlinable
    public init(degree: Int, limbCount: Int, initializingWith initializer: (UnsafeMutablePointer<UInt64>) -> Void) {
        self.degree = degree
        let count = degree * limbCount
        data = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer.baseAddress!)
            initialized = count
        }
    }

    /// A polynomial over existing residues (`data.count` a multiple of `degree`).
    public init(degree: Int, data: [UInt64]) {
        precondition(degree > 0 && data.count % degree == 0, "residue count must be a multiple of the degree")
        self.degree = degree
        self.data = data
    }

    /// The residues of limb `index`.
    @inlinable
    public func limb(_ index: Int) -> ArraySlice<UInt64> {
        data[index * degree..<(index + 1) * degree]
    }

    /// The first `count` limbs (the same polynomial modulo a prefix of the basis).
    @inlinable
    public func prefix(limbs count: Int) -> PolyRq {
        precondition(count <= limbCount)
        return count == limbCount ? self : PolyRq(degree: degree, data: Array(data[0..<count * degree]))
    }

    /// Overwrites every residue with zero (best-effort wiping of secret material held in a value).
    public mutating func wipe() {
        data.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = 0 }
        }
    }
}

extension PolyRq {
    /// `self += other` limb by limb.
    @inlinable
    public mutating func add(_ other: PolyRq, moduli: [Modulus]) {
        precondition(other.degree == degree && other.limbCount >= limbCount && moduli.count >= limbCount)
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { x in
            other.data.withUnsafeBufferPointer { y in
                for l in 0..<limbs {
                    let p = moduli[l].value
                    let base = l * n
                    for i in base..<base + n {
                        let s = x[i] &+ y[i]
                        x[i] = s >= p ? s &- p : s
                    }
                }
            }
        }
    }

    /// `self -= other` limb by limb.
    @inlinable
    public mutating func subtract(_ other: PolyRq, moduli: [Modulus]) {
        precondition(other.degree == degree && other.limbCount >= limbCount && moduli.count >= limbCount)
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { x in
            other.data.withUnsafeBufferPointer { y in
                for l in 0..<limbs {
                    let p = moduli[l].value
                    let base = l * n
                    for i in base..<base + n {
                        let a = x[i], b = y[i]
                        x[i] = a >= b ? a &- b : a &+ p &- b
                    }
                }
            }
        }
    }

    /// `self = -self` limb by limb.
    @inlinable
    public mutating func negate(moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { x in
            for l in 0..<limbs {
                let p = moduli[l].value
                for i in l * n..<(l + 1) * n { x[i] = x[i] == 0 ? 0 : p &- x[i] }
            }
        }
    }

    /// Pointwise product `self *= other` (both in NTT form).
    @inlinable
    public mutating func multiplyPointwise(_ other: PolyRq, moduli: [Modulus]) {
        precondition(other.degree == degree && other.limbCount >= limbCount && moduli.count >= limbCount)
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { x in
            other.data.withUnsafeBufferPointer { y in
                for l in 0..<limbs {
                    let m = moduli[l]
                    for i in l * n..<(l + 1) * n { x[i] = m.multiply(x[i], y[i]) }
                }
            }
        }
    }

    /// `self += a * b` pointwise (all in NTT form).
    @inlinable
    public mutating func addProduct(_ a: PolyRq, _ b: PolyRq, moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        precondition(a.limbCount >= limbs && b.limbCount >= limbs)
        data.withUnsafeMutableBufferPointer { x in
            a.data.withUnsafeBufferPointer { ap in
                b.data.withUnsafeBufferPointer { bp in
                    for l in 0..<limbs {
                        let m = moduli[l]
                        for i in l * n..<(l + 1) * n { x[i] = m.multiplyAdd(ap[i], bp[i], x[i]) }
                    }
                }
            }
        }
    }

    /// Forward NTT of every limb with the matching tables.
    @inlinable
    public mutating func forwardNTT(_ tables: [NTTTables]) {
        let n = degree
        let limbs = limbCount
        precondition(tables.count >= limbs)
        data.withUnsafeMutableBufferPointer { x in
            for l in 0..<limbs { tables[l].forward(x.baseAddress! + l * n) }
        }
    }

    /// Inverse NTT of every limb with the matching tables.
    @inlinable
    public mutating func inverseNTT(_ tables: [NTTTables]) {
        let n = degree
        let limbs = limbCount
        precondition(tables.count >= limbs)
        data.withUnsafeMutableBufferPointer { x in
            for l in 0..<limbs { tables[l].inverse(x.baseAddress! + l * n) }
        }
    }
}
