import ArgumentParser
import Foundation
import MedSearchCore
import MedSearchFeatures
import MedSearchImaging
import MedSearchIndex
import MedSearchServer

/// `medsearch demo`: the first command a newcomer runs. Reads the embedded demo data, shows plaintext
/// retrieval, then runs every engine end to end with its servers as separate processes on loopback and
/// prints each engine's top-k beside the plaintext top-k for the same query.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run every engine end to end on the embedded demo data (servers on loopback).",
        discussion: """
            Reads DemoData/ (179 NIH chest X-rays with finding labels and three DICOM files) or --data DIR \
            (images/*.png + labels.csv with columns id and labels), reports what it found, runs plaintext \
            retrieval with the default feature, then each engine: its server roles are started as separate \
            `medsearch serve ...` processes on 127.0.0.1, the images are encrypted and uploaded, one query is \
            run, and the engine's top-k is printed beside the plaintext top-k. Exits non-zero if any engine \
            fails or disagrees with its plaintext reference.
            """
    )

    @Option(help: "Demo data directory (default: the embedded DemoData).") var data: String?
    @Option(name: .shortAndLong, help: "How many results to show.") var k: Int = 5
    @Option(help: "Engines to run, comma-separated (fnn, sei, trustmed; empty for none).")
    var engines: String = "fnn,sei,trustmed"
    @Option(help: "Feature for the plaintext retrieval section (see `medsearch eval --help`).")
    var feature: String = "hog"
    @Flag(help: "Keep the servers' temporary data directories.") var keepWork = false

    func validate() throws {
        guard (1...50).contains(k) else { throw ValidationError("-k must be 1...50") }
    }

    func run() async throws {
        guard let directory = data.map({ URL(fileURLWithPath: $0) }) ?? DataLocator.demoData() else {
            throw ValidationError("no demo data found: run from the repository or pass --data DIR")
        }
        let say: @Sendable (String) -> Void = { print($0) }
        say("MedSearch demo — data: \(directory.path)")
        let dataset = try summarise(directory, say: say)
        try plaintextRetrieval(dataset, say: say)

        let executable = try ServiceProcess.medsearchExecutable()
        var failures: [String] = []
        var ranEngines = false
        for name in engines.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("medsearch-demo-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            defer { if !keepWork { try? FileManager.default.removeItem(at: work) } }
            let context = DemoContext(dataDirectory: directory, workDirectory: work, executable: executable, k: k,
                                      printer: say)
            let started = Date()
            ranEngines = true
            say("")
            do {
                switch name {
                case "fnn":
                    say("== Engine fnn: exact nearest neighbours over Paillier, two non-colluding clouds ==")
                    try await FNNDemo.run(context)
                case "sei":
                    say("== Engine sei: matrix-encrypted features in an index tree (obfuscation only) ==")
                    try await SEIDemo.run(context)
                case "trustmed":
                    say("== Engine trustmed: BFV-encrypted hashcodes, images shared 3-of-5 over storage nodes ==")
                    try await TrustMedDemo.run(context)
                default:
                    throw ValidationError("unknown engine \(name) (fnn, sei, trustmed)")
                }
                say("-- \(name) finished in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            } catch let error as ValidationError {
                throw error
            } catch {
                say("!! \(name) failed: \(error)")
                failures.append(name)
            }
        }
        say("")
        if failures.isEmpty {
            say(ranEngines ? "Demo complete: every engine ran end to end on loopback." : "Demo complete.")
        } else {
            say("Demo finished with failures in: \(failures.joined(separator: ", "))")
            throw ExitCode.failure
        }
    }

    /// Counts per label, image sizes and DICOM modalities.
    private func summarise(_ directory: URL, say: (String) -> Void) throws -> LabelledDataset {
        let dataset = try LabelledDataset.loadDirectory(directory)
        var counts: [String: Int] = [:]
        for item in dataset.items { for label in item.labels { counts[label, default: 0] += 1 } }
        say("\(dataset.count) images with labels (an image may carry several):")
        for (label, count) in counts.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
            say("  \(label.padding(toLength: 20, withPad: " ", startingAt: 0)) \(count)")
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
                        + "\(report.frames ?? 0) frame(s), transfer syntax \(report.transferSyntax ?? "?")")
                } catch {
                    say("  \(name): unreadable (\(error))")
                }
            }
        }
        return dataset
    }

    /// One query's plaintext top-k and the P@k table over the demo set (leave-one-out).
    private func plaintextRetrieval(_ dataset: LabelledDataset, say: (String) -> Void) throws {
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
