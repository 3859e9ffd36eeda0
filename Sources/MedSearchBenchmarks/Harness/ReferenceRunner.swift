import Foundation
import MedSearchCore

/// What a reference implementation measured in the same run (the output of a script under scripts/reference,
/// written by scripts/reference/common.py).
public struct ReferenceRun: Codable, Equatable, Sendable {
    /// The implementation measured, with its version (`python-paillier 1.5.0 with gmpy2 2.2.1`).
    public var library: String
    /// Versions of everything involved (`python`, `phe`, `gmpy2`, `tenseal`, `pydicom`, ...).
    public var versions: [String: String] = [:]
    /// The figures by name: wall-clock and thread CPU milliseconds per operation.
    public var figures: [String: Timing]
    /// Facts about the run that are true or false (`have_gmp`).
    public var flags: [String: Bool] = [:]
    /// Counts about the run (`directory_files`, `noise_budget_fresh_bits`).
    public var counts: [String: Int] = [:]
}

/// Whether a reference was measured, and why not when it was not.
public struct ReferenceStatus: Codable, Equatable, Sendable {
    /// True when the reference ran and its figures are in the report.
    public var measured: Bool
    /// Why it was not measured, or a warning about the measurement.
    public var note: String?

    /// A reference that ran.
    public static func measured(note: String? = nil) -> ReferenceStatus { ReferenceStatus(measured: true, note: note) }
    /// A reference that did not run, and why.
    public static func missing(_ reason: String) -> ReferenceStatus { ReferenceStatus(measured: false, note: reason) }
}

/// Runs the reference implementations under scripts/reference through scripts/reference/python.sh (which
/// creates the virtual environment .venv-bench on first use) and reads the one JSON line each prints last.
@MemberwiseInit(.public)
public struct ReferenceRunner: Sendable {
    /// The repository root holding scripts/reference (nil when it could not be found).
    public var repositoryRoot: URL? = DataLocator.repositoryRoot()
    /// Where progress lines go (standard error by default).
    public var status: @Sendable (String) -> Void = BenchConsole.standard.status

    /// Runs `scripts/reference/<script>` with `arguments`; the run's figures, or why there are none.
    public func run(_ script: String, arguments: [String]) -> (ReferenceRun?, ReferenceStatus) {
        guard let root = repositoryRoot else { return (nil, .missing("repository root not found")) }
        let runner = root.appendingPathComponent("scripts/reference/python.sh").path
        let path = root.appendingPathComponent("scripts/reference/\(script)").path
        guard FileManager.default.fileExists(atPath: runner), FileManager.default.fileExists(atPath: path) else {
            return (nil, .missing("scripts/reference/\(script) not found under \(root.path)"))
        }
        status("running the reference scripts/reference/\(script) (the first run installs it)...")
        let result: ChildProcess.Result
        do {
            result = try ChildProcess.run("/bin/bash", [runner, path] + arguments, directory: root)
        } catch {
            return (nil, .missing("could not start Python: \(error)"))
        }
        guard result.status == 0 else {
            return (nil, .missing("the reference script failed (exit \(result.status))"))
        }
        return Self.decode(output: result.output)
    }

    /// Reads a script's output: its last line is a ``ReferenceRun`` or `{"error": reason}`.
    public static func decode(output: String) -> (ReferenceRun?, ReferenceStatus) {
        guard let line = output.split(separator: "\n").last(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            return (nil, .missing("the reference script printed nothing"))
        }
        let data = Data(line.utf8)
        if let failure = try? JSONDecoder().decode(ScriptFailure.self, from: data) {
            return (nil, .missing(failure.error))
        }
        do {
            return (try JSONDecoder().decode(ReferenceRun.self, from: data), .measured())
        } catch {
            return (nil, .missing("the reference script's output could not be read: \(error)"))
        }
    }

    struct ScriptFailure: Decodable {
        var error: String
    }
}
