import MedSearchCore
import MedSearchIndex
import MedSearchSecureKNN

/// One encrypted index entry: an image id, its leaf cluster and its encrypted feature vector `f'`.
@MemberwiseInit(.public)
public struct SEIIndexEntry: Sendable, Equatable {
    /// The image id.
    public var id: String
    /// The leaf cluster the image belongs to.
    public var cluster: Int
    /// The encrypted vector (`2d + 2` floats).
    public var vector: [Float]
}

/// GenIndex's output for the cloud: the tree structure, every node's encrypted vector and every image's
/// encrypted vector with its leaf. Carries no plaintext feature, centre or key.
@MemberwiseInit(.public)
public struct SEIIndexUpload: Sendable, Equatable {
    /// The length of encrypted vectors (`2d + 2`).
    public var encryptedDimension: Int
    /// The tree structure.
    public var tree: IndexTree
    /// The encrypted vector of each tree node (leaf nodes carry their cluster centre).
    public var nodeVectors: [[Float]]
    /// The images.
    public var entries: [SEIIndexEntry]
}

/// Images added after the index was built (the owner assigns each to its nearest leaf centre).
public struct SEIAddImages: Sendable, Equatable {
    /// The new entries.
    public var entries: [SEIIndexEntry]
    /// Creates the message.
    public init(entries: [SEIIndexEntry]) { self.entries = entries }
}

/// Images removed from the index.
public struct SEIDeleteImages: Sendable, Equatable {
    /// The ids to remove.
    public var ids: [String]
    /// Creates the message.
    public init(ids: [String]) { self.ids = ids }
}

/// A search request: one or more trapdoors (more than one with K-anonymity) and the search options.
@MemberwiseInit(.public)
public struct SEISearchRequest: Sendable, Equatable {
    /// The options (k, tree or linear, limits).
    public var options: SEISearchOptions
    /// The trapdoors `f'_q`, each `2d + 2` numbers.
    public var trapdoors: [[Double]]
}

/// One result: an image id and its encrypted score (smaller = closer; comparable only within one trapdoor).
public struct SEIHit: Sendable, Equatable {
    /// The image id.
    public var id: String
    /// The score `f'_i . f'_q`.
    public var score: Float
}

/// The cloud's answer: the top-k hits of each trapdoor, in request order, and work counters.
@MemberwiseInit(.public)
public struct SEISearchResponse: Sendable, Equatable {
    /// Hits per trapdoor, best first.
    public var results: [[SEIHit]]
    /// Encrypted image vectors scored (all trapdoors together).
    public var scoredImages: Int
    /// Tree nodes scored (all trapdoors together).
    public var scoredNodes: Int
}

/// What a registered user receives from the owner: `Abar`, `U`, the image key `k_ie` and the feature
/// model (never `M`, `r`, `S`, `pi`).
@MemberwiseInit(.public)
public struct SEIUserCredentials: Sendable {
    /// `Abar` and `U`.
    public var grant: SecureKNNUserGrant
    /// The image key `k_ie` (32 bytes), shared by all users as in the paper.
    public var imageKey: [UInt8]
    /// The feature pipeline: extractor description, PCA and scale.
    public var model: SEIFeatureModel
}

/// Sealed images (AES-256-GCM under `k_ie`, bound to their ids), uploaded by the owner or fetched by a user.
public struct SEISealedImages: Sendable, Equatable {
    /// The images.
    public var images: [SealedImage]

    /// One sealed image.
    @MemberwiseInit(.public)
    public struct SealedImage: Sendable, Equatable {
        /// The image id.
        public var id: String
        /// The sealed image (``SEIImageCipher``: MedSearchSealing's `"MSSL"` format).
        public var sealed: [UInt8]
    }

    /// Creates the message.
    public init(images: [SealedImage]) { self.images = images }
}

/// A list of image ids (a fetch request).
public struct SEIImageRequest: Sendable, Equatable {
    /// The ids.
    public var ids: [String]
    /// Creates the message.
    public init(ids: [String]) { self.ids = ids }
}
