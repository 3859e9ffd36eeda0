import Foundation

/// The suite-specific part of a benchmark report.
public protocol BenchmarkBody: Codable, Sendable {
    /// The suite's name in the report (`crypto`, `bfv`, ...).
    static var suite: String { get }
}

/// A benchmark report: the suite's figures with the environment they were measured in, written as one JSON
/// object whose top level holds `suite`, `method`, the environment's keys (`machine`, `git_commit`, `build`,
/// `medsearch_version`, `date`, `load_average_at_end`) and the body's keys.
public struct BenchmarkReport<Body: BenchmarkBody>: Codable, Sendable {
    /// The suite's name.
    public var suite: String
    /// How the figures were measured (rounds, warm-up, clocks).
    public var method: String
    /// Where and when.
    public var environment: BenchEnvironment
    /// The figures.
    public var body: Body

    /// A report of `body` measured in `environment`.
    public init(method: String, environment: BenchEnvironment, body: Body) {
        suite = Body.suite
        self.method = method
        self.environment = environment
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case suite, method
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        suite = try container.decode(String.self, forKey: .suite)
        method = try container.decode(String.self, forKey: .method)
        environment = try BenchEnvironment(from: decoder)
        body = try Body(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        // The environment and the body share the top-level object (their keys are disjoint).
        try environment.encode(to: encoder)
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(suite, forKey: .suite)
        try container.encode(method, forKey: .method)
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        try BenchmarkJSON.encode(self)
    }

    /// Reads a report written by ``json()``.
    public static func decode(_ data: Data) throws -> BenchmarkReport<Body> {
        try JSONDecoder().decode(BenchmarkReport<Body>.self, from: data)
    }
}

/// The JSON conventions of every report.
public enum BenchmarkJSON {
    /// Pretty-printed, sorted keys, no escaped slashes; a non-finite number (a ratio over a zero time) is written
    /// as a string rather than failing the whole report.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return try encoder.encode(value)
    }
}
