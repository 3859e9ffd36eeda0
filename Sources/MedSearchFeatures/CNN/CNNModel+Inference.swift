import MedSearchImaging

extension CNNModel {
    /// Runs the network on an image of the right size and returns the raw (unnormalised) output.
    func run(_ image: GrayImage, workspace: inout CNNWorkspace) -> [Float] {
        let plan = self.plan
        let layers = self.layers
        let mean = inputMean
        let inverse = 1 / inputStandardDeviation
        // The current activation lives in `first` after every step (steps write `second`, then swap).
        image.values.withUnsafeBufferPointer { pixels in
            workspace.first.withUnsafeMutableBufferPointer { first in
                for index in 0..<pixels.count { first[index] = (pixels[index] - mean) * inverse }
            }
        }
        for step in plan.steps {
            let inPlace = Self.execute(step, layers: layers, workspace: &workspace)
            if !inPlace { swap(&workspace.first, &workspace.second) }
        }
        return Array(workspace.first[0..<plan.output.count])
    }

    /// Executes one step; returns true when it worked in place in `first`.
    private static func execute(_ step: CNNPlan.Step, layers: [CNNLayer], workspace: inout CNNWorkspace) -> Bool {
        let input = step.input
        let output = step.output
        switch step.operation {
        case .relu:
            workspace.first.withUnsafeMutableBufferPointer { values in
                for index in 0..<input.count { values[index] = max(values[index], 0) }
            }
            return true
        case let .convolution(layer, relu, direct):
            guard case let .convolution(conv) = layers[layer] else { preconditionFailure("plan mismatch") }
            let pixels = output.height * output.width
            let depth = conv.inputChannels * conv.kernel * conv.kernel
            conv.weights.withUnsafeBufferPointer { weights in
                conv.bias.withUnsafeBufferPointer { bias in
                    workspace.first.withUnsafeMutableBufferPointer { source in
                        workspace.second.withUnsafeMutableBufferPointer { target in
                            if direct {
                                CNNKernels.gemm(m: conv.outputChannels, n: pixels, k: depth,
                                                a: weights.baseAddress!, b: source.baseAddress!,
                                                bias: bias.baseAddress!, c: target.baseAddress!, relu: relu)
                            } else {
                                workspace.columns.withUnsafeMutableBufferPointer { columns in
                                    CNNKernels.im2col(input: source.baseAddress!, shape: input, kernel: conv.kernel,
                                                      stride: conv.stride, padding: conv.padding,
                                                      outHeight: output.height, outWidth: output.width,
                                                      columns: columns.baseAddress!)
                                    CNNKernels.gemm(m: conv.outputChannels, n: pixels, k: depth,
                                                    a: weights.baseAddress!, b: columns.baseAddress!,
                                                    bias: bias.baseAddress!, c: target.baseAddress!, relu: relu)
                                }
                            }
                        }
                    }
                }
            }
            return false
        case let .maxPool(kernel, stride), let .averagePool(kernel, stride):
            let isMax = if case .maxPool = step.operation { true } else { false }
            workspace.first.withUnsafeBufferPointer { source in
                workspace.second.withUnsafeMutableBufferPointer { target in
                    CNNKernels.pool(input: source.baseAddress!, shape: input, kernel: kernel, stride: stride,
                                    output: output, isMax: isMax, result: target.baseAddress!)
                }
            }
            return false
        case .globalAveragePool:
            let area = input.height * input.width
            let scale = 1 / Float(area)
            workspace.first.withUnsafeBufferPointer { source in
                workspace.second.withUnsafeMutableBufferPointer { target in
                    for channel in 0..<input.channels {
                        var sum: Float = 0
                        let plane = source.baseAddress! + channel * area
                        for index in 0..<area { sum += plane[index] }
                        target[channel] = sum * scale
                    }
                }
            }
            return false
        case let .linear(layer, relu):
            guard case let .linear(linear) = layers[layer] else { preconditionFailure("plan mismatch") }
            linear.weights.withUnsafeBufferPointer { weights in
                linear.bias.withUnsafeBufferPointer { bias in
                    workspace.first.withUnsafeBufferPointer { source in
                        workspace.second.withUnsafeMutableBufferPointer { target in
                            CNNKernels.linear(input: source.baseAddress!, inputs: linear.inputFeatures,
                                              weights: weights.baseAddress!, bias: bias.baseAddress!,
                                              outputs: linear.outputFeatures, relu: relu,
                                              result: target.baseAddress!)
                        }
                    }
                }
            }
            return false
        }
    }
}
