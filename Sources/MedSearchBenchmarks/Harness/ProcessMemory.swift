import Foundation

/// The memory the benchmark process used.
public enum ProcessMemory {
    /// The process's peak resident set (VmHWM of /proc/self/status) in bytes, or 0 when unavailable.
    public static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        return peakResidentBytes(status: status)
    }

    /// The peak resident set of another process (a server role under load), in bytes, or nil when it is gone.
    public static func peakResidentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return peakResidentBytes(status: status)
    }

    /// VmHWM of a /proc/self/status text, in bytes (0 when absent).
    public static func peakResidentBytes(status: String) -> Int { kibibytes(field: "VmHWM:", status: status) ?? 0 }

    /// A `kB` field of a /proc/PID/status text (`VmHWM:`, `VmRSS:`), in bytes, or nil when absent.
    static func kibibytes(field: String, status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
            return nil
        }
        return kib * 1024
    }
}
