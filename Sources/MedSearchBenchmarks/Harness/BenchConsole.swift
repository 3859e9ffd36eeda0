import Foundation

/// Where a benchmark's lines go: results (one per figure, standard output) and progress (standard error).
public struct BenchConsole: Sendable {
    /// A result line.
    public var line: @Sendable (String) -> Void
    /// A progress or warning line.
    public var status: @Sendable (String) -> Void

    /// Results on standard output, progress on standard error.
    public static let standard = BenchConsole(
        line: { print($0) },
        status: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })

    /// Nothing printed (tests).
    public static let silent = BenchConsole(line: { _ in }, status: { _ in })
}
