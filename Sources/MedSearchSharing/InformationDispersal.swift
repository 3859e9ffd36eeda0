/// Rabin-style information dispersal as a systematic Reed-Solomon code over GF(256).
///
/// Data of length L is cut into `m` stripes of `ceil(L / m)` bytes (the last zero-padded); fragment `x` for
/// `x` in 1...m is stripe `x` itself, and fragment `x` in (m+1)...n is the GF(256) combination
/// `sum_i C[x][i] * stripe_i` with the Cauchy coefficients `C[x][i] = 1 / ((x - 1) XOR i)`. Every square
/// submatrix of a Cauchy matrix is invertible, so the generator `[I; C]` is MDS: any `m` fragments rebuild the
/// data. Each fragment is `1/m` of the data, so n fragments store `n/m` times the data (not n copies).
///
/// - Note: dispersal alone hides nothing (systematic fragments are plain stripes); ``VerifiableSharing`` applies
///   it to AES-GCM ciphertext and Shamir-shares the key (Krawczyk's "secret sharing made short", CRYPTO 1993).
public struct InformationDispersal: Sendable, Equatable {
    /// Fragments needed to rebuild (m).
    public let threshold: Int
    /// Fragments produced (n).
    public let shareCount: Int

    /// Creates a dispersal for `2 <= threshold <= shareCount <= 255`.
    public init(threshold: Int, shareCount: Int) throws(SharingError) {
        guard threshold >= 2, threshold <= shareCount, shareCount <= 255 else {
            throw .invalidParameters(threshold: threshold, shares: shareCount)
        }
        self.threshold = threshold
        self.shareCount = shareCount
    }

    /// The length of each fragment for data of `length` bytes.
    public func fragmentLength(forDataLength length: Int) -> Int {
        max(1, (length + threshold - 1) / threshold)
    }

    /// The generator row for fragment index `x` (1-based): a unit vector or a Cauchy row.
    func row(_ x: Int) -> [UInt8] {
        if x <= threshold {
            var unit = [UInt8](repeating: 0, count: threshold)
            unit[x - 1] = 1
            return unit
        }
        return (0..<threshold).map { i in GF256.inverse(UInt8(x - 1) ^ UInt8(i)) }
    }

    /// Splits `data` into ``shareCount`` fragments; element `x - 1` is fragment `x`.
    public func disperse(_ data: [UInt8]) -> [[UInt8]] {
        let length = fragmentLength(forDataLength: data.count)
        return data.withUnsafeBytes { bytes in
            withStripes(of: bytes) { stripes in
                (1...shareCount).map { x in
                    [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                        writeFragment(x, stripes: stripes, length: length, into: buffer.baseAddress!)
                        initialized = length
                    }
                }
            }
        }
    }

    /// Calls `body` with a pointer to each of the ``threshold`` stripes of `data` (each
    /// ``fragmentLength(forDataLength:)`` bytes): pointers into `data` for whole stripes, into a zero-padded
    /// scratch copy for the (usually one) stripe that runs past the end.
    func withStripes<R>(of data: UnsafeRawBufferPointer, _ body: ([UnsafePointer<UInt8>]) throws -> R) rethrows -> R {
        let length = fragmentLength(forDataLength: data.count)
        let partial = (0..<threshold).filter { ($0 + 1) * length > data.count }
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, partial.count * length))
        scratch.initialize(repeating: 0)
        defer { scratch.deallocate() }
        let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var stripes = [UnsafePointer<UInt8>]()
        stripes.reserveCapacity(threshold)
        var slot = 0
        for i in 0..<threshold {
            if let base, (i + 1) * length <= data.count {
                stripes.append(base + i * length)
            } else {
                let target = scratch.baseAddress! + slot * length
                slot += 1
                let available = max(0, data.count - i * length)
                if available > 0, let base { target.update(from: base + i * length, count: available) }
                stripes.append(UnsafePointer(target))
            }
        }
        return try body(stripes)
    }

    /// Writes fragment `x` (1-based) of the given stripes, `length` bytes, at `destination`.
    func writeFragment(_ x: Int, stripes: [UnsafePointer<UInt8>], length: Int, into destination: UnsafeMutablePointer<UInt8>) {
        precondition((1...shareCount).contains(x) && stripes.count == threshold)
        if length == 0 { return }
        if x <= threshold {
            destination.update(from: stripes[x - 1], count: length)
        } else {
            GF256.dot(row(x), sources: stripes, into: destination, count: length)
        }
    }

    /// Rebuilds `dataLength` bytes from at least ``threshold`` fragments given as (index, bytes).
    ///
    /// - Precondition: distinct indices in 1...shareCount, every fragment of ``fragmentLength(forDataLength:)``
    ///   bytes, at least `threshold` of them (``VerifiableSharing`` checks all of this before calling).
    public func reconstruct(_ fragments: [(index: Int, bytes: [UInt8])], dataLength: Int) -> [UInt8] {
        precondition(fragments.count >= threshold, "not enough fragments")
        let length = fragmentLength(forDataLength: dataLength)
        precondition(fragments.allSatisfy { $0.bytes.count == length }, "fragment length")
        return withPointers(fragments.map(\.bytes)) { pointers in
            [UInt8](unsafeUninitializedCapacity: dataLength) { buffer, initialized in
                if dataLength > 0 {
                    reconstruct(Array(zip(fragments.map(\.index), pointers)).map { (index: $0.0, bytes: $0.1) },
                                dataLength: dataLength, into: buffer.baseAddress!)
                }
                initialized = dataLength
            }
        }
    }

    /// Rebuilds `dataLength` bytes at `output` from at least ``threshold`` fragments, each
    /// ``fragmentLength(forDataLength:)`` readable bytes at its pointer.
    ///
    /// Systematic fragments are copied; each missing stripe is one GF(256) dot product of the chosen fragments
    /// with a row of the inverted generator submatrix, written straight into its place in `output`.
    /// - Precondition: distinct indices in 1...shareCount, at least `threshold` of them.
    func reconstruct(_ fragments: [(index: Int, bytes: UnsafePointer<UInt8>)], dataLength: Int,
                     into output: UnsafeMutablePointer<UInt8>) {
        precondition(fragments.count >= threshold, "not enough fragments")
        precondition(Set(fragments.map(\.index)).count == fragments.count, "duplicate fragment index")
        precondition(fragments.allSatisfy { (1...shareCount).contains($0.index) }, "fragment index out of range")
        let length = fragmentLength(forDataLength: dataLength)
        // Prefer systematic fragments: each one is a stripe as is.
        let chosen = Array(fragments.sorted { $0.index < $1.index }.prefix(threshold))
        func stripeBytes(_ i: Int) -> Int { max(0, min(length, dataLength - i * length)) }
        var missing = [Int]()
        var present = Set<Int>()
        for fragment in chosen where fragment.index <= threshold {
            present.insert(fragment.index - 1)
            let count = stripeBytes(fragment.index - 1)
            if count > 0 { (output + (fragment.index - 1) * length).update(from: fragment.bytes, count: count) }
        }
        for i in 0..<threshold where !present.contains(i) { missing.append(i) }
        if missing.isEmpty { return }
        var matrix = [UInt8]()
        matrix.reserveCapacity(threshold * threshold)
        for fragment in chosen { matrix += row(fragment.index) }
        guard let inverse = GF256.invert(matrix, size: threshold) else {
            preconditionFailure("a Cauchy-systematic generator has no singular square submatrix")
        }
        let sources = chosen.map(\.bytes)
        for stripeIndex in missing {
            let count = stripeBytes(stripeIndex)
            if count == 0 { continue }
            let coefficients = Array(inverse[(stripeIndex * threshold)..<((stripeIndex + 1) * threshold)])
            GF256.dot(coefficients, sources: sources, into: output + stripeIndex * length, count: count)
        }
    }
}

/// Calls `body` with the base address of every array (each non-empty or given a dummy pointer when empty).
func withPointers<R>(_ arrays: [[UInt8]], _ body: ([UnsafePointer<UInt8>]) throws -> R) rethrows -> R {
    func nest(_ i: Int, _ collected: [UnsafePointer<UInt8>]) throws -> R {
        if i == arrays.count { return try body(collected) }
        return try arrays[i].withUnsafeBufferPointer { buffer in
            let pointer = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!  // never dereferenced: count 0
            return try nest(i + 1, collected + [pointer])
        }
    }
    return try nest(0, [])
}
