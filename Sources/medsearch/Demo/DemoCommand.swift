import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchDemo
import MedSearchDeployment

/// `medsearch demo`: the first command a newcomer runs. Reads the embedded demo data, shows plaintext
/// retrieval, then runs every engine end to end with its servers as separate processes on loopback and
/// prints each engine's top-k beside the plaintext top-k for the same query.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("demo", documentation: DemoRunner.self)

    @Option(help: "Demo data directory (default: the embedded DemoData).") var data: String?
    @Option(name: .shortAndLong, help: "How many results to show.") var k: Int = 5
    @Option(help: "Engines to run, comma-separated (fnn, sei, trustmed; empty for none).")
    var engines: String = "fnn,sei,trustmed"
    @Option(help: "Feature for the plaintext retrieval section (see `medsearch eval --help`).")
    var feature: String = "hog"
    @Flag(help: "Keep the servers' temporary data directories.") var keepWork = false
    @Option(help: "Put (and keep) each engine's servers, keys, certificates and logs here.") var workDir: String?

    func validate() throws {
        guard (1...50).contains(k) else { throw ValidationError("-k must be 1...50") }
    }

    func run() async throws {
        guard let directory = data.map({ URL(fileURLWithPath: $0) }) ?? DataLocator.demoData() else {
            throw ValidationError(DemoError.noData.description)
        }
        let names = engines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let unknown = names.first(where: { !DemoRunner.engines.contains($0) }) {
            throw ValidationError(DemoError.unknownEngine(unknown).description)
        }
        let launcher = RoleLauncher(mode: .childProcess(executable: try MedSearchExecutable.current()))
        let options = DemoRunner.Options(dataDirectory: directory, k: k, engines: names, feature: feature, keepWork: keepWork, workDirectory: workDir.map { URL(fileURLWithPath: $0) })
        let failures = try await DemoRunner.run(options, launcher: launcher) { print($0) }
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
