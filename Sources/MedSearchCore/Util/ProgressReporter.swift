import Foundation
import Synchronization

/// Reports progress of long work (uploads, index builds, evaluations) on standard error.
///
/// Library code takes an optional `ProgressReporter` and calls ``advance(by:)``; the CLI creates one
/// that draws a bar on a terminal and prints a line every few percent otherwise (CI logs stay short).
public final class ProgressReporter: Sendable {
    private struct State {
        var done = 0
        var lastPrintedPercent = -1
    }

    private let state = Mutex(State())
    private let label: String
    private let total: Int
    private let start = Date()
    private let enabled: Bool
    private let interactive: Bool

    /// Creates a reporter for `total` units of work named `label`; `enabled: false` makes it silent.
    public init(label: String, total: Int, enabled: Bool = true) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
        self.interactive = isatty(STDERR_FILENO) != 0
    }

    /// Marks `count` more units done and redraws when the shown percentage changes.
    public func advance(by count: Int = 1) {
        state.withLock { state in
            state.done = min(state.done + count, total)
            guard enabled else { return }
            let done = state.done
            let percent = done * 100 / total
            let step = interactive ? 1 : 10
            guard percent / step != state.lastPrintedPercent / step || done == total else { return }
            if done == total && state.lastPrintedPercent == 100 { return }
            state.lastPrintedPercent = percent
            let elapsed = Date().timeIntervalSince(start)
            let width = 30
            let filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "\(label) [\(bar)] \(done)/\(total) \(percent)% \(String(format: "%.1f", elapsed))s"
            // Written while holding the lock, so lines from concurrent callers never interleave.
            if interactive {
                FileHandle.standardError.write(Data(("\r" + line + (done == total ? "\n" : "")).utf8))
            } else {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }
}
