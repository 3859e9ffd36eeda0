import Foundation
import MedSearchCore
import MedSearchDeployment
import MedSearchFeatures
import MedSearchImaging
import MedSearchIndex

/// `medsearch demo` as a library flow: reads the demo data, shows plaintext retrieval, then runs every engine end
/// to end with its servers started by a ``RoleLauncher`` and prints each engine's top-k beside the plaintext top-k
/// for the same query. The command line only parses its options and prints the lines this produces.
public enum DemoRunner {
    /// What to run.
    public struct Options: Sendable {
        /// The demo data directory (`images/*.png`, `labels.csv`, `dicom/`).
        public var dataDirectory: URL
        /// How many results to show.
        public var k: Int
        /// Engines to run, in order (`fnn`, `sei`, `trustmed`).
        public var engines: [String]
        /// Feature of the plaintext retrieval section.
        public var feature: String
        /// Keep the servers' temporary data directories.
        public var keepWork: Bool
        /// Where the engines' working directories go (kept: data, keys, PKI, tokens and every role's log);
        /// nil: fresh temporary directories.
        public var workDirectory: URL?

        /// Creates options.
        public init(dataDirectory: URL, k: Int = 5, engines: [String] = ["fnn", "sei", "trustmed"],
                    feature: String = "hog", keepWork: Bool = false, workDirectory: URL? = nil) {
            self.dataDirectory = dataDirectory
            self.k = k
            self.engines = engines
            self.feature = feature
            self.keepWork = keepWork || workDirectory != nil
            self.workDirectory = workDirectory
        }
    }

    /// The engines the demo knows.
    public static let engines = ["fnn", "sei", "trustmed"]

    /// Runs the demo, reporting through `say`.
    ///
    /// - Returns: The engines that failed or disagreed with their plaintext reference (empty when all passed).
    /// - Throws: ``DemoError`` for an unknown engine (before anything starts) and errors reading the data.
    public static func run(_ options: Options, launcher: RoleLauncher,
                           say: @escaping @Sendable (String) -> Void) async throws -> [String] {
        if let unknown = options.engines.first(where: { !engines.contains($0) }) { throw DemoError.unknownEngine(unknown) }
        say("MedSearch demo — data: \(options.dataDirectory.path)")
        let dataset = try summarise(options.dataDirectory, say: say)
        try plaintextRetrieval(dataset, feature: options.feature, k: options.k, say: say)

        var failures: [String] = []
        for name in options.engines {
            let work = options.workDirectory?.appendingPathComponent(name)
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("medsearch-demo-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            defer { if !options.keepWork { try? FileManager.default.removeItem(at: work) } }
            let context = DemoContext(dataDirectory: options.dataDirectory, workDirectory: work, launcher: launcher,
                                      k: options.k, printer: say)
            let started = ContinuousClock.now
            say("")
            do {
                switch name {
                case "fnn":
                    say("== Engine fnn: exact nearest neighbours over Paillier, two non-colluding clouds ==")
                    try await FNNDemo.run(context)
                case "sei":
                    say("== Engine sei: matrix-encrypted features in an index tree (obfuscation only) ==")
                    try await SEIDemo.run(context)
                default:
                    say("== Engine trustmed: BFV-encrypted hashcodes, images shared 3-of-5 over storage nodes ==")
                    try await TrustMedDemo.run(context)
                }
                let seconds = Double(DemoText.milliseconds(ContinuousClock.now - started)) / 1000
                say("-- \(name) finished in \(String(format: "%.1f", seconds)) s")
            } catch {
                say("!! \(name) failed: \(error)")
                failures.append(name)
            }
        }
        say("")
        if failures.isEmpty {
            say(options.engines.isEmpty ? "Demo complete." : "Demo complete: every engine ran end to end on loopback.")
        } else {
            say("Demo finished with failures in: \(failures.joined(separator: ", "))")
        }
        return failures
    }

    /// Counts per label, image sizes and DICOM modalities.
    static func summarise(_ directory: URL, say: (String) -> Void) throws -> LabelledDataset {
        let dataset = try LabelledDataset.loadDirectory(directory)
        var counts: [String: Int] = [:]
        for item in dataset.items { for label in item.labels { counts[label, default: 0] += 1 } }
        say("\(dataset.count) images with labels (an image may carry several):")
        for (label, count) in counts.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
            say("  \(DemoText.pad(label, 20)) \(count)")
        }
        let sizes = Dictionary(grouping: dataset.images, by: { "\($0.columns)x\($0.rows)" }).mapValues(\.count)
        say("image sizes: " + sizes.sorted(by: { $0.key < $1.key }).map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
        let dicomDirectory = directory.appendingPathComponent("dicom")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: dicomDirectory.path).sorted(), !names.isEmpty {
            say("DICOM files:")
            for name in names where name.hasSuffix(".dcm") {
                do {
                    let report = try ImageInspector.inspect(fileAt: dicomDirectory.appendingPathComponent(name))
                    say("  \(name): \(report.modality ?? "?") \(report.columns ?? 0)x\(report.rows ?? 0), "
                        + "\(report.frames) frame(s), transfer syntax \(report.transferSyntax ?? "?")")
                } catch {
                    say("  \(name): unreadable (\(error))")
                }
            }
        }
        return dataset
    }

    /// One query's plaintext top-k and the P@k table over the demo set (leave-one-out).
    static func plaintextRetrieval(_ dataset: LabelledDataset, feature: String, k: Int, say: (String) -> Void) throws {
        say("")
        say("== Plaintext retrieval (feature \(feature), exact search; the reference every engine must reproduce) ==")
        let model = try FeatureRegistry.make(feature, training: dataset.images)
        let vectors = dataset.images.map(model.extract)
        let ids = dataset.items.map(\.id)
        let database = try ExactSearch.FloatDatabase(ids: ids, vectors: vectors)
        let queryIndex = 0
        let metric: ExactSearch.Metric = model.metric == .innerProduct ? .innerProduct : .squaredEuclidean
        let hits = database.search(vectors[queryIndex], k: k, metric: metric, excluding: { $0 == queryIndex })
        say("query \(ids[queryIndex]) [\(dataset.items[queryIndex].labels.joined(separator: "|"))]; top \(k):")
        let labelsById = Dictionary(uniqueKeysWithValues: dataset.items.map { ($0.id, $0.labels) })
        for (rank, hit) in hits.enumerated() {
            let labels = (labelsById[hit.id] ?? []).joined(separator: "|")
            say("  \(rank + 1). \(hit.id)  \(metric == .innerProduct ? "similarity" : "distance") "
                + "\(String(format: "%.4f", Double(hit.score)))  [\(labels)]")
        }
        let classes = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion"]
        var report = try RetrievalEvaluator.evaluate(database: .vectors(vectors, metric),
                                                     databaseLabels: dataset.items.map(\.labels),
                                                     classes: classes, ks: [5, 10, 20])
        report.feature = model.summary
        report.dataset = "demo set"
        say("P@k / R@k on the demo set (leave-one-out; chance in brackets):")
        say(report.table())
    }
}

extension DemoRunner {
    /// The command's one-line help.
    public static let abstract = "Run every engine end to end on the embedded demo data (servers on loopback)."
    /// The description shown by `medsearch demo --help`.
    public static let discussion = """
        Reads DemoData/ (179 NIH chest X-rays with finding labels and three DICOM files) or --data DIR \
        (images/*.png + labels.csv with columns id and labels), reports what it found, runs plaintext \
        retrieval with the default feature, then each engine: its server roles are started as separate \
        `medsearch serve ...` processes on 127.0.0.1, the images are encrypted and uploaded, one query is \
        run, and the engine's top-k is printed beside the plaintext top-k. Exits non-zero if any engine \
        fails or disagrees with its plaintext reference.
        """
}

extension DemoRunner: CommandDocumentation {}
