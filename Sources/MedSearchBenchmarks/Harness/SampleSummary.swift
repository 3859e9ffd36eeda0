/// The samples of one figure and their median, minimum and maximum (milliseconds unless the figure says
/// otherwise).
///
/// The median of an even number of samples is the mean of the two middle ones. No samples give zeros.
public struct SampleSummary: Codable, Equatable, Sendable {
    /// The middle sample.
    public var median: Double
    /// The smallest sample: the least disturbed round on a loaded machine.
    public var minimum: Double
    /// The largest sample.
    public var maximum: Double
    /// Every sample, in the order measured.
    public var samples: [Double]

    /// Summarises `samples`.
    public init(_ samples: [Double]) {
        self.samples = samples
        median = Self.median(samples)
        minimum = samples.min() ?? 0
        maximum = samples.max() ?? 0
    }

    /// The median of `values` (the mean of the two middle values for an even count; 0 for none).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Every sample divided by `divisor` (per-operation figures from batched rounds).
    public func divided(by divisor: Double) -> SampleSummary {
        SampleSummary(samples.map { $0 / divisor })
    }

    enum CodingKeys: String, CodingKey {
        case median = "median_ms", minimum = "min_ms", maximum = "max_ms", samples = "samples_ms"
    }
}

/// Wall-clock and CPU time of one figure, per operation.
public struct Timing: Codable, Equatable, Sendable {
    /// Wall-clock milliseconds.
    public var wall: SampleSummary
    /// CPU milliseconds (of the thread or the process: see the figure's `cpu_scope`).
    public var cpu: SampleSummary

    enum CodingKeys: String, CodingKey {
        case wall = "wall", cpu = "cpu"
    }
}

extension Timing {
    /// Creates a timing from raw per-operation samples in milliseconds.
    public init(wall: [Double], cpu: [Double]) {
        self.init(wall: SampleSummary(wall), cpu: SampleSummary(cpu))
    }
}
