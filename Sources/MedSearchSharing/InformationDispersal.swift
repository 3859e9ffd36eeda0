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
        var stripes = [[UInt8]]()
        stripes.reserveCapacity(threshold)
        for i in 0..<threshold {
            let start = min(i * length, data.count), end = min(start + length, data.count)
            var stripe = [UInt8](repeating: 0, count: length)
            if end > start {
                stripe.withUnsafeMutableBufferPointer { out in
                    data.withUnsafeBufferPointer { input in
                        out.baseAddress!.update(from: input.baseAddress! + start, count: end - start)
                    }
                }
            }
            stripes.append(stripe)
        }
        var fragments = stripes
        for x in (threshold + 1)...max(threshold + 1, shareCount) where x <= shareCount {
            let coefficients = row(x)
            var parity = [UInt8](repeating: 0, count: length)
            parity.withUnsafeMutableBufferPointer { out in
                for i in 0..<threshold {
                    stripes[i].withUnsafeBufferPointer { source in
                        GF256.multiplyAdd(coefficients[i], source: source, into: out)
                    }
                }
            }
            fragments.append(parity)
        }
        return fragments
    }

    /// Rebuilds `dataLength` bytes from at least ``threshold`` fragments given as (index, bytes).
    ///
    /// - Precondition: distinct indices in 1...shareCount, every fragment of ``fragmentLength(forDataLength:)``
    ///   bytes, at least `threshold` of them (``VerifiableSharing`` checks all of this before calling).
    public func reconstruct(_ fragments: [(index: Int, bytes: [UInt8])], dataLength: Int) -> [UInt8] {
        precondition(fragments.count >= threshold, "not enough fragments")
        let length = fragmentLength(forDataLength: dataLength)
        // Prefer systematic fragments: each one is a stripe as is.
        let chosen = Array(fragments.sorted { $0.index < $1.index }.prefix(threshold))
        var stripes = [[UInt8]?](repeating: nil, count: threshold)
        for fragment in chosen where fragment.index <= threshold {
            stripes[fragment.index - 1] = fragment.bytes
        }
        let missing = (0..<threshold).filter { stripes[$0] == nil }
        if !missing.isEmpty {
            var matrix = [UInt8]()
            matrix.reserveCapacity(threshold * threshold)
            for fragment in chosen { matrix += row(fragment.index) }
            guard let inverse = GF256.invert(matrix, size: threshold) else {
                preconditionFailure("a Cauchy-systematic generator has no singular square submatrix")
            }
            for stripeIndex in missing {
                var stripe = [UInt8](repeating: 0, count: length)
                stripe.withUnsafeMutableBufferPointer { out in
                    for (column, fragment) in chosen.enumerated() {
                        let coefficient = inverse[stripeIndex * threshold + column]
                        fragment.bytes.withUnsafeBufferPointer { source in
                            GF256.multiplyAdd(coefficient, source: source, into: out)
                        }
                    }
                }
                stripes[stripeIndex] = stripe
            }
        }
        var data = [UInt8]()
        data.reserveCapacity(length * threshold)
        for stripe in stripes { data.append(contentsOf: stripe!) }
        data.removeLast(data.count - dataLength)
        return data
    }
}
