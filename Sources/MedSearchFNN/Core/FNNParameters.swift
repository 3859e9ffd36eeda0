import MedSearchCore

/// Public parameters of an FNN database: what both servers and every client agree on.
///
/// Vectors are integers (pixels as 0...255, features as fixed-point `round(x * scale)`), at most
/// ``maxAbsCoordinate`` in magnitude. Everything the protocol compares is an exact integer:
/// `T = d * |x - q|^2` for distances and, for the lower bound of Ahn, Han and Hwang (CVPR 2012),
/// `L = (S_x - S_q)^2 + (f_x - f_q)^2` with `S = sum x_j`, `V = d * sum x_j^2 - S^2` and `f = floor(sqrt(V))`.
/// Then `L - slack <= d^2 ((mu_x - mu_q)^2 + (sigma_x - sigma_q)^2) <= T` with `slack = 2 d M + 1`,
/// so pruning on `L - slack > T_k` never drops a true top-k record (see docs/fnn.md).
public struct FNNParameters: Sendable, Equatable, Codable {
    /// The back end.
    public var backend: FNNBackend
    /// The vector dimension `d`.
    public var dimension: Int
    /// The largest coordinate magnitude `M` the encoders accept.
    public var maxAbsCoordinate: Int64
    /// Bits reserved for the tie-breaking rank in comparison keys (so at most `2^rankBits` records).
    public var rankBits: Int

    /// The bound on comparison keys: keys are below `2^keyBits`.
    public static let keyBits = 80
    /// Bits of the blinding scale `a` (drawn in `[2^(scaleBits-1), 2^scaleBits)`).
    public static let scaleBits = 20
    /// Bits of the blinding offset `c` (uniform below `2^offsetBits`).
    public static let offsetBits = 126
    /// Statistical security parameter of every additive mask (bits).
    public static let statisticalSecurity = 40

    /// Creates and checks parameters.
    ///
    /// - Throws: ``FNNError/invalidParameter(_:)`` or ``FNNError/parameterOverflow(_:)`` when keys could exceed
    ///   ``keyBits`` bits.
    public init(backend: FNNBackend, dimension: Int, maxAbsCoordinate: Int64, rankBits: Int = 20) throws(FNNError) {
        guard dimension > 0, dimension <= 1 << 22 else { throw .invalidParameter("dimension must be in 1...4194304") }
        guard maxAbsCoordinate > 0, maxAbsCoordinate <= 1 << 24 else {
            throw .invalidParameter("maxAbsCoordinate must be in 1...16777216")
        }
        guard (1...24).contains(rankBits) else { throw .invalidParameter("rankBits must be in 1...24") }
        self.backend = backend
        self.dimension = dimension
        self.maxAbsCoordinate = maxAbsCoordinate
        self.rankBits = rankBits
        let d = Double(dimension), m = Double(maxAbsCoordinate)
        // keys <= 6 d^2 M^2 2^rankBits (T <= 4 d^2 M^2, L <= 5 d^2 M^2, slack << d^2 M^2).
        let bound = 6 * d * d * m * m * Double(1 << rankBits)
        guard bound < Double(sign: .plus, exponent: Self.keyBits, significand: 1) else {
            throw .parameterOverflow("d = \(dimension), M = \(maxAbsCoordinate) need keys above 2^\(Self.keyBits)")
        }
        // T = d * sum (x_j - q_j)^2 must also fit 64 bits for the plaintext reference.
        guard 4 * d * d * m * m < 9.0e18 else { throw .parameterOverflow("d^2 M^2 too large") }
    }

    /// The pruning slack `2 d M + 1` (see the type's discussion).
    public var slack: Int64 { 2 * Int64(dimension) * maxAbsCoordinate + 1 }

    /// The most records a database can hold (ranks must fit ``rankBits``).
    public var maximumRecords: Int { (1 << rankBits) - 1 }

    /// Checks a vector's length and range.
    public func validate(_ vector: [Int64]) throws(FNNError) {
        guard vector.count == dimension else { throw .dimensionMismatch(expected: dimension, found: vector.count) }
        for (index, value) in vector.enumerated() where value > maxAbsCoordinate || value < -maxAbsCoordinate {
            throw .valueOutOfRange(index: index, limit: maxAbsCoordinate)
        }
    }
}

extension FNNParameters {
    /// Wire form: backend code, dimension, max coordinate, rank bits.
    public func write(to writer: inout ByteWriter) {
        writer.write(backend.code)
        writer.write(UInt32(dimension))
        writer.write(UInt64(maxAbsCoordinate))
        writer.write(UInt8(rankBits))
    }

    /// Reads parameters written by ``write(to:)``.
    public static func read(from reader: inout ByteReader) throws(WireError) -> FNNParameters {
        let start = reader.offset
        guard let backend = FNNBackend(code: try reader.read(UInt8.self)) else {
            throw .invalidValue(offset: start, reason: "unknown FNN back end")
        }
        let dimension = Int(try reader.read(UInt32.self))
        let maxAbs = try reader.read(UInt64.self)
        let rankBits = Int(try reader.read(UInt8.self))
        guard maxAbs <= 1 << 24 else { throw .invalidValue(offset: start, reason: "maxAbsCoordinate too large") }
        return try WireError.validating(at: start) {
            try FNNParameters(backend: backend, dimension: dimension, maxAbsCoordinate: Int64(maxAbs), rankBits: rankBits)
        }
    }
}
