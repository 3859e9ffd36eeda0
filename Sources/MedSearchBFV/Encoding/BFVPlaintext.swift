/// A BFV plaintext: a polynomial with coefficients modulo `t` (`N` of them, each `< t`).
///
/// Made by ``BFVContext/encode(_:)`` (SIMD slots) or ``BFVContext/encodeCoefficients(_:)`` (coefficients);
/// plaintexts stay on the client unless a protocol says otherwise.
public struct BFVPlaintext: Sendable, Equatable {
    /// The coefficients modulo `t`.
    public let coefficients: [UInt64]

    /// A plaintext over reduced coefficients (`count == N`, each `< t`; checked by the context's encoders).
    init(coefficients: [UInt64]) {
        self.coefficients = coefficients
    }
}
