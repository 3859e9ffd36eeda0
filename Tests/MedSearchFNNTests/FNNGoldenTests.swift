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

    /// Every value with its variant name, as samples of the current version (or of `legacyVersion`).
    static func samples(legacyVersion: UInt16? = nil) -> [GoldenSample] {
        let key: PaillierPublicKey? = pk
        func each<T: ContextualWireMessage>(_ cases: [(String, T)], context: T.WireContext) -> [GoldenSample]
            where T.WireContext: Sendable {
            cases.map { variant, value in
                let name = variant.isEmpty ? nil : variant
                if let legacyVersion { return .legacy(value, variant: name, version: legacyVersion, context: context) }
                return GoldenSample(value, variant: name, context: context)
            }
        }
        return each(c1Messages, context: key) + each(c2Messages, context: key) + each(queriesForC1, context: key)
            + each([("", FNNQueryForC2(queryID: queryID, seed: seed))], context: ())
            + each(results, context: ()) + each(handovers, context: ())
            + each(records.map { ($0.0, FNNRecordBatch($0.1)) }, context: key)
            + each([("", FNNRecordIDs([1, 5, .max]))], context: ())
            + each([("", FNNPoolSeeds(c1Pool))], context: ()) + each([("", c2Pool)], context: ())
            + each(c1Setups, context: ()) + each(c2Setups, context: ()) + each(credentials, context: ())
            + each(ownerKeys, context: ())
    }

    /// The current fixtures, and the version-1 fixtures written (under the shared `"FNNM"` tag and a kind byte)
    /// by the build before version 2.
    static var samples: [GoldenSample] { samples() + samples(legacyVersion: 1) }
}

/// Each sample encodes to its fixture, decodes from it, and damaged copies are refused; the manifest is complete.
@Suite struct FNNGoldenTests {
    @Test(arguments: FNNGolden.samples) func fixture(_ sample: GoldenSample) throws { try GoldenDirectory().checkFully(sample) }
    @Test func manifestListsEverySample() throws { try GoldenDirectory().checkManifest(FNNGolden.samples) }
}
