import Foundation
import MedSearchCore

/// Timing, machine description and JSON helpers for the crypto commands.
public enum CryptoBench {
    /// Nanosecond monotonic clock in milliseconds.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

    /// Runs `body` once to warm up, then `rounds` times; returns each round's milliseconds.
    public static func measure(rounds: Int, warmUp: Int = 1, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmUp { try body() }
        var times = [Double]()
        for _ in 0..<rounds {
            let start = now()
            try body()
            times.append(now() - start)
        }
        return times
    }

    /// The median of non-empty samples.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// CPU model, core count, OS.
    public static func machine() -> [String: Any] {
        var model = "unknown"
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let value = line.split(separator: ":", maxSplits: 1).last {
            model = value.trimmingCharacters(in: .whitespaces)
        }
        return ["cpu": model, "cores": ProcessInfo.processInfo.activeProcessorCount,
                "os": ProcessInfo.processInfo.operatingSystemVersionString]
    }

    /// `git rev-parse HEAD` of the repository, if available.
    public static func gitCommit() -> String? {
        run("/usr/bin/env", ["git", "rev-parse", "HEAD"], directory: DataLocator.repositoryRoot())
            .flatMap { $0.status == 0 ? $0.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
    }

    /// Runs a process and captures its standard output (standard error passes through).
    public static func run(_ executable: String, _ arguments: [String], directory: URL?) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Pretty, key-sorted JSON.
    public static func json(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Rounds for display.
    public static func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
}
