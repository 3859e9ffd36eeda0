import CGMP

extension BigInt {
    /// The sum.
    @inlinable
    public static func + (lhs: BigInt, rhs: BigInt) -> BigInt {
        make { __gmpz_add($0, lhs.pointer, rhs.pointer) }
    }

    /// The difference.
    @inlinable
    public static func - (lhs: BigInt, rhs: BigInt) -> BigInt {
        make { __gmpz_sub($0, lhs.pointer, rhs.pointer) }
    }

    /// The product.
    @inlinable
    public static func * (lhs: BigInt, rhs: BigInt) -> BigInt {
        make { __gmpz_mul($0, lhs.pointer, rhs.pointer) }
    }

    /// The quotient rounded towards zero (like `Int`'s `/`).
    ///
    /// - Precondition: `rhs` is not zero.
    @inlinable
    public static func / (lhs: BigInt, rhs: BigInt) -> BigInt {
        precondition(!rhs.isZero, "division by zero")
        return make { __gmpz_tdiv_q($0, lhs.pointer, rhs.pointer) }
    }

    /// The remainder with the sign of `lhs` (like `Int`'s `%`). Use ``modulo(_:)`` for a non-negative result.
    ///
    /// - Precondition: `rhs` is not zero.
    @inlinable
    public static func % (lhs: BigInt, rhs: BigInt) -> BigInt {
        precondition(!rhs.isZero, "division by zero")
        return make { __gmpz_tdiv_r($0, lhs.pointer, rhs.pointer) }
    }

    /// The negation.
    @inlinable
    public static prefix func - (operand: BigInt) -> BigInt {
        make { __gmpz_neg($0, operand.pointer) }
    }

    /// Adds in place.
    @inlinable
    public static func += (lhs: inout BigInt, rhs: BigInt) {
        lhs.makeUnique()
        __gmpz_add(lhs.pointer, lhs.pointer, rhs.pointer)
    }

    /// Subtracts in place.
    @inlinable
    public static func -= (lhs: inout BigInt, rhs: BigInt) {
        lhs.makeUnique()
        __gmpz_sub(lhs.pointer, lhs.pointer, rhs.pointer)
    }

    /// Multiplies in place.
    @inlinable
    public static func *= (lhs: inout BigInt, rhs: BigInt) {
        lhs.makeUnique()
        __gmpz_mul(lhs.pointer, lhs.pointer, rhs.pointer)
    }

    /// Divides in place, rounding towards zero.
    @inlinable
    public static func /= (lhs: inout BigInt, rhs: BigInt) {
        lhs = lhs / rhs
    }

    /// Takes the truncated remainder in place.
    @inlinable
    public static func %= (lhs: inout BigInt, rhs: BigInt) {
        lhs = lhs % rhs
    }

    /// The sum with a machine integer.
    @inlinable
    public static func + (lhs: BigInt, rhs: Int) -> BigInt {
        make {
            if rhs >= 0 { __gmpz_add_ui($0, lhs.pointer, UInt(rhs)) } else { __gmpz_sub_ui($0, lhs.pointer, rhs.magnitude) }
        }
    }

    /// The difference with a machine integer.
    @inlinable
    public static func - (lhs: BigInt, rhs: Int) -> BigInt {
        make {
            if rhs >= 0 { __gmpz_sub_ui($0, lhs.pointer, UInt(rhs)) } else { __gmpz_add_ui($0, lhs.pointer, rhs.magnitude) }
        }
    }

    /// The product with a machine integer.
    @inlinable
    public static func * (lhs: BigInt, rhs: Int) -> BigInt {
        make { __gmpz_mul_si($0, lhs.pointer, rhs) }
    }

    /// The value shifted left by `bits` (multiplied by 2^bits).
    @inlinable
    public static func << (lhs: BigInt, bits: Int) -> BigInt {
        precondition(bits >= 0, "shift count must be non-negative")
        return make { __gmpz_mul_2exp($0, lhs.pointer, mp_bitcnt_t(bits)) }
    }

    /// The value shifted right by `bits`, rounding towards minus infinity (floor of x / 2^bits).
    @inlinable
    public static func >> (lhs: BigInt, bits: Int) -> BigInt {
        precondition(bits >= 0, "shift count must be non-negative")
        return make { __gmpz_fdiv_q_2exp($0, lhs.pointer, mp_bitcnt_t(bits)) }
    }

    /// The absolute value.
    @inlinable
    public var magnitude: BigInt { BigInt.make { __gmpz_abs($0, pointer) } }

    /// The low `bits` bits of the magnitude's two's-complement form (x mod 2^bits, non-negative).
    @inlinable
    public func lowBits(_ bits: Int) -> BigInt {
        precondition(bits >= 0, "bit count must be non-negative")
        return BigInt.make { __gmpz_fdiv_r_2exp($0, pointer, mp_bitcnt_t(bits)) }
    }

    /// Quotient and remainder rounding towards minus infinity: `self = q * divisor + r`, `r` has the sign of the
    /// divisor.
    ///
    /// - Precondition: `divisor` is not zero.
    @inlinable
    public func floorDivided(by divisor: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        precondition(!divisor.isZero, "division by zero")
        let q = BigInt(), r = BigInt()
        __gmpz_fdiv_qr(q.pointer, r.pointer, pointer, divisor.pointer)
        return (q, r)
    }

    /// `self` raised to a machine-integer power (no modulus).
    @inlinable
    public func power(_ exponent: Int) -> BigInt {
        precondition(exponent >= 0, "exponent must be non-negative")
        return BigInt.make { __gmpz_pow_ui($0, pointer, UInt(exponent)) }
    }

    /// The greatest common divisor (non-negative).
    @inlinable
    public static func gcd(_ a: BigInt, _ b: BigInt) -> BigInt {
        make { __gmpz_gcd($0, a.pointer, b.pointer) }
    }

    /// The least common multiple (non-negative).
    @inlinable
    public static func lcm(_ a: BigInt, _ b: BigInt) -> BigInt {
        make { __gmpz_lcm($0, a.pointer, b.pointer) }
    }
}
