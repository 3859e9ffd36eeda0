import Crypto
import MedSearchCore

/// The client side of TrustMedSearch (data owner or authorised clinician): holds the BFV secret key, the
/// image sealing key and the content-tag key; the edge master never receives any of them.
///
/// Upload: seal each image, encrypt the hashcodes block by block, send ``UploadRequest``s. Query: encrypt the
/// query hashcode (``searchRequest(hashcode:)``), decrypt the distances and pick the top-k
/// (``rank(_:k:)``), ask for those records (``FetchRequest``) and open the sealed images
/// (``open(_:)``).
public struct TrustMedClient: Sendable {
    /// An image to upload.
    public struct Image: Sendable {
        /// The record id.
        public var recordID: String
        /// The image file's bytes (sealed before they leave the client).
        public var bytes: [UInt8]
        /// The image's hashcode bits (each 0 or 1).
        public var hashcode: [UInt8]

        /// Creates an image.
        public init(recordID: String, bytes: [UInt8], hashcode: [UInt8]) {
            self.recordID = recordID
            self.bytes = bytes
            self.hashcode = hashcode
        }
    }

    /// A ranked search result (before the image is fetched).
    public struct Ranked: Sendable, Equatable {
        /// The record id.
        public var recordID: String
        /// The decrypted Hamming distance.
        public var distance: Int

        /// Creates a result.
        public init(recordID: String, distance: Int) {
            self.recordID = recordID
            self.distance = distance
        }
    }

    /// A fetched image: the opened bytes, or why the record could not be returned.
    public struct Retrieved: Sendable {
        /// The record id.
        public var recordID: String
        /// The image bytes (exactly as uploaded) or the error.
        public var result: Result<[UInt8], TrustMedError>
    }

    /// The homomorphic key holder.
    public let keyHolder: any TrustMedKeyHolder
    /// The image sealer.
    public let sealer: any TrustMedSealer
    /// The registration for the edge master (public and evaluation keys).
    public let registration: KeyRegistration
    private let tagKey: SymmetricKey

    /// Creates a client.
    /// - Parameters:
    ///   - keyHolder: the BFV key holder.
    ///   - sealer: the image sealer.
    ///   - tagKey: 32 secret bytes for content tags.
    public init(keyHolder: any TrustMedKeyHolder, sealer: any TrustMedSealer, tagKey: SecretBytes) throws(TrustMedError) {
        guard tagKey.count == 32 else { throw .invalidParameter("the content-tag key has 32 bytes") }
        self.keyHolder = keyHolder
        self.sealer = sealer
        self.tagKey = tagKey.withUnsafeBytes { SymmetricKey(data: $0) }
        registration = KeyRegistration(hashBits: keyHolder.hashBits, recordsPerBlock: keyHolder.recordsPerBlock,
                                       evaluationKeys: try keyHolder.evaluationKeys())
    }

    /// The fingerprint of the evaluation keys.
    public var keyFingerprint: [UInt8] { registration.fingerprint }

    /// The keyed content tag of an image (HMAC-SHA256 over the record id and the bytes).
    public func contentTag(of image: [UInt8], recordID: String) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: tagKey)
        var prefix = ByteWriter()
        prefix.writeString(recordID)
        hmac.update(data: prefix.bytes)
        hmac.update(data: image)
        return Array(hmac.finalize())
    }

    /// Seals the images and encrypts their hashcodes into upload requests of at most one block each, each
    /// with a fresh random idempotency key (resend a request unchanged to retry it).
    public func uploadRequests(for images: [Image]) throws(TrustMedError) -> [UploadRequest] {
        let perBlock = keyHolder.recordsPerBlock
        var requests = [UploadRequest]()
        var start = 0
        while start < images.count {
            let chunk = images[start..<min(start + perBlock, images.count)]
            start += perBlock
            var items = [UploadRequest.Item]()
            var codes = [[UInt8]]()
            for (slot, image) in chunk.enumerated() {
                try RecordID.validate(image.recordID)
                try checkHashcode(image.hashcode)
                items.append(.init(recordID: image.recordID, slot: slot,
                                   contentTag: contentTag(of: image.bytes, recordID: image.recordID),
                                   sealedImage: try sealer.seal(image.bytes, recordID: image.recordID)))
                codes.append(image.hashcode)
            }
            requests.append(UploadRequest(idempotencyKey: SecureRandom.bytes(16), keyFingerprint: keyFingerprint,
                                          encryptedBlock: try keyHolder.encryptBlock(codes), items: items))
        }
        return requests
    }

    /// Encrypts a query hashcode. With `unlinkable`, the master answers without record ids
    /// (``select(_:k:)``, then fetch with the returned request).
    public func searchRequest(hashcode: [UInt8], unlinkable: Bool = false) throws(TrustMedError) -> SearchRequest {
        try checkHashcode(hashcode)
        return SearchRequest(keyFingerprint: keyFingerprint, encryptedQuery: try keyHolder.encryptQuery(hashcode),
                             unlinkable: unlinkable)
    }

    /// The client's choice from an unlinkable search: what to fetch and the distances of the results in order.
    public struct Selection: Sendable {
        /// The fetch request (query handle, slots and ranks; nil when nothing is stored).
        public var fetch: FetchRequest?
        /// The distances of the up to `k` results the master will return, in its order (nearest first).
        public var distances: [Int]
    }

    /// Decrypts an unlinkable search response and chooses the `k` nearest slots (plus ties at the k-th distance,
    /// which the master breaks by id without learning distances).
    /// - Throws: ``TrustMedError/homomorphic(_:)`` for a response that does not decrypt to distances.
    public func select(_ response: SearchResponse, k: Int) throws(TrustMedError) -> Selection {
        guard k >= 1, k <= TrustMedLimits.maxRecordsPerFetch else { throw .invalidParameter("k must be in 1...\(TrustMedLimits.maxRecordsPerFetch)") }
        guard !response.blocks.isEmpty else { return Selection(fetch: nil, distances: []) }
        guard response.queryHandle.count == 16, response.blocks.count == 1 else {
            throw .homomorphic("not an unlinkable search response")
        }
        let (request, distances) = try keyHolder.nearestSlots(response.blocks[0].encryptedDistances, k: k)
        guard distances.allSatisfy({ (0...keyHolder.hashBits).contains($0) }) else {
            throw .homomorphic("decrypted distance out of range (wrong key or tampered response)")
        }
        return Selection(fetch: FetchRequest(queryHandle: response.queryHandle, slotRequest: request, k: k),
                         distances: Array(distances.prefix(k)))
    }

    /// The ranked results of an unlinkable search: the fetched records (in the master's order) with the distances
    /// chosen in ``select(_:k:)``.
    public func ranked(_ selection: Selection, fetched: FetchResponse) throws(TrustMedError) -> [Ranked] {
        guard fetched.items.count == selection.distances.count else {
            throw .homomorphic("the master returned \(fetched.items.count) records for \(selection.distances.count) slots")
        }
        return zip(fetched.items, selection.distances).map { Ranked(recordID: $0.recordID, distance: $1) }
    }

    /// Decrypts the distances and returns the `k` closest records (ties broken by record id).
    /// - Throws: ``TrustMedError/homomorphic(_:)`` if a distance is out of range (wrong key or a tampered
    ///   response), so garbage is never ranked.
    public func rank(_ response: SearchResponse, k: Int) throws(TrustMedError) -> [Ranked] {
        guard k >= 1 else { throw .invalidParameter("k must be at least 1") }
        var all = [Ranked]()
        for block in response.blocks where !block.entries.isEmpty {
            let count = (block.entries.map(\.slot).max() ?? 0) + 1
            guard count <= keyHolder.recordsPerBlock else { throw .homomorphic("slot out of range in the response") }
            let distances = try keyHolder.decryptDistances(block.encryptedDistances, count: count)
            guard distances.count >= count else { throw .homomorphic("too few distances decrypted") }
            for entry in block.entries {
                let distance = distances[entry.slot]
                guard (0...keyHolder.hashBits).contains(distance) else {
                    throw .homomorphic("decrypted distance out of range (wrong key or tampered response)")
                }
                all.append(Ranked(recordID: entry.recordID, distance: distance))
            }
        }
        return Self.topK(all, k: k)
    }

    /// The `k` smallest by (distance, record id).
    public static func topK(_ candidates: [Ranked], k: Int) -> [Ranked] {
        Array(candidates.sorted { ($0.distance, $0.recordID) < ($1.distance, $1.recordID) }.prefix(k))
    }

    /// Opens fetched images: each is the exact uploaded bytes, or an error (failed rebuild, or a sealed image
    /// that does not open under this record id: never a wrong image).
    public func open(_ response: FetchResponse) -> [Retrieved] {
        response.items.map { item in
            switch item.result {
            case let .failure(reason):
                return Retrieved(recordID: item.recordID, result: .failure(.storage(reason)))
            case let .sealedImage(sealed):
                do throws(TrustMedError) {
                    return Retrieved(recordID: item.recordID, result: .success(try sealer.open(sealed, recordID: item.recordID)))
                } catch {
                    return Retrieved(recordID: item.recordID, result: .failure(error))
                }
            }
        }
    }

    private func checkHashcode(_ bits: [UInt8]) throws(TrustMedError) {
        guard bits.count == keyHolder.hashBits, bits.allSatisfy({ $0 <= 1 }) else {
            throw .invalidParameter("a hashcode has \(keyHolder.hashBits) bits, each 0 or 1")
        }
    }
}
