/// The chaotic maps of QMedShield-MS v1, in IEEE-754 binary64 with a fixed evaluation order.
///
/// Every map uses only `+`, `-`, `*` and comparisons on `Double`, each rounded once (Swift emits no fused
/// multiply-add unless asked), and constants given as exact bit patterns, so the keystream is bit-identical on
/// every IEEE-754 machine. scripts/vectors/qmedshield_reference.py implements the same maps in Python and the golden
/// vectors in Tests/MedSearchSealingTests/Vectors/ check the two agree.

/// SplitMix64 step: advances `state` and returns the next output.
@inline(__always)
func splitMix64(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return mix64(state)
}

/// The SplitMix64 finaliser (a bijection of 64-bit words).
@inline(__always)
func mix64(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A double in [0, 1) from the top 53 bits of a word (exact).
@inline(__always)
func unitInterval(_ word: UInt64) -> Double {
    Double(word >> 11) * 0x1p-53
}

/// The low 32 bits of a double's bit pattern (the fastest-changing mantissa bits).
@inline(__always)
func low32(_ value: Double) -> UInt32 {
    UInt32(truncatingIfNeeded: value.bitPattern)
}

/// A keystream source that emits a fixed number of bytes per iteration; leftover bytes carry over between takes.
protocol ChaosByteSource {
    /// Bytes produced per iteration.
    static var bytesPerStep: Int { get }
    /// Iterates once and writes ``bytesPerStep`` bytes at `out`.
    mutating func stepAndEmit(_ out: UnsafeMutablePointer<UInt8>)
    var pending: (bytes: (UInt64, UInt64), count: Int, offset: Int) { get set }
}

extension ChaosByteSource {
    /// Fills `out[0..<count]` with the next keystream bytes.
    mutating func take(into out: UnsafeMutablePointer<UInt8>, count: Int) {
        var written = 0
        // Drain leftovers from the previous take.
        while pending.count > pending.offset && written < count {
            let index = pending.offset
            let word = index < 8 ? pending.bytes.0 : pending.bytes.1
            out[written] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            pending.offset += 1
            written += 1
        }
        let step = Self.bytesPerStep
        while count - written >= step {
            stepAndEmit(out + written)
            written += step
        }
        if written < count {
            var scratch: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &scratch) { raw in
                stepAndEmit(raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            // Store as little-endian words so leftovers are read back in emission order.
            pending = (bytes: (UInt64(littleEndian: scratch.0), UInt64(littleEndian: scratch.1)), count: step, offset: 0)
            while written < count {
                let index = pending.offset
                let word = index < 8 ? pending.bytes.0 : pending.bytes.1
                out[written] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
                pending.offset += 1
                written += 1
            }
        }
    }

    /// The next `count` keystream bytes.
    mutating func take(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            take(into: buffer.baseAddress!, count: count)
            initialized = count
        }
    }
}

/// The quantum logistic map (real form of Goggin, Sundaram and Milonni's dissipative quantum logistic map),
/// beta = 6:
///
///     x' = r (x - x^2) - r y
///     y' = e^-beta r ((2 - 2x) y - 2x z) - y e^-2beta
///     z' = e^-beta r ((2 - 2x) z - 2x y - x) - z e^-2beta
///
/// Each iteration emits the low 32 bits of x, y and z (12 bytes, little-endian). A state leaving
/// x in (0, 1), |y| < 1, |z| < 1 (never observed, but floating-point orbits are finite) is reseeded from a
/// SplitMix64 stream of the key schedule.
struct QuantumLogisticMap: ChaosByteSource {
    static let bytesPerStep = 12
    /// e^-6 and e^-12 as fixed bit patterns (not computed with the platform's exp).
    static let e1 = 0x1.44e51f113d4d6p-9
    static let e2 = 0x1.9c54c3b43bc8bp-18

    var x: Double
    var y: Double
    var z: Double
    let r: Double
    let e1r: Double
    var reseedState: UInt64
    var pending: (bytes: (UInt64, UInt64), count: Int, offset: Int) = ((0, 0), 0, 0)

    init(x: Double, y: Double, z: Double, r: Double, reseed: UInt64, warmUp: Int) {
        self.x = x
        self.y = y
        self.z = z
        self.r = r
        self.e1r = Self.e1 * r
        self.reseedState = reseed
        for _ in 0..<warmUp { step() }
    }

    @inline(__always)
    mutating func step() {
        let tx = x + x
        let nx = r * (x - x * x) - r * y
        let twoMinus = 2.0 - tx
        let ny = e1r * (twoMinus * y - tx * z) - y * Self.e2
        let nz = e1r * ((twoMinus * z - tx * y) - x) - z * Self.e2
        if nx > 0.0 && nx < 1.0 && ny > -1.0 && ny < 1.0 && nz > -1.0 && nz < 1.0 {
            x = nx
            y = ny
            z = nz
        } else {
            x = 0.1 + 0.8 * unitInterval(splitMix64(&reseedState))
            y = 0.001
            z = 0.001
        }
    }

    @inline(__always)
    mutating func stepAndEmit(_ out: UnsafeMutablePointer<UInt8>) {
        step()
        let a = low32(x), b = low32(y), c = low32(z)
        UnsafeMutableRawPointer(out).storeBytes(of: a.littleEndian, as: UInt32.self)
        UnsafeMutableRawPointer(out + 4).storeBytes(of: b.littleEndian, as: UInt32.self)
        UnsafeMutableRawPointer(out + 8).storeBytes(of: c.littleEndian, as: UInt32.self)
    }
}

/// The logistic-tent system (Zhou, Bao and Chen, "A new 1D chaotic system for image encryption", 2014), the
/// "hybrid chaotic map" of QMedShield:
///
///     v' = (mu v (1 - v) + (4 - mu) v / 2) mod 1          for v < 0.5
///     v' = (mu v (1 - v) + (4 - mu) (1 - v) / 2) mod 1    otherwise
///
/// Each iteration emits the low 32 bits of v (4 bytes, little-endian); a state leaving (0, 1) is reseeded.
struct LogisticTentSystem: ChaosByteSource {
    static let bytesPerStep = 4
    var v: Double
    let mu: Double
    let c: Double
    var reseedState: UInt64
    var pending: (bytes: (UInt64, UInt64), count: Int, offset: Int) = ((0, 0), 0, 0)

    init(v: Double, mu: Double, reseed: UInt64, warmUp: Int) {
        self.v = v
        self.mu = mu
        self.c = (4.0 - mu) * 0.5
        self.reseedState = reseed
        for _ in 0..<warmUp { step() }
    }

    @inline(__always)
    mutating func step() {
        // Branch-free form of the two cases: w is exactly v or 1 - v.
        let oneMinus = 1.0 - v
        let w = v < 0.5 ? v : oneMinus
        var t = (mu * v) * oneMinus + c * w
        if t >= 1.0 { t = t - 1.0 }
        if t > 0.0 && t < 1.0 {
            v = t
        } else {
            v = 0.05 + 0.9 * unitInterval(splitMix64(&reseedState))
        }
    }

    @inline(__always)
    mutating func stepAndEmit(_ out: UnsafeMutablePointer<UInt8>) {
        step()
        UnsafeMutableRawPointer(out).storeBytes(of: low32(v).littleEndian, as: UInt32.self)
    }
}
