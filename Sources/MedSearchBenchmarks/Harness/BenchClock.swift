import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which CPU time a measurement reads.
public enum CPUScope: String, Codable, Sendable {
    /// The calling thread only: one-thread figures, unaffected by other processes on a shared machine.
    case thread
    /// User plus system time of every thread of the process: figures that use all cores.
    case process
}

/// The clocks the harness reads, in nanoseconds. ``SystemBenchClock`` reads the operating system's; tests give
/// a fake one so that the statistics can be checked exactly.
public protocol BenchClock: Sendable {
    /// Monotonic wall-clock time.
    func wallNanoseconds() -> UInt64
    /// CPU time of the calling thread or of the whole process.
    func cpuNanoseconds(_ scope: CPUScope) -> UInt64
}

/// The operating system's clocks: `DispatchTime` for wall time, `CLOCK_THREAD_CPUTIME_ID` and `getrusage`
/// for CPU time.
public struct SystemBenchClock: BenchClock {
    /// The system clocks.
    public init() {}

    public func wallNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public func cpuNanoseconds(_ scope: CPUScope) -> UInt64 {
        switch scope {
        case .thread:
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
        case .process:
            var usage = rusage()
            #if canImport(Glibc)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            #else
            getrusage(RUSAGE_SELF, &usage)
            #endif
            let seconds = UInt64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            let microseconds = UInt64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
            return seconds * 1_000_000_000 + microseconds * 1000
        }
    }
}
