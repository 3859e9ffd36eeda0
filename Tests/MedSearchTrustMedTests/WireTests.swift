import MedSearchCore
@testable import MedSearchTrustMed
import Testing
import _MedSearchTestSupport

@Suite("TrustMedSearch wire messages")
struct WireTests {
    static func sampleUpload() -> UploadRequest {
        var rng = SeededRandomNumberGenerator(seed: 7)
        return UploadRequest(
            idempotencyKey: SecureRandom.bytes(16, using: &rng), keyFingerprint: SecureRandom.bytes(32, using: &rng),
            encryptedBlock: SecureRandom.bytes(300, using: &rng),
            items: [.init(recordID: "cxr14_00005425_000", slot: 0, contentTag: SecureRandom.bytes(32, using: &rng),
                          sealedImage: SecureRandom.bytes(100, using: &rng)),
                    .init(recordID: "b.2-x", slot: 5, contentTag: SecureRandom.bytes(32, using: &rng),
                          sealedImage: SecureRandom.bytes(3, using: &rng))])
    }

    @Test func roundTrips() throws {
        let upload = Self.sampleUpload()
        #expect(try UploadRequest(serialized: upload.serialized()) == upload)
        let response = UploadResponse(outcomes: [.init(recordID: "a", status: .stored),
                                                 .init(recordID: "b", status: .failed, reason: "node 2 down")])
        #expect(try UploadResponse(serialized: response.serialized()) == response)
        let search = SearchRequest(keyFingerprint: [UInt8](repeating: 9, count: 32), encryptedQuery: [1, 2, 3])
        #expect(try SearchRequest(serialized: search.serialized()) == search)
        let result = SearchResponse(blocks: [.init(encryptedDistances: [4, 5], entries: [.init(slot: 3, recordID: "r3")]),
                                             .init(encryptedDistances: [], entries: [])])
        #expect(try SearchResponse(serialized: result.serialized()) == result)
        let fetch = FetchRequest(recordIDs: ["a", "b"])
        #expect(try FetchRequest(serialized: fetch.serialized()) == fetch)
        // Unlinkable mode: the mode is a byte of its own (version 2), so the two modes' requests have one length.
        let unlinkableSearch = SearchRequest(keyFingerprint: [UInt8](repeating: 9, count: 32), encryptedQuery: [1], unlinkable: true)
        #expect(try SearchRequest(serialized: unlinkableSearch.serialized()) == unlinkableSearch)
        #expect(unlinkableSearch.serialized().count == SearchRequest(keyFingerprint: [UInt8](repeating: 9, count: 32),
                                                                      encryptedQuery: [1]).serialized().count)
        let handled = SearchResponse(blocks: [.init(encryptedDistances: [4], entries: [])], queryHandle: [UInt8](repeating: 3, count: 16))
        #expect(try SearchResponse(serialized: handled.serialized()) == handled)
        let bySlots = FetchRequest(queryHandle: [UInt8](repeating: 3, count: 16), slotRequest: [1, 2, 3], k: 10)
        #expect(try FetchRequest(serialized: bySlots.serialized()) == bySlots)
        // Every truncation is a typed error (version 1 read a cut right after the empty id list as a request for no
        // record; version 2 says whether the unlinkable fields follow).
        for cut in 0..<bySlots.serialized().count {
            #expect(throws: WireError.self) { try FetchRequest(serialized: Array(bySlots.serialized()[0..<cut])) }
        }
        #expect(throws: WireError.self) {
            try FetchRequest(serialized: FetchRequest(queryHandle: [UInt8](repeating: 3, count: 16), slotRequest: [], k: 0).serialized())
        }
        let fetched = FetchResponse(items: [.init(recordID: "a", result: .sealedImage([1, 2])),
                                            .init(recordID: "b", result: .failure("not enough shares"))])
        #expect(try FetchResponse(serialized: fetched.serialized()) == fetched)
        let keys = KeyRegistration(hashBits: 64, recordsPerBlock: 128, evaluationKeys: [7, 7, 7])
        #expect(try KeyRegistration(serialized: keys.serialized()) == keys)
        let reshare = ReshareRequest(nodeIndex: 2, newURL: "http://127.0.0.1:9")
        #expect(try ReshareRequest(serialized: reshare.serialized()) == reshare)
        let report = ReshareReport(nodeIndex: 2, rebuilt: 10, failed: ["x"], regenerated: 7, resplit: 2)
        #expect(try ReshareReport(serialized: report.serialized()) == report)
        // A version-1 report without the two counts (an older master) still decodes, with zero counts; version 2
        // refuses the same cut.
        var old = ByteWriter()
        old.writeHeader(magic: ReshareReport.magic, version: 1)
        report.encode(to: &old)
        let legacy = try ReshareReport(serialized: Array(old.bytes.dropLast(8)))
        #expect(legacy == ReshareReport(nodeIndex: 2, rebuilt: 10, failed: ["x"]))
        #expect(try ReshareReport(serialized: old.bytes) == report)
        #expect(throws: WireError.self) { try ReshareReport(serialized: Array(report.serialized().dropLast(8))) }
        let delete = DeleteRequest(recordIDs: ["a", "cxr14_1"])
        #expect(try DeleteRequest(serialized: delete.serialized()) == delete)
        let deleted = DeleteReport(outcomes: [.init(recordID: "a", status: .deleted), .init(recordID: "b", status: .notFound)],
                                   sharesDeleted: 5, sharesPending: 2)
        #expect(try DeleteReport(serialized: deleted.serialized()) == deleted)
        // Every truncation of a delete report is a typed error, and an unknown status is refused.
        let deletedBytes = deleted.serialized()
        for cut in 0..<deletedBytes.count {
            #expect(throws: WireError.self) { try DeleteReport(serialized: Array(deletedBytes[0..<cut])) }
        }
        var badStatus = deletedBytes
        badStatus[badStatus.count - 9] = 7   // the second outcome's status byte (before the two counts)
        #expect(throws: WireError.self) { try DeleteReport(serialized: badStatus) }
        #expect(throws: WireError.self) { try DeleteRequest(serialized: DeleteRequest(recordIDs: ["a/b"]).serialized()) }
    }

    @Test func everyTruncationIsATypedError() throws {
        let bytes = Self.sampleUpload().serialized()
        for cut in 0..<bytes.count {
            #expect(throws: WireError.self) { try UploadRequest(serialized: Array(bytes[0..<cut])) }
        }
        #expect(throws: WireError.self) { try UploadRequest(serialized: bytes + [0]) }
    }

    @Test func rejectsForeignTagsAndBadFields() throws {
        let search = SearchRequest(keyFingerprint: [UInt8](repeating: 1, count: 32), encryptedQuery: [1])
        #expect(throws: WireError.wrongMagic(expected: "TMUQ", found: "TMSQ")) { try UploadRequest(serialized: search.serialized()) }
        // A record id with a slash is refused by the decoder.
        let bad = FetchRequest(recordIDs: ["../etc/passwd"]).serialized()
        #expect(throws: WireError.self) { try FetchRequest(serialized: bad) }
        // A huge claimed count is refused before any allocation.
        var writer = ByteWriter()
        writer.writeHeader(magic: FetchRequest.magic, version: 1)
        writer.write(UInt32.max)
        #expect(throws: WireError.lengthTooLarge(offset: 6, length: Int(UInt32.max), limit: TrustMedLimits.maxRecordsPerFetch)) {
            try FetchRequest(serialized: writer.bytes)
        }
        // Short idempotency keys are refused.
        var upload = Self.sampleUpload()
        upload.idempotencyKey = [1, 2, 3]
        #expect(throws: WireError.self) { try UploadRequest(serialized: upload.serialized()) }
    }

    @Test func recordIDAlphabet() {
        #expect(RecordID.isValid("cxr14_00005425_000.png"))
        #expect(!RecordID.isValid(""))
        #expect(!RecordID.isValid("a b"))
        #expect(!RecordID.isValid(String(repeating: "a", count: 129)))
        #expect(!RecordID.isValid("é"))
    }
}
