import MedSearchBFV
import MedSearchCore

/// The master's side of ingestion: encrypts hashcodes under the client's public key (the master holds no
/// secret key and cannot decrypt what it stores).
public struct HammingDatabaseEncoder: Sendable {
    /// The configuration.
    public let configuration: HammingSearchConfiguration
    let context: BFVContext
    let publicKey: BFVPublicKey

    /// An encoder from the client's ``HammingSearchClient/evaluationKeyBytes()``.
    public init(configuration: HammingSearchConfiguration, evaluationKeyBytes bytes: [UInt8]) throws(HESearchError) {
        self.configuration = configuration
        let context = try configuration.context()
        self.context = context
        publicKey = try Self.readEvaluationKey(bytes, configuration: configuration, context: context).publicKey
    }

    /// Decodes ``HammingSearchClient/evaluationKeyBytes()``.
    static func readEvaluationKey(_ bytes: [UInt8], configuration: HammingSearchConfiguration,
                                  context: BFVContext) throws(HESearchError) -> HammingEvaluationKey {
        let wireContext = HammingWireContext(configuration: configuration, bfv: context)
        return try wire { () throws(WireError) in try HammingEvaluationKey(serialized: bytes, context: wireContext) }
    }

    /// Encrypts records into blocks of `N` (`l` ciphertexts each; system-seeded CSPRNG).
    public func encrypt(_ records: [HammingRecord]) throws(HESearchError) -> EncryptedHammingDatabase {
        var rng = ChaChaRandomGenerator()
        return try encrypt(records, using: &rng)
    }

    /// Encrypts records with randomness from `rng`.
    public func encrypt(_ records: [HammingRecord],
                        using rng: inout some RandomNumberGenerator) throws(HESearchError) -> EncryptedHammingDatabase {
        var blocks: [EncryptedHammingBlock] = []
        for slice in try HammingLayout.blocks(records, configuration: configuration) {
            blocks.append(try encryptBlock(slice, using: &rng))
        }
        return EncryptedHammingDatabase(configuration: configuration, blocks: blocks)
    }

    /// Encrypts records with both cores (each task with its own CSPRNG).
    public func encryptConcurrently(_ records: [HammingRecord]) async throws -> EncryptedHammingDatabase {
        let slices = try HammingLayout.blocks(records, configuration: configuration)
        let workers = max(1, min(ProcessInfoCores.count, slices.count))
        let blocks = try await withThrowingTaskGroup(of: [(Int, EncryptedHammingBlock)].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var rng = ChaChaRandomGenerator()
                    var out: [(Int, EncryptedHammingBlock)] = []
                    for i in stride(from: w, to: slices.count, by: workers) {
                        out.append((i, try self.encryptBlock(slices[i], using: &rng)))
                    }
                    return out
                }
            }
            var all: [(Int, EncryptedHammingBlock)] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return EncryptedHammingDatabase(configuration: configuration, blocks: blocks)
    }

    func encryptBlock(_ slice: ArraySlice<HammingRecord>,
                      using rng: inout some RandomNumberGenerator) throws(HESearchError) -> EncryptedHammingBlock {
        let plaintexts = try HammingLayout.blockPlaintexts(slice, configuration: configuration, context: context)
        let pk = publicKey
        let context = self.context
        var ciphertexts: [BFVCiphertext] = []
        for plaintext in plaintexts {
            ciphertexts.append(try bfv { () throws(BFVError) in try context.encrypt(plaintext, publicKey: pk, using: &rng) })
        }
        return EncryptedHammingBlock(ids: slice.map(\.id), ciphertexts: ciphertexts)
    }
}
