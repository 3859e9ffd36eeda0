import MedSearchBFV
import MedSearchCore
import MedSearchHESearch

/// The building blocks TrustMedSearch runs on by default: BFV Hamming search (MedSearchHESearch), AES-256-GCM
/// sealing (MedSearchSealing) and verifiable m-of-n sharing (MedSearchSharing).
public enum TrustMedDefaults {
    /// The production BFV parameter set: `n4096expand`, N = 4096 with `n4096single`'s one 59-bit prime, t = 257 for the
    /// bit-sliced Hamming layout and a 50-bit special prime for the Galois keys that expand one-ciphertext queries
    /// (128-bit security by the HomomorphicEncryption.org table: 109 bits, at the bound). Keys made for
    /// `n4096hamming` (one ciphertext per query bit, 192-bit) still work under that name.
    public static let defaultParameterSet = "n4096expand"

    /// Whether a named parameter set meets 128-bit security (false for unknown names and the `insecure*` test sets).
    public static func isSecure(parameterSet: String) -> Bool {
        (try? BFVParameters.named(parameterSet))?.isSecure ?? false
    }
    /// A small, insecure parameter set for unit tests only.
    public static let testParameterSet = "insecureN1024"

    /// Generates fresh client keys from the system CSPRNG: the BFV key pair and evaluation material, the
    /// image sealing key and the content-tag key.
    public static func generateClientKeys(hashBits: Int, parameterSet: String) throws(TrustMedError) -> TrustMedClientKeys {
        let holder = try BFVHammingKeyHolder(parameterSet: parameterSet, hashBits: hashBits)
        return TrustMedClientKeys(parameterSet: parameterSet, hashBits: hashBits, secretKey: holder.secretKey(),
                                  evaluationKeys: try holder.evaluationKeys(),
                                  sealingKey: SecretBytes(randomCount: 32), tagKey: SecretBytes(randomCount: 32))
    }

    /// The client for a key file, sending its queries in `queryForm` (``BFVHammingKeyHolder/queryForm``).
    public static func client(keys: TrustMedClientKeys, queryForm: TrustMedQueryForm = .compact) throws(TrustMedError) -> TrustMedClient {
        var base = try BFVHammingKeyHolder(parameterSet: keys.parameterSet, hashBits: keys.hashBits, secretKey: keys.secretKey)
        base.queryForm = queryForm
        let holder = try RegisteredKeyHolder(base: base, evaluationKeys: keys.evaluationKeys)
        return try TrustMedClient(keyHolder: holder, sealer: try sealer(key: keys.sealingKey), tagKey: keys.tagKey)
    }

    /// Builds the master's evaluator from a registration.
    public static let evaluatorFactory: EdgeMaster.EvaluatorFactory = { registration throws(TrustMedError) in
        try BFVHammingEvaluator(registration: registration)
    }
}

/// How a TrustMed client sends its encrypted queries (MedSearchHESearch's `HammingQueryForm`).
public enum TrustMedQueryForm: String, Sendable, CaseIterable {
    /// One ciphertext of about 30 KB that the evaluator (the master or each search worker) expands.
    case compact
    /// One ciphertext per hashcode bit in NTT form (1.94 MB for 64 bits), used as it is: for sharded searches.
    case ntt

    var hamming: HammingQueryForm {
        switch self {
        case .compact: .compact
        case .ntt: .ntt
        }
    }
}

/// A key holder that reports the evaluation keys stored in the key file (so the fingerprint the master holds
/// stays the same across runs) and delegates everything else.
struct RegisteredKeyHolder: TrustMedKeyHolder {
    let base: BFVHammingKeyHolder
    let storedEvaluationKeys: [UInt8]

    init(base: BFVHammingKeyHolder, evaluationKeys: [UInt8]) throws(TrustMedError) {
        self.base = base
        storedEvaluationKeys = evaluationKeys
        // The stored keys must belong to this parameter set and code length.
        _ = try BFVHammingEvaluator(registration: KeyRegistration(hashBits: base.hashBits, recordsPerBlock: base.recordsPerBlock,
                                                                  evaluationKeys: evaluationKeys))
    }

    var hashBits: Int { base.hashBits }
    var recordsPerBlock: Int { base.recordsPerBlock }
    func evaluationKeys() throws(TrustMedError) -> [UInt8] { storedEvaluationKeys }
    func encryptBlock(_ hashcodes: [[UInt8]]) throws(TrustMedError) -> [UInt8] { try base.encryptBlock(hashcodes) }
    func encryptQuery(_ hashcode: [UInt8]) throws(TrustMedError) -> [UInt8] { try base.encryptQuery(hashcode) }
    func decryptDistances(_ encrypted: [UInt8], count: Int) throws(TrustMedError) -> [Int] {
        try base.decryptDistances(encrypted, count: count)
    }
    func nearestSlots(_ encrypted: [UInt8], k: Int) throws(TrustMedError) -> (request: [UInt8], distances: [Int]) {
        try base.nearestSlots(encrypted, k: k)
    }
}

extension TrustMedDefaults {
    /// The client's image sealer (AES-256-GCM).
    public static func sealer(key: SecretBytes) throws(TrustMedError) -> any TrustMedSealer {
        try AESGCMImageSealer(key: key)
    }
}

extension TrustMedDefaults {
    /// A fresh Ed25519 key for signing share manifests (the master keeps it in its data directory).
    public static func newManifestSigningKey() -> SecretBytes { VerifiableShareScheme.newSigningKey() }

    /// The master's sharing scheme with its manifest signing key.
    public static func sharingScheme(signingKey: SecretBytes) throws(TrustMedError) -> any TrustMedShareScheme {
        try VerifiableShareScheme(signingKey: signingKey)
    }
}
