import Foundation
import MedSearchBFV
import MedSearchCore
import MedSearchHESearch

/// `medsearch bench bfv`: BFV primitives at N = 8192 (q = 3 x 55 bits) beside Microsoft SEAL, and the encrypted
/// Hamming top-10 over 100,000 encrypted 64-bit hashcodes end to end on every core.
@MemberwiseInit(.public)
public struct BFVBenchmark: Sendable {
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
        public var searchParameters = "n4096expand"
        /// Whether to run SEAL in the same run.
        public var runReference = true
        /// Run only the encrypted Hamming search (no primitives, no reference).
        public var searchOnly = false

        /// The defaults of `medsearch bench bfv`.
        public init() {}
    }

    /// The report's suite-specific part.
    public struct Body: BenchmarkBody {
        public static let suite = "bfv"
        /// The primitives (with SEAL's figure and the target ratio) and the Hamming search figures.
        public var figures: [Figure]
        /// SEAL's figures: the samples of the run before ours and of the run after ours together.
        public var reference: ReferenceRun?
        /// The two SEAL runs as measured (before and after our primitives).
        public var referenceRuns: [ReferenceRun]
        /// Whether SEAL ran, and why not.
        public var referenceStatus: ReferenceStatus

        enum CodingKeys: String, CodingKey {
            case figures, reference, referenceRuns = "reference_runs", referenceStatus = "reference_status"
        }
    }

    /// The command's one-line help.
    public static let abstract = "Benchmark our BFV (N=8192, q=3x55) against SEAL and the encrypted Hamming top-k search."
    /// The description of the suite shown by `medsearch bench bfv --help`.
    public static let discussion = """
        Release builds only. Each primitive is measured over --rounds rounds after one warm-up (median, minimum \
        and maximum of wall time and thread CPU time). SEAL is measured in the same run, once before and \
        once after our primitives, through scripts/reference/python.sh scripts/reference/bfv.py (tenseal); its \
        figure is the median over both runs' samples. When Python or tenseal is unavailable the reference is \
        recorded as missing. The Hamming search uses the set TrustMedSearch uses, n4096expand, by \
        default (bit-sliced layout: one response ciphertext per 4,096 records, responses re-randomised, flooded, \
        switched to 2^25 and sent sparse; the query is one ciphertext that the server expands), in identifier mode and in TrustMed's unlinkable mode, with the query \
        and response sizes beside the information floor (1,000,000 records: --records 1000000); its CPU time is \
        the process's (all threads).
        """

    let configuration: Configuration
    var console: BenchConsole = .standard
    var references: ReferenceRunner = ReferenceRunner()

    /// Runs every figure and returns the report.
    public func run() async throws -> BenchmarkReport<Body> {
        let rounds = configuration.rounds, searchRounds = configuration.searchRounds
        guard rounds >= 1, searchRounds >= 1 else { throw BenchmarkError.invalidArgument("rounds must be positive") }
        guard configuration.records >= 1 else { throw BenchmarkError.invalidArgument("--records must be positive") }
        let environment = BenchEnvironment.current()
        var figures: [Figure] = []
        var runs: [ReferenceRun] = []
        var status = ReferenceStatus.missing(configuration.searchOnly ? "skipped (--search-only)" : "skipped (--no-reference)")
        // Primitives at N = 8192, q = 3 x 55, bracketed by two SEAL runs (before and after) whose samples are
        // combined, so that a change of machine load during the run affects both sides alike.
        if !configuration.searchOnly {
            let referenceArguments = ["--rounds", String(max(rounds, 5))]
            if configuration.runReference {
                let (before, beforeStatus) = references.run("bfv.py", arguments: referenceArguments)
                runs += before.map { [$0] } ?? []
                status = beforeStatus
            }
            figures += try primitives(harness: BenchHarness(rounds: rounds))
            if configuration.runReference {
                let (after, afterStatus) = references.run("bfv.py", arguments: referenceArguments)
                runs += after.map { [$0] } ?? []
                if !runs.isEmpty { status = .measured(note: "\(runs.count) of 2 runs (before and after ours) measured") }
                else { status = afterStatus }
            }
        }
        let reference = Self.combine(runs)
        for index in figures.indices { attach(reference, to: &figures[index]) }
        for figure in figures { console.status("bench bfv: \(figure.summary)") }

        // Encrypted Hamming top-10.
        let searchSet = try BFVParameters.named(configuration.searchParameters)
        figures += try await hamming(parameters: searchSet,
                                     harness: BenchHarness(rounds: searchRounds, cpuScope: .process))
        let body = Body(figures: figures, reference: reference, referenceRuns: runs, referenceStatus: status)
        return BenchmarkReport(method: "primitives: \(BenchHarness(rounds: rounds).method); Hamming search: "
                                   + BenchHarness(rounds: searchRounds, cpuScope: .process).method,
                               environment: environment.finished(), body: body)
    }

    /// SEAL's figure names and our target ratio for each primitive that has one.
    static let referenceKeys: [String: (figure: String, target: Double?)] = [
        "ntt_forward_one_limb": ("ntt_one_limb", 2.0), "multiply_relinearize": ("multiply_relinearize", 1.0),
        "multiply": ("multiply", 1.0), "rotate_rows": ("rotate_rows", 1.0), "decrypt": ("decrypt", 1.0),
        "encrypt_public_key": ("encrypt_public", nil),
    ]

    /// Adds SEAL's figure, the ratios and the target check (ours / SEAL, wall-clock medians) to a primitive.
    func attach(_ reference: ReferenceRun?, to figure: inout Figure) {
        guard let key = Self.referenceKeys[figure.name], let timing = figure.timing,
              let comparison = ReferenceComparison(ours: timing, figure: key.figure, in: reference) else { return }
        figure.reference = comparison
        if let target = key.target {
            figure.target = TargetCheck("ours / SEAL, wall-clock medians (cpu_ratio gives the thread-CPU ratio)",
                                        measured: comparison.wallRatio, .atMost, target)
        }
    }

    /// The SEAL runs as one: per figure, every sample of every run.
    static func combine(_ runs: [ReferenceRun]) -> ReferenceRun? {
        guard var combined = runs.first else { return nil }
        for run in runs.dropFirst() {
            for (name, timing) in run.figures {
                guard let earlier = combined.figures[name] else { continue }
                combined.figures[name] = Timing(wall: earlier.wall.samples + timing.wall.samples,
                                                cpu: earlier.cpu.samples + timing.cpu.samples)
            }
        }
        return combined
    }

    /// BFV primitives at N = 8192.
    func primitives(harness: BenchHarness) throws -> [Figure] {
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
        // The shape of SEAL's CoeffModulus::Create(8192, {55, 55, 55}): ciphertexts modulo the first two primes (110
        // bits), the third is the special key-switching prime in both libraries (hybrid key switching).
        let parameters: [String: ParameterValue] = ["N": 8192, "q_bits": .ints([55, 55, 55]), "t": 65537, "set": "n8192",
                                                    "ciphertext_q_bits": .ints([55, 55]), "special_prime_bits": 55]
        var figures = [Figure]()
        func primitive(_ name: String, note: String? = nil, _ body: () throws -> Void) rethrows {
            figures.append(Figure(name, timing: try harness.measure(body), parameters: parameters, note: note))
        }
        primitive("ntt_forward_one_limb") { tables.forward(&limb) }
        primitive("ntt_inverse_one_limb") { tables.inverse(&limb) }
        try primitive("multiply_relinearize") { blackHole(try context.multiplyRelinearize(a, b, key: rk)) }
        try primitive("multiply") { blackHole(try context.multiply(a, b)) }
        try primitive("rotate_rows") { blackHole(try context.rotateRows(a, by: 1, keys: gk)) }
        try primitive("decrypt") { blackHole(try context.decrypt(a, secretKey: sk)) }
        try primitive("encrypt_public_key") { blackHole(try context.encrypt(plaintext, publicKey: pk)) }
        try primitive("encrypt_secret_key_seeded") { blackHole(try context.encrypt(plaintext, secretKey: sk)) }
        return figures
    }

    /// The encrypted Hamming top-10 over `records` random codes, end to end, every answer checked against the
    /// plaintext top-10.
    func hamming(parameters: BFVParameters, harness: BenchHarness) async throws -> [Figure] {
        let count = configuration.records, codeLength = configuration.codeLength
        let config = try HammingSearchConfiguration(parameters: parameters, codeLength: codeLength)
        var rng = SeededRandomNumberGenerator(seed: 0x4A11)
        let client = try HammingSearchClient(configuration: config)
        let encoder = try HammingDatabaseEncoder(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        let words = (codeLength + 63) / 64
        func randomCode() throws -> HammingCode {
            var w = (0..<words).map { _ in rng.next() }
            if codeLength % 64 != 0 { w[words - 1] &= (1 << UInt64(codeLength % 64)) - 1 }
            return try HammingCode(words: w, bitCount: codeLength)
        }
        let records = try (0..<count).map { HammingRecord(id: UInt64($0), code: try randomCode()) }
        var watch = Stopwatch(harness)
        console.status("bench bfv: encrypting \(count) hashcodes")
        var start = watch.read()
        let database = try await encoder.encryptConcurrently(records)
        watch.record("database_encryption", from: start, to: watch.read())
        let server = try HammingSearchServer(configuration: config, evaluationKeyBytes: try client.evaluationKeyBytes())
        start = watch.read()
        let prepared = try await server.prepare(database)
        watch.record("database_prepare", from: start, to: watch.read())
        var allMatch = true, unlinkableMatch = true
        var responseBytes = 0, unlinkableBytes = 0, queryBytesCount = 0, budget = 0
        for round in 0..<(harness.warmUpRounds + harness.rounds) {
            let query = try randomCode()
            let t0 = watch.read()
            let queryBytes = try client.encryptQuery(query)
            let t1 = watch.read()
            let response = try await server.evaluate(queryBytes: queryBytes, prepared: prepared)
            let t2 = watch.read()
            let top = try await client.topKConcurrently(responseBytes: response, k: 10)
            let t3 = watch.read()
            let expected = plaintextHammingTopK(query: query, records: records, k: 10)
            allMatch = allMatch && top == expected
            // TrustMed's unlinkable path: no ids in the response, the master resolves the slots the client asks for.
            let v0 = watch.read()
            let unlinkable = try await server.evaluateUnlinkable(queryBytes: queryBytes, prepared: prepared)
            let v1 = watch.read()
            let request = HammingSlotRequest(try client.nearestSlots(responseBytes: unlinkable.response, k: 10))
            let resolved = try unlinkable.mapping.resolve(requestBytes: request.serialized(), k: 10)
            let v2 = watch.read()
            unlinkableMatch = unlinkableMatch && resolved.map(\.id) == expected.map(\.id)
            // Two search workers' partial responses (each half of the shelves) joined by the coordinator (the edge
            // master's per-query cost with workers), then resolved as the master resolves a client's request.
            let half = prepared.shelfCount / 2
            var parts: [[UInt8]] = []
            for shelves in [0..<half, half..<prepared.shelfCount] {
                parts.append(try await server.evaluate(queryBytes: queryBytes, prepared: prepared, shelves: shelves))
            }
            let m0 = watch.read()
            let merged = try server.mergeUnlinkable(parts)
            let m1 = watch.read()
            let mergedRequest = HammingSlotRequest(try client.nearestSlots(responseBytes: merged.response, k: 10))
            let m2 = watch.read()
            let mergedResolved = try merged.mapping.resolve(requestBytes: mergedRequest.serialized(), k: 10)
            let m3 = watch.read()
            unlinkableMatch = unlinkableMatch && mergedResolved.map(\.id) == expected.map(\.id)
            if round < harness.warmUpRounds {
                responseBytes = response.count
                unlinkableBytes = unlinkable.response.count
                queryBytesCount = queryBytes.count
                budget = try client.noiseBudget(responseBytes: response)
                continue
            }
            watch.record("unlinkable_server", from: v0, to: v1)
            watch.record("unlinkable_client_resolve", from: v1, to: v2)
            watch.record("coordinator_merge", from: m0, to: m1)
            watch.record("coordinator_resolve", from: m2, to: m3)
            watch.record("end_to_end", from: t0, to: t3)
            watch.record("query_encryption", from: t0, to: t1)
            watch.record("server_prepared", from: t1, to: t2)
            watch.record("client_decrypt_topk", from: t2, to: t3)
            let u0 = watch.read()
            let unprepared = try await server.evaluate(queryBytes: queryBytes, database: database)
            watch.record("server_unprepared", from: u0, to: watch.read())
            let unpreparedTop = try client.topK(responseBytes: unprepared, k: 10)
            allMatch = allMatch && unpreparedTop == expected
            console.status("bench bfv: Hamming round \(round): "
                           + "\(BenchFormat.fixed(watch.timing("end_to_end").wall.samples.last ?? 0, 0)) ms")
        }
        start = watch.read()
        blackHole(plaintextHammingTopK(query: try randomCode(), records: records, k: 10))
        watch.record("plaintext_scan", from: start, to: watch.read())
        let p: [String: ParameterValue] = [
            "set": .string(parameters.name), "N": .int(parameters.polyDegree),
            "q_bits": .int(parameters.coefficientModulusBits), "t": .int(Int(parameters.plainModulus)),
            "records": .int(count), "code_bits": .int(codeLength), "k": 10,
            "records_per_ciphertext": .int(config.recordsPerBlock), "blocks": .int(database.blockCount),
            "cores": .int(ProcessInfo.processInfo.activeProcessorCount)]
        func timed(_ name: String, _ part: String, note: String? = nil) -> Figure {
            Figure(name, timing: watch.timing(part), cpuScope: .process, parameters: p, note: note)
        }
        var endToEnd = timed("hamming_top10_end_to_end", "end_to_end",
                             note: "query encryption + server evaluation on the prepared database (all cores) + client "
                                 + "decryption and top-k (all cores); the CPU time is the process's, all threads: on an "
                                 + "idle machine the wall time is about the CPU time divided by the cores used")
        endToEnd.target = TargetCheck("end-to-end wall-clock median, ms", measured: endToEnd.headline, .below, 5000)
        endToEnd.resultsEqualPlaintext = allMatch
        var unlinkableServer = timed("hamming_unlinkable_server_evaluation", "unlinkable_server",
                                     note: "TrustMed's mode: shelves shuffled, no ids (all cores)")
        unlinkableServer.resultsEqualPlaintext = unlinkableMatch
        // The information floor: ceil(log2(l + 1)) bits per record (its distance), nothing else.
        let floorBits = Int.bitWidth - codeLength.leadingZeroBitCount
        let floorBytes = Double((count * floorBits + 7) / 8)
        return [
            endToEnd,
            unlinkableServer,
            timed("hamming_unlinkable_client_slots_and_resolution", "unlinkable_client_resolve",
                  note: "client decryption and top-10 slots (one thread) + slot request + master resolution"),
            timed("hamming_two_shard_coordinator_merge", "coordinator_merge",
                  note: "the edge master's join of two search workers' partial responses (each half of the shelves) "
                      + "into one unlinkable response and its private slot mapping; the top-10 then resolved equals the plaintext one"),
            timed("hamming_two_shard_coordinator_resolve", "coordinator_resolve",
                  note: "the master resolving the client's slot request against the merged mapping"),
            Figure("hamming_query_size", value: Double(queryBytesCount), unit: "bytes", parameters: p,
                   note: "l seeded unscaled ciphertexts (c_0 + a 32-byte seed each)"),
            Figure("hamming_response_size_unlinkable", value: Double(unlinkableBytes), unit: "bytes", parameters: p,
                   note: "no ids; \(BenchFormat.fixed(Double(unlinkableBytes) / floorBytes, 1))x the information floor"),
            Figure("hamming_information_floor", value: floorBytes, unit: "bytes", parameters: p,
                   note: "\(floorBits) bits per record: the distances alone"),
            timed("hamming_server_evaluation_prepared", "server_prepared"),
            timed("hamming_server_evaluation_unprepared", "server_unprepared",
                  note: "database blocks extended and transformed per query"),
            timed("hamming_database_prepare", "database_prepare"),
            Figure("hamming_prepared_operands_memory", value: Double(prepared.operandByteCount), unit: "bytes",
                   parameters: p, note: "server memory for queries: the prepared shelves (NTT form); the "
                       + "coefficient-form database can be released"),
            timed("hamming_client_decrypt_topk", "client_decrypt_topk"),
            timed("hamming_query_encryption", "query_encryption"),
            timed("hamming_database_encryption", "database_encryption"),
            Figure("hamming_database_memory", value: Double(database.byteCount), unit: "bytes", parameters: p,
                   note: "in-memory residues (8 bytes each) of the public-key-encrypted database"),
            Figure("hamming_database_serialized", value: Double(try database.serialized().count), unit: "bytes",
                   parameters: p),
            Figure("hamming_response_size", value: Double(responseBytes), unit: "bytes", parameters: p,
                   note: "identifier mode (sequential ids); "
                       + "\(BenchFormat.fixed(Double(responseBytes) / floorBytes, 1))x the information floor"),
            Figure("hamming_response_noise_budget", value: Double(budget), unit: "bits", parameters: p,
                   note: "client-side measurement at the 2^k response scale, minimum over shelves, AFTER the server's "
                       + "noise flooding (which deliberately uses the budget down to 1 bit; the product's own noise "
                       + "leaves 3-4 bits more at n4096expand, see the tests)"),
            Figure("process_peak_resident_memory", value: Double(ProcessMemory.peakResidentBytes()), unit: "bytes",
                   parameters: p, note: "VmHWM of the benchmark process (database, prepared operands, plaintext "
                       + "records, responses)"),
            timed("hamming_plaintext_scan_swift", "plaintext_scan", note: "unencrypted sort-based scan for scale"),
        ]
    }
}

extension BFVBenchmark: CommandDocumentation {}
