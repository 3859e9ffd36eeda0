import Foundation

/// The interpolation filter used by ``GrayImage/resized(rows:columns:filter:)``.
public enum ResizeFilter: Sendable, Equatable {
    /// Area averaging when shrinking an axis, Lanczos-3 when enlarging it, a copy when the size is equal.
    case automatic
    /// Exact area averaging (box filter integrated over each output pixel's footprint).
    case area
    /// Lanczos windowed sinc with 3 lobes, widened by the scale factor when shrinking (anti-aliased).
    case lanczos3
    /// Linear interpolation, widened by the scale factor when shrinking (anti-aliased).
    case bilinear
}

extension GrayImage {
    /// A copy resampled to `rows` x `columns` with a separable filter (horizontal pass, then vertical).
    ///
    /// - Precondition: `rows` and `columns` are positive and the image is not empty.
    /// - Complexity: O(rows x columns x taps) with taps about the scale factor (area) or 6 (Lanczos).
    public func resized(rows newRows: Int, columns newColumns: Int, filter: ResizeFilter = .automatic) -> GrayImage {
        precondition(newRows > 0 && newColumns > 0 && rows > 0 && columns > 0, "empty image size")
        if newRows == rows && newColumns == columns { return self }
        let horizontal = ResampleKernel(input: columns, output: newColumns, filter: filter)
        let vertical = ResampleKernel(input: rows, output: newRows, filter: filter)
        // Horizontal pass: rows x newColumns.
        var middle = [Float](repeating: 0, count: rows * newColumns)
        values.withUnsafeBufferPointer { source in
            middle.withUnsafeMutableBufferPointer { out in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    for r in 0..<rows {
                        let row = source.baseAddress! + r * columns
                        for c in 0..<newColumns {
                            let start = horizontal.starts[c]
                            let w = weights.baseAddress! + c * horizontal.taps
                            var sum: Float = 0
                            for t in 0..<horizontal.counts[c] { sum += row[start + t] * w[t] }
                            out[r * newColumns + c] = sum
                        }
                    }
                }
            }
        }
        // Vertical pass: newRows x newColumns, accumulating whole rows (cache friendly).
        var result = [Float](repeating: 0, count: newRows * newColumns)
        middle.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { out in
                for r in 0..<newRows {
                    let start = vertical.starts[r]
                    let target = out.baseAddress! + r * newColumns
                    for t in 0..<vertical.counts[r] {
                        let w = vertical.weights[r * vertical.taps + t]
                        let row = source.baseAddress! + (start + t) * newColumns
                        for c in 0..<newColumns { target[c] += w * row[c] }
                    }
                }
            }
        }
        return GrayImage(rows: newRows, columns: newColumns, values: result)
    }

    /// The largest centred square (the whole image when already square).
    public func centerCroppedToSquare() -> GrayImage {
        let side = Swift.min(rows, columns)
        return cropped(top: (rows - side) / 2, left: (columns - side) / 2, rows: side, columns: side)
    }

    /// The sub-image with its top-left corner at (`top`, `left`).
    ///
    /// - Precondition: the rectangle lies inside the image.
    public func cropped(top: Int, left: Int, rows newRows: Int, columns newColumns: Int) -> GrayImage {
        precondition(top >= 0 && left >= 0 && newRows >= 0 && newColumns >= 0 &&
                     top + newRows <= rows && left + newColumns <= columns, "crop outside the image")
        if top == 0 && left == 0 && newRows == rows && newColumns == columns { return self }
        var out = [Float]()
        out.reserveCapacity(newRows * newColumns)
        for r in top..<top + newRows {
            out.append(contentsOf: values[r * columns + left..<r * columns + left + newColumns])
        }
        return GrayImage(rows: newRows, columns: newColumns, values: out)
    }
}

/// Precomputed 1-D resampling weights: output sample i = sum over t of input[starts[i] + t] * weights[i * taps + t].
struct ResampleKernel {
    var starts: [Int]
    var counts: [Int]
    var weights: [Float]
    var taps: Int

    init(input: Int, output: Int, filter: ResizeFilter) {
        let scale = Double(input) / Double(output)
        var resolved = filter
        if filter == .automatic { resolved = scale >= 1 ? .area : .lanczos3 }
        var rows: [(Int, [Double])] = []
        rows.reserveCapacity(output)
        for i in 0..<output {
            switch resolved {
            case .area, .automatic:
                // Footprint [i*scale, (i+1)*scale) in input coordinates; weight = overlap / scale.
                let low = Double(i) * scale, high = Double(i + 1) * scale
                let first = Int(low.rounded(.down)), last = Swift.min(input - 1, Int((high - 1e-9).rounded(.down)))
                var w: [Double] = []
                for j in first...Swift.max(first, last) {
                    let overlap = Swift.min(high, Double(j + 1)) - Swift.max(low, Double(j))
                    w.append(Swift.max(0, overlap))
                }
                rows.append((first, Self.normalised(w)))
            case .lanczos3, .bilinear:
                let support = resolved == .lanczos3 ? 3.0 : 1.0
                let stretch = Swift.max(scale, 1)
                let center = (Double(i) + 0.5) * scale - 0.5
                let first = Int((center - support * stretch).rounded(.up))
                let last = Int((center + support * stretch).rounded(.down))
                let lo = Swift.min(Swift.max(first, 0), input - 1)
                let hi = Swift.max(Swift.min(last, input - 1), lo)
                var taps = [Double](repeating: 0, count: hi - lo + 1)
                if first <= last {
                    for j in first...last {
                        let x = (Double(j) - center) / stretch
                        let w = resolved == .lanczos3 ? Self.lanczos(x, support) : Swift.max(0, 1 - abs(x))
                        let clamped = Swift.min(Swift.max(j, lo), hi)   // replicate the edge
                        taps[clamped - lo] += w
                    }
                }
                rows.append((lo, Self.normalised(taps)))
            }
        }
        taps = rows.map(\.1.count).max() ?? 1
        starts = rows.map(\.0)
        counts = rows.map(\.1.count)
        weights = [Float](repeating: 0, count: output * taps)
        for (i, row) in rows.enumerated() {
            for (t, w) in row.1.enumerated() { weights[i * taps + t] = Float(w) }
        }
    }

    static func lanczos(_ x: Double, _ a: Double) -> Double {
        if x == 0 { return 1 }
        if abs(x) >= a { return 0 }
        let px = Double.pi * x
        return a * sin(px) * sin(px / a) / (px * px)
    }

    static func normalised(_ w: [Double]) -> [Double] {
        let total = w.reduce(0, +)
        guard total != 0 else { return w.isEmpty ? [1] : [1] + Array(repeating: 0, count: w.count - 1) }
        return w.map { $0 / total }
    }
}
