import CMedSearchShims

/// The project's cryptographically secure generator: keys, nonces, masks, randomizers and protocol coins.
///
/// It hands out words of a small buffer that it refills from the kernel's CSPRNG (`getrandom(2)`, 256 bytes at a
/// time, the largest request the kernel answers in full). Each word is zeroed in the buffer as it is handed out,
/// so the buffer never holds an output already used, and what is left is zeroed when the generator goes away.
///
/// Why not `SystemRandomNumberGenerator`: it reads the same `getrandom(2)`, but it is an empty struct, and under
/// ThreadSanitizer (`swift build --sanitize=thread`, Swift 6.3) a generic function's instrumented `inout` access
/// to an empty struct crashes the sanitizer runtime (`__tsan::ExternalAccess` on a meaningless address). Every
/// secure call site passes its generator `inout` to generic code, so the sanitizer could not run the project at
/// all; a generator with storage has a real address. The buffer also saves a system call per 64-bit word.
///
/// It is a class so that a copy never repeats another copy's outputs (copying a struct with a buffer would).
/// One instance belongs to one thread or task at a time (not `Sendable`): create one where randomness is needed.
/// Tests and benchmarks that need reproducible streams use ``SeededRandomNumberGenerator`` instead.
public final class SecureRandomGenerator: RandomNumberGenerator {
    /// Words obtained from the kernel per refill (256 bytes).
    public static let bufferWords = 32

    private let buffer: UnsafeMutablePointer<UInt64>
    private var position: Int
    /// How many times the buffer was filled from the kernel.
    private(set) var refills = 0

    /// A generator with an empty buffer (the first ``next()`` fills it).
    public init() {
        buffer = .allocate(capacity: Self.bufferWords)
        buffer.initialize(repeating: 0, count: Self.bufferWords)
        position = Self.bufferWords
    }

    deinit {
        medsearch_zeroize(buffer, Self.bufferWords * MemoryLayout<UInt64>.size)
        buffer.deallocate()
    }

    /// The next 64 random bits.
    public func next() -> UInt64 {
        if position == Self.bufferWords { refill() }
        let word = buffer[position]
        buffer[position] = 0
        position += 1
        return word
    }

    /// The buffer's words as they are now (zero where a word was handed out), for tests.
    var bufferedWords: [UInt64] { (0..<Self.bufferWords).map { buffer[$0] } }

    private func refill() {
        let status = medsearch_getrandom(buffer, Self.bufferWords * MemoryLayout<UInt64>.size)
        // getrandom(2) fails only without kernel support (before Linux 3.17) or on a bad address; the standard
        // library's generator stops the process in that case too: there is no secure fallback.
        guard status == 0 else { fatalError("getrandom(2) failed with errno \(status): no secure randomness") }
        position = 0
        refills += 1
    }
}

/// One instance is used by one thread or task at a time.
@available(*, unavailable)
extension SecureRandomGenerator: Sendable {}
