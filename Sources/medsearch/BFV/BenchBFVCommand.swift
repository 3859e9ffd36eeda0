import ArgumentParser
import Foundation
import MedSearchBFV
import MedSearchCore
import MedSearchHESearch

/// `medsearch bench bfv`: BFV primitives at N = 8192 (q = 3 x 55 bits) beside Microsoft SEAL, and the encrypted
/// Hamming top-10 over 100,000 encrypted 64-bit hashcodes end to end on every core.
struct BenchBFVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfv",
        abstract: "Benchmark our BFV (N=8192, q=3x55) against SEAL and the encrypted Hamming top-k search.",
        discussion: """
            Release builds only. Each figure is the median of --rounds rounds after one warm-up. SEAL is measured in \
            the same run through scripts/reference/python.sh scripts/reference/bfv.py (tenseal); when Python or \
            tenseal is unavailable the reference is recorded as missing. The Hamming search uses the 128-bit secure \
            set n4096 by default (one ciphertext multiplication per 64 records, no rotations).
            """
    )

    @Option(name: .long, help: "Write every figure as JSON to this file.")
    var json: String?

    @Option(name: .long, help: "Rounds per figure (median reported; at least 5).")
    var rounds: Int = 7

    @Option(name: .long, help: "Encrypted records in the Hamming search.")
    var records: Int = 100_000

    @Option(name: .long, help: "Hashcode length in bits (16...256).")
    var codeLength: Int = 64

    @Option(name: .long, help: "Rounds of the end-to-end Hamming search (median reported).")
    var searchRounds: Int = 5

    @Option(name: .long, help: "BFV parameter set of the Hamming search (n4096, n8192, n16384).")
    var searchParameters: String = "n4096"

    @Flag(name: .long, help: "Skip the SEAL reference.")
    var noReference = false

    func validate() throws {
        guard rounds >= 1, searchRounds >= 1 else { throw ValidationError("rounds must be positive") }
        guard records >= 1 else { throw ValidationError("--records must be positive") }
    }

    func run() async throws {
        var figures: [[String: Any]] = []
        var reference: [String: Any] = ["available": false, "reason": "skipped (--no-reference)"]
        if !noReference { reference = BFVBenchSupport.runReference(rounds: max(rounds, 5)) }
        let seal = reference["available"] as? Bool == true ? reference : [:]

        // Primitives at N = 8192, q = 3 x 55.
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
        func primitive(_ name: String, sealKey: String?, target: Double?, _ body: () throws -> Void) rethrows {
            let (ms, minimum) = try BFVBenchSupport.medianMilliseconds(rounds: rounds, body)
            var figure: [String: Any] = ["name": name, "value": ms, "unit": "ms", "parameters": params,
                                         "rounds": rounds, "warmup": 1, "minimum": minimum]
            if let sealKey, let ref = seal[sealKey] as? Double {
                var reference: [String: Any] = ["library": seal["library"] ?? "SEAL", "value": ref, "unit": "ms"]
                figure["ratio_to_reference"] = ms / ref
                if let refMin = (seal["minimum_ms"] as? [String: Any])?[sealKey] as? Double {
                    reference["minimum"] = refMin
                    figure["ratio_of_minima"] = minimum / refMin
                }
                figure["reference"] = reference
                if let target { figure["target_ratio"] = target; figure["meets_target"] = ms / ref <= target }
            }
            figures.append(figure)
            FileHandle.standardError.write(Data("bench bfv: \(name) \(String(format: "%.3f", ms)) ms (min \(String(format: "%.3f", minimum)))\n".utf8))
        }
        try primitive("ntt_forward_one_limb", sealKey: "ntt_one_limb_ms", target: 2.0) { tables.forward(&limb) }
        try primitive("ntt_inverse_one_limb", sealKey: nil, target: nil) { tables.inverse(&limb) }
        try primitive("multiply_relinearize", sealKey: "multiply_relinearize_ms", target: 1.5) {
            _ = try context.multiplyRelinearize(a, b, key: rk)
        }
        try primitive("multiply", sealKey: "multiply_ms", target: nil) { _ = try context.multiply(a, b) }
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
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        if let json {
            try data.write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Timing, machine description, reference runner and the Hamming scenario of `bench bfv`.
enum BFVBenchSupport {
    static func medianMilliseconds(rounds: Int, _ body: () throws -> Void) rethrows -> (median: Double, minimum: Double) {
        try body() // warm-up
        var samples: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return (median(samples), samples.min() ?? 0)
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
        let server = try HammingSearchServer(configuration: config)
        let prepareStart = now()
        let prepared = try await server.prepare(database)
        let prepareMs = Double(now() - prepareStart) / 1e6
        var plainServerSamples: [Double] = []
        var serverSamples: [Double] = [], decryptSamples: [Double] = [], totalSamples: [Double] = []
        var querySamples: [Double] = []
        var allMatch = true
        var responseBytes = 0
        var budget = 0
        for round in 0...rounds {
            let query = try randomCode()
            let t0 = now()
            let queryBytes = try client.encryptQuery(query)
            let t1 = now()
            let response = try await server.evaluate(queryBytes: queryBytes, prepared: prepared)
            let t2 = now()
            let top = try await client.topKConcurrently(responseBytes: response, k: 10)
            let t3 = now()
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
             "note": "client-side measurement, minimum over blocks"],
            ["name": "hamming_plaintext_scan_swift", "value": plainMs, "unit": "ms", "parameters": p,
             "note": "unencrypted sort-based scan for scale"],
        ]
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
