import Foundation

/// A parameter of a figure: a number, a string, a flag or a list of integers.
public enum ParameterValue: Codable, Equatable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case ints([Int])

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .ints(try container.decode([Int].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .int(value): try container.encode(value)
        case let .double(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .bool(value): try container.encode(value)
        case let .ints(value): try container.encode(value)
        }
    }

    /// The value as an integer, when it is one.
    public var intValue: Int? {
        if case let .int(value) = self { return value }
        return nil
    }
}

/// Our figure beside the reference implementation's, measured in the same run.
///
/// Ratios are always ours over the reference's time: below 1 we are faster (a speed-up is 1 / ratio).
public struct ReferenceComparison: Codable, Equatable, Sendable {
    /// The reference implementation (`Microsoft SEAL via tenseal 0.3.18`).
    public var library: String
    /// The reference's figure name.
    public var figure: String
    /// The reference's timing.
    public var timing: Timing
    /// Our wall-clock median over the reference's.
    public var wallRatio: Double
    /// Our CPU median over the reference's.
    public var cpuRatio: Double
    /// Our smallest wall-clock sample over the reference's (the least disturbed rounds).
    public var minimumRatio: Double

    /// Compares `ours` with the reference's `figure` of `run`; nil when the run lacks that figure.
    public init?(ours: Timing, figure: String, in run: ReferenceRun?) {
        guard let run, let theirs = run.figures[figure] else { return nil }
        self.init(library: run.library, figure: figure, ours: ours, theirs: theirs)
    }

    /// Compares two timings.
    public init(library: String, figure: String, ours: Timing, theirs: Timing) {
        self.library = library
        self.figure = figure
        timing = theirs
        wallRatio = ours.wall.median / theirs.wall.median
        cpuRatio = ours.cpu.median / theirs.cpu.median
        minimumRatio = ours.wall.minimum / theirs.wall.minimum
    }

    enum CodingKeys: String, CodingKey {
        case library, figure, timing, wallRatio = "wall_ratio", cpuRatio = "cpu_ratio", minimumRatio = "minimum_ratio"
    }
}

/// A speed or quality goal and whether the run met it.
public struct TargetCheck: Codable, Equatable, Sendable {
    /// How a measured value is compared with the limit.
    public enum Comparison: String, Codable, Sendable {
        case atMost = "<="
        case below = "<"
        case atLeast = ">="
    }

    /// What is compared, in words (`Paillier-2048 CRT decryption, ms (thread CPU)`).
    public var what: String
    /// The measured value.
    public var measured: Double
    /// The comparison.
    public var comparison: Comparison
    /// The limit.
    public var limit: Double
    /// Whether `measured comparison limit` holds.
    public var met: Bool

    /// Checks `measured` against `limit`.
    public init(_ what: String, measured: Double, _ comparison: Comparison, _ limit: Double) {
        self.what = what
        self.measured = measured
        self.comparison = comparison
        self.limit = limit
        switch comparison {
        case .atMost: met = measured <= limit
        case .below: met = measured < limit
        case .atLeast: met = measured >= limit
        }
    }

    /// `measured <= limit: met` for a console line.
    public var summary: String {
        "\(BenchFormat.number(measured)) \(comparison.rawValue) \(BenchFormat.number(limit)): \(met ? "met" : "NOT MET")"
    }
}

/// One measured figure: a timing (wall and CPU per operation) or a single value (a size, a fraction), with its
/// parameters and, where there is one, the reference's figure and the target.
public struct Figure: Codable, Equatable, Sendable {
    /// The figure's name, unique within its suite with its parameters.
    public var name: String
    /// The unit of `value` and of the timing's samples (`ms`, `ms/query`, `bytes`, `fraction`).
    public var unit: String
    /// The value of an untimed figure.
    public var value: Double?
    /// The timing of a timed figure.
    public var timing: Timing?
    /// Which CPU clock the timing's `cpu` read.
    public var cpuScope: CPUScope?
    /// What the figure was measured with.
    public var parameters: [String: ParameterValue]
    /// The reference implementation's figure in the same run.
    public var reference: ReferenceComparison?
    /// The goal and whether it was met.
    public var target: TargetCheck?
    /// Whether the computation's results equalled the plaintext computation's (nil when not checked).
    public var resultsEqualPlaintext: Bool?
    /// A remark on what the figure includes.
    public var note: String?

    /// A timed figure.
    public init(_ name: String, timing: Timing, unit: String = "ms", cpuScope: CPUScope = .thread,
                parameters: [String: ParameterValue] = [:], reference: ReferenceComparison? = nil,
                target: TargetCheck? = nil, note: String? = nil) {
        self.name = name
        self.unit = unit
        self.timing = timing
        self.cpuScope = cpuScope
        self.parameters = parameters
        self.reference = reference
        self.target = target
        self.note = note
    }

    /// An untimed figure.
    public init(_ name: String, value: Double, unit: String, parameters: [String: ParameterValue] = [:],
                target: TargetCheck? = nil, note: String? = nil) {
        self.name = name
        self.unit = unit
        self.value = value
        self.parameters = parameters
        self.target = target
        self.note = note
    }

    /// The headline number: the value, or the timing's wall-clock median.
    public var headline: Double { value ?? timing?.wall.median ?? 0 }

    /// A console line: name, parameters, median wall and CPU (or value), reference ratio, target.
    public var summary: String {
        var line = name
        if !parameters.isEmpty {
            line += " " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(BenchFormat.parameter($0.value))" }
                .joined(separator: " ")
        }
        if let timing {
            line += ": \(BenchFormat.number(timing.wall.median)) \(unit) wall, \(BenchFormat.number(timing.cpu.median)) "
                + "\(unit) cpu (min \(BenchFormat.number(timing.wall.minimum)))"
        } else if let value {
            line += ": \(BenchFormat.number(value)) \(unit)"
        }
        if let reference {
            line += " | \(reference.library): \(BenchFormat.number(reference.timing.wall.median)) \(unit), ratio "
                + "\(BenchFormat.number(reference.wallRatio)) wall \(BenchFormat.number(reference.cpuRatio)) cpu"
        }
        if let target { line += " | target \(target.summary)" }
        if let resultsEqualPlaintext { line += resultsEqualPlaintext ? " | equals plaintext" : " | DIFFERS from plaintext" }
        return line
    }

    enum CodingKeys: String, CodingKey {
        case name, unit, value, timing, cpuScope = "cpu_scope", parameters, reference, target
        case resultsEqualPlaintext = "results_equal_plaintext", note
    }
}

/// Number formatting of console lines.
public enum BenchFormat {
    /// Four significant digits below 100, one decimal above.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return abs(value) >= 100 ? String(format: "%.1f", value) : String(format: "%.4g", value)
    }

    /// `value` with `digits` decimals.
    public static func fixed(_ value: Double, _ digits: Int = 3) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A parameter's value as written on a console line.
    public static func parameter(_ value: ParameterValue) -> String {
        switch value {
        case let .int(v): String(v)
        case let .double(v): number(v)
        case let .string(v): v
        case let .bool(v): String(v)
        case let .ints(v): v.map(String.init).joined(separator: ",")
        }
    }
}
