import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchFeatures
import MedSearchIndex
import MedSearchSecureKNN
import MedSearchSEI

/// The measurements behind `medsearch sei bench`.
struct SEIBench {
    let rounds: Int
    let quick: Bool
    private(set) var figures: [[String: Any]] = []
    private(set) var tables: [String: Any] = [:]
    private(set) var notes: [String] = []

    init(rounds: Int, quick: Bool) {
        self.rounds = rounds
        self.quick = quick
    }

    mutating func note(_ text: String) {
        notes.append(text)
        print("note: \(text)")
    }

    /// Records one figure (and prints it).
    mutating func figure(_ name: String, _ value: Double, _ unit: String, parameters: [String: Any] = [:],
                         reference: (name: String, value: Double)? = nil, target: String? = nil, met: Bool? = nil) {
        var entry: [String: Any] = ["name": name, "value": value, "unit": unit, "parameters": parameters]
        var line = "\(name) \(parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")): \(Self.format(value)) \(unit)"
        if let reference {
            entry["reference"] = ["name": reference.name, "value": reference.value, "unit": unit]
            entry["ratio"] = reference.value > 0 ? value / reference.value : 0
            line += " (reference \(reference.name) \(Self.format(reference.value)) \(unit), ratio \(Self.format(reference.value > 0 ? value / reference.value : 0)))"
        }
        if let target { entry["target"] = target; line += " target \(target)" }
        if let met { entry["target_met"] = met; line += met ? " MET" : " NOT MET" }
        figures.append(entry)
        print(line)
    }

    static func format(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.1f", value) : String(format: "%.4g", value)
    }

    /// Median wall time in milliseconds of `rounds` runs of `body` after one warm-up run.
    func medianMilliseconds(_ body: () throws -> Void) rethrows -> Double {
        try timeMilliseconds(body).median
    }

    /// Median and minimum wall time in milliseconds of `rounds` runs of `body` after one warm-up run.
    func timeMilliseconds(_ body: () throws -> Void) rethrows -> (median: Double, minimum: Double) {
        try body()
        var times = [Double]()
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return (times[times.count / 2], times[0])
    }

    /// The 1, 5 and 15 minute load averages (from /proc/loadavg).
    static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    // MARK: - Synthetic data

    /// `n` points of a Gaussian mixture in `d` dimensions: `components` centres with standard deviation 3 per
    /// coordinate, unit noise around them.
    static func mixture(n: Int, d: Int, components: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let centres = (0..<components).map { _ in (0..<d).map { _ in 3 * normal(&generator) } }
        return (0..<n).map { _ in
            let centre = centres[Int.random(in: 0..<components, using: &generator)]
            return centre.map { $0 + normal(&generator) }
        }
    }

    static func normal(_ generator: inout SeededRandomNumberGenerator) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Queries near the data: data points plus small noise.
    static func queries(from points: [[Double]], count: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return (0..<count).map { _ in
            points[Int.random(in: 0..<points.count, using: &generator)].map { $0 + 0.5 * normal(&generator) }
        }
    }

    /// An owner key, a cloud index over `reduced` and a user, without PCA (synthetic features are already reduced).
    static func deployment(reduced: [[Double]], d: Int, configuration: SEIConfiguration? = nil) throws -> (SecureKNNOwnerKey, SEICloudIndex, SecureKNNQueryKey, Double) {
        let (key, cloud, queryKey, build, _) = try timedDeployment(reduced: reduced, d: d, configuration: configuration)
        return (key, cloud, queryKey, build)
    }

    /// As ``deployment(reduced:d:configuration:)``, also returning the cloud's index load time (ms: tables and
    /// the ciphertext subspace).
    static func timedDeployment(reduced: [[Double]], d: Int, configuration: SEIConfiguration? = nil) throws -> (SecureKNNOwnerKey, SEICloudIndex, SecureKNNQueryKey, Double, Double) {
        let key = try SecureKNNOwnerKey.generate(dimension: d)
        let ids = (0..<reduced.count).map { String(format: "s%08d", $0) }
        let start = DispatchTime.now().uptimeNanoseconds
        let (_, upload) = try SEIOwner.buildEncryptedIndex(ids: ids, reduced: reduced, key: key,
                                                           configuration: configuration ?? SEIConfiguration(dimension: d))
        let buildMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let cloud = try SEICloudIndex(upload: upload)
        let loadMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e6
        let secret = try SecureKNNUserSecret.generate(dimension: d)
        let queryKey = try SecureKNNQueryKey(grant: key.register(secret.registrationRequest), secret: secret)
        return (key, cloud, queryKey, buildMilliseconds, loadMilliseconds)
    }

    // MARK: - Accuracy (Table 5)

    mutating func accuracy(folder: URL, feature: String) throws {
        let images = try SEIClientFlows.folder(folder)
        let labelled = images.entries.filter { !$0.labels.isEmpty }
        guard labelled.count >= 50 else { note("accuracy skipped: fewer than 50 labelled images in \(folder.path)"); return }
        let model = try SEIClientFlows.featureModel(feature)
        print("extracting \(feature) features of \(labelled.count) images")
        let raw = try SEIClientFlows.extract(labelled.map(\.url), model: model, label: "features (\(feature))")
        let labels = labelled.map(\.labels)
        let ids = labelled.map(\.id)
        let n = labelled.count
        func relevant(_ a: Int, _ b: Int) -> Bool { !labels[a].isDisjoint(with: labels[b]) }
        var pairs = 0
        for a in 0..<n { for b in 0..<n where a != b && relevant(a, b) { pairs += 1 } }
        let randomPrecision = Double(pairs) / Double(n * (n - 1))
        let ks = Array(stride(from: 5, through: 40, by: 5))
        var table: [[String: Any]] = []
        let indexOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let skipped = [32, 64, 128, 256].filter { $0 > raw[0].count || $0 >= n }
        if !skipped.isEmpty {
            note("\(feature): d = \(skipped.map(String.init).joined(separator: ", ")) skipped (the feature has \(raw[0].count) dimensions; PCA cannot exceed them)")
        }
        for d in [32, 64, 128, 256] where d <= raw[0].count && d < n {
            var owner = try SEIOwner.generate(configuration: .init(dimension: d))
            let upload = try owner.buildIndex(ids: ids, features: raw, extractorKind: feature)
            let cloud = try SEICloudIndex(upload: upload)
            let secret = try SecureKNNUserSecret.generate(dimension: d)
            let user = try SEIUser(credentials: owner.register(secret.registrationRequest), secret: secret)
            let intruderOwner = try SEIOwner.generate(configuration: .init(dimension: d))
            let wrongGrant = try intruderOwner.key.register(secret.registrationRequest)
            let wrongKey = try SecureKNNQueryKey(grant: wrongGrant, secret: secret)
            var sums = ["tree": [Double](repeating: 0, count: ks.count), "linear": [Double](repeating: 0, count: ks.count),
                        "wrong-key": [Double](repeating: 0, count: ks.count), "plaintext": [Double](repeating: 0, count: ks.count)]
            var recallHits = 0
            let reduced = try raw.map { try user.model.reduce($0) }
            var scanned = 0
            for q in 0..<n {
                let trapdoor = try user.queryKey.trapdoor(for: reduced[q])
                let prepared = try cloud.prepare(trapdoor)
                let k = ks.last! + 1
                let treeResult = cloud.search(prepared, options: .init(k: k, mode: .tree))
                let tree = treeResult.hits.map { indexOf[$0.id]! }.filter { $0 != q }
                scanned += treeResult.scoredImages
                let linear = cloud.search(prepared, options: .init(k: k, mode: .linear)).hits.map { indexOf[$0.id]! }.filter { $0 != q }
                let wrongPrepared = try cloud.prepare(try wrongKey.trapdoor(for: reduced[q]))
                let wrong = cloud.search(wrongPrepared, options: .init(k: k, mode: .linear)).hits.map { indexOf[$0.id]! }.filter { $0 != q }
                let plain = (0..<n).filter { $0 != q }.map { i in
                    (zip(reduced[i], reduced[q]).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, i)
                }.sorted { $0 < $1 }.prefix(k).map(\.1)
                recallHits += Set(tree.prefix(10)).intersection(linear.prefix(10)).count
                for (slot, k) in ks.enumerated() {
                    func precision(_ list: [Int]) -> Double { Double(list.prefix(k).filter { relevant(q, $0) }.count) / Double(k) }
                    sums["tree"]![slot] += precision(tree)
                    sums["linear"]![slot] += precision(linear)
                    sums["wrong-key"]![slot] += precision(wrong)
                    sums["plaintext"]![slot] += precision(Array(plain))
                }
            }
            var row: [String: Any] = ["d": d, "leaves": cloud.leaves.count, "tree_height": cloud.tree.height,
                                      "recall_at_10_tree_vs_linear": Double(recallHits) / Double(10 * n),
                                      "mean_images_scored_by_tree": Double(scanned) / Double(n)]
            for (method, values) in sums {
                row["p_at_k_" + method] = Dictionary(uniqueKeysWithValues: zip(ks.map { "P@\($0)" }, values.map { $0 / Double(n) }))
            }
            table.append(row)
            let p5 = sums.mapValues { $0[0] / Double(n) }
            print("\(feature) d=\(d): K=\(cloud.leaves.count) leaves, P@5 tree \(Self.format(p5["tree"]!)) linear \(Self.format(p5["linear"]!)) plaintext \(Self.format(p5["plaintext"]!)) wrong-key \(Self.format(p5["wrong-key"]!)) (random \(Self.format(randomPrecision)))")
            figure("recall@10 tree vs encrypted linear scan (real data)", Double(recallHits) / Double(10 * n), "fraction",
                   parameters: ["d": d, "n": n, "feature": feature], target: ">= 0.95", met: Double(recallHits) / Double(10 * n) >= 0.95)
        }
        var precisionTables = tables["precision"] as? [[String: Any]] ?? []
        precisionTables.append(["dataset": folder.lastPathComponent, "images": n, "feature": feature,
                               "feature_dimension": raw[0].count, "relevance": "shares at least one finding label",
                               "random_precision": randomPrecision, "rows": table,
                               "paper": "Caltech-256, VGG features: P@5 = 0.66 at d = 128; about 1 % with a wrong key"])
        tables["precision"] = precisionTables
    }

    // MARK: - GenKey and GenTrap (Figs. 8 and 10)

    mutating func keyAndTrapdoorTimings() throws {
        for d in [32, 64, 128, 256] {
            let keyTime = try medianMilliseconds {
                let key = try SecureKNNOwnerKey.generate(dimension: d)
                let secret = try SecureKNNUserSecret.generate(dimension: d)
                _ = try key.register(secret.registrationRequest)
            }
            figure("GenKey (owner key + one user registration)", keyTime, "ms", parameters: ["d": d])
            let key = try SecureKNNOwnerKey.generate(dimension: d)
            let secret = try SecureKNNUserSecret.generate(dimension: d)
            let queryKey = try SecureKNNQueryKey(grant: key.register(secret.registrationRequest), secret: secret)
            let query = Self.mixture(n: 1, d: d, components: 1, seed: 5)[0]
            let batch = 200
            let trapTime = try medianMilliseconds {
                for _ in 0..<batch { _ = try queryKey.trapdoor(for: query) }
            } / Double(batch)
            figure("GenTrap", trapTime, "ms", parameters: ["d": d])
            let encryptTime = try medianMilliseconds {
                for _ in 0..<batch { _ = try key.encryptIndexVector(query) }
            } / Double(batch)
            figure("index vector encryption (per image)", encryptTime, "ms", parameters: ["d": d])
        }
    }

    // MARK: - GenIndex and Search as n grows (Figs. 9 and 11)

    mutating func scaling(sizes: [Int]) throws {
        let d = 128
        for n in sizes {
            let points = Self.mixture(n: n, d: d, components: max(8, n / 100), seed: UInt64(n))
            var buildTimes = [Double]()
            var loadTimes = [Double]()
            var deployment: (SecureKNNOwnerKey, SEICloudIndex, SecureKNNQueryKey, Double, Double)?
            for round in 0..<(quick ? 1 : 3) {
                let current = try Self.timedDeployment(reduced: points, d: d)
                if round == 0 { deployment = current }
                buildTimes.append(current.3)
                loadTimes.append(current.4)
            }
            buildTimes.sort()
            loadTimes.sort()
            let (_, cloud, queryKey, _, _) = deployment!
            figure("GenIndex (CAK-means + tree + encryption)", buildTimes[buildTimes.count / 2], "ms",
                   parameters: ["n": n, "d": d, "leaves": cloud.leaves.count, "rounds": buildTimes.count])
            figure("cloud index load (tables + ciphertext subspace)", loadTimes[loadTimes.count / 2], "ms",
                   parameters: ["n": n, "d": d, "subspace_rank": cloud.subspace.rank, "rounds": loadTimes.count])
            figure("memory of encrypted vectors (cloud)", Double(cloud.vectorMemoryBytes) / 1_048_576, "MiB",
                   parameters: ["n": n, "d": d, "stored_floats_per_image": cloud.nodeTable.stride,
                                "ciphertext_floats_per_image": 2 * d + 2])
            try searchFigures(cloud: cloud, queryKey: queryKey, points: points, n: n, d: d, plaintextReference: n == 4000)
        }
    }

    /// Tree and linear search times, recall, and (optionally) the plaintext reference.
    mutating func searchFigures(cloud: SEICloudIndex, queryKey: SecureKNNQueryKey, points: [[Double]], n: Int, d: Int,
                                plaintextReference: Bool, queryCount: Int = 200, recallQueries: Int = 200) throws {
        let queries = Self.queries(from: points, count: queryCount, seed: UInt64(n) + 1)
        let prepared = try queries.map { try cloud.prepare(try queryKey.trapdoor(for: $0)) }
        var sink = 0
        let treeTimes = timeMilliseconds {
            for trapdoor in prepared { sink &+= cloud.search(trapdoor, options: .init(k: 10, mode: .tree)).hits.count }
        }
        let linearTimes = timeMilliseconds {
            for trapdoor in prepared { sink &+= cloud.search(trapdoor, options: .init(k: 10, mode: .linear)).hits.count }
        }
        let tree = treeTimes.median / Double(queryCount), linear = linearTimes.median / Double(queryCount)
        var hits = 0, scored = 0
        for trapdoor in prepared.prefix(recallQueries) {
            let t = cloud.search(trapdoor, options: .init(k: 10, mode: .tree))
            scored += t.scoredImages
            let l = cloud.search(trapdoor, options: .init(k: 10, mode: .linear)).hits
            hits += Set(t.hits.map(\.id)).intersection(l.map(\.id)).count
        }
        let recall = Double(hits) / Double(10 * min(recallQueries, prepared.count))
        let isTarget = n == 4000 && d == 128
        figure("Search, tree", tree, "ms/query", parameters: ["n": n, "d": d, "k": 10, "images_scored": scored / max(1, min(recallQueries, prepared.count)),
                                                          "leaves": cloud.leaves.count, "queries_per_round": queryCount,
                                                          "min_of_rounds_ms": treeTimes.minimum / Double(queryCount)],
               target: isTarget ? "< 0.05 ms" : nil, met: isTarget ? tree < 0.05 : nil)
        figure("Search, encrypted linear scan", linear, "ms/query", parameters: ["n": n, "d": d, "k": 10, "queries_per_round": queryCount,
                                                                            "stored_floats_per_image": cloud.nodeTable.stride,
                                                                            "min_of_rounds_ms": linearTimes.minimum / Double(queryCount)],
               target: isTarget ? "< 0.2 ms" : nil, met: isTarget ? linear < 0.2 : nil)
        figure("recall@10 tree vs encrypted linear scan (synthetic)", recall, "fraction", parameters: ["n": n, "d": d],
               target: ">= 0.95", met: recall >= 0.95)
        if plaintextReference {
            let floats = points.map { $0.map(Float.init) }
            let database = try ExactSearch.FloatDatabase(ids: Array(0..<n), vectors: floats)
            let plainQueries = queries.map { $0.map(Float.init) }
            let plainTimes = timeMilliseconds {
                for query in plainQueries { sink &+= database.search(query, k: 10).count }
            }
            let plain = plainTimes.median / Double(queryCount)
            figure("Search, plaintext exact scan (reference)", plain, "ms/query",
                   parameters: ["n": n, "d": d, "min_of_rounds_ms": plainTimes.minimum / Double(queryCount)])
            figure("Search, encrypted linear scan vs plaintext exact scan", linear, "ms/query",
                   parameters: ["n": n, "d": d, "encrypted_dimension": 2 * d + 2],
                   reference: ("plaintext exact scan (ExactSearch.FloatDatabase, d floats)", plain),
                   target: "ratio <= 3", met: plain > 0 && linear / plain <= 3)
        }
        if sink == 42 { print("") }
    }

    mutating func targetAt4000() throws {
        // Covered by scaling(); repeat when the sizes skipped 4000.
        if figures.contains(where: { ($0["parameters"] as? [String: Any])?["n"] as? Int == 4000 }) { return }
        let points = Self.mixture(n: 4000, d: 128, components: 40, seed: 4000)
        let (_, cloud, queryKey, _) = try Self.deployment(reduced: points, d: 128)
        try searchFigures(cloud: cloud, queryKey: queryKey, points: points, n: 4000, d: 128, plaintextReference: true)
    }

    // MARK: - 1,000,000 images

    mutating func largeScale(n: Int) throws {
        let d = 128
        print("building the \(n)-image synthetic index (d = \(d)); this takes a while")
        let start = DispatchTime.now().uptimeNanoseconds
        let points = Self.mixture(n: n, d: d, components: 1000, seed: 77)
        let generated = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (_, cloud, queryKey, buildMilliseconds, loadMilliseconds) = try Self.timedDeployment(reduced: points, d: d)
        figure("GenIndex (CAK-means on samples + tree + encryption)", buildMilliseconds / 1000, "s",
               parameters: ["n": n, "d": d, "leaves": cloud.leaves.count, "data_generation_s": generated, "rounds": 1])
        figure("cloud index load (tables + ciphertext subspace)", loadMilliseconds / 1000, "s",
               parameters: ["n": n, "d": d, "subspace_rank": cloud.subspace.rank, "rounds": 1])
        let queries = Self.queries(from: points, count: 50, seed: 78)
        let prepared = try queries.map { try cloud.prepare(try queryKey.trapdoor(for: $0)) }
        var sink = 0
        let treeTimes = timeMilliseconds {
            for trapdoor in prepared { sink &+= cloud.search(trapdoor, options: .init(k: 10, mode: .tree)).hits.count }
        }
        let tree = treeTimes.median / Double(prepared.count)
        var hits = 0, scored = 0
        let recallQueries = prepared.prefix(20)
        var linearTimes = [Double]()
        for trapdoor in recallQueries {
            let t = cloud.search(trapdoor, options: .init(k: 10, mode: .tree))
            scored += t.scoredImages
            let begin = DispatchTime.now().uptimeNanoseconds
            let l = cloud.search(trapdoor, options: .init(k: 10, mode: .linear)).hits
            linearTimes.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
            hits += Set(t.hits.map(\.id)).intersection(l.map(\.id)).count
        }
        linearTimes.sort()
        figure("Search, tree", tree, "ms/query", parameters: ["n": n, "d": d, "k": 10, "images_scored": scored / recallQueries.count,
                                                          "leaves": cloud.leaves.count, "queries_per_round": prepared.count,
                                                          "min_of_rounds_ms": treeTimes.minimum / Double(prepared.count)],
               target: "< 20 ms", met: tree < 20)
        figure("Search, encrypted linear scan", linearTimes[linearTimes.count / 2], "ms/query",
               parameters: ["n": n, "d": d, "k": 10, "rounds": linearTimes.count])
        figure("recall@10 tree vs encrypted linear scan (synthetic)", Double(hits) / Double(10 * recallQueries.count), "fraction",
               parameters: ["n": n, "d": d], target: ">= 0.95", met: Double(hits) / Double(10 * recallQueries.count) >= 0.95)
        figure("memory of encrypted vectors (cloud)", Double(cloud.vectorMemoryBytes) / 1_048_576, "MiB",
               parameters: ["n": n, "d": d, "stored_floats_per_image": cloud.nodeTable.stride,
                            "ciphertext_floats_per_image": 2 * d + 2])
        figure("process resident memory (peak, whole bench)", Double(Self.peakResidentKiB()) / 1024, "MiB", parameters: ["n": n])
        if sink == 42 { print("") }
    }

    static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    // MARK: - Report

    func report() -> [String: Any] {
        var result: [String: Any] = [
            "suite": "sei",
            "machine": Self.machine(),
            "rounds": rounds,
            "warmup_rounds": 1,
            "statistic": "median (min_of_rounds_ms also given for search times)",
            "load_average_at_end": Self.loadAverage(),
            "threads": 1,
            "figures": figures,
            "notes": notes,
            "paper": ["n": 4000, "d": 128, "tree_search_ms": 0.22, "linear_search_ms": 0.6,
                      "implementation": "Python/NumPy, 2.1 GHz VM"],
        ]
        for (key, value) in tables { result[key] = value }
        return result
    }

    static func machine() -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        var commit = "unknown"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        if (try? process.run()) != nil {
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 0, !text.isEmpty { commit = text }
        }
        return ["cpu": model, "cores": ProcessInfo.processInfo.activeProcessorCount, "git_commit": commit,
                "medsearch_version": MedSearchVersion.current]
    }
}
