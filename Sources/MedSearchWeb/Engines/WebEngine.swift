import Foundation
import MedSearchImaging

/// One encrypted search engine as the web application drives it (the web server is the trusted client:
/// it holds the owner's and users' keys and talks to the engine's untrusted servers).
public protocol WebEngine: Sendable {
    /// Short name: `fnn`, `sei` or `trustmed`.
    var name: String { get }
    /// What users see in the engine picker.
    var title: String { get }
    /// One honest sentence on what the engine protects and leaks.
    var securityNote: String { get }
    /// Adds images (already de-identified, in analysis form) to the engine's encrypted index.
    func ingest(_ items: [WebIngestItem]) async throws
    /// The `k` stored images most similar to `query`, best first.
    func search(_ query: GrayImage, k: Int) async throws -> [WebSearchHit]
    /// The ids of the images this engine holds (indexed or waiting to be), so the web application can hand it
    /// the images it lacks (an engine added to `--engines` later, or an ingest that failed).
    func heldIDs() async -> Set<String>
    /// Stops the engine's server processes.
    func shutdown() async
}

/// An image handed to an engine: its repository id, its analysis form and its de-identified file.
public struct WebIngestItem: Sendable {
    /// The repository id (`img-` and 16 hexadecimal digits).
    public var id: String
    /// The analysis form features are computed on.
    public var image: GrayImage
    /// The labels attached at upload.
    public var labels: [String]
    /// The de-identified file as stored in the vault (engines that store images themselves, such as
    /// TrustMedSearch's shares, upload these bytes); empty when the caller has only the analysis form.
    public var bytes: [UInt8] = []
}

/// One search result.
public struct WebSearchHit: Sendable, Equatable {
    /// The repository id of the image.
    public var id: String
    /// The engine's distance or score (`scoreKind` says which way is closer).
    public var score: Double
    /// What the score is ("squared distance", "Hamming distance", "score").
    public var scoreKind: String
    /// A remark on this hit (for example whether TrustMedSearch rebuilt the image from its shares); empty if none.
    public var detail: String = ""
}

/// An engine that keeps the stored files themselves (TrustMedSearch: sealed, split into m-of-n shares) and can give
/// them back, so WADO-RS answers from the untrusted side's copy rather than only the web server's own.
public protocol WebImageSource: WebEngine {
    /// The stored files of `ids` that the engine can give back, by id.
    func retrieve(_ ids: [String]) async throws -> [String: [UInt8]]
}
