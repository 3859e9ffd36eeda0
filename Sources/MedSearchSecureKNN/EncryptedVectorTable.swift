/// Encrypted vectors stored as `Float`, row after row, padded to a multiple of 16 entries for SIMD scoring.
///
/// The cloud keeps every encrypted index vector here and scores a whole range of rows against a trapdoor
/// with ``scores(_:rows:into:)``. Keys from ``SecureKNNOwnerKey/generate(dimension:maxCondition:using:)`` have
/// condition number at most 4, which keeps `Float` rounding far below score gaps between distinct neighbours
/// (the tests compare rankings with a `Double` computation).
public struct EncryptedVectorTable: Sendable {
    /// The length of each stored vector (`2d + 2`).
    public let dimension: Int
    /// The padded row length (a multiple of 16).
    public let stride: Int
    /// The rows, `stride` floats each (padding is zero).
    public private(set) var storage: [Float]
    /// The number of rows.
    public private(set) var count: Int

    /// Creates an empty table for vectors of length `dimension`.
    public init(dimension: Int, capacity: Int = 0) {
        precondition(dimension >= 1, "dimension must be positive")
        self.dimension = dimension
        stride = (dimension + 15) / 16 * 16
        storage = []
        storage.reserveCapacity(capacity * stride)
        count = 0
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
}

/// SIMD dot products over 16-float blocks.
public enum SIMDKernels {
    /// The dot product of two `count`-float arrays; `count` must be a multiple of 16.
    @inlinable
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        a.withMemoryRebound(to: SIMD8<Float>.self, capacity: count / 8) { av in
            b.withMemoryRebound(to: SIMD8<Float>.self, capacity: count / 8) { bv in
                while i < count / 8 {
                    acc0 += av[i] * bv[i]
                    acc1 += av[i + 1] * bv[i + 1]
                    i += 2
                }
            }
        }
        return (acc0 + acc1).sum()
    }

    /// The squared Euclidean distance of two `count`-float arrays; `count` must be a multiple of 16.
    @inlinable
    @inline(__always)
    public static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        a.withMemoryRebound(to: SIMD8<Float>.self, capacity: count / 8) { av in
            b.withMemoryRebound(to: SIMD8<Float>.self, capacity: count / 8) { bv in
                while i < count / 8 {
                    let d0 = av[i] - bv[i], d1 = av[i + 1] - bv[i + 1]
                    acc0 += d0 * d0
                    acc1 += d1 * d1
                    i += 2
                }
            }
        }
        return (acc0 + acc1).sum()
    }
}
