import MedSearchCore

/// Mean and population standard deviation of a vector (the `stats` feature and FNN's lower bound).
@MemberwiseInit(.public)
public struct VectorStatistics: Sendable, Equatable {
    /// Arithmetic mean.
    public var mean: Double
    /// Population standard deviation: sqrt(sum (x - mean)^2 / n).
    public var standardDeviation: Double

    /// Computes both in double precision with a two-pass algorithm (exact enough for fixed-point encoding).
    ///
    /// An empty vector has mean 0 and standard deviation 0.
    public init<C: Collection>(of values: C) where C.Element: BinaryFloatingPoint {
        guard !values.isEmpty else {
            mean = 0
            standardDeviation = 0
            return
        }
        var sum = 0.0
        for v in values { sum += Double(v) }
        let m = sum / Double(values.count)
        var squares = 0.0
        for v in values {
            let d = Double(v) - m
            squares += d * d
        }
        mean = m
        standardDeviation = (squares / Double(values.count)).squareRoot()
    }
}
