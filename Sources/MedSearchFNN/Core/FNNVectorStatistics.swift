/// The exact integer statistics of one vector that the lower bound needs: `S = sum x_j`, `Q = sum x_j^2`,
/// `V = d Q - S^2 = d^2 sigma^2` and `f = floor(sqrt(V))` (so `f / d` is the standard deviation, rounded down).
public struct FNNVectorStatistics: Sendable, Equatable {
    /// The sum of the coordinates (`d * mean`).
    public var sum: Int64
    /// The sum of squared coordinates.
    public var sumOfSquares: Int64
    /// `floor(sqrt(d * sumOfSquares - sum^2))`.
    public var deviationRoot: Int64

    /// Computes the statistics of `vector`.
    public init(_ vector: [Int64]) {
        var s: Int64 = 0, q: Int64 = 0
        for x in vector {
            s += x
            q += x * x
        }
        sum = s
        sumOfSquares = q
        let v = (Int128(vector.count) * Int128(q)) - Int128(s) * Int128(s)
        deviationRoot = Int64(Self.integerSquareRoot(UInt128(max(v, 0))))
    }

    /// `S^2 + f^2`, the record-only part of the lower bound.
    public var boundNorm: Int64 { sum * sum + deviationRoot * deviationRoot }

    /// `floor(sqrt(v))` computed exactly.
    public static func integerSquareRoot(_ v: UInt128) -> UInt128 {
        if v < 2 { return v }
        var x = UInt128(Double(v).squareRoot())
        while x * x > v { x -= 1 }
        while (x + 1) * (x + 1) <= v { x += 1 }
        return x
    }
}
