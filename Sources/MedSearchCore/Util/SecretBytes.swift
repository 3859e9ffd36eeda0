import CMedSearchShims

/// Key material that is overwritten with zeros when the last reference goes away.
///
/// Copies share one store (reference semantics, immutable after creation), so wiping happens once.
/// - Warning: Bytes handed out by ``withUnsafeBytes(_:)`` or ``copyBytes()`` are not wiped for you.
public final class SecretBytes: @unchecked Sendable {
    // @unchecked: the storage is written only in init and deinit; reads are shared and immutable.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into wiped-on-release storage.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        _ = UnsafeMutableRawBufferPointer(rebasing: storage[0..<bytes.count]).initializeMemory(as: UInt8.self, from: bytes)
        count = bytes.count
    }

    /// Fresh random secret bytes from the system CSPRNG.
    public convenience init(randomCount: Int) {
        var random = SecureRandom.bytes(randomCount)
        self.init(random)
        constantTimeWipe(&random)
    }

    /// The number of secret bytes.
    public let count: Int

    /// Calls `body` with the secret bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// A plain copy of the bytes (the caller must wipe it with ``constantTimeWipe(_:)``).
    public func copyBytes() -> [UInt8] { withUnsafeBytes { Array($0) } }

    deinit {
        medsearch_zeroize(storage.baseAddress, storage.count)
        storage.deallocate()
    }
}

/// Overwrites an array's bytes with zeros.
public func constantTimeWipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { medsearch_zeroize($0.baseAddress, $0.count) }
}

/// Compares two byte strings in time that depends only on their lengths.
public func constantTimeEquals<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
where A.Element == UInt8, B.Element == UInt8 {
    let x = Array(a), y = Array(b)
    guard x.count == y.count else { return false }
    return x.withUnsafeBytes { xp in
        y.withUnsafeBytes { yp in medsearch_constant_time_compare(xp.baseAddress, yp.baseAddress, x.count) == 0 }
    }
}
