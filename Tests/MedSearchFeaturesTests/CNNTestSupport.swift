import MedSearchCore
@testable import MedSearchFeatures
import MedSearchImaging

/// Helpers shared by the CNN tests: random models and a slow, obviously-correct forward pass.
enum CNNTestSupport {
    static func randomFloats(_ count: Int, scale: Float, using generator: inout SeededRandomNumberGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -scale...scale, using: &generator) }
    }

    static func convolution(_ input: Int, _ output: Int, kernel: Int, stride: Int, padding: Int,
                            using generator: inout SeededRandomNumberGenerator) -> CNNLayer {
        let fanIn = Float(input * kernel * kernel)
        return .convolution(CNNConvolution(
            inputChannels: input, outputChannels: output, kernel: kernel, stride: stride, padding: padding,
            weights: randomFloats(output * input * kernel * kernel, scale: 1.7 / fanIn.squareRoot(), using: &generator),
            bias: randomFloats(output, scale: 0.1, using: &generator)))
    }

    static func linear(_ input: Int, _ output: Int, using generator: inout SeededRandomNumberGenerator) -> CNNLayer {
        .linear(CNNLinear(inputFeatures: input, outputFeatures: output,
                          weights: randomFloats(input * output, scale: 1.7 / Float(input).squareRoot(), using: &generator),
                          bias: randomFloats(output, scale: 0.1, using: &generator)))
    }

    /// A small network exercising every layer kind, odd sizes and both convolution paths.
    static func smallModel(side: Int = 21, using generator: inout SeededRandomNumberGenerator) throws -> CNNModel {
        try CNNModel(name: "test-small", inputSide: side, inputMean: 0.4, inputStandardDeviation: 0.3, layers: [
            convolution(1, 5, kernel: 3, stride: 1, padding: 1, using: &generator), .relu,
            .maxPool(kernel: 2, stride: 2),
            convolution(5, 9, kernel: 5, stride: 2, padding: 2, using: &generator), .relu,
            convolution(9, 6, kernel: 1, stride: 1, padding: 0, using: &generator),
            .averagePool(kernel: 2, stride: 1), .relu,
            convolution(6, 7, kernel: 3, stride: 1, padding: 0, using: &generator),
            .globalAveragePool,
            linear(7, 11, using: &generator), .relu,
            linear(11, 5, using: &generator),
        ])
    }

    static func randomImage(side: Int, using generator: inout SeededRandomNumberGenerator) -> GrayImage {
        GrayImage(rows: side, columns: side, values: (0..<(side * side)).map { _ in Float.random(in: 0...1, using: &generator) })
    }

    /// Forward pass with nested loops straight from the layer definitions (PyTorch semantics), in Double.
    static func referenceForward(_ model: CNNModel, _ image: GrayImage) -> [Double] {
        var shape = CNNShape(channels: 1, height: image.rows, width: image.columns)
        var x = image.values.map { (Double($0) - Double(model.inputMean)) / Double(model.inputStandardDeviation) }
        for layer in model.layers {
            switch layer {
            case let .convolution(c):
                let oh = (shape.height + 2 * c.padding - c.kernel) / c.stride + 1
                let ow = (shape.width + 2 * c.padding - c.kernel) / c.stride + 1
                var y = [Double](repeating: 0, count: c.outputChannels * oh * ow)
                for o in 0..<c.outputChannels {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var sum = Double(c.bias[o])
                            for i in 0..<c.inputChannels {
                                for ky in 0..<c.kernel {
                                    for kx in 0..<c.kernel {
                                        let iy = oy * c.stride + ky - c.padding
                                        let ix = ox * c.stride + kx - c.padding
                                        guard iy >= 0, iy < shape.height, ix >= 0, ix < shape.width else { continue }
                                        let w = c.weights[((o * c.inputChannels + i) * c.kernel + ky) * c.kernel + kx]
                                        sum += Double(w) * x[(i * shape.height + iy) * shape.width + ix]
                                    }
                                }
                            }
                            y[(o * oh + oy) * ow + ox] = sum
                        }
                    }
                }
                x = y
                shape = CNNShape(channels: c.outputChannels, height: oh, width: ow)
            case .relu:
                x = x.map { max($0, 0) }
            case let .maxPool(k, s), let .averagePool(k, s):
                let isMax = if case .maxPool = layer { true } else { false }
                let oh = (shape.height - k) / s + 1
                let ow = (shape.width - k) / s + 1
                var y = [Double](repeating: 0, count: shape.channels * oh * ow)
                for c in 0..<shape.channels {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var values = [Double]()
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    values.append(x[(c * shape.height + oy * s + ky) * shape.width + ox * s + kx])
                                }
                            }
                            y[(c * oh + oy) * ow + ox] = isMax ? values.max()! : values.reduce(0, +) / Double(values.count)
                        }
                    }
                }
                x = y
                shape = CNNShape(channels: shape.channels, height: oh, width: ow)
            case .globalAveragePool:
                let area = shape.height * shape.width
                x = (0..<shape.channels).map { c in x[(c * area)..<((c + 1) * area)].reduce(0, +) / Double(area) }
                shape = CNNShape(channels: shape.channels, height: 1, width: 1)
            case let .linear(l):
                x = (0..<l.outputFeatures).map { o in
                    (0..<l.inputFeatures).reduce(Double(l.bias[o])) { $0 + Double(l.weights[o * l.inputFeatures + $1]) * x[$1] }
                }
                shape = CNNShape(channels: l.outputFeatures, height: 1, width: 1)
            }
        }
        return x
    }
}
