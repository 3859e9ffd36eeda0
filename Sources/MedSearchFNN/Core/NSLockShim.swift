import Foundation

/// A plain mutex (Foundation's `NSLock`), named so engine code does not depend on a lock type directly.
final class NSLockShim: @unchecked Sendable {
    // @unchecked: NSLock is thread-safe.
    private let mutex = NSLock()
    func lock() { mutex.lock() }
    func unlock() { mutex.unlock() }
}
