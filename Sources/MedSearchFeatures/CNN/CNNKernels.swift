/// The numeric kernels of CNN inference, on raw pointers into the workspace (callers guarantee the sizes,
/// which ``CNNPlan`` computed and bounded when the model was built).
///
/// Convolutions are lowered to a matrix product `C[M x N] = A[M x K] * B[K x N] + bias` (M output channels,
/// K = input channels x kernel x kernel, N output pixels) computed by a register-blocked micro-kernel of
/// 4 output channels x 8 pixels held in `SIMD8<Float>` accumulators. Only multiplies and adds are used (no
/// fused multiply-add), so the code vectorises on the baseline x86-64 and arm64 targets.
enum CNNKernels {
    /// `c = a * b + bias` (row-major), optionally followed by `max(., 0)`.
    @_optimize(speed) @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, relu: Bool) {
        let n8 = n & ~7
        var n0 = 0
        while n0 < n8 {
            var m0 = 0
            while m0 + 4 <= m {
                var c0 = SIMD8<Float>(repeating: bias[m0])
                var c1 = SIMD8<Float>(repeating: bias[m0 + 1])
                var c2 = SIMD8<Float>(repeating: bias[m0 + 2])
                var c3 = SIMD8<Float>(repeating: bias[m0 + 3])
                let a0 = a + m0 * k
                let a1 = a0 + k
                let a2 = a1 + k
                let a3 = a2 + k
                var bp = UnsafeRawPointer(b + n0)
                let rowBytes = n * MemoryLayout<Float>.stride
                for index in 0..<k {
                    let bv = bp.loadUnaligned(as: SIMD8<Float>.self)
                    c0 += bv * SIMD8(repeating: a0[index])
                    c1 += bv * SIMD8(repeating: a1[index])
                    c2 += bv * SIMD8(repeating: a2[index])
                    c3 += bv * SIMD8(repeating: a3[index])
                    bp += rowBytes
                }
                if relu {
                    c0 = rectify(c0)
                    c1 = rectify(c1)
                    c2 = rectify(c2)
                    c3 = rectify(c3)
                }
                let out = UnsafeMutableRawPointer(c + m0 * n + n0)
                let rowStride = n * MemoryLayout<Float>.stride
                out.storeBytes(of: c0, as: SIMD8<Float>.self)
                (out + rowStride).storeBytes(of: c1, as: SIMD8<Float>.self)
                (out + 2 * rowStride).storeBytes(of: c2, as: SIMD8<Float>.self)
                (out + 3 * rowStride).storeBytes(of: c3, as: SIMD8<Float>.self)
                m0 += 4
            }
            while m0 < m {
                var c0 = SIMD8<Float>(repeating: bias[m0])
                let a0 = a + m0 * k
                var bp = UnsafeRawPointer(b + n0)
                let rowBytes = n * MemoryLayout<Float>.stride
                for index in 0..<k {
                    c0 += bp.loadUnaligned(as: SIMD8<Float>.self) * SIMD8(repeating: a0[index])
                    bp += rowBytes
                }
                if relu { c0 = rectify(c0) }
                UnsafeMutableRawPointer(c + m0 * n + n0).storeBytes(of: c0, as: SIMD8<Float>.self)
                m0 += 1
            }
            n0 += 8
        }
        if n8 < n {
            for row in 0..<m {
                let ar = a + row * k
                for column in n8..<n {
                    var sum = bias[row]
                    for index in 0..<k { sum += ar[index] * b[index * n + column] }
                    c[row * n + column] = relu ? max(sum, 0) : sum
                }
            }
        }
    }

    /// `max(x, 0)` lane by lane, written so it lowers to one vector max instruction per register.
    @_optimize(speed) @inline(__always)
    static func rectify(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var result = x
        for lane in 0..<8 { result[lane] = x[lane] > 0 ? x[lane] : 0 }
        return result
    }

    /// Unfolds a `shape` tensor into the `(C * kernel * kernel) x (outHeight * outWidth)` im2col matrix,
    /// rows ordered as PyTorch orders convolution weights (`[in][ky][kx]`), zeros where the window leaves the image.
    @_optimize(speed) @inline(__always)
    static func im2col(input: UnsafePointer<Float>, shape: CNNShape, kernel: Int, stride: Int, padding: Int,
                       outHeight: Int, outWidth: Int, columns: UnsafeMutablePointer<Float>) {
        let height = shape.height
        let width = shape.width
        var destination = columns
        for channel in 0..<shape.channels {
            let plane = input + channel * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    for oy in 0..<outHeight {
                        let row = destination + oy * outWidth
                        let iy = oy * stride + ky - padding
                        if iy < 0 || iy >= height {
                            row.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let source = plane + iy * width
                        if stride == 1 {
                            let low = min(max(0, padding - kx), outWidth)
                            let high = max(min(outWidth, width + padding - kx), low)
                            if low > 0 { row.update(repeating: 0, count: low) }
                            if high > low { (row + low).update(from: source + (low + kx - padding), count: high - low) }
                            if high < outWidth { (row + high).update(repeating: 0, count: outWidth - high) }
                        } else {
                            // Output columns whose input column ox * stride + kx - padding lies inside the row.
                            let offset = kx - padding
                            let low = min(offset >= 0 ? 0 : (-offset + stride - 1) / stride, outWidth)
                            let high = max(min(outWidth, width - 1 - offset >= 0 ? (width - 1 - offset) / stride + 1 : 0), low)
                            if low > 0 { row.update(repeating: 0, count: low) }
                            var ix = low * stride + offset
                            for ox in low..<high {
                                row[ox] = source[ix]
                                ix += stride
                            }
                            if high < outWidth { (row + high).update(repeating: 0, count: outWidth - high) }
                        }
                    }
                    destination += outHeight * outWidth
                }
            }
        }
    }

    /// Max or average pooling without padding (floor mode).
    @_optimize(speed) @inline(__always)
    static func pool(input: UnsafePointer<Float>, shape: CNNShape, kernel: Int, stride: Int, output: CNNShape,
                     isMax: Bool, result: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(kernel * kernel)
        for channel in 0..<shape.channels {
            let plane = input + channel * shape.height * shape.width
            let target = result + channel * output.height * output.width
            for oy in 0..<output.height {
                for ox in 0..<output.width {
                    let origin = plane + oy * stride * shape.width + ox * stride
                    var value: Float = isMax ? -.infinity : 0
                    for ky in 0..<kernel {
                        let line = origin + ky * shape.width
                        for kx in 0..<kernel {
                            value = isMax ? max(value, line[kx]) : value + line[kx]
                        }
                    }
                    target[oy * output.width + ox] = isMax ? value : value * scale
                }
            }
        }
    }

    /// `y = W x + b` for a row-major `outputs x inputs` matrix, optionally followed by `max(., 0)`.
    @_optimize(speed) @inline(__always)
    static func linear(input: UnsafePointer<Float>, inputs: Int, weights: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>, outputs: Int, relu: Bool, result: UnsafeMutablePointer<Float>) {
        let inputs8 = inputs & ~7
        for row in 0..<outputs {
            let w = weights + row * inputs
            var accumulator = SIMD8<Float>(repeating: 0)
            var index = 0
            while index < inputs8 {
                accumulator += UnsafeRawPointer(w + index).loadUnaligned(as: SIMD8<Float>.self)
                    * UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
                index += 8
            }
            var sum = bias[row] + accumulator.sum()
            while index < inputs {
                sum += w[index] * input[index]
                index += 1
            }
            result[row] = relu ? max(sum, 0) : sum
        }
    }
}
