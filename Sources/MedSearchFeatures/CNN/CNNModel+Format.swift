import MedSearchCore

/// The CNN weights file format, `"MSCN"` version 1 (all integers little-endian, floats IEEE-754 binary32 little-endian):
///
/// ```
/// "MSCN"  u16 version = 1
/// string  name                      (u32 byte count + UTF-8, at most 256 bytes), e.g. "cnn-cxr-v1"
/// u32     input side                (square, one channel)
/// f32     input mean, f32 input std (the network reads (value - mean) / std for values in 0...1)
/// u32     layer count
/// layer*  u8 kind, then
///           1 convolution: u32 in, u32 out, u32 kernel, u32 stride, u32 padding,
///                          u32 n + n f32 weights [out][in][k][k], u32 m + m f32 bias [out]
///           2 relu
///           3 max pool:     u32 kernel, u32 stride
///           4 average pool: u32 kernel, u32 stride
///           5 global average pool
///           6 linear:      u32 in, u32 out, u32 n + n f32 weights [out][in], u32 m + m f32 bias [out]
/// (end of file: trailing bytes are an error)
/// ```
/// The embedding is the flattened output of the last layer, L2-normalised by ``CNNModel/embed(_:)-(GrayImage)``.
extension CNNModel: WireMessage {
    /// The tag that opens a weights file.
    public static let magic = FormatMagic("MSCN")
    /// The format version this build writes (and the newest it reads).
    public static let version: UInt16 = 1

    private enum Kind: UInt8 {
        case convolution = 1, relu, maxPool, averagePool, globalAveragePool, linear
    }

    /// Parses a weights file's body.
    ///
    /// - Throws: ``WireError`` for truncated or oversized counts, unknown layer kinds, and layers that do not
    ///   chain (``WireError/invalidValue(offset:reason:)`` with the reason of ``CNNModelError/invalidModel(reason:)``).
    public init(from reader: inout ByteReader, version: UInt16) throws(WireError) {
        let start = reader.offset
        let name = try reader.readString(maxLength: Limits.maxNameLength)
        let inputSide = Int(try reader.read(UInt32.self))
        let mean = try reader.readFloat()
        let deviation = try reader.readFloat()
        let countOffset = reader.offset
        let layerCount = Int(try reader.read(UInt32.self))
        guard layerCount <= Limits.maxLayers else {
            throw .lengthTooLarge(offset: countOffset, length: layerCount, limit: Limits.maxLayers)
        }
        var layers = [CNNLayer]()
        layers.reserveCapacity(layerCount)
        for _ in 0..<layerCount {
            let kindOffset = reader.offset
            let raw = try reader.read(UInt8.self)
            guard let kind = Kind(rawValue: raw) else {
                throw .invalidValue(offset: kindOffset, reason: "unknown layer kind \(raw)")
            }
            switch kind {
            case .convolution:
                let input = Int(try reader.read(UInt32.self))
                let output = Int(try reader.read(UInt32.self))
                let kernel = Int(try reader.read(UInt32.self))
                let stride = Int(try reader.read(UInt32.self))
                let padding = Int(try reader.read(UInt32.self))
                let weights = try reader.readFloatArray(maxCount: Limits.maxParameters)
                let bias = try reader.readFloatArray(maxCount: Limits.maxChannels)
                layers.append(.convolution(CNNConvolution(inputChannels: input, outputChannels: output,
                                                          kernel: kernel, stride: stride, padding: padding,
                                                          weights: weights, bias: bias)))
            case .relu:
                layers.append(.relu)
            case .maxPool, .averagePool:
                let kernel = Int(try reader.read(UInt32.self))
                let stride = Int(try reader.read(UInt32.self))
                layers.append(kind == .maxPool ? .maxPool(kernel: kernel, stride: stride)
                                               : .averagePool(kernel: kernel, stride: stride))
            case .globalAveragePool:
                layers.append(.globalAveragePool)
            case .linear:
                let input = Int(try reader.read(UInt32.self))
                let output = Int(try reader.read(UInt32.self))
                let weights = try reader.readFloatArray(maxCount: Limits.maxParameters)
                let bias = try reader.readFloatArray(maxCount: Limits.maxChannels)
                layers.append(.linear(CNNLinear(inputFeatures: input, outputFeatures: output,
                                                weights: weights, bias: bias)))
            }
        }
        self = try WireError.validating(at: start) {
            try CNNModel(name: name, inputSide: inputSide, inputMean: mean, inputStandardDeviation: deviation, layers: layers)
        }
    }

    public func encode(to writer: inout ByteWriter) {
        Self.encode(name: name, inputSide: inputSide, inputMean: inputMean,
                    inputStandardDeviation: inputStandardDeviation, layers: layers, to: &writer)
    }

    /// The bytes of a weights file with these parts (the fingerprint is computed over them).
    static func encode(name: String, inputSide: Int, inputMean: Float, inputStandardDeviation: Float,
                       layers: [CNNLayer]) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: magic, version: version)
        encode(name: name, inputSide: inputSide, inputMean: inputMean, inputStandardDeviation: inputStandardDeviation,
               layers: layers, to: &writer)
        return writer.bytes
    }

    private static func encode(name: String, inputSide: Int, inputMean: Float, inputStandardDeviation: Float,
                               layers: [CNNLayer], to writer: inout ByteWriter) {
        writer.writeString(name)
        writer.write(UInt32(inputSide))
        writer.write(inputMean)
        writer.write(inputStandardDeviation)
        writer.write(UInt32(layers.count))
        for layer in layers {
            switch layer {
            case let .convolution(conv):
                writer.write(Kind.convolution.rawValue)
                for value in [conv.inputChannels, conv.outputChannels, conv.kernel, conv.stride, conv.padding] {
                    writer.write(UInt32(value))
                }
                writer.writeArray(conv.weights)
                writer.writeArray(conv.bias)
            case .relu:
                writer.write(Kind.relu.rawValue)
            case let .maxPool(kernel, stride):
                writer.write(Kind.maxPool.rawValue)
                writer.write(UInt32(kernel))
                writer.write(UInt32(stride))
            case let .averagePool(kernel, stride):
                writer.write(Kind.averagePool.rawValue)
                writer.write(UInt32(kernel))
                writer.write(UInt32(stride))
            case .globalAveragePool:
                writer.write(Kind.globalAveragePool.rawValue)
            case let .linear(linear):
                writer.write(Kind.linear.rawValue)
                writer.write(UInt32(linear.inputFeatures))
                writer.write(UInt32(linear.outputFeatures))
                writer.writeArray(linear.weights)
                writer.writeArray(linear.bias)
            }
        }
    }
}
