/// One layer of a ``CNNModel``, in the order the network applies them.
///
/// Batch normalisation is folded into the preceding convolution or linear layer at export time, so inference
/// only needs these operations. Tensors are channel-major (`C x H x W`, rows top to bottom), as in PyTorch.
public enum CNNLayer: Sendable, Equatable {
    /// 2-D cross-correlation with bias (PyTorch `Conv2d`, zero padding).
    case convolution(CNNConvolution)
    /// `max(x, 0)` element-wise.
    case relu
    /// Max pooling over `kernel x kernel` windows moved by `stride` (no padding, floor mode).
    case maxPool(kernel: Int, stride: Int)
    /// Average pooling over `kernel x kernel` windows moved by `stride` (no padding, floor mode).
    case averagePool(kernel: Int, stride: Int)
    /// Mean over all spatial positions of each channel: `C x H x W -> C x 1 x 1`.
    case globalAveragePool
    /// Fully connected layer on the flattened tensor (PyTorch `Linear`).
    case linear(CNNLinear)
}

/// Weights of a convolution layer: `weights` is `[out][in][kernel][kernel]` row-major, `bias` is `[out]`.
public struct CNNConvolution: Sendable, Equatable {
    /// Input channels.
    public var inputChannels: Int
    /// Output channels.
    public var outputChannels: Int
    /// Side of the square kernel.
    public var kernel: Int
    /// Step between output positions.
    public var stride: Int = 1
    /// Zero padding added on every side.
    public var padding: Int = 0
    /// `outputChannels * inputChannels * kernel * kernel` weights.
    public var weights: [Float]
    /// `outputChannels` biases.
    public var bias: [Float]
}

/// Weights of a fully connected layer: `weights` is `[out][in]` row-major, `bias` is `[out]`.
public struct CNNLinear: Sendable, Equatable {
    /// Input features (the flattened size of the previous tensor).
    public var inputFeatures: Int
    /// Output features.
    public var outputFeatures: Int
    /// `outputFeatures * inputFeatures` weights.
    public var weights: [Float]
    /// `outputFeatures` biases.
    public var bias: [Float]
}

/// The shape of an activation tensor (`channels x height x width`).
public struct CNNShape: Sendable, Equatable, CustomStringConvertible {
    /// Number of channels.
    public var channels: Int
    /// Height in pixels.
    public var height: Int
    /// Width in pixels.
    public var width: Int

    /// Number of values.
    public var count: Int { channels * height * width }

    public var description: String { "\(channels)x\(height)x\(width)" }
}
