import Foundation
import MedSearchCore
import MedSearchImaging

/// `medsearch bench imaging`: read + decode speed against pydicom (and Pillow for PNG), same run, same machine.
@MemberwiseInit(.public)
public struct ImagingBenchmark: Sendable {
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

    /// The report's suite-specific part.
    public struct Body: BenchmarkBody {
        public static let suite = "imaging"
        /// One figure per case, with pydicom's (or Pillow's) figure and the speed-up target where there is one.
        public var cases: [Figure]
        /// The reference run, when it ran.
        public var reference: ReferenceRun?
        /// Whether the reference ran, and why not.
        public var referenceStatus: ReferenceStatus

        enum CodingKeys: String, CodingKey {
            case cases, reference, referenceStatus = "reference_status"
        }
    }

    /// The command's one-line help.
    public static let abstract = "Time reading and decoding DICOM and PNG files against pydicom and Pillow."
    /// The description of the suite shown by `medsearch bench imaging --help`.
    public static let discussion = """
        Cases: RG1_UNCI.dcm (1955x1841 16-bit radiograph), emri_small_RLE.dcm (10-frame RLE MR), a 128x128 \
        PNG, and every .dcm file of the DICOM directory. Each is timed from file bytes on disk to decoded \
        pixels (all frames), median of --rounds rounds after one warm-up round. The reference script \
        scripts/reference/imaging.py runs in the same invocation through scripts/reference/python.sh; if \
        Python is unavailable the reference is recorded as missing. Use a release build.
        """

    /// The speed-up over pydicom each case must reach (issue 1).
    static let speedupTargets: [String: Double] = ["rg1_unci": 3, "emri_small_rle": 5]

    let configuration: Configuration
    var console: BenchConsole = .standard
    var references: ReferenceRunner = ReferenceRunner()

    /// Runs every case, then the reference, and returns the report.
    public func run() throws -> BenchmarkReport<Body> {
        let rounds = configuration.rounds
        guard rounds >= 1 else { throw BenchmarkError.invalidArgument("--rounds must be at least 1") }
        let shared = DataLocator.sharedData()
        guard let directory = configuration.dicomDir ?? shared.map({ $0.appendingPathComponent("dicom").path }) else {
            throw BenchmarkError.invalidArgument("no DICOM directory: pass --dicom-dir (../shared/data is absent)")
        }
        let pngPath = configuration.png
            ?? shared.flatMap { Self.firstPNG(in: $0.appendingPathComponent("cxr-public/images")) }
        let environment = BenchEnvironment.current()
        let harness = BenchHarness(rounds: rounds)
        var cases: [Figure] = []
        func timeCase(_ name: String, file: String, what: String, harness: BenchHarness = harness,
                      extra: [String: ParameterValue] = [:], _ body: () throws -> Int) rethrows {
            let timing = try harness.measure { blackHole(try body()) }
            cases.append(Figure(name, timing: timing,
                                parameters: ["file": .string(file), "what": .string(what)].merging(extra) { $1 }))
        }

        let rg1 = URL(fileURLWithPath: directory).appendingPathComponent("RG1_UNCI.dcm")
        if FileManager.default.fileExists(atPath: rg1.path) {
            try timeCase("rg1_unci", file: "RG1_UNCI.dcm", what: "read + parse + decode 1955x1841 16-bit (explicit VR LE)") {
                try DICOMFile(bytes: DICOMFile.readBytes(rg1)).decodePixels().samples.count
            }
            // Where the radiograph's time goes: file read, header parse, pixel decode.
            let bytes = try DICOMFile.readBytes(rg1)
            let parsed = try DICOMFile(bytes: bytes)
            try timeCase("rg1_unci_read_only", file: "RG1_UNCI.dcm", what: "component of rg1_unci") {
                try DICOMFile.readBytes(rg1).count
            }
            try timeCase("rg1_unci_parse_only", file: "RG1_UNCI.dcm", what: "component of rg1_unci") {
                try DICOMFile(bytes: bytes).dataset.elements.count
            }
            try timeCase("rg1_unci_decode_only", file: "RG1_UNCI.dcm", what: "component of rg1_unci") {
                try parsed.decodePixels().samples.count
            }
        } else {
            console.status("skip rg1_unci: \(rg1.path) not found")
        }
        let rle = URL(fileURLWithPath: directory).appendingPathComponent("emri_small_RLE.dcm")
        if FileManager.default.fileExists(atPath: rle.path) {
            try timeCase("emri_small_rle", file: "emri_small_RLE.dcm", what: "read + parse + decode 10 frames 64x64 16-bit RLE") {
                try DICOMFile(bytes: DICOMFile.readBytes(rle)).decodePixels().samples.count
            }
        } else {
            console.status("skip emri_small_rle: \(rle.path) not found")
        }
        if let pngPath {
            let url = URL(fileURLWithPath: pngPath)
            try timeCase("png_128", file: pngPath, what: "read + decode PNG (PNGDecoder)") {
                try PNGDecoder.decode(DICOMFile.readBytes(url)).samples.count
            }
        } else {
            console.status("skip png_128: no PNG found")
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".dcm") }.sorted()
        var decodedCount = 0
        let directoryHarness = harness.with(rounds: max(3, rounds / 2))
        timeCase("directory", file: directory, what: "read + decode every .dcm (errors counted)", harness: directoryHarness) {
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
        cases[cases.count - 1].parameters["files"] = .int(files.count)
        cases[cases.count - 1].parameters["decoded"] = .int(decodedCount)
        cases[cases.count - 1].parameters["rounds"] = .int(directoryHarness.rounds)

        // Reference, same run.
        var arguments = ["--dicom-dir", directory, "--rounds", String(rounds)]
        if let pngPath { arguments += ["--png", pngPath] }
        let (reference, status) = configuration.runReference
            ? references.run("imaging.py", arguments: arguments)
            : (nil, .missing("skipped (--no-reference)"))
        for index in cases.indices {
            guard let timing = cases[index].timing,
                  let comparison = ReferenceComparison(ours: timing, figure: cases[index].name, in: reference) else {
                console.line("\(cases[index].name): \(BenchFormat.fixed(cases[index].headline)) ms   reference missing")
                continue
            }
            cases[index].reference = comparison
            if let target = Self.speedupTargets[cases[index].name] {
                cases[index].target = TargetCheck("speed-up over \(comparison.library), wall-clock medians",
                                                  measured: 1 / comparison.wallRatio, .atLeast, target)
            }
            console.line("\(cases[index].name): \(BenchFormat.fixed(cases[index].headline)) ms   reference "
                         + "\(BenchFormat.fixed(comparison.timing.wall.median)) ms   speedup "
                         + "\(String(format: "%.2f", 1 / comparison.wallRatio))x")
        }
        if BuildConfiguration.isDebug { console.line("warning: debug build; measure with `swift build -c release`") }
        return BenchmarkReport(method: harness.method + " (directory: \(directoryHarness.rounds) rounds)",
                               environment: environment.finished(),
                               body: Body(cases: cases, reference: reference, referenceStatus: status))
    }

    static func firstPNG(in directory: URL) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".png") }.sorted().first.map { directory.appendingPathComponent($0).path }
    }
}

extension ImagingBenchmark: CommandDocumentation {}
