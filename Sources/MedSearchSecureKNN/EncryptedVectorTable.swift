/// Encrypted vectors stored as `Float`, row after row, padded to a multiple of 8 entries for SIMD scoring.
///
/// The cloud keeps every encrypted index vector here (SEI stores their coordinates in the ciphertexts'
/// subspace, see ``CiphertextSubspace``) and scores a whole range of rows against a trapdoor with
/// ``forEachScore(_:rows:_:)`` or, in hot loops, with ``SIMDKernels/dot(_:_:count:)`` over ``storage``. Keys from ``SecureKNNOwnerKey/generate(dimension:maxCondition:using:)`` have
/// condition number at most 4, which keeps `Float` rounding far below score gaps between distinct neighbours
/// (the tests compare rankings with a `Double` computation).
public struct EncryptedVectorTable: Sendable {
    /// The length of each stored vector (`2d + 2`, or the subspace coordinates' length).
    public private(set) var dimension: Int
    /// The padded row length (a multiple of 8).
    public private(set) var stride: Int
    /// The rows, `stride` floats each (padding is zero).
    public private(set) var storage: [Float]
    /// The number of rows.
    public private(set) var count: Int

    /// Creates an empty table for vectors of length `dimension`.
    public init(dimension: Int, capacity: Int = 0) {
        precondition(dimension >= 1, "dimension must be positive")
        self.dimension = dimension
        stride = Self.paddedLength(dimension)
        storage = []
        storage.reserveCapacity(capacity * stride)
        count = 0
    }

    /// `length` rounded up to the SIMD block (8 floats).
    public static func paddedLength(_ length: Int) -> Int { (length + 7) / 8 * 8 }

    /// Grows the row length to `newDimension`; existing rows get zeros in the new entries. Moves the rows
    /// only when the padded stride grows.
    public mutating func widen(to newDimension: Int) {
        precondition(newDimension >= dimension, "a table cannot shrink")
        let newStride = Self.paddedLength(newDimension)
        if newStride != stride {
            var moved = [Float](repeating: 0, count: count * newStride)
            for row in 0..<count {
                for j in 0..<dimension { moved[row * newStride + j] = storage[row * stride + j] }
            }
            storage = moved
            stride = newStride
        }
        dimension = newDimension
    }

    /// Bytes used by the stored rows.
    public var memoryBytes: Int { storage.capacity * MemoryLayout<Float>.size }

    /// Appends one vector; returns its row number.
    /// - Throws: ``SecureKNNError`` for a wrong length or a value that is not finite as a `Float`.
    @discardableResult
    public mutating func append(_ vector: [Double]) throws(SecureKNNError) -> Int {
        guard vector.count == dimension else {
            throw .dimensionMismatch(what: "encrypted vector", expected: dimension, actual: vector.count)
        }
        let floats = vector.map(Float.init)
        guard floats.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "encrypted vector") }
        storage.append(contentsOf: floats)
        storage.append(contentsOf: repeatElement(0, count: stride - dimension))
        count += 1
        return count - 1
    }

    /// Appends one vector of floats; returns its row number.
    @discardableResult
    public mutating func append(floats vector: [Float]) throws(SecureKNNError) -> Int {
        guard vector.count == dimension else {
            throw .dimensionMismatch(what: "encrypted vector", expected: dimension, actual: vector.count)
        }
        guard vector.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "encrypted vector") }
        storage.append(contentsOf: vector)
        storage.append(contentsOf: repeatElement(0, count: stride - dimension))
        count += 1
        return count - 1
    }

    /// Row `index` as floats (without padding).
    public func row(_ index: Int) -> [Float] {
        Array(storage[index * stride..<index * stride + dimension])
    }

    /// Moves the last row into `index` and drops the last row (O(1) removal); returns the old index of
    /// the row that moved (or nil when `index` was the last row).
    @discardableResult
    public mutating func swapRemove(at index: Int) -> Int? {
        precondition(index >= 0 && index < count, "row index out of range")
        let last = count - 1
        if index != last {
            for j in 0..<stride { storage[index * stride + j] = storage[last * stride + j] }
        }
        storage.removeLast(stride)
        count -= 1
        return index == last ? nil : last
    }

    /// A trapdoor converted to the table's padded `Float` layout.
    public func prepare(_ trapdoor: [Double]) throws(SecureKNNError) -> PreparedTrapdoor {
        guard trapdoor.count == dimension else {
            throw .dimensionMismatch(what: "trapdoor", expected: dimension, actual: trapdoor.count)
        }
        var values = trapdoor.map(Float.init)
        guard values.allSatisfy(\.isFinite) else { throw .nonFiniteValue(what: "trapdoor") }
        values.append(contentsOf: repeatElement(0, count: stride - dimension))
        return PreparedTrapdoor(values: values)
    }

    /// A trapdoor already projected to this table's coordinates (at most `dimension` values, zero-padded),
    /// with the constant `offset` every score of it carries (see ``CiphertextSubspace``).
    public func prepare(projected coordinates: [Double], offset: Double) throws(SecureKNNError) -> PreparedTrapdoor {
        guard coordinates.count <= dimension else {
            throw .dimensionMismatch(what: "projected trapdoor", expected: dimension, actual: coordinates.count)
        }
        var values = coordinates.map(Float.init)
        guard values.allSatisfy(\.isFinite), offset.isFinite else { throw .nonFiniteValue(what: "trapdoor") }
        values.append(contentsOf: repeatElement(0, count: stride - values.count))
        return PreparedTrapdoor(values: values, offset: offset)
    }

    /// The score of one row.
    @inlinable
    public func score(_ trapdoor: PreparedTrapdoor, row: Int) -> Float {
        precondition(trapdoor.values.count == stride, "trapdoor prepared for another table")
        return storage.withUnsafeBufferPointer { s in
            trapdoor.values.withUnsafeBufferPointer { q in
                SIMDKernels.dot(s.baseAddress! + row * stride, q.baseAddress!, count: stride)
            }
        }
    }

    /// Scores rows `rows` against `trapdoor`, calling `body(row, score)` for each.
    @inlinable
    public func forEachScore(_ trapdoor: PreparedTrapdoor, rows: Range<Int>, _ body: (Int, Float) -> Void) {
        precondition(trapdoor.values.count == stride, "trapdoor prepared for another table")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= count, "row range out of bounds")
        storage.withUnsafeBufferPointer { s in
            trapdoor.values.withUnsafeBufferPointer { q in
                let base = s.baseAddress!, query = q.baseAddress!
                for row in rows {
                    body(row, SIMDKernels.dot(base + row * stride, query, count: stride))
                }
            }
        }
    }
}

/// A trapdoor in `Float`, padded to an ``EncryptedVectorTable``'s stride.
public struct PreparedTrapdoor: Sendable {
    /// The padded values.
    public let values: [Float]
    /// A constant added to every row's dot product to give the full score (zero unless the trapdoor was
    /// projected to subspace coordinates, where it is `origin . t`). Rankings use the dot products alone.
    public let offset: Double

    /// Creates a prepared trapdoor.
    public init(values: [Float], offset: Double = 0) {
        self.values = values
        self.offset = offset
    }
}

/// SIMD dot products over 8-float blocks (four independent accumulators).
public enum SIMDKernels {
    /// The dot product of two `count`-float arrays; `count` must be a multiple of 8.
    @inlinable
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        let end = count &* 4
        var offset = 0
        while offset &+ 128 <= end {
            acc0 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
            acc2 += ra.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD8<Float>.self)
            acc3 += ra.loadUnaligned(fromByteOffset: offset &+ 96, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset &+ 96, as: SIMD8<Float>.self)
            offset &+= 128
        }
        while offset < end {
            acc0 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            offset &+= 32
        }
        return ((acc0 + acc1) + (acc2 + acc3)).sum()
    }

    /// The dot products of four rows (`a`, `a + stride`, `a + 2 stride`, `a + 3 stride`) with `b`, sharing
    /// each load of `b` (about 1.5x faster than four ``dot(_:_:count:)`` calls when the rows stream from
    /// cache); `count` and `stride` must be multiples of 8.
    @inlinable
    @inline(__always)
    public static func dot4(_ a: UnsafePointer<Float>, stride: Int, _ b: UnsafePointer<Float>, count: Int)
        -> (Float, Float, Float, Float) {
        let r0 = UnsafeRawPointer(a), r1 = r0 + stride &* 4, r2 = r1 + stride &* 4, r3 = r2 + stride &* 4
        let rb = UnsafeRawPointer(b)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        let end = count &* 4
        var offset = 0
        while offset < end {
            let q = rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc0 += r0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * q
            acc1 += r1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * q
            acc2 += r2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * q
            acc3 += r3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * q
            offset &+= 32
        }
        return (acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum())
    }

    /// The squared Euclidean distance of two `count`-float arrays; `count` must be a multiple of 8.
    @inlinable
    @inline(__always)
    public static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        let end = count &* 4
        var offset = 0
        while offset &+ 128 <= end {
            let d0 = ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
            let d2 = ra.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD8<Float>.self)
            let d3 = ra.loadUnaligned(fromByteOffset: offset &+ 96, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset &+ 96, as: SIMD8<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            acc2 += d2 * d2
            acc3 += d3 * d3
            offset &+= 128
        }
        while offset < end {
            let d0 = ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc0 += d0 * d0
            offset &+= 32
        }
        return ((acc0 + acc1) + (acc2 + acc3)).sum()
    }
}
