import CMedSearchShims
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program as a child process and reports its exit status, output and peak resident memory.
///
/// Peak memory is the child's own high-water mark (`VmHWM` of `/proc/PID/status`), read every 2 ms while it
/// runs: that counts only the child's address space, so a test can assert a memory ceiling for one command
/// without being disturbed by the test process's own size. (`wait4`'s `ru_maxrss` would not do: a child
/// started with vfork semantics inherits the parent's high-water mark at `exec`.) The last few milliseconds
/// before exit are not observed; a command that grows past a ceiling does so long before it exits.
public enum ChildProcess {
    /// What a finished child did.
    public struct Result: Sendable {
        /// The exit code, or 128 + the signal number when a signal ended it.
        public var status: Int32
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
        /// The child's peak resident set size in bytes (its `VmHWM`, as last observed).
        public var peakResidentBytes: Int
    }

    /// Why a child could not be run.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments` (give paths absolute: the child inherits the working directory),
    /// output captured through temporary files; `started` is given the child's process id once it runs.
    public static func run(_ executable: URL, _ arguments: [String],
                           started: (pid_t) -> Void = { _ in }) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("medsearch-child-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout").path
        let errPath = scratch.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else of this process (SwiftNIO's sockets are not close-on-exec: a child holding a test server's
        // listening socket keeps its port bound after the server stopped).
        let closing = medsearch_spawn_close_from(&actions, 3)
        guard closing == 0 else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np: error \(closing)") }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "posix_spawn \(executable.path): error \(spawned)") }
        started(pid)
        var status: Int32 = 0
        var peak = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { throw Failure(description: "waitpid: errno \(errno)") }
            peak = max(peak, highWaterMark(of: pid) ?? 0)
            usleep(2000)
        }
        let exit: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: exit,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                      peakResidentBytes: peak)
    }

    /// `VmHWM` of a running process, in bytes.
    public static func highWaterMark(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        let digits = line.split(separator: " ").compactMap { Int($0) }.first
        return digits.map { $0 * 1024 }
    }
}

/// The independent reference readers in the test virtual environment (`.venv-test`, made by
/// `MEDSEARCH_PYTHON_ENV=test scripts/reference/python.sh`, which `scripts/test.sh` runs first).
public enum PythonReference {
    /// The environment's interpreter, when it exists and has pydicom installed.
    public static var pydicomPython: URL? {
        let venv = TestData.root.appendingPathComponent(".venv-test")
        let python = venv.appendingPathComponent("bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else { return nil }
        let lib = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        let hasPydicom = versions.contains { version in
            FileManager.default.fileExists(atPath: lib.appendingPathComponent("\(version)/site-packages/pydicom").path)
        }
        return hasPydicom ? python : nil
    }

    /// Whether pydicom is available (for `.enabled(if:)`).
    public static var hasPydicom: Bool { pydicomPython != nil }

    /// Runs `scripts/reference/<script>` with the test environment's interpreter; returns its standard output.
    public static func run(_ script: String, _ arguments: [String]) throws -> String {
        guard let python = pydicomPython else { throw ChildProcess.Failure(description: "no .venv-test with pydicom") }
        let path = TestData.root.appendingPathComponent("scripts/reference/\(script)").path
        let result = try ChildProcess.run(python, [path] + arguments)
        guard result.status == 0 else {
            throw ChildProcess.Failure(description: "\(script) exited \(result.status): \(result.stderr.suffix(2000))")
        }
        return result.stdout
    }
}

extension ChildProcess {
    /// Starts a `medsearch serve ...` child (standard error discarded) and reads its standard output until the
    /// `MEDSEARCH_LISTENING <url>` line; returns the process (terminate it when done) and the URL, or throws when
    /// it exits first.
    public static func startServer(_ executable: URL, _ arguments: [String]) throws -> (process: Process, url: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var received = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                if process.isRunning { process.terminate() }
                throw Failure(description: "\(arguments.prefix(2).joined(separator: " ")) exited before listening")
            }
            received += chunk
            if let line = String(decoding: received, as: UTF8.self).split(separator: "\n")
                .first(where: { $0.hasPrefix("MEDSEARCH_LISTENING ") }) {
                return (process, String(line.dropFirst("MEDSEARCH_LISTENING ".count)))
            }
        }
    }
}
