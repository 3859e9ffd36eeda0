/// Errors of the modular arithmetic layer.
public enum ModularError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A prime search was asked for an unsupported bit size or a degree that is not a power of two.
    case invalidPrimeRequest(bitCount: Int, polyDegree: Int)
    /// Not enough NTT-friendly primes of the requested size exist.
    case notEnoughPrimes(bitCount: Int, polyDegree: Int)
    /// The modulus has no primitive root of unity of the requested order.
    case noRootOfUnity(modulus: UInt64, order: Int)

    public var description: String {
        switch self {
        case let .invalidPrimeRequest(bits, degree):
            "invalid prime request: \(bits) bits, degree \(degree) (need 2...62 bits and a power-of-two degree)"
        case let .notEnoughPrimes(bits, degree):
            "not enough \(bits)-bit primes congruent to 1 mod \(2 * degree)"
        case let .noRootOfUnity(modulus, order):
            "modulus \(modulus) has no primitive root of unity of order \(order)"
        }
    }
}
