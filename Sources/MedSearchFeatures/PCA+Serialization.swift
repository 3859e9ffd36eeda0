import MedSearchCore

/// A PCA model: `"PCA1"` v1, input and output dimensions (UInt32), the mean, the components (row-major,
/// output x input), the explained variances (doubles, count-prefixed) and the total variance.
extension PCA: WireMessage {
    public static let magic = FormatMagic("PCA1")
    public static let version: UInt16 = 1
    static let maxInputDimension = 1 << 20
    static let maxElements = 1 << 28

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(inputDimension))
        writer.write(UInt32(outputDimension))
        writer.writeArray(mean)
        writer.writeArray(components)
        writer.writeArray(explainedVariances)
        writer.write(totalVariance)
    }

    /// Reads a model, checking every length and the checks of
    /// ``init(mean:components:explainedVariances:totalVariance:)``.
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let input = Int(try reader.read(UInt32.self)), output = Int(try reader.read(UInt32.self))
        guard input >= 1, input <= Self.maxInputDimension, output >= 1, output <= input,
              input * output <= Self.maxElements else {
            throw .invalidValue(offset: start, reason: "PCA of \(input) to \(output) dimensions")
        }
        let meanOffset = reader.offset
        let mean = try reader.readDoubleArray(maxCount: input)
        let components = try reader.readDoubleArray(maxCount: input * output)
        let variances = try reader.readDoubleArray(maxCount: output)
        let total = try reader.readDouble()
        guard mean.count == input, variances.count == output else {
            throw .invalidValue(offset: meanOffset, reason: "mean or variances do not match the dimensions")
        }
        self = try WireError.validating(at: start) {
            try PCA(mean: mean, components: components, explainedVariances: variances, totalVariance: total)
        }
    }
}
