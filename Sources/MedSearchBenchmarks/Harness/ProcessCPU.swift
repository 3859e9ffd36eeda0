import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time (user plus system) of this process or of another one (a server role started as a child process).
public enum ProcessCPU {
    /// This process's CPU time, seconds (every thread).
    public static func ownSeconds() -> Double {
        Double(SystemBenchClock().cpuNanoseconds(.process)) / 1e9
    }

    /// Another process's CPU time (utime + stime of /proc/PID/stat), seconds; nil when it is gone. The kernel
    /// counts in clock ticks (usually 10 ms): read it around many queries, not one.
    public static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return seconds(stat: stat, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// utime + stime of a /proc/PID/stat line in seconds; nil when the line does not parse.
    public static func seconds(stat: String, ticksPerSecond: Double) -> Double? {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        guard ticksPerSecond > 0, let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }
}
