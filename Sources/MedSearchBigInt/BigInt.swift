import CGMP
import CMedSearchShims

/// An arbitrary-precision signed integer backed by GMP's `mpz_t`, with value semantics.
///
/// `BigInt` is a copy-on-write struct over a final-class store that owns one `mpz_t`, in the shape of
/// swift-crypto's `ArbitraryPrecisionInteger`: copies share the store until one of them is mutated, and the
/// store calls `mpz_clear` when the last copy goes away. Values marked secret (``markSecret()``) have their
/// limbs overwritten with zeros before they are released.
///
/// ```swift
/// let n = try BigInt("340282366920938463463374607431768211457", radix: 10)
/// let r = BigInt.random(below: n)
/// let c = r.power(65537, modulo: n, variableTime: true)   // public exponent
/// ```
///
/// - Warning: Arithmetic runs in GMP's ordinary (variable-time) code except ``power(_:modulo:variableTime:)``
///   with `variableTime: false`, which uses `mpz_powm_sec`. GMP also frees intermediate buffers without
///   wiping them; see docs/crypto.md for what "wiped" covers.
public struct BigInt: Sendable {
    @usableFromInline
    var storage: Storage

    /// The store of one `mpz_t`; shared between copies until one of them mutates.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        // @unchecked: the mpz is mutated only through a uniquely referenced BigInt (copy on write);
        // shared stores are only read, and GMP's read-only functions are thread-safe.
        @usableFromInline let pointer: UnsafeMutablePointer<__mpz_struct>
        @usableFromInline var isSecret: Bool

        @usableFromInline
        init() {
            pointer = .allocate(capacity: 1)
            __gmpz_init(pointer)
            isSecret = false
        }

        @usableFromInline
        init(copying other: Storage) {
            pointer = .allocate(capacity: 1)
            __gmpz_init_set(pointer, other.pointer)
            isSecret = other.isSecret
        }

        /// Zeroes the limbs GMP currently has allocated for this value.
        func wipe() {
            let allocated = Int(pointer.pointee._mp_alloc)
            if allocated > 0, let limbs = pointer.pointee._mp_d {
                medsearch_zeroize(limbs, allocated * MemoryLayout<mp_limb_t>.size)
            }
        }

        deinit {
            if isSecret { wipe() }
            __gmpz_clear(pointer)
            pointer.deallocate()
        }
    }

    /// Zero.
    @inlinable
    public init() {
        storage = Storage()
    }

    /// Creates a value from a machine integer.
    @inlinable
    public init(_ value: Int) {
        storage = Storage()
        __gmpz_set_si(storage.pointer, value)
    }

    /// Creates a value from an unsigned machine integer.
    @inlinable
    public init(_ value: UInt) {
        storage = Storage()
        __gmpz_set_ui(storage.pointer, value)
    }

    /// Creates a value from a 64-bit unsigned integer.
    @inlinable
    public init(_ value: UInt64) {
        self.init(UInt(value))
    }

    /// Creates a value from a 32-bit unsigned integer.
    @inlinable
    public init(_ value: UInt32) {
        self.init(UInt(value))
    }

    /// Calls `body` with a read-only pointer to the underlying `mpz_t` (for callers that use GMP directly).
    @inlinable
    public func withUnsafeMPZ<R>(_ body: (UnsafePointer<__mpz_struct>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.pointer))
    }

    /// Calls `body` with a mutable pointer to the underlying `mpz_t`, after making the store unique.
    @inlinable
    public mutating func withUnsafeMutableMPZ<R>(_ body: (UnsafeMutablePointer<__mpz_struct>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(storage.pointer)
    }

    /// Copies the store if it is shared, so the next mutation does not affect other copies.
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(copying: storage)
        }
    }

    /// The read-only pointer to the value (valid while `self` is alive and unmodified).
    @inlinable
    var pointer: UnsafeMutablePointer<__mpz_struct> { storage.pointer }

    /// Marks this value as secret: its limbs (and those of copies made from it) are zeroed before release.
    public mutating func markSecret() {
        makeUnique()
        storage.isSecret = true
    }

    /// Whether this value is wiped on release.
    public var isSecret: Bool { storage.isSecret }

    /// Overwrites the value with zero now (and wipes its limbs), whatever other copies still hold.
    ///
    /// Copies that share this store keep their own value: the store is made unique first.
    public mutating func wipe() {
        makeUnique()
        storage.wipe()
        __gmpz_set_ui(storage.pointer, 0)
    }

    /// Creates the result of a GMP operation on a fresh store.
    @inlinable
    static func make(_ operation: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigInt {
        let result = BigInt()
        operation(result.storage.pointer)
        return result
    }
}

extension BigInt: ExpressibleByIntegerLiteral {
    /// Creates a value from an integer literal.
    @inlinable
    public init(integerLiteral value: Int) { self.init(value) }
}

extension BigInt: Equatable, Comparable, Hashable {
    @inlinable
    public static func == (lhs: BigInt, rhs: BigInt) -> Bool {
        __gmpz_cmp(lhs.pointer, rhs.pointer) == 0
    }

    @inlinable
    public static func < (lhs: BigInt, rhs: BigInt) -> Bool {
        __gmpz_cmp(lhs.pointer, rhs.pointer) < 0
    }

    /// Compares with a machine integer without allocating.
    @inlinable
    public static func == (lhs: BigInt, rhs: Int) -> Bool {
        __gmpz_cmp_si(lhs.pointer, rhs) == 0
    }

    /// Compares with a machine integer without allocating: negative, zero or positive as `self` is below,
    /// equal to or above `other`.
    @inlinable
    public func compare(to other: Int) -> Int {
        Int(__gmpz_cmp_si(pointer, other).signum())
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(signum)
        hasher.combine(magnitudeBytes())
    }
}

extension BigInt {
    /// -1, 0 or 1.
    @inlinable
    public var signum: Int {
        let size = pointer.pointee._mp_size
        return size < 0 ? -1 : (size > 0 ? 1 : 0)
    }

    /// Whether the value is zero.
    @inlinable
    public var isZero: Bool { pointer.pointee._mp_size == 0 }

    /// Whether the value is negative.
    @inlinable
    public var isNegative: Bool { pointer.pointee._mp_size < 0 }

    /// Whether the value is odd.
    @inlinable
    public var isOdd: Bool {
        pointer.pointee._mp_size != 0 && (pointer.pointee._mp_d[0] & 1) == 1
    }

    /// The number of bits of the magnitude (0 for zero).
    @inlinable
    public var bitWidth: Int {
        isZero ? 0 : Int(__gmpz_sizeinbase(pointer, 2))
    }

    /// The number of bytes of the magnitude (0 for zero).
    @inlinable
    public var byteCount: Int { (bitWidth + 7) / 8 }

    /// Whether bit `index` (0 = least significant) of the two's-complement value is set.
    @inlinable
    public func testBit(_ index: Int) -> Bool {
        precondition(index >= 0, "bit index must be non-negative")
        return __gmpz_tstbit(pointer, mp_bitcnt_t(index)) == 1
    }

    /// The value as an `Int`, or nil when it does not fit.
    public var asInt: Int? {
        __gmpz_fits_slong_p(pointer) != 0 ? __gmpz_get_si(pointer) : nil
    }

    /// The value as a `UInt64`, or nil when it is negative or does not fit.
    public var asUInt64: UInt64? {
        __gmpz_fits_ulong_p(pointer) != 0 ? UInt64(__gmpz_get_ui(pointer)) : nil
    }

    /// The value as a `Double` (truncated towards zero, rounded to 53 bits).
    public var doubleValue: Double { __gmpz_get_d(pointer) }
}
