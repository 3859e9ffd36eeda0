import MedSearchImaging

/// A search that leaves some hits out (images not stored through DICOMweb, index entries of a batch that was never
/// committed) without answering fewer than k: while hits are left out and the engine holds more images, it asks the
/// engine again for twice as many (up to every image it holds), so a caller gets k results whenever k acceptable
/// images exist, and otherwise learns how many were left out.
enum FilteredSearch {
    /// The first `k` hits `keep` accepts, best first, and how many better-or-equal hits it left out.
    static func run(_ engine: any WebEngine, query: GrayImage, k: Int,
                    keep: (WebSearchHit) async -> Bool) async throws -> (hits: [WebSearchHit], leftOut: Int) {
        let held = await engine.heldIDs().count
        var asked = k
        while true {
            let hits = try await engine.search(query, k: asked)
            var kept: [WebSearchHit] = []
            var leftOut = 0
            for hit in hits where kept.count < k {
                if await keep(hit) { kept.append(hit) } else { leftOut += 1 }
            }
            if kept.count == k || hits.count < asked || asked >= held { return (kept, leftOut) }
            asked = min(asked * 2, held)
        }
    }
}
