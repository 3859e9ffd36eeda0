import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

/// The owner's key material: everything needed to encode records, equip both servers and authorise users.
///
/// - Warning: secret. The shared back end's master seed (or the Paillier secret key) together with C1's
///   database reveals every vector; keep the file mode 0600.
@MemberwiseInit(.public)
public struct FNNOwnerKeys: Sendable {
    /// The public parameters.
    public let parameters: FNNParameters
    /// The AES-256-GCM key that seals record labels (shared with authorised users).
    public let labelKey: [UInt8]
    /// The shared back end's 32-byte master seed (nil for Paillier).
    public let sharedMaster: [UInt8]?
    /// The Paillier secret key (nil for the shared back end).
    public let paillierSecretKey: PaillierPrivateKey?
    /// The public randomizer base `h` of ``FNNPaillierEncryptor`` (nil for the shared back end).
    public let randomizerBase: BigInt?

    /// The row-mask key C2 holds (shared back end).
    public var rowMaskKey: [UInt8]? { sharedMaster.map { FNNKeystream.derive(master: $0, label: "fnn/row-mask") } }

    /// C1's seed for correlation entry `index` (shared back end).
    public func c1EntrySeed(_ index: UInt64) -> [UInt8]? {
        sharedMaster.map { FNNKeystream.derive(master: $0, label: "fnn/c1-entry", index: index) }
    }

    /// C2's seed for correlation entry `index` (shared back end).
    public func c2EntrySeed(_ index: UInt64) -> [UInt8]? {
        sharedMaster.map { FNNKeystream.derive(master: $0, label: "fnn/c2-entry", index: index) }
    }
}

/// What an authorised user holds: the public parameters, the label key and (Paillier) the public key.
@MemberwiseInit(.public)
public struct FNNUserCredentials: Sendable {
    /// The public parameters.
    public let parameters: FNNParameters
    /// The label key.
    public let labelKey: [UInt8]
    /// The Paillier public key (nil for the shared back end).
    public let publicKey: PaillierPublicKey?
    /// The randomizer base (nil for the shared back end).
    public let randomizerBase: BigInt?
}

/// What C1 is given at set-up: parameters and (Paillier) the public key.
@MemberwiseInit(.public)
public struct FNNC1Setup: Sendable {
    /// The public parameters.
    public let parameters: FNNParameters
    /// The Paillier public key (nil for the shared back end).
    public let publicKey: PaillierPublicKey?
    /// The randomizer base (nil for the shared back end).
    public let randomizerBase: BigInt?
}

/// What C2 is given at set-up: parameters and its secret (the Paillier secret key, or the row-mask key).
///
/// - Warning: secret; C2 must never also hold C1's database.
@MemberwiseInit(.public)
public struct FNNC2Setup: Sendable {
    /// The public parameters.
    public let parameters: FNNParameters
    /// The Paillier secret key (nil for the shared back end).
    public let secretKey: PaillierPrivateKey?
    /// The randomizer base (nil for the shared back end).
    public let randomizerBase: BigInt?
    /// The row-mask key (nil for Paillier).
    public let rowMaskKey: [UInt8]?
}
