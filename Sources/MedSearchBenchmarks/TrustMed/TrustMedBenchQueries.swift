import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchIndex
import MedSearchTrustMed

/// The unlinkable queries of `trustmed bench` (the default mode of `trustmed query` and the web application): what
/// one query cost, at the stored database size (real images plus, past them, synthetic records).
public struct TrustMedUnlinkableQueries: Codable, Equatable, Sendable {
    /// Median and 95th percentile (nearest rank) of one figure over the timed rounds, milliseconds.
    public struct Spread: Codable, Equatable, Sendable {
        public var medianMilliseconds: Double
        public var p95Milliseconds: Double

        init(_ samples: [Double]) {
            medianMilliseconds = SampleSummary.median(samples)
            p95Milliseconds = CompareBenchmark.percentile(samples, 0.95)
        }

        enum CodingKeys: String, CodingKey { case medianMilliseconds = "median_ms", p95Milliseconds = "p95_ms" }
    }

    /// How the synthetic part of the database was made and stored.
    public struct SyntheticTopUp: Codable, Equatable, Sendable {
        public var records: Int
        public var imageBytes: Int
        public var seed: UInt64
        public var uploadRequests: Int
        public var uploadSeconds: Double
        public var note = "synthetic records (ids synthetic-NNNNNNNN; uniformly random hashcodes and random image bytes from a "
            + "seeded generator) uploaded through the real upload path: the client seals each image and encrypts each "
            + "block's hashcodes, the edge master splits each image into n shares on the storage nodes; nothing is "
            + "seeded into a store directly"

        enum CodingKeys: String, CodingKey {
            case records, imageBytes = "image_bytes", seed, uploadRequests = "upload_requests"
            case uploadSeconds = "upload_seconds", note
        }
    }

    public var mode = "unlinkable"
    public var storedImages: Int
    public var realImages: Int
    public var synthetic: SyntheticTopUp?
    public var k = 10
    /// Hashcode to decrypted top-10 images.
    public var total: Spread
    /// Encrypt the query, master's evaluation, decrypt the distances, choose the slots.
    public var searchAndRank: Spread
    /// Fetch request, master's rebuild of each image from m verified shares, open the sealed images.
    public var fetchRebuildOpen: Spread
    /// The encrypted query (`SearchRequest`) and the master's answer (`SearchResponse`), bytes.
    public var queryBytes: Int
    public var searchResponseBytes: Int
    /// The fetch request and the k sealed images that come back, bytes.
    public var fetchRequestBytes: Int
    public var fetchResponseBytes: Int
    /// The first query after the uploads (the master packs every block into its shelves), milliseconds.
    public var firstQueryAfterUploadsMilliseconds: Double
    /// With synthetic records: one more block uploaded onto the full database, then the next query (the master's
    /// packed database changes by one shelf), milliseconds.
    public var firstQueryAfterOneBlockUploadMilliseconds: Double?
    /// The edge master's resident and peak resident memory after the rounds (VmRSS, VmHWM), bytes.
    public var masterResidentBytes: Int
    public var masterPeakResidentBytes: Int
    /// The master's SQLite database (with its WAL), bytes.
    public var masterDatabaseBytes: Int
    /// Every round (warm-up and the block upload's query included) returned the plaintext Hamming top-10.
    public var top10EqualsPlaintextEveryRound = true

    enum CodingKeys: String, CodingKey {
        case mode, storedImages = "stored_images", realImages = "real_images", synthetic, k, total
        case searchAndRank = "search_and_rank", fetchRebuildOpen = "fetch_rebuild_open", queryBytes = "query_bytes"
        case searchResponseBytes = "search_response_bytes", fetchRequestBytes = "fetch_request_bytes"
        case fetchResponseBytes = "fetch_response_bytes"
        case firstQueryAfterUploadsMilliseconds = "first_query_after_uploads_ms"
        case firstQueryAfterOneBlockUploadMilliseconds = "first_query_after_one_block_upload_ms"
        case masterResidentBytes = "master_resident_bytes", masterPeakResidentBytes = "master_peak_resident_bytes"
        case masterDatabaseBytes = "master_database_bytes", top10EqualsPlaintextEveryRound = "top10_equals_plaintext_every_round"
    }
}

/// One unlinkable query through any edge master (over HTTP in the benchmark, in process in the tests), timed in
/// its two halves, its top-10 checked against the plaintext Hamming ranking and its images against the uploads.
public struct TrustMedTimedQuery: Sendable {
    /// When the query started, when the slots were chosen (search + rank: query encryption, the master's
    /// evaluation, decryption), when the images were open (fetch + rebuild + open).
    public var start: BenchHarness.Instant
    public var ranked: BenchHarness.Instant
    public var opened: BenchHarness.Instant
    /// Wall-clock milliseconds of the two halves and of the whole query.
    public var searchAndRank: Double { Double(ranked.wall &- start.wall) / 1e6 }
    public var fetchRebuildOpen: Double { Double(opened.wall &- ranked.wall) / 1e6 }
    public var total: Double { Double(opened.wall &- start.wall) / 1e6 }
    public var queryBytes: Int
    public var searchResponseBytes: Int
    public var fetchRequestBytes: Int
    public var fetchResponseBytes: Int
    /// The top-k records.
    public var topK: [TrustMedClient.Ranked]

    /// Runs one query with `hashcode`: `search` and `fetch` reach the master; the top-k must equal
    /// `TrustMedPlaintext.topK` over `reference` and every image `expected(recordID)`.
    public static func run(_ harness: BenchHarness, client: TrustMedClient, hashcode: [UInt8], k: Int,
                           search: (SearchRequest) async throws -> SearchResponse,
                           fetch: (FetchRequest) async throws -> FetchResponse,
                           reference: ExactSearch.HammingDatabase<String>,
                           expected: (String) -> [UInt8]?) async throws -> TrustMedTimedQuery {
        let t0 = harness.read()
        let request = try client.searchRequest(hashcode: hashcode, unlinkable: true)
        let response = try await search(request)
        let selection = try client.select(response, k: k)
        let t1 = harness.read()
        guard let fetchRequest = selection.fetch else { throw BenchmarkError.wrongResult("the search found no record") }
        let fetched = try await fetch(fetchRequest)
        let ranked = try client.ranked(selection, fetched: fetched)
        let images = client.open(fetched)
        let t2 = harness.read()
        let plain = TrustMedPlaintext.topK(query: hashcode, database: reference, k: k)
        guard ranked == plain else {
            throw BenchmarkError.wrongResult("unlinkable top-\(k) differs from the plaintext Hamming top-\(k)")
        }
        guard images.count == ranked.count,
              images.allSatisfy({ image in (try? image.result.get()).map { $0 == expected(image.recordID) } ?? false }) else {
            throw BenchmarkError.wrongResult("a retrieved image differs from the uploaded one")
        }
        return TrustMedTimedQuery(start: t0, ranked: t1, opened: t2,
                                  queryBytes: request.serialized().count, searchResponseBytes: response.serialized().count,
                                  fetchRequestBytes: fetchRequest.serialized().count,
                                  fetchResponseBytes: fetched.serialized().count, topK: ranked)
    }
}

extension ProcessMemory {
    /// The resident set (VmRSS) of a process, in bytes, or nil when it is gone.
    static func residentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return kibibytes(field: "VmRSS:", status: status)
    }
}

extension TrustMedUnlinkableQueries {
    /// The bytes of `directory`'s files whose names start with `prefix` (a SQLite file and its WAL).
    static func bytes(in directory: URL, prefix: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.reduce(0) { total, name in
            let path = directory.appendingPathComponent(name).path
            return total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }
}
