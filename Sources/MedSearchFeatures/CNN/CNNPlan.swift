/// The execution plan of a ``CNNModel``: each layer's input and output shape, the fused ReLUs, and the
/// scratch sizes, computed (and bounds-checked) once when the model is built.
struct CNNPlan: Sendable {
    enum Operation: Sendable {
        /// Convolution `layers[layer]`, optionally followed by a fused ReLU; `direct` when it is a 1x1,
        /// stride-1, unpadded convolution whose input already is the im2col matrix.
        case convolution(layer: Int, relu: Bool, direct: Bool)
        case relu
        case maxPool(kernel: Int, stride: Int)
        case averagePool(kernel: Int, stride: Int)
        case globalAveragePool
        case linear(layer: Int, relu: Bool)
    }

    struct Step: Sendable {
        var operation: Operation
        var input: CNNShape
        var output: CNNShape
    }

    let input: CNNShape
    let output: CNNShape
    let steps: [Step]
    /// The largest activation, in floats.
    let activationCapacity: Int
    /// The largest im2col matrix, in floats.
    let columnCapacity: Int

    init(layers: [CNNLayer], input: CNNShape) throws(CNNModelError) {
        typealias Limits = CNNModel.Limits
        var shape = input
        var steps = [Step]()
        var activation = input.count
        var columns = 0
        var parameters = 0
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            let position = "layer \(index)"
            let fuse = index + 1 < layers.count && layers[index + 1] == .relu
            switch layer {
            case let .convolution(conv):
                guard conv.inputChannels == shape.channels else {
                    throw .invalidModel(reason: "\(position): convolution expects \(conv.inputChannels) channels, gets \(shape)")
                }
                guard (1...Limits.maxChannels).contains(conv.outputChannels),
                      (1...Limits.maxKernel).contains(conv.kernel),
                      (1...Limits.maxStride).contains(conv.stride),
                      (0..<conv.kernel).contains(conv.padding) else {
                    throw .invalidModel(reason: "\(position): convolution \(conv.inputChannels)->\(conv.outputChannels) kernel \(conv.kernel) stride \(conv.stride) padding \(conv.padding) out of bounds")
                }
                let expected = conv.outputChannels * conv.inputChannels * conv.kernel * conv.kernel
                guard conv.weights.count == expected, conv.bias.count == conv.outputChannels else {
                    throw .invalidModel(reason: "\(position): convolution has \(conv.weights.count) weights and \(conv.bias.count) biases, expected \(expected) and \(conv.outputChannels)")
                }
                let height = (shape.height + 2 * conv.padding - conv.kernel) / conv.stride + 1
                let width = (shape.width + 2 * conv.padding - conv.kernel) / conv.stride + 1
                guard shape.height + 2 * conv.padding >= conv.kernel, shape.width + 2 * conv.padding >= conv.kernel,
                      height >= 1, width >= 1 else {
                    throw .invalidModel(reason: "\(position): kernel \(conv.kernel) larger than padded input \(shape)")
                }
                let out = CNNShape(channels: conv.outputChannels, height: height, width: width)
                let direct = conv.kernel == 1 && conv.stride == 1 && conv.padding == 0
                if !direct {
                    columns = max(columns, conv.inputChannels * conv.kernel * conv.kernel * height * width)
                }
                parameters += expected + conv.outputChannels
                steps.append(Step(operation: .convolution(layer: index, relu: fuse, direct: direct), input: shape, output: out))
                shape = out
            case .relu:
                steps.append(Step(operation: .relu, input: shape, output: shape))
            case let .maxPool(kernel, stride), let .averagePool(kernel, stride):
                guard (1...Limits.maxKernel).contains(kernel), (1...Limits.maxStride).contains(stride),
                      kernel <= shape.height, kernel <= shape.width else {
                    throw .invalidModel(reason: "\(position): pooling kernel \(kernel) stride \(stride) does not fit \(shape)")
                }
                let out = CNNShape(channels: shape.channels, height: (shape.height - kernel) / stride + 1,
                                   width: (shape.width - kernel) / stride + 1)
                let isMax = if case .maxPool = layer { true } else { false }
                steps.append(Step(operation: isMax ? .maxPool(kernel: kernel, stride: stride)
                                                   : .averagePool(kernel: kernel, stride: stride),
                                  input: shape, output: out))
                shape = out
            case .globalAveragePool:
                let out = CNNShape(channels: shape.channels, height: 1, width: 1)
                steps.append(Step(operation: .globalAveragePool, input: shape, output: out))
                shape = out
            case let .linear(linear):
                guard linear.inputFeatures == shape.count else {
                    throw .invalidModel(reason: "\(position): linear layer expects \(linear.inputFeatures) inputs, gets \(shape)")
                }
                guard (1...Limits.maxActivation).contains(linear.outputFeatures),
                      linear.weights.count == linear.inputFeatures * linear.outputFeatures,
                      linear.bias.count == linear.outputFeatures else {
                    throw .invalidModel(reason: "\(position): linear layer has \(linear.weights.count) weights and \(linear.bias.count) biases for \(linear.inputFeatures)->\(linear.outputFeatures)")
                }
                parameters += linear.weights.count + linear.bias.count
                let out = CNNShape(channels: linear.outputFeatures, height: 1, width: 1)
                steps.append(Step(operation: .linear(layer: index, relu: fuse), input: shape, output: out))
                shape = out
            }
            guard shape.count <= Limits.maxActivation, columns <= Limits.maxColumnBuffer,
                  parameters <= Limits.maxParameters else {
                throw .invalidModel(reason: "\(position): activation, im2col or parameter count exceeds the limits")
            }
            activation = max(activation, shape.count)
            // A ReLU fused into the previous layer is skipped.
            if fuse, case .convolution = layer { index += 2 } else if fuse, case .linear = layer { index += 2 } else { index += 1 }
        }
        self.input = input
        self.output = shape
        self.steps = steps
        self.activationCapacity = activation
        self.columnCapacity = columns
    }
}
