import MedSearchBFV
import MedSearchCore
@testable import MedSearchHESearch
import Testing
import _MedSearchTestSupport

/// Fixed values of every encrypted Hamming search format (insecure N = 256 set, 16-bit codes, keys and
/// ciphertexts from fixed seeds), pinned by golden bytes.
enum HESearchGolden {
    static let configuration = try! HammingSearchConfiguration(parameters: .insecureN256SmallT, codeLength: 16)
    static let client: HammingSearchClient = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_601D)
        return try! HammingSearchClient(configuration: configuration, using: &rng)
    }()
    static let code = try! HammingCode(bits: (0..<16).map { $0 % 3 == 0 })
    static let query: [UInt8] = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_601E)
        return try! client.encryptQuery(code, using: &rng)
    }()
    /// The same code as a query in NTT form (one ciphertext per bit, nothing for the server to transform).
    static let nttQuery: [UInt8] = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_6023)
        return try! client.encryptQuery(code, form: .ntt, using: &rng)
    }()
    static let database: EncryptedHammingDatabase = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_601F)
        let records = (0..<5).map { HammingRecord(id: UInt64(100 + $0 * 7), code: try! HammingCode(bits: (0..<16).map { ($0 + $0 / 3) % 2 == 0 })) }
        return try! client.encryptDatabase(records, using: &rng)
    }()
    /// A configuration whose queries are one ciphertext the server expands (special prime, Galois keys).
    static let expanding = try! HammingSearchConfiguration(parameters: .insecureN256Expand, codeLength: 16)
    static let expandingClient: HammingSearchClient = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_6020)
        return try! HammingSearchClient(configuration: expanding, using: &rng)
    }()
    static let expandedQuery: [UInt8] = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_6021)
        return try! expandingClient.encryptQuery(code, using: &rng)
    }()
    static let expansionKey: HammingEvaluationKey = {
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_6022)
        let context = try! expanding.context()
        let keys = try! context.generateGaloisKeys(secretKey: expandingClient.secretKey,
                                                   elements: context.expansionGaloisElements(count: 16), using: &rng)
        return HammingEvaluationKey(expandingClient.publicKey, galoisKeys: keys)
    }()
    static let slotRequest = HammingSlotRequest(entries: [(HammingSlot(block: 0, position: 3), 1), (HammingSlot(block: 2, position: 0), 2)])
    /// A response of one shelf with three live positions (identifiers present).
    static let response: [UInt8] = {
        let n = configuration.parameters.polyDegree
        var writer = HammingResponse.header(configuration: configuration, shelfCount: 1)
        let k = UInt64(1) << UInt64(configuration.responseBits), k0 = UInt64(1) << UInt64(configuration.resultBits)
        HammingResponse.writeShelf(span: 8, positions: [0, 3, 5], ids: [10, 11, 42],
                                   results: [1, k0 - 1, 77 % k0], c1: (0..<UInt64(n)).map { ($0 * 2654435761) % k },
                                   c2: (0..<UInt64(n)).map { ($0 * 40503 + 17) % k }, configuration: configuration, into: &writer)
        return writer.bytes
    }()

    static var samples: [GoldenSample] {
        let configuration = configuration
        let context = try! HammingWireContext(configuration)
        let expandingContext = try! HammingWireContext(expanding)
        let queryValue = try! HammingQuery(serialized: query, context: context)
        return [
            GoldenSample(HammingSecretKey(client.secretKey), context: context),
            GoldenSample(HammingEvaluationKey(client.publicKey), context: context),
            .legacy(HammingEvaluationKey(client.publicKey), version: 1, context: context),
            GoldenSample(expansionKey, variant: "expansion", context: expandingContext),
            GoldenSample(queryValue, context: context),
            .legacy(queryValue, version: 3, context: context),
            GoldenSample(try! HammingQuery(serialized: expandedQuery, context: expandingContext), variant: "expanded",
                         context: expandingContext),
            GoldenSample(try! HammingNTTQuery(serialized: nttQuery, context: context), context: context),
            GoldenSample(database, context: context),
            GoldenSample(slotRequest),
            GoldenSample(typeName: "HammingResponse", magic: "HSRS", version: 3, encode: { response },
                         decode: { _ = try HammingResponse(serialized: $0, configuration: configuration); return true }),
        ]
    }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct HESearchGoldenTests {
    @Test(arguments: HESearchGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(HESearchGolden.samples) }
}
