import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Stops a role whose launcher is gone. A process started by ``ServiceProcess`` (the web application's engines,
/// `cluster up`, the demo, benchmarks and tests) is told its launcher's process id in ``variable``; once its parent
/// is no longer that process (the launcher crashed or was killed with SIGKILL, so the child was re-parented), the
/// role stops itself gracefully, as on SIGTERM, instead of running on unsupervised and holding its port and store.
///
/// Linux's `PR_SET_PDEATHSIG` is not used: it fires when the launcher's *thread* that spawned the child exits, and
/// Swift's concurrency pool retires idle threads.
public enum ParentProcessWatch {
    /// The environment variable holding the launcher's process id.
    public static let variable = "MEDSEARCH_PARENT_PID"
    /// How often the parent is checked.
    public static let interval: Duration = .seconds(1)

    /// The launcher's process id from the environment (nil when not set or not a process id).
    public static func expectedParent(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> pid_t? {
        environment[variable].flatMap { pid_t($0) }.flatMap { $0 > 1 ? $0 : nil }
    }

    /// Returns when this process's parent is no longer `parent` (at once if it already is not), or when cancelled.
    public static func waitUntilOrphaned(from parent: pid_t) async {
        while !Task.isCancelled, getppid() == parent {
            try? await Task.sleep(for: interval)
        }
    }

    /// Waits until orphaned from `parent`, then sends this process SIGTERM (its graceful stop, which cancels this
    /// task) and logs why. Returns only when cancelled: the role's task group ends with its first finished task.
    static func stopWhenOrphaned(from parent: pid_t, logger: Logger) async {
        await waitUntilOrphaned(from: parent)
        guard !Task.isCancelled else { return }
        logger.notice("the process that started this role has exited: stopping", metadata: ["launcher": "\(parent)"])
        kill(getpid(), SIGTERM)
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
    }
}
