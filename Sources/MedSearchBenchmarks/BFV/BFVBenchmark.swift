import Foundation
import MedSearchBFV
import MedSearchCore
import MedSearchHESearch

/// `medsearch bench bfv`: BFV primitives at N = 8192 (q = 3 x 55 bits) beside Microsoft SEAL, and the encrypted
/// Hamming top-10 over 100,000 encrypted 64-bit hashcodes end to end on every core.
public struct BFVBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        /// Rounds per figure (median reported).
        public var rounds = 7
        /// Encrypted records in the Hamming search.
        public var records = 100_000
        /// Hashcode length in bits (16...256).
        public var codeLength = 64
        /// Rounds of the end-to-end Hamming search.
        public var searchRounds = 5
        /// BFV parameter set of the Hamming search.
        public var searchParameters = "n4096single"
        /// Whether to run SEAL in the same run.
        public var runReference = true
        /// Run only the encrypted Hamming search (no primitives, no reference).
        public var searchOnly = false

        /// The defaults of `medsearch bench bfv`.
        public init() {}
    }

    /// The description of the suite shown by `medsearch bench bfv --help`.
    public static let discussion = """
        Release builds only. Each primitive is measured over --rounds rounds after one warm-up (median and \
        minimum wall time, median and minimum thread CPU time). SEAL is measured in the same run, once before and \
        once after our primitives, through scripts/reference/python.sh scripts/reference/bfv.py (tenseal); when \
        Python or tenseal is unavailable the reference is recorded as missing. The Hamming search uses the 128-bit secure \
        set n4096single by default (one single-limb product with the unscaled query per 64 records, no \
        rotations, responses re-randomised, switched to 2^40 and sent sparse).
        """

    let configuration: Configuration
    var rounds: Int { configuration.rounds }
    var records: Int { configuration.records }
    var codeLength: Int { configuration.codeLength }
    var searchRounds: Int { configuration.searchRounds }
    var searchParameters: String { configuration.searchParameters }
    var noReference: Bool { !configuration.runReference }
    var searchOnly: Bool { configuration.searchOnly }

    /// Prepares a run.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs every figure and returns the report as JSON.
    public func run() async throws -> Data {
        guard rounds >= 1, searchRounds >= 1 else { throw BenchmarkError.invalidArgument("rounds must be positive") }
        guard records >= 1 else { throw BenchmarkError.invalidArgument("--records must be positive") }
        var figures: [[String: Any]] = []
        var reference: [String: Any] = ["available": false, "reason": "skipped (--no-reference)"]
        // Primitives at N = 8192, q = 3 x 55, bracketed by two SEAL runs (before and after) whose figures are
        // combined, so that a change of machine load during the run affects both sides alike.
        if !searchOnly {
            let before = noReference ? reference : BFVBenchSupport.runReference(rounds: max(rounds, 5))
            try primitives(into: &figures)
            let after = noReference ? reference : BFVBenchSupport.runReference(rounds: max(rounds, 5))
            reference = BFVBenchSupport.combineReferences(before, after)
            BFVBenchSupport.attachReference(reference, to: &figures)
        }

        // Encrypted Hamming top-10.
        let searchSet = try BFVParameters.named(searchParameters)
        let search = try await BFVBenchSupport.hamming(parameters: searchSet, records: records, codeLength: codeLength,
                                                       rounds: searchRounds)
        figures += search

        let report: [String: Any] = [
            "suite": "bfv",
            "machine": BFVBenchSupport.machine(),
            "git_commit": BFVBenchSupport.gitCommit() ?? "unknown",
            "build": "release",
            "reference": reference,
            "figures": figures,
        ]
        return try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    }

    /// BFV primitives at N = 8192 (SEAL's figures are attached afterwards, see ``BFVBenchSupport/attachReference``).
    func primitives(into figures: inout [[String: Any]]) throws {
        let context = try BFVContext.cached(.n8192)
        var rng = SeededRandomNumberGenerator(seed: 0xBF5)
        let sk = context.generateSecretKey(using: &rng)
        let pk = context.generatePublicKey(secretKey: sk, using: &rng)
        let rk = context.generateRelinearizationKey(secretKey: sk, using: &rng)
        let gk = try context.generateGaloisKeys(secretKey: sk, elements: [context.galoisElement(rotatingRowsBy: 1)],
                                                using: &rng)
        let t = context.parameters.plainModulus
        let values = (0..<context.degree).map { _ in UInt64.random(in: 0..<t, using: &rng) }
        let plaintext = try context.encode(values)
        let a = try context.encrypt(plaintext, publicKey: pk)
        let b = try context.encrypt(plaintext, publicKey: pk)
        var limb = Array(a.polys[0].limb(0))
        let tables = context.nttTables[0]
        let params: [String: Any] = ["N": 8192, "q_bits": [55, 55, 55], "t": 65537, "set": "n8192"]
        func primitive(_ name: String, sealKey: String?, target: Double?, note: String? = nil,
                       _ body: () throws -> Void) rethrows {
            let (ms, minimum, cpu, cpuMinimum) = try BFVBenchSupport.timedMillisecondsWithCPUMinimum(rounds: rounds, body)
            var figure: [String: Any] = ["name": name, "value": ms, "unit": "ms", "parameters": params,
                                         "rounds": rounds, "warmup": 1, "minimum": minimum, "cpu_median": cpu,
                                         "cpu_minimum": cpuMinimum]
            if let note { figure["note"] = note }
            if let sealKey { figure["reference_key"] = sealKey }
            if let target { figure["target_ratio"] = target }
            figures.append(figure)
            FileHandle.standardError.write(Data("bench bfv: \(name) \(String(format: "%.3f", ms)) ms (min \(String(format: "%.3f", minimum)), cpu \(String(format: "%.3f", cpu)))\n".utf8))
        }
        try primitive("ntt_forward_one_limb", sealKey: "ntt_one_limb_ms", target: 2.0) { tables.forward(&limb) }
        try primitive("ntt_inverse_one_limb", sealKey: nil, target: nil) { tables.inverse(&limb) }
        try primitive("multiply_relinearize", sealKey: "multiply_relinearize_ms", target: 1.5) {
            _ = try context.multiplyRelinearize(a, b, key: rk)
        }
        try primitive("multiply", sealKey: "multiply_ms", target: nil) { _ = try context.multiply(a, b) }
        // SEAL keeps the last of its three primes as the special key-switching prime, so its ciphertexts live modulo
        // the first two (110 bits). The same ciphertext modulus here is level 2 (keys unchanged).
        let a2 = try context.modSwitchToNext(a), b2 = try context.modSwitchToNext(b)
        try primitive("multiply_relinearize_level2", sealKey: "multiply_relinearize_ms", target: 1.5,
                      note: "ciphertexts modulo the first two primes (110 bits), the modulus SEAL's ciphertexts have") {
            _ = try context.multiplyRelinearize(a2, b2, key: rk)
        }
        try primitive("multiply_level2", sealKey: "multiply_ms", target: nil,
                      note: "ciphertexts modulo the first two primes (110 bits), the modulus SEAL's ciphertexts have") {
            _ = try context.multiply(a2, b2)
        }
        try primitive("rotate_rows", sealKey: "rotate_rows_ms", target: 2.0) {
            _ = try context.rotateRows(a, by: 1, keys: gk)
        }
        try primitive("decrypt", sealKey: "decrypt_ms", target: nil) { _ = try context.decrypt(a, secretKey: sk) }
        try primitive("encrypt_public_key", sealKey: "encrypt_public_ms", target: nil) {
            _ = try context.encrypt(plaintext, publicKey: pk)
        }
        try primitive("encrypt_secret_key_seeded", sealKey: nil, target: nil) {
            _ = try context.encrypt(plaintext, secretKey: sk)
        }
    }
}

/// Timing, machine description, reference runner and the Hamming scenario of `bench bfv`.
enum BFVBenchSupport {
    static func medianMilliseconds(rounds: Int, _ body: () throws -> Void) rethrows -> (median: Double, minimum: Double) {
        let (m, minimum, _) = try timedMilliseconds(rounds: rounds, body)
        return (m, minimum)
    }

    /// Median and minimum wall time and median thread CPU time (ms) of `rounds` runs after one warm-up.
    static func timedMilliseconds(rounds: Int, _ body: () throws -> Void) rethrows
        -> (median: Double, minimum: Double, cpu: Double) {
        let (m, minimum, cpu, _) = try timedMillisecondsWithCPUMinimum(rounds: rounds, body)
        return (m, minimum, cpu)
    }

    /// As ``timedMilliseconds(rounds:_:)`` plus the minimum thread CPU time (the least disturbed round).
    static func timedMillisecondsWithCPUMinimum(rounds: Int, _ body: () throws -> Void) rethrows
        -> (median: Double, minimum: Double, cpu: Double, cpuMinimum: Double) {
        try body() // warm-up
        var samples: [Double] = [], cpu: [Double] = []
        for _ in 0..<rounds {
            let c0 = threadCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            cpu.append((threadCPUSeconds() - c0) * 1000)
        }
        return (median(samples), samples.min() ?? 0, median(cpu), cpu.min() ?? 0)
    }

    /// CPU seconds of the calling thread.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func hamming(parameters: BFVParameters, records count: Int, codeLength: Int,
                        rounds: Int) async throws -> [[String: Any]] {
        let config = try HammingSearchConfiguration(parameters: parameters, codeLength: codeLength)
        var rng = SeededRandomNumberGenerator(seed: 0x4A11)
        let client = try HammingSearchClient(configuration: config)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: client.evaluationKeyBytes())
        let words = (codeLength + 63) / 64
        func randomCode() throws -> HammingCode {
            var w = (0..<words).map { _ in rng.next() }
            if codeLength % 64 != 0 { w[words - 1] &= (1 << UInt64(codeLength % 64)) - 1 }
            return try HammingCode(words: w, bitCount: codeLength)
        }
        let records = try (0..<count).map { HammingRecord(id: UInt64($0), code: try randomCode()) }
        let progress = ProgressReporter(label: "encrypting \(count) hashcodes", total: 1)
        let encryptStart = now()
        let database = try await encoder.encryptConcurrently(records)
        let encryptMs = Double(now() - encryptStart) / 1e6
        progress.advance()
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: client.evaluationKeyBytes())
        let prepareStart = now()
        let prepared = try await server.prepare(database)
        let prepareMs = Double(now() - prepareStart) / 1e6
        var plainServerSamples: [Double] = []
        var serverSamples: [Double] = [], decryptSamples: [Double] = [], totalSamples: [Double] = []
        var querySamples: [Double] = [], cpuSamples: [Double] = []
        var allMatch = true
        var responseBytes = 0
        var budget = 0
        for round in 0...rounds {
            let query = try randomCode()
            let cpu0 = cpuSeconds()
            let t0 = now()
            let queryBytes = try client.encryptQuery(query)
            let t1 = now()
            let response = try await server.evaluate(queryBytes: queryBytes, prepared: prepared)
            let t2 = now()
            let top = try await client.topKConcurrently(responseBytes: response, k: 10)
            let t3 = now()
            let cpu3 = cpuSeconds()
            let expected = plaintextHammingTopK(query: query, records: records, k: 10)
            allMatch = allMatch && top == expected
            if round == 0 {
                responseBytes = response.count
                budget = try client.noiseBudget(responseBytes: response)
                continue // warm-up
            }
            let u0 = now()
            let unprepared = try await server.evaluate(queryBytes: queryBytes, database: database)
            plainServerSamples.append(Double(now() - u0) / 1e6)
            let unpreparedTop = try client.topK(responseBytes: unprepared, k: 10)
            allMatch = allMatch && unpreparedTop == expected
            cpuSamples.append((cpu3 - cpu0) * 1000)
            querySamples.append(Double(t1 - t0) / 1e6)
            serverSamples.append(Double(t2 - t1) / 1e6)
            decryptSamples.append(Double(t3 - t2) / 1e6)
            totalSamples.append(Double(t3 - t0) / 1e6)
            FileHandle.standardError.write(Data("bench bfv: Hamming round \(round): \(String(format: "%.0f", Double(t3 - t0) / 1e6)) ms\n".utf8))
        }
        let plainStart = now()
        let plain = plaintextHammingTopK(query: try randomCode(), records: records, k: 10)
        let plainMs = Double(now() - plainStart) / 1e6
        _ = plain
        let p: [String: Any] = ["set": parameters.name, "N": parameters.polyDegree,
                                "q_bits": parameters.coefficientModulusBits, "t": parameters.plainModulus,
                                "records": count, "code_bits": codeLength, "k": 10,
                                "records_per_ciphertext": config.recordsPerBlock, "blocks": database.blockCount,
                                "cores": ProcessInfo.processInfo.activeProcessorCount]
        let serialized = try database.serialized().count
        return [
            ["name": "hamming_top10_end_to_end", "value": median(totalSamples), "unit": "ms", "parameters": p,
             "rounds": rounds, "warmup": 1, "target": 5000.0, "meets_target": median(totalSamples) < 5000,
             "includes": "query encryption + server evaluation on the prepared database (all cores) + client decryption and top-k (all cores)",
             "results_equal_plaintext_top10": allMatch],
            ["name": "hamming_end_to_end_cpu_time", "value": median(cpuSamples), "unit": "ms", "parameters": p,
             "rounds": rounds, "note": "user + system CPU time of the process over the end-to-end figure (all threads); "
                + "on an idle machine the wall time is about this divided by the cores used"],
            ["name": "hamming_server_evaluation_prepared", "value": median(serverSamples), "unit": "ms", "parameters": p,
             "rounds": rounds],
            ["name": "hamming_server_evaluation_unprepared", "value": median(plainServerSamples), "unit": "ms",
             "parameters": p, "rounds": rounds, "note": "database blocks extended and transformed per query"],
            ["name": "hamming_database_prepare", "value": prepareMs, "unit": "ms", "parameters": p, "rounds": 1],
            ["name": "hamming_prepared_operands_memory", "value": prepared.operandByteCount, "unit": "bytes",
             "parameters": p, "note": "extra memory of the precomputed operands"],
            ["name": "hamming_client_decrypt_topk", "value": median(decryptSamples), "unit": "ms", "parameters": p,
             "rounds": rounds],
            ["name": "hamming_query_encryption", "value": median(querySamples), "unit": "ms", "parameters": p,
             "rounds": rounds],
            ["name": "hamming_database_encryption", "value": encryptMs, "unit": "ms", "parameters": p, "rounds": 1],
            ["name": "hamming_database_memory", "value": database.byteCount, "unit": "bytes", "parameters": p,
             "note": "in-memory residues (8 bytes each) of the public-key-encrypted database"],
            ["name": "hamming_database_serialized", "value": serialized, "unit": "bytes", "parameters": p],
            ["name": "hamming_response_size", "value": responseBytes, "unit": "bytes", "parameters": p],
            ["name": "hamming_response_noise_budget", "value": budget, "unit": "bits", "parameters": p,
             "note": "client-side measurement at the 2^k response scale, minimum over blocks, AFTER the server's noise flooding (which deliberately uses the budget down to 0-1 bits; the product's own noise leaves 8 bits at n4096single, see the tests)"],
            ["name": "process_peak_resident_memory", "value": peakResidentBytes(), "unit": "bytes", "parameters": p,
             "note": "VmHWM of the benchmark process (database, prepared operands, 100,000 plaintext records, responses)"],
            ["name": "hamming_plaintext_scan_swift", "value": plainMs, "unit": "ms", "parameters": p,
             "note": "unencrypted sort-based scan for scale"],
        ]
    }

    /// User + system CPU seconds of this process so far (all threads).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// The process's peak resident set (VmHWM from /proc/self/status), or 0 when unavailable.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }

    /// SEAL's figures of two runs (before and after ours) combined: the mean of the medians and of the CPU
    /// medians, the smaller minimum; both runs are kept under "runs".
    static func combineReferences(_ a: [String: Any], _ b: [String: Any]) -> [String: Any] {
        let aOK = a["available"] as? Bool == true, bOK = b["available"] as? Bool == true
        guard aOK || bOK else { return a }
        guard aOK && bOK else { return aOK ? a : b }
        var out = a
        for (key, value) in a where key.hasSuffix("_ms") {
            if let x = value as? Double, let y = b[key] as? Double { out[key] = (x + y) / 2 }
        }
        for field in ["minimum_ms", "cpu_ms", "cpu_minimum_ms"] {
            guard let x = a[field] as? [String: Any], let y = b[field] as? [String: Any] else { continue }
            var merged: [String: Any] = [:]
            for (key, value) in x {
                guard let u = value as? Double, let v = y[key] as? Double else { continue }
                merged[key] = field == "cpu_ms" ? (u + v) / 2 : min(u, v)
            }
            out[field] = merged
        }
        out["runs"] = [a, b]
        out["combination"] = "mean of the medians and CPU medians of a run before and a run after ours; smaller minima"
        return out
    }

    /// Adds SEAL's figure, the ratios and the target check to every figure that names a reference key.
    static func attachReference(_ seal: [String: Any], to figures: inout [[String: Any]]) {
        guard seal["available"] as? Bool == true else { return }
        for index in figures.indices {
            guard let key = figures[index]["reference_key"] as? String, let ref = seal[key] as? Double,
                  let ms = figures[index]["value"] as? Double else { continue }
            var reference: [String: Any] = ["library": seal["library"] ?? "SEAL", "value": ref, "unit": "ms"]
            figures[index]["ratio_to_reference"] = ms / ref
            if let refMin = (seal["minimum_ms"] as? [String: Any])?[key] as? Double,
               let minimum = figures[index]["minimum"] as? Double {
                reference["minimum"] = refMin
                figures[index]["ratio_of_minima"] = minimum / refMin
            }
            if let refCPU = (seal["cpu_ms"] as? [String: Any])?[key] as? Double,
               let cpu = figures[index]["cpu_median"] as? Double {
                reference["cpu_median"] = refCPU
                figures[index]["ratio_of_cpu_medians"] = cpu / refCPU
            }
            if let refCPUMin = (seal["cpu_minimum_ms"] as? [String: Any])?[key] as? Double,
               let cpuMin = figures[index]["cpu_minimum"] as? Double {
                reference["cpu_minimum"] = refCPUMin
                figures[index]["ratio_of_cpu_minima"] = cpuMin / refCPUMin
            }
            figures[index]["reference"] = reference
            if let target = figures[index]["target_ratio"] as? Double {
                figures[index]["meets_target"] = ms / ref <= target
                if let r = figures[index]["ratio_of_cpu_medians"] as? Double { figures[index]["meets_target_by_cpu"] = r <= target }
            }
        }
    }

    static func runReference(rounds: Int) -> [String: Any] {
        let root = DataLocator.repositoryRoot() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let runner = root.appendingPathComponent("scripts/reference/python.sh")
        let script = root.appendingPathComponent("scripts/reference/bfv.py")
        guard FileManager.default.fileExists(atPath: runner.path), FileManager.default.fileExists(atPath: script.path) else {
            return ["available": false, "reason": "scripts/reference not found under \(root.path)"]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [runner.path, script.path, "--rounds", String(rounds)]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            return ["available": false, "reason": "could not start Python: \(error)"]
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return ["available": false, "reason": "reference script failed (exit \(process.terminationStatus))"]
        }
        return object
    }

    static func machine() -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        return ["cpu": model ?? "unknown", "cores": ProcessInfo.processInfo.activeProcessorCount,
                "load_average": (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
                    .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"]
    }

    static func gitCommit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
