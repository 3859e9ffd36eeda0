import MedSearchClient
import MedSearchCore
import MedSearchIndex
import MedSearchTrustMed

/// The synthetic records that top the TrustMedSearch benchmark's database up beyond the real images (for example to
/// 100,000 images: the embedded data holds a few thousand).
///
/// Record `i` is `synthetic-` followed by `i` in eight digits; its hashcode is `bits` uniformly random bits and its
/// image `imageBytes` random bytes, both drawn from a generator seeded by `(seed, i)`, so any record can be
/// regenerated from its id (the benchmark checks every fetched synthetic image against it without keeping 100,000
/// images in memory). They go through the real upload path: the client seals them and encrypts their hashcodes into
/// upload blocks, the edge master splits each into n shares on the storage nodes, exactly as for a real image.
/// Random hashcodes sit far (about `bits`/2) from real images' codes, so a real query's top-10 is mostly real images,
/// but every synthetic record is searchable, ranked, and fetchable like any other.
@MemberwiseInit(.public)
public struct TrustMedSyntheticRecords: Sendable {
    /// The id prefix (no real image id starts with it).
    public static let idPrefix = "synthetic-"
    /// Hashcode bits.
    public var bits: Int
    /// Bytes of each synthetic image.
    public var imageBytes: Int = 1024
    /// The generator's seed.
    public var seed: UInt64 = 0x5EED_1000

    /// Record `index`'s id.
    public func id(_ index: Int) -> String {
        let digits = String(index)
        return Self.idPrefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The index of a synthetic record's id, or nil for any other id.
    public func index(of id: String) -> Int? {
        guard id.hasPrefix(Self.idPrefix), let index = Int(id.dropFirst(Self.idPrefix.count)), self.id(index) == id else {
            return nil
        }
        return index
    }

    private func generator(_ index: Int) -> SeededRandomNumberGenerator {
        SeededRandomNumberGenerator(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// Record `index`: its hashcode first, then its image, from the same seeded generator.
    public func record(_ index: Int) -> TrustMedClient.Image {
        var rng = generator(index)
        let hashcode = (0..<bits).map { _ in UInt8(truncatingIfNeeded: rng.next() & 1) }
        var image = [UInt8]()
        image.reserveCapacity(imageBytes + 8)
        while image.count < imageBytes {
            withUnsafeBytes(of: rng.next().littleEndian) { image.append(contentsOf: $0) }
        }
        return TrustMedClient.Image(recordID: id(index), bytes: Array(image.prefix(imageBytes)), hashcode: hashcode)
    }

    /// Record `index`'s hashcode.
    public func hashcode(_ index: Int) -> [UInt8] { record(index).hashcode }

    /// The image bytes of a synthetic record id (nil for any other id).
    public func image(id: String) -> [UInt8]? { index(of: id).map { record($0).bytes } }

    /// What ``upload(_:client:concurrency:upload:progress:)`` did.
    public struct UploadSummary: Sendable {
        /// Upload requests sent (one block each).
        public var requests: Int
        /// Images stored.
        public var stored: Int
    }

    /// Uploads records `range` through `upload` in requests of one block each (sealed and encrypted by `client`,
    /// exactly as `trustmed upload` does), with up to `concurrency` requests in flight. Only the blocks in flight
    /// are generated at a time. Fails on the first image that is not stored.
    public func upload(_ range: Range<Int>, client: TrustMedClient, concurrency: Int = 2,
                       upload: @escaping @Sendable (UploadRequest) async throws -> UploadResponse,
                       progress: (@Sendable (Int) -> Void)? = nil) async throws -> UploadSummary {
        let perBlock = client.keyHolder.recordsPerBlock
        let blocks = (range.count + perBlock - 1) / perBlock
        var summary = UploadSummary(requests: 0, stored: 0)
        try await withThrowingTaskGroup(of: UploadResponse.self) { group in
            var next = 0
            func launch() throws {
                let start = range.lowerBound + next * perBlock
                next += 1
                let requests = try client.uploadRequests(for: (start..<min(start + perBlock, range.upperBound)).map(record))
                group.addTask {
                    var outcomes = [UploadResponse.Outcome]()
                    for request in requests { outcomes += try await upload(request).outcomes }
                    return UploadResponse(outcomes: outcomes)
                }
            }
            while next < min(max(concurrency, 1), blocks) { try launch() }
            while let response = try await group.next() {
                guard response.allStored else {
                    let reason = response.outcomes.first { $0.status == .failed }?.reason ?? "unknown"
                    throw BenchmarkError.wrongResult("synthetic upload: an image was not stored: \(reason)")
                }
                summary.requests += 1
                summary.stored += response.outcomes.count
                progress?(response.outcomes.count)
                if next < blocks { try launch() }
            }
        }
        return summary
    }

    /// The ids and hashcodes of records `0..<count` (for the plaintext reference).
    public func codes(count: Int) -> [(id: String, hashcode: [UInt8])] {
        (0..<count).map { (id($0), hashcode($0)) }
    }
}
