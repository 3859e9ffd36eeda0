import Foundation
import MedSearchCore
import MedSearchImaging

/// `medsearch bench imaging`: read + decode speed against pydicom (and Pillow for PNG), same run, same machine.
public struct ImagingBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        /// The DICOM directory (default: ../shared/data/dicom).
        public var dicomDir: String?
        /// The 128x128 PNG (default: the first image of ../shared/data/cxr-public/images).
        public var png: String?
        /// Timed rounds per case (after one warm-up round).
        public var rounds = 9
        /// Whether to run the Python reference in the same run.
        public var runReference = true

        /// The defaults of `medsearch bench imaging`.
        public init() {}
    }

    /// The description of the suite shown by `medsearch bench imaging --help`.
    public static let discussion = """
        Cases: RG1_UNCI.dcm (1955x1841 16-bit radiograph), emri_small_RLE.dcm (10-frame RLE MR), a 128x128 \
        PNG, and every .dcm file of the DICOM directory. Each is timed from file bytes on disk to decoded \
        pixels (all frames), median of --rounds rounds after one warm-up round. The reference script \
        scripts/reference/imaging.py runs in the same invocation through scripts/reference/python.sh; if \
        Python is unavailable the reference is recorded as missing. Use a release build.
        """

    let configuration: Configuration
    var dicomDir: String? { configuration.dicomDir }
    var png: String? { configuration.png }
    var rounds: Int { configuration.rounds }
    var noReference: Bool { !configuration.runReference }

    /// Prepares a run.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs every case; returns the lines to print and the report as JSON.
    public func run() throws -> (lines: [String], json: Data) {
        guard rounds >= 1 else { throw BenchmarkError.invalidArgument("--rounds must be at least 1") }
        let shared = DataLocator.sharedData()
        guard let directory = dicomDir ?? shared.map({ $0.appendingPathComponent("dicom").path }) else {
            throw BenchmarkError.invalidArgument("no DICOM directory: pass --dicom-dir (../shared/data is absent)")
        }
        let pngPath = png ?? shared.flatMap { ImagingBench.firstPNG(in: $0.appendingPathComponent("cxr-public/images")) }
        var cases: [[String: Any]] = []
        var ours: [String: Double] = [:]

        func timeFile(_ key: String, _ file: String, _ describe: String, decode: @escaping ([UInt8]) throws -> Int) throws {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                FileHandle.standardError.write(Data("skip \(key): \(url.path) not found\n".utf8))
                return
            }
            let times = try ImagingBench.measure(rounds: rounds) { try decode(DICOMFile.readBytes(url)) }
            ours[key] = ImagingBench.median(times)
            cases.append(["name": key, "file": file, "what": describe, "median_ms": ImagingBench.median(times),
                          "times_ms": times, "unit": "ms"])
        }
        try timeFile("rg1_unci", "RG1_UNCI.dcm", "read + parse + decode 1955x1841 16-bit (explicit VR LE)") {
            try DICOMFile(bytes: $0).decodePixels().samples.count
        }
        // Where the radiograph's time goes: file read, header parse, pixel decode (medians, same rounds).
        let rg1 = URL(fileURLWithPath: directory).appendingPathComponent("RG1_UNCI.dcm")
        if FileManager.default.fileExists(atPath: rg1.path) {
            let bytes = try DICOMFile.readBytes(rg1)
            let parsed = try DICOMFile(bytes: bytes)
            let parts: [(String, () throws -> Int)] = [
                ("rg1_unci_read_only", { try DICOMFile.readBytes(rg1).count }),
                ("rg1_unci_parse_only", { try DICOMFile(bytes: bytes).dataset.elements.count }),
                ("rg1_unci_decode_only", { try parsed.decodePixels().samples.count }),
            ]
            for (name, body) in parts {
                let times = try ImagingBench.measure(rounds: rounds, body)
                cases.append(["name": name, "file": "RG1_UNCI.dcm", "what": "component of rg1_unci",
                              "median_ms": ImagingBench.median(times), "times_ms": times, "unit": "ms"])
                ours[name] = ImagingBench.median(times)
            }
        }
        try timeFile("emri_small_rle", "emri_small_RLE.dcm", "read + parse + decode 10 frames 64x64 16-bit RLE") {
            try DICOMFile(bytes: $0).decodePixels().samples.count
        }
        if let pngPath {
            let url = URL(fileURLWithPath: pngPath)
            let times = try ImagingBench.measure(rounds: rounds) {
                try PNGDecoder.decode(DICOMFile.readBytes(url)).samples.count
            }
            ours["png_128"] = ImagingBench.median(times)
            cases.append(["name": "png_128", "file": pngPath, "what": "read + decode PNG (PNGDecoder)",
                          "median_ms": ImagingBench.median(times), "times_ms": times, "unit": "ms"])
        } else {
            FileHandle.standardError.write(Data("skip png_128: no PNG found\n".utf8))
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".dcm") }.sorted()
        var decodedCount = 0
        let directoryRounds = max(3, rounds / 2)
        let directoryTimes = try ImagingBench.measure(rounds: directoryRounds) {
            var count = 0
            for name in files {
                let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
                if let file = try? DICOMFile(bytes: DICOMFile.readBytes(url)), (try? file.decodePixels()) != nil {
                    count += 1
                }
            }
            decodedCount = count
            return count
        }
        ours["directory"] = ImagingBench.median(directoryTimes)
        cases.append(["name": "directory", "file": directory, "what": "read + decode every .dcm (errors counted)",
                      "files": files.count, "decoded": decodedCount, "median_ms": ImagingBench.median(directoryTimes),
                      "times_ms": directoryTimes, "rounds": directoryRounds, "unit": "ms"])

        // Reference, same run.
        var reference: [String: Any]? = nil
        var referenceNote = "skipped (--no-reference)"
        if !noReference {
            (reference, referenceNote) = ImagingBench.runReference(dicomDir: directory, png: pngPath, rounds: rounds)
        }
        let referenceCases = reference?["cases"] as? [String: Any] ?? [:]
        var lines = [String]()
        for index in cases.indices {
            let name = cases[index]["name"] as! String
            let mine = ours[name] ?? .nan
            var line = "\(name): \(String(format: "%.3f", mine)) ms"
            if let ref = (referenceCases[name] as? [String: Any])?["median_ms"] as? Double {
                cases[index]["reference_median_ms"] = ref
                cases[index]["speedup_vs_reference"] = ref / mine
                line += String(format: "   reference %.3f ms   speedup %.2fx", ref, ref / mine)
                if let decoded = (referenceCases[name] as? [String: Any])?["decoded"] { cases[index]["reference_decoded"] = decoded }
            } else {
                cases[index]["reference_median_ms"] = NSNull()
                line += "   reference missing"
            }
            lines.append(line)
        }
        let targets: [String: Any] = ["rg1_unci": ["speedup_at_least": 3, "pydicom_published_ms": 8.8],
                                      "emri_small_rle": ["speedup_at_least": 5, "pydicom_published_ms": 2.3]]
        let document: [String: Any] = [
            "suite": "imaging",
            "build": ImagingBench.isDebugBuild ? "debug" : "release",
            "rounds": rounds, "warmup_rounds": 1, "statistic": "median",
            "machine": ImagingBench.machine(),
            "git_commit": ImagingBench.gitCommit() ?? NSNull(),
            "cases": cases,
            "reference": reference ?? NSNull(),
            "reference_status": referenceNote,
            "targets": targets,
        ]
        if ImagingBench.isDebugBuild { lines.append("warning: debug build; measure with `swift build -c release`") }
        return (lines, try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]))
    }
}

/// Helpers of the imaging benchmark.
enum ImagingBench {
    #if DEBUG
    static let isDebugBuild = true
    #else
    static let isDebugBuild = false
    #endif

    /// Runs `body` once to warm up, then `rounds` times; returns the wall-clock times in milliseconds.
    static func measure(rounds: Int, _ body: () throws -> Int) throws -> [Double] {
        var sink = try body()
        var times = [Double]()
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            sink &+= try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        if sink == Int.min { print(sink) }  // keeps the work observable
        return times
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func firstPNG(in directory: URL) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".png") }.sorted().first.map { directory.appendingPathComponent($0).path }
    }

    static func machine() -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        return ["cpu": model ?? "unknown", "cores": ProcessInfo.processInfo.activeProcessorCount]
    }

    static func repositoryRoot() -> URL? { DataLocator.repositoryRoot() }

    static func gitCommit() -> String? {
        guard let root = repositoryRoot() else { return nil }
        let (status, output) = run("/usr/bin/env", ["git", "-C", root.path, "rev-parse", "HEAD"])
        return status == 0 ? output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Runs the Python reference; returns its JSON and a status note.
    static func runReference(dicomDir: String, png: String?, rounds: Int) -> ([String: Any]?, String) {
        guard let root = repositoryRoot() else { return (nil, "missing: repository root not found") }
        let script = root.appendingPathComponent("scripts/reference/imaging.py").path
        let runner = root.appendingPathComponent("scripts/reference/python.sh").path
        var arguments = [runner, script, "--dicom-dir", dicomDir, "--rounds", String(rounds)]
        if let png { arguments += ["--png", png] }
        FileHandle.standardError.write(Data("running the pydicom reference (first run installs it)...\n".utf8))
        let (status, output) = run("/bin/bash", arguments)
        guard status == 0, let line = output.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return (nil, "missing: reference script failed (exit \(status))")
        }
        return (object, "measured")
    }

    static func run(_ executable: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return (-1, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
