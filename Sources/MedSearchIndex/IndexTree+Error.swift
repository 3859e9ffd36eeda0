/// Why clustering, building or decoding an index tree failed.
public enum IndexTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There were no points to cluster.
    case emptyInput
    /// A point had the wrong length.
    case dimensionMismatch(expected: Int, actual: Int, index: Int)
    /// A point contained NaN or infinity.
    case nonFiniteValue(index: Int)
    /// A parameter was out of range.
    case invalidParameter(String)
    /// Serialized tree data could not be decoded.
    case malformedData(String)

    public var description: String {
        switch self {
        case .emptyInput: "no points to cluster"
        case let .dimensionMismatch(expected, actual, index): "point \(index) has \(actual) values, expected \(expected)"
        case let .nonFiniteValue(index): "point \(index) contains a value that is not finite"
        case let .invalidParameter(reason): "invalid parameter: \(reason)"
        case let .malformedData(reason): "malformed index tree: \(reason)"
        }
    }
}

/// Validates a point set: non-empty, rectangular, finite. Returns the dimension.
func validatePoints(_ points: [[Double]]) throws(IndexTreeError) -> Int {
    guard let first = points.first else { throw .emptyInput }
    let d = first.count
    guard d >= 1 else { throw .dimensionMismatch(expected: 1, actual: 0, index: 0) }
    for (index, point) in points.enumerated() {
        guard point.count == d else { throw .dimensionMismatch(expected: d, actual: point.count, index: index) }
        guard point.allSatisfy(\.isFinite) else { throw .nonFiniteValue(index: index) }
    }
    return d
}

/// Squared Euclidean distance of two equally long vectors.
@inlinable
func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s0 = 0.0, s1 = 0.0
    var j = 0
    while j + 1 < d {
        let x = a[j] - b[j], y = a[j + 1] - b[j + 1]
        s0 += x * x
        s1 += y * y
        j += 2
    }
    if j < d { let x = a[j] - b[j]; s0 += x * x }
    return s0 + s1
}
