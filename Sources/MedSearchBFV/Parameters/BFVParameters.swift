import MedSearchCore
import MedSearchModular

/// A BFV parameter set: polynomial degree `N`, RNS coefficient modulus `q = q_0 * ... * q_(k-1)` of
/// NTT-friendly primes and a prime plaintext modulus `t`. SIMD batching (``BFVContext/encode(_:)``) needs
/// `t = 1 mod 2N`; any other odd prime `t` supports coefficient encoding only (``supportsBatching``).
///
/// The named production sets respect the HomomorphicEncryption.org standard bounds for 128-bit classical
/// security with a ternary secret (`log2 q <= 109 / 218 / 438` for `N = 4096 / 8192 / 16384`, counted over every
/// prime including the special one); sets whose name starts with `insecure` are for tests only.
///
/// A set may reserve its last prime as the **special prime** `P` of hybrid key switching (as Microsoft SEAL does):
/// ciphertexts then live modulo the other primes (the *data* modulus `q`), and only the key-switching keys
/// (relinearisation and Galois keys) use `q P`. Without a special prime, every prime carries data and key switching
/// uses the RNS gadget alone. Mod switching drops the last data prime first.
public struct BFVParameters: Sendable, Hashable, CustomStringConvertible {
    /// The set's name (`n8192`, `insecureN256`, ...).
    public let name: String
    /// The polynomial degree `N` (a power of two).
    public let polyDegree: Int
    /// The plaintext modulus `t` (an odd prime; `t = 1 mod 2N` for SIMD batching).
    public let plainModulus: UInt64
    /// Every coefficient modulus (distinct primes `= 1 mod 2N`, each below `2^60`): the data primes `q_i`, then the
    /// special prime when ``specialPrimeCount`` is 1.
    public let coefficientModuli: [UInt64]
    /// 1 when the last prime of ``coefficientModuli`` is the special key-switching prime `P`, else 0.
    public let specialPrimeCount: Int

    /// Builds and validates a parameter set.
    ///
    /// - Throws: ``BFVError/invalidParameters(_:)`` when a modulus is not an NTT-friendly prime for `N`, when
    ///   `t` is not an odd prime, or when the shape is unsupported (`N` in 16...32768, 1...16 primes, at most one
    ///   special prime and at least one data prime, data primes summing to less than `2^60`).
    public init(name: String, polyDegree: Int, plainModulus: UInt64, coefficientModuli: [UInt64],
                specialPrimeCount: Int = 0) throws(BFVError) {
        guard (16...32768).contains(polyDegree), polyDegree.nonzeroBitCount == 1 else {
            throw .invalidParameters("polynomial degree \(polyDegree) is not a power of two in 16...32768")
        }
        guard (1...16).contains(coefficientModuli.count) else {
            throw .invalidParameters("\(coefficientModuli.count) coefficient moduli (need 1...16)")
        }
        guard (0...1).contains(specialPrimeCount), specialPrimeCount < coefficientModuli.count else {
            throw .invalidParameters("\(specialPrimeCount) special primes of \(coefficientModuli.count) (need 0 or 1 and a data prime)")
        }
        guard Set(coefficientModuli).count == coefficientModuli.count else {
            throw .invalidParameters("coefficient moduli are not distinct")
        }
        for q in coefficientModuli {
            guard q < (1 << 60), Primes.isNTTFriendly(q, polyDegree: polyDegree) else {
                throw .invalidParameters("coefficient modulus \(q) is not a prime below 2^60 congruent to 1 mod 2N")
            }
        }
        // The exact RNS conversions accumulate products of data residues with 61-bit constants in 128 bits before
        // one reduction; that needs sum_i q_i < 2^60.
        guard coefficientModuli.prefix(coefficientModuli.count - specialPrimeCount).reduce(0, +) < (1 << 60) else {
            throw .invalidParameters("the data primes must sum to less than 2^60")
        }
        guard plainModulus >= 3, plainModulus < (1 << 32), Primes.isPrime(plainModulus),
              !coefficientModuli.contains(plainModulus) else {
            throw .invalidParameters("plaintext modulus \(plainModulus) is not an odd prime below 2^32")
        }
        guard coefficientModuli.allSatisfy({ $0 > plainModulus << 8 }) else {
            throw .invalidParameters("coefficient moduli must be much larger than the plaintext modulus")
        }
        self.name = name
        self.polyDegree = polyDegree
        self.plainModulus = plainModulus
        self.coefficientModuli = coefficientModuli
        self.specialPrimeCount = specialPrimeCount
    }

    /// The number of data primes (RNS limbs of a fresh ciphertext).
    public var limbCount: Int { coefficientModuli.count - specialPrimeCount }

    /// The data primes `q_i` (the ciphertext modulus `q`).
    public var dataModuli: [UInt64] { Array(coefficientModuli.prefix(limbCount)) }

    /// The special key-switching prime `P`, if the set has one.
    public var specialModulus: UInt64? { specialPrimeCount == 1 ? coefficientModuli.last : nil }

    /// Digits per data prime in key switching: 2 for a set with a special prime and a single data prime (its one
    /// RNS digit of `log q` bits would add `q / P sigma sqrt(N)` per switch; two digits of `log q / 2` bits add
    /// `sqrt(q) / P sigma sqrt(N)`, far below the rounding of the division by `P`), else 1 (the RNS digits).
    public var keySwitchDigits: Int { specialPrimeCount == 1 && limbCount == 1 ? 2 : 1 }

    /// An upper bound on `log2 (q P)` over every prime, the special one included (the figure the security tables
    /// bound: key-switching keys are RLWE samples modulo `q P`).
    public var coefficientModulusBits: Int {
        coefficientModuli.reduce(0) { $0 + (64 - $1.leadingZeroBitCount) }
    }

    /// An upper bound on `log2 q` over the data primes only (a fresh ciphertext's modulus).
    public var dataModulusBits: Int {
        dataModuli.reduce(0) { $0 + (64 - $1.leadingZeroBitCount) }
    }

    /// The largest `log2 q` allowed for 128-bit security at this degree (HomomorphicEncryption.org standard,
    /// ternary secret), or 0 below `N = 1024`.
    public var maximumSecureModulusBits: Int {
        switch polyDegree {
        case 1024: 27
        case 2048: 54
        case 4096: 109
        case 8192: 218
        case 16384: 438
        case 32768: 881
        default: 0
        }
    }

    /// Whether the set meets 128-bit classical security by the HomomorphicEncryption.org standard.
    public var isSecure: Bool { coefficientModulusBits <= maximumSecureModulusBits }

    /// The highest classical security level (128, 192 or 256 bits) whose HomomorphicEncryption.org bound on `log2 q`
    /// (ternary secret, error sigma 3.2; Albrecht et al., "Homomorphic Encryption Standard", 2018, Table 1) the set
    /// meets, or 0 when it meets none (test sets).
    public var securityLevel: Int {
        // (N, bound for 128, 192, 256 bits)
        let table: [Int: (Int, Int, Int)] = [1024: (27, 19, 14), 2048: (54, 37, 29), 4096: (109, 75, 58),
                                             8192: (218, 152, 118), 16384: (438, 305, 237), 32768: (881, 611, 476)]
        guard let bounds = table[polyDegree] else { return 0 }
        let bits = coefficientModulusBits
        if bits <= bounds.2 { return 256 }
        if bits <= bounds.1 { return 192 }
        return bits <= bounds.0 ? 128 : 0
    }

    /// The number of SIMD slots (`N`), arranged as a `2 x N/2` matrix.
    public var slotCount: Int { polyDegree }

    /// Whether `t = 1 mod 2N`, so that plaintexts can be SIMD-encoded (``BFVContext/encode(_:)``). Sets without
    /// batching use coefficient encoding only.
    public var supportsBatching: Bool { plainModulus % UInt64(2 * polyDegree) == 1 }

    public var description: String {
        "\(name): N=\(polyDegree), t=\(plainModulus), log q=\(coefficientModulusBits) "
            + "(\(coefficientModuli.map { String(64 - $0.leadingZeroBitCount) }.joined(separator: "+")) bits"
            + (specialPrimeCount == 1 ? ", the last one special" : "") + ")"
            + (isSecure ? ", 128-bit secure" : ", INSECURE (tests only)")
    }

    // MARK: Named sets

    /// A named set from constants. The moduli are the primes `Primes.nttPrimes` finds (per bit size, largest size
    /// first: the first primes `= 1 mod 2N` below `2^bits`), pinned so that no search runs at start and nothing can
    /// fail; BFVParameterSetTests checks every set against the search and against the validation of
    /// ``init(name:polyDegree:plainModulus:coefficientModuli:)``.
    private static func make(_ name: String, degree: Int, moduli: [UInt64], plainModulus: UInt64 = 65537,
                             special: Int = 0) -> BFVParameters {
        BFVParameters(pinned: name, polyDegree: degree, plainModulus: plainModulus, coefficientModuli: moduli,
                      specialPrimeCount: special)
    }

    private init(pinned name: String, polyDegree: Int, plainModulus: UInt64, coefficientModuli: [UInt64],
                 specialPrimeCount: Int) {
        self.name = name
        self.polyDegree = polyDegree
        self.plainModulus = plainModulus
        self.coefficientModuli = coefficientModuli
        self.specialPrimeCount = specialPrimeCount
    }

    /// N = 4096, q = 55 + 54 bits (109 <= 109), t = 65537. 128-bit secure; the Hamming-search default.
    public static let n4096 = make("n4096", degree: 4096, moduli: [0x7F_FFFF_FFFB_4001, 0x3F_FFFF_FFFD_6001])
    /// N = 4096, q = one 59-bit prime (59 <= 109), t = 65537. 128-bit secure (with a wide margin). Enough for
    /// depth-1 circuits such as the encrypted Hamming search with an unscaled multiplier
    /// (``BFVContext/multiply(_:by:rerandomizingWith:using:)``), not for a BEHZ multiplication followed by more
    /// work. The Hamming-search default: every product costs one limb.
    public static let n4096single = make("n4096single", degree: 4096, moduli: [0x7FF_FFFF_FFFF_E001])
    /// N = 4096, q = the 59-bit prime of ``n4096single`` (59 <= 109), **t = 257** (coefficient encoding only, no
    /// SIMD batching). 128-bit secure. The encrypted Hamming search default (MedSearchHESearch's bit-sliced layout):
    /// the small `t` leaves a scale `Delta ~ 2^51` for the depth-1 inner product, and responses switched to `2^k`
    /// need only `k = 25` bits per coefficient (`log t + 16`) instead of 33 with `t = 65537`.
    public static let n4096hamming = make("n4096hamming", degree: 4096, moduli: [0x7FF_FFFF_FFFF_E001],
                                          plainModulus: 257)
    /// N = 4096, q = the 59-bit prime of ``n4096hamming``, t = 257, plus a **50-bit special prime** `P` for Galois
    /// keys (59 + 50 = 109 <= 109: 128-bit secure, at the bound). Ciphertexts are exactly those of ``n4096hamming``
    /// (one 59-bit limb); the special prime and two-digit key switching (``keySwitchDigits``) let the server expand a
    /// one-ciphertext query with automorphisms (``BFVContext/expand(_:count:keys:)``). The encrypted Hamming search
    /// and TrustMedSearch default.
    public static let n4096expand = make("n4096expand", degree: 4096, moduli: [0x7FF_FFFF_FFFF_E001, 0x3_FFFF_FFFF_C001],
                                         plainModulus: 257, special: 1)
    /// N = 8192, 3 x 55-bit primes (165 <= 218), t = 65537. 128-bit secure. The third prime is the special
    /// key-switching prime: ciphertexts live modulo the first two (110 bits), keys modulo all three (the shape of
    /// Microsoft SEAL's `CoeffModulus::Create(8192, {55, 55, 55})`, whose last prime SEAL also keeps as its special
    /// prime).
    public static let n8192 = make("n8192", degree: 8192,
                                 moduli: [0x7F_FFFF_FFFB_4001, 0x7F_FFFF_FFEA_C001, 0x7F_FFFF_FFE9_0001], special: 1)
    /// N = 16384, 8 x 54-bit primes (432 <= 438), t = 65537. 128-bit secure. The last prime is the special
    /// key-switching prime (ciphertexts modulo the first seven, 378 bits).
    public static let n16384 = make("n16384", degree: 16384, moduli: [
        0x3F_FFFF_FFEF_8001, 0x3F_FFFF_FFEB_8001, 0x3F_FFFF_FFE3_8001, 0x3F_FFFF_FFDD_8001,
        0x3F_FFFF_FFD7_8001, 0x3F_FFFF_FFD6_0001, 0x3F_FFFF_FFCA_0001, 0x3F_FFFF_FFAF_8001,
    ], special: 1)
    /// Tests only: N = 256, q = 2 x 50 bits.
    public static let insecureN256 = make("insecureN256", degree: 256, moduli: [0x3_FFFF_FFFF_C001, 0x3_FFFF_FFFF_B201])
    /// Tests only: N = 512, q = 3 x 45 bits.
    public static let insecureN512 = make("insecureN512", degree: 512,
                                        moduli: [0x1FFF_FFFF_A401, 0x1FFF_FFFF_9001, 0x1FFF_FFFE_DC01])
    /// Tests only: N = 1024, q = 2 x 55 bits.
    public static let insecureN1024 = make("insecureN1024", degree: 1024, moduli: [0x7F_FFFF_FFFD_D001, 0x3F_FFFF_FFFE_D001])

    /// Tests only: N = 512, 46 + 45 + 45 bits, the last one the special key-switching prime (hybrid key switching;
    /// data modulus 46 + 45 bits). Its primes differ from ``insecureN512``'s so that serialised objects of the two sets
    /// are told apart.
    public static let insecureN512Special = make("insecureN512Special", degree: 512,
                                               moduli: [0x3FFF_FFFF_6401, 0x1FFF_FFFF_A401, 0x1FFF_FFFF_9001], special: 1)

    /// Tests only: N = 256, q = 2 x 50 bits, t = 257 (coefficient encoding only).
    public static let insecureN256SmallT = make("insecureN256SmallT", degree: 256,
                                              moduli: [0x3_FFFF_FFFF_C001, 0x3_FFFF_FFFF_B201], plainModulus: 257)

    /// Tests only: N = 256, t = 257, a 50-bit data prime and a 40-bit special prime (query expansion with two-digit
    /// key switching, the shape of ``n4096expand``).
    public static let insecureN256Expand = make("insecureN256Expand", degree: 256,
                                              moduli: [0x3_FFFF_FFFF_C001, 0xFF_FFFF_A201], plainModulus: 257, special: 1)

    /// Every named set.
    public static let all: [BFVParameters] = [n4096, n4096single, n4096hamming, n4096expand, n8192, n16384, insecureN256,
                                              insecureN512, insecureN1024, insecureN256SmallT, insecureN512Special,
                                              insecureN256Expand]

    /// The named set called `name`.
    public static func named(_ name: String) throws(BFVError) -> BFVParameters {
        guard let set = all.first(where: { $0.name == name }) else { throw .unknownParameterSet(name) }
        return set
    }
}

extension BFVParameters {
    /// Writes `N`, `t` and every prime, the special one included (binds every serialised object to its parameters;
    /// which prime is special is a property of the named set).
    public func write(to writer: inout ByteWriter) {
        writer.write(UInt32(polyDegree))
        writer.write(plainModulus)
        writer.write(UInt8(coefficientModuli.count))
        for q in coefficientModuli { writer.write(q) }
    }

    /// Reads parameters written by ``write(to:)`` and checks that they equal `self`.
    ///
    /// - Throws: ``BFVError/parameterMismatch(_:)`` or ``BFVError/malformed(_:)``.
    public func readAndCheck(from reader: inout ByteReader) throws(BFVError) {
        do {
            let degree = Int(try reader.read(UInt32.self))
            let t = try reader.read(UInt64.self)
            let count = Int(try reader.read(UInt8.self))
            guard count <= 16 else { throw BFVError.malformed("\(count) coefficient moduli") }
            var moduli: [UInt64] = []
            for _ in 0..<count { moduli.append(try reader.read(UInt64.self)) }
            guard degree == polyDegree, t == plainModulus, moduli == coefficientModuli else {
                throw BFVError.parameterMismatch(
                    "object has N=\(degree), t=\(t), \(count) moduli; context \(name) has N=\(polyDegree), "
                        + "t=\(plainModulus), \(coefficientModuli.count) moduli")
            }
        } catch let error as BFVError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }
}
