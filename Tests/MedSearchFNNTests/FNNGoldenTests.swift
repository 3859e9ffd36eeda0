import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport
@testable import MedSearchFNN

/// Fixed values of every FNN format (both back ends, every message case), pinned by golden bytes.
enum FNNGolden {
    static let secretKey: PaillierPrivateKey = {
        var rng = SeededRandomNumberGenerator(seed: 0xF22_601D)
        return PaillierPrivateKey.generateInsecure(bits: 512, using: &rng)
    }()
    static var pk: PaillierPublicKey { secretKey.publicKey }
    static let ciphertexts: [PaillierCiphertext] = {
        var rng = SeededRandomNumberGenerator(seed: 0xF22_601E)
        return (0..<6).map { secretKey.publicKey.encrypt(BigInt($0 * 1000 + 7), using: &rng) }
    }()
    static let base: BigInt = {
        var rng = SeededRandomNumberGenerator(seed: 0xF22_601F)
        return BigInt.randomUnit(modulo: secretKey.publicKey.nSquared, using: &rng)
    }()
    static let queryID = try! FNNQueryID(bytes: (0..<16).map { UInt8(0xC0 + $0) })
    static let words: [UInt128] = [0, 1, UInt128.max, UInt128(0x0123_4567_89AB_CDEF) << 64 | 0xFEDC_BA98_7654_3210]
    static let seed = (0..<32).map { UInt8($0 * 5 & 0xFF) }
    static let labelKey = (0..<32).map { UInt8(0x80 | $0) }
    static let shared = try! FNNParameters(backend: .shared, dimension: 4, maxAbsCoordinate: 255, rankBits: 10)
    static let paillier = try! FNNParameters(backend: .paillier, dimension: 4, maxAbsCoordinate: 255, rankBits: 10)
    static var c: [PaillierCiphertext] { ciphertexts }

    static var c1Messages: [(String, FNNC1Message)] {
        [
            ("sharedStart", .sharedStart(queryID: queryID, entry: 7, ids: [3, 1, 4], k: 2, batchSize: 8, order: .lowerBound,
                                         delta: words)),
            ("paillierStart", .paillierStart(queryID: queryID, count: 3, k: 2, batchSize: 8, order: .sequential,
                                             packed: Array(c[0..<2]))),
            ("lowerBounds-shares", .lowerBounds(queryID: queryID, values: .shares(words))),
            ("lowerBounds-packed", .lowerBounds(queryID: queryID, values: .packed([c[2]]))),
            ("ssedRequest", .ssedRequest(queryID: queryID, slots: [0, 2], packed: [c[3], c[4]])),
            ("distances", .distances(queryID: queryID, slots: [1], values: .shares([5, 6]))),
            ("finish-none", .finish(queryID: queryID, masked: [c[5]], vectors: .none)),
            ("finish-shared", .finish(queryID: queryID, masked: [], vectors: .shared([[1, 2, 3, 4], [5, 6, 7, 8]]))),
            ("finish-paillier", .finish(queryID: queryID, masked: [c[0]], vectors: .paillier([[c[1], c[2]]]))),
        ]
    }

    static var c2Messages: [(String, FNNC2Message)] {
        [
            ("sharedStartReply", .sharedStartReply(queryID: queryID, delta: words, boundShares: [9, 10])),
            ("paillierSquares", .paillierSquares(queryID: queryID, sums: [c[0], c[1]])),
            ("compute", .compute(queryID: queryID, slots: [0, 1], distanceShares: [11, 12])),
            ("ssedReply", .ssedReply(queryID: queryID, sums: [c[2]])),
            ("done", .done(queryID: queryID, winners: [2, 0])),
            ("finished", .finished(queryID: queryID)),
        ]
    }

    static var queriesForC1: [(String, FNNQueryForC1)] {
        [
            ("shared", FNNQueryForC1(queryID: queryID, k: 3, payload: .shared(share: words, norms: [1, 2]))),
            ("paillier-vectors", FNNQueryForC1(queryID: queryID, k: 1,
                                               payload: .paillier(coordinates: [c[0], c[1]], packed: [c[2]], sum: c[3], root: c[4]),
                                               wantsVectors: true)),
        ]
    }

    static var results: [(String, FNNC1Result)] {
        [
            ("plain", FNNC1Result(queryID: queryID, entries: [FNNResultEntry(id: 3, sealedLabel: [1, 2, 3], mask: 77)],
                                  recordCount: 10, rejected: 4)),
            ("vectors", FNNC1Result(queryID: queryID, entries: [
                FNNResultEntry(id: 3, sealedLabel: [1, 2, 3], mask: 77, vectorMaskSeed: seed),
                FNNResultEntry(id: 9, sealedLabel: [4], mask: UInt128.max, vectorMaskSeed: seed.reversed()),
            ], recordCount: 10, rejected: 4)),
        ]
    }

    static var handovers: [(String, FNNC2Handover)] {
        [
            ("plain", FNNC2Handover(queryID: queryID, masked: [1, 2])),
            ("shared", FNNC2Handover(queryID: queryID, masked: [1, 2], vectors: .shared([[1, 2], [3, 4]]))),
            ("paillier", FNNC2Handover(queryID: queryID, masked: [5], vectors: .paillier([[BigInt(12345), base]]))),
        ]
    }

    static var records: [(String, [FNNC1Record])] {
        [
            ("shared", [FNNC1Record(id: 1, sealedLabel: [9, 8, 7], payload: .shared(masked: words, norms: [3, 4])),
                        FNNC1Record(id: 2, sealedLabel: [], payload: .shared(masked: [1], norms: [2]))]),
            ("paillier", [FNNC1Record(id: 5, sealedLabel: [1],
                                      payload: .paillier(coordinates: [c[0], c[1]], packed: [c[2]], sum: c[3], root: c[4]))]),
        ]
    }

    static let c1Pool = [FNNPoolSeed(index: 0, seed: seed), FNNPoolSeed(index: 1, seed: seed.reversed())]
    static let c2Pool = FNNSharedPoolC2(entries: c1Pool, rows: [FNNPoolRow(entry: 0, id: 5, values: [1, 2, 3, 4])])

    static var c1Setups: [(String, FNNC1Setup)] {
        [("shared", FNNC1Setup(parameters: shared, publicKey: nil, randomizerBase: nil)),
         ("paillier", FNNC1Setup(parameters: paillier, publicKey: pk, randomizerBase: base))]
    }

    static var c2Setups: [(String, FNNC2Setup)] {
        [("shared", FNNC2Setup(parameters: shared, secretKey: nil, randomizerBase: nil, rowMaskKey: seed)),
         ("paillier", FNNC2Setup(parameters: paillier, secretKey: secretKey, randomizerBase: base, rowMaskKey: nil))]
    }

    static var credentials: [(String, FNNUserCredentials)] {
        [("shared", FNNUserCredentials(parameters: shared, labelKey: labelKey, publicKey: nil, randomizerBase: nil)),
         ("paillier", FNNUserCredentials(parameters: paillier, labelKey: labelKey, publicKey: pk, randomizerBase: base))]
    }

    static var ownerKeys: [(String, FNNOwnerKeys)] {
        [("shared", FNNOwnerKeys(parameters: shared, labelKey: labelKey, sharedMaster: seed, paillierSecretKey: nil,
                                 randomizerBase: nil)),
         ("paillier", FNNOwnerKeys(parameters: paillier, labelKey: labelKey, sharedMaster: nil,
                                   paillierSecretKey: secretKey, randomizerBase: base))]
    }

    /// The version-1 fixtures, written under the shared `"FNNM"` tag and a kind byte.
    static var legacySamples: [GoldenSample] {
        let key: PaillierPublicKey? = pk
        func v1<T: Sendable>(_ cases: [(String, T)], _ type: String, _ encode: @escaping @Sendable (T) -> [UInt8],
                             _ decode: @escaping @Sendable ([UInt8]) throws -> T) -> [GoldenSample] {
            cases.map { .functions($0.1, type: type, variant: $0.0.isEmpty ? nil : $0.0, magic: "FNNM", version: 1,
                                   isCurrent: false, encode: encode, decode: decode) }
        }
        return v1(c1Messages, "FNNC1Message", { FNNWire.encode($0, publicKey: key) }, { try FNNWire.decodeC1Message($0, publicKey: key) })
            + v1(c2Messages, "FNNC2Message", { FNNWire.encode($0, publicKey: key) }, { try FNNWire.decodeC2Message($0, publicKey: key) })
            + v1(queriesForC1, "FNNQueryForC1", { FNNWire.encode($0, publicKey: key) }, { try FNNWire.decodeQueryForC1($0, publicKey: key) })
            + v1([("", FNNQueryForC2(queryID: queryID, seed: seed))], "FNNQueryForC2", { FNNWire.encode($0) }, { try FNNWire.decodeQueryForC2($0) })
            + v1(results, "FNNC1Result", { FNNWire.encode($0) }, { try FNNWire.decodeResult($0) })
            + v1(handovers, "FNNC2Handover", { FNNWire.encode($0) }, { try FNNWire.decodeHandover($0) })
            + v1(records, "FNNRecordBatch", { FNNWire.encode($0, publicKey: key) }, { try FNNWire.decodeRecords($0, publicKey: key) })
            + v1([("", [UInt64(1), 5, .max])], "FNNRecordIDs", { FNNWire.encode(recordIDs: $0) }, { try FNNWire.decodeRecordIDs($0) })
            + v1([("", c1Pool)], "FNNPoolSeeds", { FNNWire.encode(c1Pool: $0) }, { try FNNWire.decodeC1Pool($0) })
            + v1([("", c2Pool)], "FNNSharedPoolC2", { FNNWire.encode(c2Pool: $0) }, { try FNNWire.decodeC2Pool($0) })
            + v1(c1Setups, "FNNC1Setup", { FNNWire.encode($0) }, { try FNNWire.decodeC1Setup($0) })
            + v1(c2Setups, "FNNC2Setup", { FNNWire.encode($0) }, { try FNNWire.decodeC2Setup($0) })
            + v1(credentials, "FNNUserCredentials", { FNNWire.encode($0) }, { try FNNWire.decodeUserCredentials($0) })
            + v1(ownerKeys, "FNNOwnerKeys", { FNNWire.encode($0) }, { try FNNWire.decodeOwnerKeys($0) })
    }

    static var samples: [GoldenSample] { legacySamples }
}

@Suite struct FNNGoldenTests {
    static let directory = GoldenDirectory()

    @Test(arguments: FNNGolden.samples) func fixture(_ sample: GoldenSample) throws {
        try Self.directory.check(sample)
    }

    @Test func manifestListsEverySample() throws {
        try Self.directory.checkManifest(FNNGolden.samples)
    }
}
