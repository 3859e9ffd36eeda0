import Foundation
import MedSearchCore

/// The machine a benchmark ran on: CPU model, cores, load average, operating system.
public struct MachineDescription: Codable, Equatable, Sendable {
    /// The CPU model (`model name` of /proc/cpuinfo), or `unknown`.
    public var cpu: String
    /// Active processor cores.
    public var cores: Int
    /// The 1, 5 and 15 minute load averages when the description was taken (empty when unavailable).
    public var loadAverage: [Double]
    /// The operating system's version string.
    public var operatingSystem: String

    /// This machine, now.
    public static func current() -> MachineDescription {
        let info = ProcessInfo.processInfo
        return MachineDescription(
            cpu: cpuModel(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""),
            cores: info.activeProcessorCount,
            loadAverage: currentLoadAverage(),
            operatingSystem: info.operatingSystemVersionString)
    }

    /// The load averages now (from /proc/loadavg; empty when unavailable).
    public static func currentLoadAverage() -> [Double] {
        loadAverage(loadavg: (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
    }

    /// The first `model name` of a /proc/cpuinfo text, or `unknown`.
    public static func cpuModel(cpuinfo: String) -> String {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let value = line.split(separator: ":", maxSplits: 1).dropFirst().first else { return "unknown" }
        let model = value.trimmingCharacters(in: .whitespaces)
        return model.isEmpty ? "unknown" : model
    }

    /// The three load averages of a /proc/loadavg text.
    public static func loadAverage(loadavg: String) -> [Double] {
        let values = loadavg.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : []
    }

    enum CodingKeys: String, CodingKey {
        case cpu, cores, loadAverage = "load_average", operatingSystem = "os"
    }
}

/// Everything a report says about where and how it was produced: the machine, the git commit, the build, the
/// MedSearch version, the date, and the load average when the run ended. Taken once per run.
public struct BenchEnvironment: Codable, Equatable, Sendable {
    /// The machine (load average at the start).
    public var machine: MachineDescription
    /// `git rev-parse HEAD` of the repository, when it could be read.
    public var gitCommit: String?
    /// `release` or `debug`.
    public var build: String
    /// The MedSearch version.
    public var medsearchVersion: String
    /// When the run started (ISO 8601, UTC).
    public var date: String
    /// The load averages when the run ended.
    public var loadAverageAtEnd: [Double]?

    /// This machine and repository, now.
    public static func current(repository: URL? = DataLocator.repositoryRoot()) -> BenchEnvironment {
        BenchEnvironment(machine: .current(), gitCommit: gitCommit(repository: repository),
                         build: BuildConfiguration.name, medsearchVersion: MedSearchVersion.current,
                         date: ISO8601DateFormatter().string(from: Date()))
    }

    /// The environment with the load average at the end of the run filled in.
    public func finished() -> BenchEnvironment {
        var copy = self
        copy.loadAverageAtEnd = MachineDescription.currentLoadAverage()
        return copy
    }

    /// `git rev-parse HEAD` in `repository` (nil without git or outside a repository).
    public static func gitCommit(repository: URL?) -> String? {
        guard let repository else { return nil }
        guard let result = try? ChildProcess.run("/usr/bin/env", ["git", "-C", repository.path, "rev-parse", "HEAD"],
                                                 discardErrors: true),
              result.status == 0 else { return nil }
        let commit = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }

    enum CodingKeys: String, CodingKey {
        case machine, gitCommit = "git_commit", build, medsearchVersion = "medsearch_version", date
        case loadAverageAtEnd = "load_average_at_end"
    }
}
