import MedSearchCore

extension PCA {
    static let magic = FormatMagic("PCA1")
    /// The current serialization version.
    public static let serializationVersion: UInt16 = 1
    static let maxInputDimension = 1 << 20
    static let maxElements = 1 << 28

    /// The model's versioned binary form: header `PCA1` v1, input and output dimensions, mean, components,
    /// variances, total variance.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + 8 * (mean.count + components.count + explainedVariances.count))
        writer.writeHeader(magic: Self.magic, version: Self.serializationVersion)
        writer.write(UInt32(inputDimension))
        writer.write(UInt32(outputDimension))
        writer.writeArray(mean)
        writer.writeArray(components)
        writer.writeArray(explainedVariances)
        writer.write(totalVariance)
        return writer.bytes
    }

    /// Decodes ``serialized()``, checking every length.
    /// - Throws: ``PCAError/malformedData(_:)`` or the checks of ``init(mean:components:explainedVariances:totalVariance:)``.
    public init(serialized bytes: [UInt8]) throws(PCAError) {
        var reader = ByteReader(bytes)
        do {
            try reader.readHeader(magic: Self.magic, supportedVersions: 1...Self.serializationVersion)
            let input = Int(try reader.read(UInt32.self)), output = Int(try reader.read(UInt32.self))
            guard input >= 1, input <= Self.maxInputDimension, output >= 1, output <= input,
                  input * output <= Self.maxElements else {
                throw PCAError.invalidDimension(input: input, output: output)
            }
            let mean = try reader.readDoubleArray(maxCount: input)
            let components = try reader.readDoubleArray(maxCount: input * output)
            let variances = try reader.readDoubleArray(maxCount: output)
            let total = try reader.readDouble()
            try reader.expectEnd()
            guard mean.count == input, variances.count == output else {
                throw PCAError.dimensionMismatch(expected: input, actual: mean.count)
            }
            try self.init(mean: mean, components: components, explainedVariances: variances, totalVariance: total)
        } catch let error as PCAError {
            throw error
        } catch {
            throw .malformedData(String(describing: error))
        }
    }
}
