import Foundation

/// Reports progress of long work (uploads, index builds, evaluations) on standard error.
///
/// Library code takes an optional `ProgressReporter` and calls ``advance(by:)``; the CLI creates one
/// that draws a bar on a terminal and prints a line every few percent otherwise (CI logs stay short).
public final class ProgressReporter: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private let lock = NSLock()
    private let label: String
    private let total: Int
    private var done = 0
    private var lastPrintedPercent = -1
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
        lock.lock()
        defer { lock.unlock() }
        done = min(done + count, total)
        guard enabled else { return }
        let percent = done * 100 / total
        let step = interactive ? 1 : 10
        guard percent / step != lastPrintedPercent / step || done == total else { return }
        if done == total && lastPrintedPercent == 100 { return }
        lastPrintedPercent = percent
        let elapsed = Date().timeIntervalSince(start)
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\(label) [\(bar)] \(done)/\(total) \(percent)% \(String(format: "%.1f", elapsed))s"
        if interactive {
            FileHandle.standardError.write(Data(("\r" + line + (done == total ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
