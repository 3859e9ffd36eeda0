import Foundation
import MedSearchBigInt
import MedSearchCore

/// A thread-safe pool of precomputed randomizers `r^N mod N^2`, refilled by a background thread.
///
/// Encryption with a warm pool is one multiplication mod `N^2` (``encrypt(_:)``), about a thousand times faster
/// than computing `r^N` inline. Each randomizer is handed out exactly once. When the pool is empty, ``next()``
/// computes one inline (and counts a miss), so callers never block on the filler.
///
/// ```swift
/// let pool = PaillierRandomizerPool(publicKey: pk, capacity: 4096)
/// pool.waitUntilFilled(minimum: 256)
/// let c = pool.encrypt(BigInt(42))
/// ```
///
/// The filler threads stop when the pool is released or ``stop()`` is called.
public final class PaillierRandomizerPool: @unchecked Sendable {
    // @unchecked: every mutable field lives in `State`, guarded by its NSCondition.
    /// The key whose randomizers this pool holds.
    public let publicKey: PaillierPublicKey
    /// The number of randomizers the filler keeps ready.
    public let capacity: Int
    private let state: State

    private final class State: @unchecked Sendable {
        // @unchecked: all fields are read and written with `condition` locked.
        let condition = NSCondition()
        var values: [BigInt] = []
        var stopped = false
        var misses = 0
        var produced = 0
    }

    /// Creates a pool and starts `fillerThreads` background threads that keep `capacity` randomizers ready.
    ///
    /// - Parameters:
    ///   - publicKey: the key.
    ///   - capacity: how many randomizers to keep (each is `2 * bits` bits: 512 bytes at 2048 bits).
    ///   - fillerThreads: background threads (0 = fill only through ``fill(count:)``).
    public init(publicKey: PaillierPublicKey, capacity: Int = 1024, fillerThreads: Int = 1) {
        precondition(capacity > 0 && fillerThreads >= 0, "capacity must be positive")
        self.publicKey = publicKey
        self.capacity = capacity
        self.state = State()
        state.values.reserveCapacity(capacity)
        for index in 0..<fillerThreads {
            let state = self.state, key = publicKey
            let thread = Thread {
                Self.fillLoop(state: state, publicKey: key, capacity: capacity)
            }
            thread.name = "paillier-pool-\(index)"
            thread.qualityOfService = .utility
            thread.start()
        }
    }

    deinit { stop() }

    private static func fillLoop(state: State, publicKey: PaillierPublicKey, capacity: Int) {
        var generator = SecureRandomGenerator()
        while true {
            state.condition.lock()
            while !state.stopped && state.values.count >= capacity { state.condition.wait() }
            let stop = state.stopped
            state.condition.unlock()
            if stop { return }
            let value = publicKey.randomizer(using: &generator)
            state.condition.lock()
            if state.values.count < capacity {
                state.values.append(value)
                state.produced += 1
            }
            state.condition.broadcast()
            state.condition.unlock()
        }
    }

    /// Stops the filler threads (randomizers already made stay available).
    public func stop() {
        state.condition.lock()
        state.stopped = true
        state.condition.broadcast()
        state.condition.unlock()
    }

    /// The number of randomizers ready now.
    public var available: Int {
        state.condition.lock()
        defer { state.condition.unlock() }
        return state.values.count
    }

    /// How many times ``next()`` found the pool empty and computed a randomizer inline.
    public var misses: Int {
        state.condition.lock()
        defer { state.condition.unlock() }
        return state.misses
    }

    /// Takes one randomizer, computing it inline when the pool is empty.
    public func next() -> BigInt {
        state.condition.lock()
        if let value = state.values.popLast() {
            state.condition.signal()
            state.condition.unlock()
            return value
        }
        state.misses += 1
        state.condition.signal()
        state.condition.unlock()
        return publicKey.randomizer()
    }

    /// Encrypts `plaintext` with a pooled randomizer.
    public func encrypt(_ plaintext: BigInt) -> PaillierCiphertext {
        publicKey.encrypt(plaintext, randomizer: next())
    }

    /// Encrypts a machine integer with a pooled randomizer.
    public func encrypt(_ plaintext: Int) -> PaillierCiphertext {
        encrypt(BigInt(plaintext))
    }

    /// Re-randomises `ciphertext` with a pooled randomizer.
    public func rerandomize(_ ciphertext: PaillierCiphertext) -> PaillierCiphertext {
        publicKey.rerandomize(ciphertext, randomizer: next())
    }

    /// Computes up to `count` randomizers on the calling thread and adds them (never beyond ``capacity``).
    public func fill(count: Int) {
        var generator = SecureRandomGenerator()
        for _ in 0..<count {
            let value = publicKey.randomizer(using: &generator)
            state.condition.lock()
            let full = state.values.count >= capacity
            if !full {
                state.values.append(value)
                state.produced += 1
            }
            state.condition.unlock()
            if full { return }
        }
    }

    /// Blocks until at least `minimum` randomizers are ready (capped at ``capacity``), or `timeout` seconds pass.
    ///
    /// - Returns: whether the pool reached the level.
    @discardableResult
    public func waitUntilFilled(minimum: Int? = nil, timeout: TimeInterval = 600) -> Bool {
        let target = min(minimum ?? capacity, capacity)
        let deadline = Date(timeIntervalSinceNow: timeout)
        state.condition.lock()
        defer { state.condition.unlock() }
        while state.values.count < target {
            if state.stopped { return false }
            if !state.condition.wait(until: deadline) { return state.values.count >= target }
        }
        return true
    }
}
