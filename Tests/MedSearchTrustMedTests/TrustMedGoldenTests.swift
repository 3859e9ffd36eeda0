import MedSearchCore
@testable import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

/// Fixed values of every TrustMedSearch format (messages, the client key file, the evaluation keys sent to the
/// master), pinned by golden bytes.
enum TrustMedGolden {
    static func bytes(_ count: Int, _ start: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: Int(start) + $0 * 3) } }
    static let fingerprint = bytes(32, 0x10)
    static let handle = bytes(16, 0x77)

    static let upload = UploadRequest(
        idempotencyKey: bytes(16, 1), keyFingerprint: fingerprint, encryptedBlock: bytes(40, 0x30),
        items: [.init(recordID: "rec-1", slot: 0, contentTag: bytes(32, 0x50), sealedImage: bytes(20, 0x90)),
                .init(recordID: "rec.2_b", slot: 7, contentTag: bytes(32, 0x51), sealedImage: bytes(3, 0xA0))])
    static let uploadResponse = UploadResponse(outcomes: [.init(recordID: "rec-1", status: .stored),
                                                         .init(recordID: "rec-2", status: .alreadyStored),
                                                         .init(recordID: "rec-3", status: .failed, reason: "node 2 down")])
    static let search = SearchRequest(keyFingerprint: fingerprint, encryptedQuery: bytes(24, 0x40))
    static let unlinkableSearch = SearchRequest(keyFingerprint: fingerprint, encryptedQuery: bytes(24, 0x40), unlinkable: true)
    static let searchResponse = SearchResponse(blocks: [
        .init(encryptedDistances: bytes(12, 0x60), entries: [.init(slot: 0, recordID: "rec-1"), .init(slot: 3, recordID: "rec-4")]),
        .init(encryptedDistances: [], entries: []),
    ])
    static let handledResponse = SearchResponse(blocks: [.init(encryptedDistances: bytes(12, 0x60), entries: [])],
                                                queryHandle: handle)
    static let partialResponse = SearchResponse(blocks: [.init(encryptedDistances: bytes(12, 0x60), entries: [])],
                                                queryHandle: handle, unsearched: ["rec-2", "rec-7"])
    static let shardSearch = ShardSearchRequest(keyFingerprint: fingerprint, encryptedQuery: bytes(24, 0x40),
                                                shardIndex: 1, shardCount: 3, minimumVersion: 42)
    static let shardResponse = ShardSearchResponse(version: 43, recordCount: 130, partial: bytes(18, 0x66))
    static let fetch = FetchRequest(recordIDs: ["rec-1", "rec-4"])
    static let fetchBySlots = FetchRequest(queryHandle: handle, slotRequest: bytes(9, 0x20), k: 2)
    static let fetchResponse = FetchResponse(items: [.init(recordID: "rec-1", result: .sealedImage(bytes(30, 0x05))),
                                                    .init(recordID: "rec-4", result: .failure("2 of 3 shares"))])
    static let delete = DeleteRequest(recordIDs: ["rec-1"])
    static let deleteReport = DeleteReport(outcomes: [.init(recordID: "rec-1", status: .deleted),
                                                      .init(recordID: "rec-9", status: .notFound)],
                                           sharesDeleted: 5, sharesPending: 1)
    static let registration = KeyRegistration(hashBits: 16, recordsPerBlock: 256, evaluationKeys: bytes(50, 0x33))
    static let reshare = ReshareRequest(nodeIndex: 2, newURL: "http://127.0.0.1:9103")
    static let reshareReport = ReshareReport(nodeIndex: 2, rebuilt: 5, failed: ["rec-9"], regenerated: 4, resplit: 1)
    static let clientKeys = TrustMedClientKeys(parameterSet: "insecureN256SmallT", hashBits: 16,
                                               secretKey: SecretBytes(bytes(64, 0x01)), evaluationKeys: bytes(48, 0x02),
                                               sealingKey: SecretBytes(bytes(32, 0x03)), tagKey: SecretBytes(bytes(32, 0x04)))
    /// The evaluation keys a key holder registers: parameter set, code length, HESearch's evaluation key.
    static let evaluationKeys = TrustMedEvaluationKeys(parameterSet: "n4096hamming", hashBits: 64, evaluationKey: bytes(40, 0x70))

    static func message<T: TrustMedMessage & Equatable>(_ value: T, _ variant: String? = nil) -> GoldenSample {
        GoldenSample(value, variant: variant)
    }

    static var samples: [GoldenSample] {
        [
            message(upload), message(uploadResponse),
            message(search), message(unlinkableSearch, "unlinkable"),
            message(searchResponse), message(handledResponse, "unlinkable"), message(partialResponse, "unsearched"),
            message(shardSearch), message(shardResponse),
            message(fetch), message(fetchBySlots, "unlinkable"),
            message(fetchResponse), message(delete), message(deleteReport),
            message(registration), message(reshare), message(reshareReport),
            GoldenSample(clientKeys), GoldenSample(evaluationKeys),
            // Version 1 of the formats whose optional trailing fields became explicit in version 2.
            .legacy(search, version: 1), .legacy(unlinkableSearch, variant: "unlinkable", version: 1),
            .legacy(searchResponse, version: 1), .legacy(handledResponse, variant: "unlinkable", version: 1),
            .legacy(partialResponse, variant: "unsearched", version: 1),
            .legacy(fetch, version: 1), .legacy(fetchBySlots, variant: "unlinkable", version: 1),
            .legacy(reshareReport, version: 1),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct TrustMedGoldenTests {
    @Test(arguments: TrustMedGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(TrustMedGolden.samples) }
}
