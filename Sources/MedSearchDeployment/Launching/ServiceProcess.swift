import Foundation
import MedSearchServer
import MedSearchTransport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A MedSearch server role running as a real child process (`medsearch serve <role> ...`).
///
/// ``RoleLauncher`` starts roles with it, so every role of the demo, the web application, the benchmarks and the
/// end-to-end tests talks to the others over the network on loopback. ``launch(executable:arguments:environment:unsetting:logFile:startTimeout:)`` waits for the
/// child's ``ServiceRunner/listeningMarker`` line and returns once the server accepts connections.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: every stored property is a constant; `Process` itself is thread-safe (Foundation declares it
    // Sendable), and terminate() and kill() only call its idempotent members and send signals.
    private let process: Process
    /// Set once the child's standard output reached its end and its readability handler was removed.
    private let outputEnd: OutputEnd
    /// The base URL the child announced.
    public let url: String
    /// The file receiving the child's standard error.
    public let logFile: URL
    /// The child's process id.
    public var pid: Int32 { process.processIdentifier }

    private init(process: Process, outputEnd: OutputEnd, url: String, logFile: URL) {
        self.process = process
        self.outputEnd = outputEnd
        self.url = url
        self.logFile = logFile
    }

    /// Starts `executable arguments...` and waits until it prints its listening line.
    ///
    /// - Throws: ``ServiceError/launchFailed(command:reason:)`` with the tail of the child's log when it exits
    ///   or stays silent for `startTimeout`.
    public static func launch(executable: URL, arguments: [String], environment: [String: String] = [:],
                              unsetting: Set<String> = [], logFile: URL? = nil,
                              startTimeout: Duration = .seconds(60)) async throws -> ServiceProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in unsetting { env[key] = nil }
        for (key, value) in environment { env[key] = value }
        // The child stops itself if this process goes away without stopping it (ParentProcessWatch).
        env[ParentProcessWatch.variable] = String(getpid())
        process.environment = env
        let log = logFile ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("medsearch-\(safeName(arguments.prefix(2).joined(separator: "-")))-\(UUID().uuidString).log")
        // A restarted role appends to its log; a new log is created owner-only (0600) from its first byte.
        let descriptor = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ServiceError.launchFailed(command: executable.lastPathComponent, reason: "cannot open log \(log.path)")
        }
        let logHandle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        process.standardError = logHandle
        let stdoutPipe = Pipe()
        process.standardOutput = stdoutPipe
        let command = ([executable.lastPathComponent] + arguments.prefix(2)).joined(separator: " ")

        let announced = AsyncStream<String>.makeStream()
        let buffer = LineBuffer()
        let outputEnd = OutputEnd()
        stdoutPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                outputEnd.reached.withLock { $0 = true }
                announced.continuation.finish()
                return
            }
            try? logHandle.write(contentsOf: data)
            for line in buffer.append(data) where line.hasPrefix(ServiceRunner.listeningMarker) {
                announced.continuation.yield(String(line.dropFirst(ServiceRunner.listeningMarker.count + 1)))
            }
        }
        process.terminationHandler = { _ in announced.continuation.finish() }
        do { try process.run() } catch {
            throw ServiceError.launchFailed(command: command, reason: "\(error)")
        }

        let url: String? = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                for await url in announced.stream { return url }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: startTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let url else {
            if process.isRunning { process.terminate() }
            let tail = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").suffix(5)
                .joined(separator: " | ") ?? ""
            throw ServiceError.launchFailed(command: command, reason: "no listening line (log: \(tail))")
        }
        return ServiceProcess(process: process, outputEnd: outputEnd, url: url, logFile: log)
    }

    /// Whether the child is still running.
    public var isRunning: Bool { process.isRunning }

    /// Stops the child: SIGTERM, then SIGKILL after `grace`.
    public func terminate(grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { sendSignal(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        await waitForOutputEnd()
    }

    /// Kills the child at once (SIGKILL), as a crash would; used by failure tests.
    public func kill() async {
        guard process.isRunning else { return }
        sendSignal(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        await waitForOutputEnd()
    }

    /// Waits (at most 5 s) until the child's standard output has reached its end and its readability handler is
    /// gone, so that releasing this object afterwards never closes the pipe under a dispatch source still watching
    /// it. The end comes as soon as the child and everything that inherited its output have exited.
    private func waitForOutputEnd() async {
        let deadline = ContinuousClock.now + .seconds(5)
        while !outputEnd.reached.withLock({ $0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Whether a child's standard output has reached its end (set by its readability handler).
private final class OutputEnd: Sendable {
    let reached = Mutex(false)
}

/// Splits a byte stream into lines.
private final class LineBuffer: @unchecked Sendable {
    // @unchecked: only the pipe's readability handler (one serial queue) touches `pending`.
    private var pending = Data()

    func append(_ data: Data) -> [String] {
        pending.append(data)
        var lines: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }
}

/// Sends `signal` to process `pid`.
private func sendSignal(_ pid: Int32, _ signal: Int32) {
    _ = Glibc.kill(pid, signal)
}

/// A file-name-safe version of `text` (letters, digits and '-' only, at most 40 characters).
private func safeName(_ text: String) -> String {
    String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(40))
}
