import Synchronization

/// Scratch buffers of `UInt64` reused across calls, so that the hot paths (multiplication, key switching,
/// decryption) neither allocate nor fault in fresh pages per operation (Microsoft SEAL's memory pool does the same
/// for its temporaries). Thread-safe; a buffer is lent to one caller at a time. At most ``maximumPerSize`` idle
/// buffers of each size are kept (the sizes are few: they depend only on `N` and the limb counts), the rest are
/// freed, so the pool is bounded by the work that ran concurrently.
final class ScratchPool: Sendable {
    /// Idle buffers by size, as addresses (a lent buffer belongs to its borrower alone).
    private let idle = Mutex<[Int: [UInt]]>([:])
    /// Idle buffers kept per size (one per core of the machines this runs on, with room to spare).
    static let maximumPerSize = 8

    /// Lends a buffer of `count` values (contents undefined) for the duration of `body`.
    @inline(__always)
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<UInt64>) -> R) -> R {
        let buffer = take(count)
        defer { give(buffer, count: count) }
        return body(buffer)
    }

    private func take(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        let reused = idle.withLock { $0[count]?.popLast() }
        return reused.flatMap { UnsafeMutablePointer<UInt64>(bitPattern: $0) }
            ?? UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
    }

    private func give(_ buffer: UnsafeMutablePointer<UInt64>, count: Int) {
        let kept = idle.withLock { idle -> Bool in
            guard idle[count, default: []].count < Self.maximumPerSize else { return false }
            idle[count, default: []].append(UInt(bitPattern: buffer))
            return true
        }
        if !kept { buffer.deallocate() }
    }

    deinit {
        idle.withLock { idle in
            for address in idle.values.joined() { UnsafeMutablePointer<UInt64>(bitPattern: address)?.deallocate() }
        }
    }
}
