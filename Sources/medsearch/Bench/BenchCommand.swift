import ArgumentParser
import Foundation

/// `medsearch bench <suite>`: speed figures against the reference implementations, as JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed against reference implementations (release builds only; writes JSON).",
        discussion: """
            Engine benchmarks live under their engine: `medsearch fnn bench`, `medsearch sei bench`, \
            `medsearch trustmed bench`.
            """,
        subcommands: [BenchImagingCommand.self, BenchCryptoCommand.self, BenchBFVCommand.self, BenchStoreCommand.self,
                      BenchLoadCommand.self, BenchDeployCommand.self]
    )
}

/// Where a benchmark's JSON report goes.
enum BenchOutput {
    /// Writes `report` to `path` and says so; without a path, prints it when `printOtherwise`.
    static func write(_ report: Data, to path: String?, printOtherwise: Bool = false) throws {
        if let path {
            do { try report.write(to: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("cannot write \(path): \(error.localizedDescription)")
            }
            print("wrote \(path)")
        } else if printOtherwise {
            print(String(decoding: report, as: UTF8.self))
        }
    }
}
