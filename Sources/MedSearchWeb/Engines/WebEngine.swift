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
    /// Stops the engine's server processes.
    func shutdown() async
}

/// An image handed to an engine: its repository id and its analysis form.
public struct WebIngestItem: Sendable {
    public var id: String
    public var image: GrayImage
    public var labels: [String]

    public init(id: String, image: GrayImage, labels: [String]) {
        self.id = id
        self.image = image
        self.labels = labels
    }
}

/// One search result.
public struct WebSearchHit: Sendable, Equatable {
    /// The repository id of the image.
    public var id: String
    /// The engine's distance or score (smaller is closer).
    public var score: Double
    /// What the score is ("squared distance", "Hamming distance", "score").
    public var scoreKind: String

    public init(id: String, score: Double, scoreKind: String) {
        self.id = id
        self.score = score
        self.scoreKind = scoreKind
    }
}
