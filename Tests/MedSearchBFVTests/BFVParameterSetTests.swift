import MedSearchBFV
import MedSearchModular
import Testing

/// The named parameter sets hold their moduli as constants (no prime search at start): each must be exactly what
/// the prime search gives and pass the validation applied to parameters read from outside.
@Suite("BFV named parameter sets")
struct BFVParameterSetTests {
    static let sets: [BFVParameters] = [.n4096, .n4096single, .n4096hamming, .n4096expand, .n8192, .n16384, .insecureN256,
                                        .insecureN512, .insecureN1024, .insecureN256SmallT, .insecureN512Special,
                                        .insecureN256Expand]
    /// The bit size of each prime and the plaintext modulus, as each set's documentation states them.
    static let shapes: [(bits: [Int], t: UInt64)] = [
        ([55, 54], 65537), ([59], 65537), ([59], 257), ([59, 50], 257), ([55, 55, 55], 65537),
        (Array(repeating: 54, count: 8), 65537), ([50, 50], 65537), ([45, 45, 45], 65537), ([55, 54], 65537), ([50, 50], 257),
        ([46, 45, 45], 65537), ([50, 40], 257),
    ]
    /// The sets whose last prime is the special key-switching prime (ciphertexts live modulo the others).
    static let special: Set<String> = ["n4096expand", "n8192", "n16384", "insecureN512Special", "insecureN256Expand"]

    @Test("pinned moduli equal the NTT-friendly primes the search finds, of the stated sizes",
          arguments: zip(sets, shapes.map(\.bits)))
    func pinnedModuli(parameters: BFVParameters, bits: [Int]) throws {
        // The search: per bit size, largest first, the first primes = 1 mod 2N below 2^bits.
        var expected: [UInt64] = []
        for size in Set(bits).sorted(by: >) {
            expected += try Primes.nttPrimes(bitCount: size, count: bits.count(where: { $0 == size }),
                                             polyDegree: parameters.polyDegree, excluding: Set(expected))
        }
        #expect(parameters.coefficientModuli == expected)
        #expect(parameters.coefficientModuli.map { 64 - $0.leadingZeroBitCount } == bits)
        for q in parameters.coefficientModuli {
            #expect(Primes.isNTTFriendly(q, polyDegree: parameters.polyDegree))
        }
        let validated = try BFVParameters(name: parameters.name, polyDegree: parameters.polyDegree,
                                          plainModulus: parameters.plainModulus,
                                          coefficientModuli: parameters.coefficientModuli,
                                          specialPrimeCount: parameters.specialPrimeCount)
        #expect(validated == parameters)
        #expect(parameters.specialPrimeCount == (Self.special.contains(parameters.name) ? 1 : 0))
        #expect(parameters.limbCount + parameters.specialPrimeCount == bits.count)
        #expect(parameters.dataModulusBits == bits.prefix(parameters.limbCount).reduce(0, +))
        #expect(parameters.isSecure == !parameters.name.hasPrefix("insecure"))
    }

    @Test("plaintext moduli are the documented ones; batching exactly where t = 1 mod 2N")
    func plaintextModuli() {
        for (parameters, shape) in zip(Self.sets, Self.shapes) {
            #expect(parameters.plainModulus == shape.t, "\(parameters.name)")
            #expect(parameters.supportsBatching == (shape.t == 65537), "\(parameters.name)")
        }
    }

    @Test("every named set is listed once and found by name")
    func names() throws {
        #expect(BFVParameters.all == Self.sets)
        for parameters in Self.sets { #expect(try BFVParameters.named(parameters.name) == parameters) }
        #expect(throws: BFVError.self) { try BFVParameters.named("n2048") }
    }
}
