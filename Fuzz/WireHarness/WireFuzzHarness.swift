import MedSearchBFV
import MedSearchCore
import MedSearchDICOMweb
import MedSearchFeatures
import MedSearchFNN
import MedSearchHESearch
import MedSearchIndex
import MedSearchPaillier
import MedSearchSealing
import MedSearchSecureKNN
import MedSearchSEI
import MedSearchSharing
import MedSearchTrustMed

/// What the `Wire` fuzz target does with one input: its first byte picks one of MedSearch's binary decoders
/// (``decoders``, every `WireMessage` and `ContextualWireMessage` of docs/formats.md plus the `HSRS` response
/// decoder), the rest is decoded by it (the libFuzzer executable Fuzz/Targets/Wire and the regression tests that
/// replay the seed corpus Fuzz/Corpus/wire and every reproducer, MedSearchWireFuzzTests).
///
/// Every input must give a value or a typed error (`WireError`, or `HESearchError` for `HSRS`). A decoder that
/// traps, hangs or allocates beyond what its input can justify fails the fuzzer; a value that decodes but whose
/// own bytes do not decode back to the same bytes throws ``Violation`` (the executable turns it into a crash).
public enum WireFuzzHarness {
    /// A successful decode that contradicts itself.
    public struct Violation: Error, CustomStringConvertible {
        public var description: String
    }

    /// One decoder: the name of the type it reads and what it does with the bytes after the selector.
    public struct Decoder: Sendable {
        public let name: String
        public let decode: @Sendable ([UInt8]) throws -> Void
    }

    /// Runs the decoder the first byte selects (modulo the number of decoders) on the remaining bytes.
    public static func run(_ input: [UInt8]) throws {
        guard let selector = input.first else { return }
        let decoder = decoders[Int(selector) % decoders.count]
        try decoder.decode(Array(input.dropFirst()))
    }

    /// The selector byte of the first decoder of type `name` (how the seed corpus is made), or nil.
    public static func selector(of name: String) -> UInt8? {
        decoders.firstIndex { $0.name == name }.map { UInt8($0) }
    }

    /// The contexts the golden fixtures were written with (fixed seeds, insecure test sizes; never a production key):
    /// the Paillier test key of MedSearchPaillierTests and the one of MedSearchFNNTests (both 512 bits), BFV's
    /// N = 256 set, HESearch's 16-bit configuration over `insecureN256SmallT` with the golden client's keys, and
    /// the expanding one over `insecureN256Expand`.
    static let paillierKey = insecurePaillierKey(seed: 0x601D_E2)
    static let fnnKey = insecurePaillierKey(seed: 0xF22_601D)
    static let bfv = try? BFVContext.cached(.insecureN256)
    static let hamming = try? HammingSearchConfiguration(parameters: .insecureN256SmallT, codeLength: 16)
    static let hammingContext = hamming.flatMap { try? HammingWireContext($0) }
    /// The expanding configuration (one query ciphertext the server expands) of HESearch's golden tests.
    static let hammingExpandingContext = (try? HammingSearchConfiguration(parameters: .insecureN256Expand, codeLength: 16))
        .flatMap { try? HammingWireContext($0) }
    static let hammingClient: HammingSearchClient? = hamming.flatMap { configuration in
        var rng = SeededRandomNumberGenerator(seed: 0x4E5_601D)
        return try? HammingSearchClient(configuration: configuration, using: &rng)
    }

    static func insecurePaillierKey(seed: UInt64) -> PaillierPublicKey {
        var rng = SeededRandomNumberGenerator(seed: seed)
        return PaillierPrivateKey.generateInsecure(bits: 512, using: &rng).publicKey
    }

    /// Every decoder, in a fixed order: the committed corpus starts each input with an index into this list, so
    /// new decoders are appended, never inserted.
    public static let decoders: [Decoder] = {
        var list: [Decoder] = [
            // Features and index.
            wire(FeatureModel.self), wire(PCA.self), wire(CNNModel.self), wire(IndexTree.self),
            // Paillier, sealing, sharing, SecureKNN.
            wire(PaillierPublicKey.self), wire(PaillierPrivateKey.self), wire(PaillierCiphertext.self, paillierKey),
            wire(ImageSealingKey.self), wire(QMedShieldKey.self), wire(SealedImageEnvelope.self),
            wire(QMedShieldCipherImage.self), wire(Share.self), wire(ShareManifest.self),
            wire(SecureKNNOwnerKey.self), wire(SecureKNNUserSecret.self), wire(SecureKNNRegistrationRequest.self),
            wire(SecureKNNUserGrant.self),
            // SEI.
            wire(SEIIndexUpload.self), wire(SEIAddImages.self), wire(SEIDeleteImages.self), wire(SEISearchRequest.self),
            wire(SEISearchResponse.self), wire(SEIUserCredentials.self), wire(SEISealedImages.self),
            wire(SEIImageRequest.self), wire(SEIOwner.self),
            // FNN (the contextual formats with the Paillier key; the shared back end's nil key below).
            wire(FNNC1Message.self, fnnKey), wire(FNNC2Message.self, fnnKey), wire(FNNQueryForC1.self, fnnKey),
            wire(FNNQueryForC2.self), wire(FNNC1Result.self), wire(FNNC2Handover.self),
            wire(FNNRecordBatch.self, fnnKey), wire(FNNRecordIDs.self), wire(FNNPoolSeeds.self),
            wire(FNNSharedPoolC2.self), wire(FNNC1Setup.self), wire(FNNC2Setup.self), wire(FNNUserCredentials.self),
            wire(FNNOwnerKeys.self),
            wire(FNNC1Message.self, nil, variant: "shared"), wire(FNNC2Message.self, nil, variant: "shared"),
            wire(FNNQueryForC1.self, nil, variant: "shared"), wire(FNNRecordBatch.self, nil, variant: "shared"),
            // TrustMedSearch (edge master, storage nodes, search workers, the client's key file).
            wire(UploadRequest.self), wire(UploadResponse.self), wire(SearchRequest.self), wire(SearchResponse.self),
            wire(ShardSearchRequest.self), wire(ShardSearchResponse.self), wire(FetchRequest.self),
            wire(FetchResponse.self), wire(DeleteRequest.self), wire(DeleteReport.self), wire(KeyRegistration.self),
            wire(ReshareRequest.self), wire(ReshareReport.self), wire(TrustMedClientKeys.self),
            wire(TrustMedEvaluationKeys.self),
            // DICOMweb (the web application's MSDW entry is this record plus strings, read only after AES-GCM).
            wire(IdentityRecord.self),
        ]
        // BFV and encrypted Hamming search (contexts that cannot fail for these fixed sets).
        if let bfv {
            list += [wire(BFVCiphertext.self, bfv), wire(BFVSecretKey.self, bfv), wire(BFVPublicKey.self, bfv),
                     wire(BFVRelinearizationKey.self, bfv), wire(BFVGaloisKeys.self, bfv)]
        }
        if let hammingContext {
            list += [wire(HammingSecretKey.self, hammingContext), wire(HammingEvaluationKey.self, hammingContext),
                     wire(HammingQuery.self, hammingContext), wire(EncryptedHammingDatabase.self, hammingContext),
                     wire(HammingSlotRequest.self)]
        }
        if let hammingClient {
            // HSRS has its own decoder (not a WireMessage): decode and decrypt with the golden client's key.
            list.append(Decoder(name: "HammingResponse") { bytes in _ = try? hammingClient.distances(responseBytes: bytes) })
        }
        if let hammingExpandingContext {
            list += [wire(HammingEvaluationKey.self, hammingExpandingContext, variant: "expanding"),
                     wire(HammingQuery.self, hammingExpandingContext, variant: "expanding")]
        }
        // Appended last: a decoder's selector byte is its index, and the seeds of the others keep theirs.
        if let hammingContext { list.append(wire(HammingNTTQuery.self, hammingContext)) }
        return list
    }()

    /// A decoder of `T` with `context`: decode; on success, re-encode and decode again, which must give the
    /// same bytes (an encoder writing what its decoder refuses, or a decode that loses information, is a bug).
    static func wire<T: ContextualWireMessage>(_ type: T.Type, _ context: T.WireContext, variant: String? = nil) -> Decoder {
        nonisolated(unsafe) let context = context
        let name = String(describing: type) + (variant.map { "(\($0))" } ?? "")
        return Decoder(name: name) { bytes in
            guard let value = try? T(serialized: bytes, context: context) else { return }
            let encoded = value.serialized(context: context)
            let again: T
            do {
                again = try T(serialized: encoded, context: context)
            } catch {
                throw Violation(description: "\(name): a decoded value re-encodes to bytes it refuses: \(error)")
            }
            guard again.serialized(context: context) == encoded else {
                throw Violation(description: "\(name): a decoded value does not survive a round trip")
            }
        }
    }

    static func wire<T: WireMessage>(_ type: T.Type) -> Decoder { wire(type, ()) }
}
