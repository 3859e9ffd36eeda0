import Foundation
import Testing
import _MedSearchTestSupport

/// The issue-14 bombs through the real commands: `inspect` and `eval` exit non-zero with one sentence naming
/// the limit, and the child process's peak resident memory (from `wait4`) stays under a ceiling. Before the
/// decode limits these same files drove the process to 2.1 GB, 9.3 GB and past 10 GB.
@Suite struct DecodeLimitCLITests {
    /// Generous for a debug binary that reads a few MB (it idles at about 20-40 MB); far below any bomb.
    static let ceiling = 256 << 20

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("medsearch-bombs-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func run(_ arguments: [String]) throws -> ChildProcess.Result {
        let result = try ChildProcess.run(CLITests.executable(), arguments)
        print("medsearch \(arguments.first ?? ""): exit \(result.status), peak RSS \(result.peakResidentBytes >> 20) MiB, "
              + "stderr: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        return result
    }

    @Test(arguments: [("rgba16-2MB.png", 0), ("gray8-261KB.png", 1)])
    func inspectRefusesThePNGBombsWithinTheCeiling(name: String, which: Int) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bomb = directory.appendingPathComponent(name)
        try Data(which == 0 ? DecompressionBombs.png16kRGBA16() : DecompressionBombs.png16kGray8()).write(to: bomb)
        let result = try run(["inspect", bomb.path, "--json"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(name))
        #expect(result.stderr.contains("16384x16384") && result.stderr.contains("DecodeLimits.maxPixels"),
                "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(result.peakResidentBytes < Self.ceiling, "peak RSS \(result.peakResidentBytes >> 20) MiB")
    }

    @Test func evalRefusesTheNPZBombWithinTheCeiling() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bomb = directory.appendingPathComponent("pneumoniamnist.npz")
        try Data(DecompressionBombs.npzMedMNIST()).write(to: bomb)
        let result = try run(["eval", "--data", bomb.path, "--features", "pixels", "--k", "5"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("train_images") && result.stderr.contains("DecodeLimits.maxBytes"),
                "stderr: \(result.stderr)")
        #expect(result.peakResidentBytes < Self.ceiling, "peak RSS \(result.peakResidentBytes >> 20) MiB")
    }

    @Test func evalRefusesAPNGBombInADirectoryWithinTheCeiling() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let images = directory.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try Data(DecompressionBombs.png16kRGBA16()).write(to: images.appendingPathComponent("a.png"))
        try Data(DecompressionBombs.png(width: 64, height: 64, bitDepth: 8, colorType: .gray))
            .write(to: images.appendingPathComponent("b.png"))
        try Data("id,labels\na,Effusion\nb,Effusion\n".utf8).write(to: directory.appendingPathComponent("labels.csv"))
        let result = try run(["eval", "--data", directory.path, "--features", "pixels", "--k", "1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("DecodeLimits.maxPixels"), "stderr: \(result.stderr)")
        #expect(result.peakResidentBytes < Self.ceiling, "peak RSS \(result.peakResidentBytes >> 20) MiB")
    }
}
