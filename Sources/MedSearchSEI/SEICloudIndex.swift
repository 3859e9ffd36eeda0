import MedSearchIndex
import MedSearchSecureKNN

/// The cloud server's in-memory SEI index: the tree with encrypted node vectors and, per leaf, the
/// encrypted image vectors in `Float` tables. It sees no plaintext feature, centre, query or key.
///
/// Search (sei.md 5.3.5): score the trapdoor against node vectors to walk down the tree to the matched
/// leaves, backtrack until enough images were scored, and rank the visited images exactly by
/// `f'_i . f'_q`. The linear mode scores every image (the paper's kNN-CBIR baseline).
///
/// What the cloud learns: the tree shape and cluster sizes, which nodes and leaves each query visits
/// (its path), the result ids, and scores equal to `gamma*theta*(|f_i - q|^2 - |q|^2)` plus a per-query
/// constant, so distances up to a secret per-query affine map.
public struct SEICloudIndex: Sendable {
    /// The length of encrypted vectors.
    public let encryptedDimension: Int
    /// The tree.
    public let tree: IndexTree
    /// Encrypted node vectors, one row per tree node.
    public let nodeTable: EncryptedVectorTable
    /// Per leaf cluster: its image ids and their encrypted vectors (row i belongs to ids[i]).
    public private(set) var leaves: [Leaf]
    /// Where each image lives.
    var location: [String: (cluster: Int, row: Int)]

    /// One leaf's images.
    public struct Leaf: Sendable {
        /// The image ids, in row order.
        public internal(set) var ids: [String]
        /// The encrypted vectors.
        public internal(set) var table: EncryptedVectorTable
    }

    /// Builds the index from the owner's upload.
    /// - Throws: ``SEIError`` when shapes disagree, a cluster is out of range or an id repeats.
    public init(upload: SEIIndexUpload) throws(SEIError) {
        let dimension = upload.encryptedDimension
        guard dimension >= 4, dimension % 2 == 0 else { throw .malformedMessage("encrypted dimension \(dimension)") }
        guard upload.nodeVectors.count == upload.tree.nodes.count else {
            throw .malformedMessage("\(upload.nodeVectors.count) node vectors for \(upload.tree.nodes.count) nodes")
        }
        var nodeTable = EncryptedVectorTable(dimension: dimension, capacity: upload.nodeVectors.count)
        for vector in upload.nodeVectors { try wrapping { try nodeTable.append(floats: vector) } }
        let clusters = upload.tree.leafCount
        encryptedDimension = dimension
        tree = upload.tree
        self.nodeTable = nodeTable
        leaves = (0..<clusters).map { _ in Leaf(ids: [], table: EncryptedVectorTable(dimension: dimension)) }
        location = [:]
        location.reserveCapacity(upload.entries.count)
        try insert(upload.entries)
    }

    /// The number of indexed images.
    public var count: Int { location.count }

    /// Whether an image is indexed.
    public func contains(_ id: String) -> Bool { location[id] != nil }

    /// Bytes held by encrypted vectors (node and image tables).
    public var vectorMemoryBytes: Int { nodeTable.memoryBytes + leaves.reduce(0) { $0 + $1.table.memoryBytes } }

    /// Adds images (after the index was built).
    /// - Throws: ``SEIError/duplicateImage(_:)`` or a shape error; nothing is added then.
    public mutating func apply(_ message: SEIAddImages) throws(SEIError) {
        try insert(message.entries)
    }

    /// Removes images.
    /// - Throws: ``SEIError/unknownImage(_:)``; nothing is removed then.
    public mutating func apply(_ message: SEIDeleteImages) throws(SEIError) {
        for id in message.ids where location[id] == nil { throw .unknownImage(id) }
        guard Set(message.ids).count == message.ids.count else { throw .invalidParameter("an id is listed twice") }
        for id in message.ids {
            guard let (cluster, row) = location.removeValue(forKey: id) else { continue }
            if let moved = leaves[cluster].table.swapRemove(at: row) {
                let movedID = leaves[cluster].ids[moved]
                leaves[cluster].ids[row] = movedID
                location[movedID] = (cluster, row)
            }
            leaves[cluster].ids.removeLast()
        }
    }

    mutating func insert(_ entries: [SEIIndexEntry]) throws(SEIError) {
        var batch = Set<String>()
        for entry in entries {
            guard entry.cluster >= 0, entry.cluster < leaves.count else {
                throw .malformedMessage("cluster \(entry.cluster) out of range")
            }
            guard entry.vector.count == encryptedDimension else {
                throw .featureDimensionMismatch(expected: encryptedDimension, actual: entry.vector.count)
            }
            guard entry.vector.allSatisfy(\.isFinite) else { throw .malformedMessage("encrypted vector is not finite") }
            guard !entry.id.isEmpty, entry.id.utf8.count <= 256 else { throw .invalidParameter("image ids must have 1...256 bytes") }
            guard location[entry.id] == nil, batch.insert(entry.id).inserted else { throw .duplicateImage(entry.id) }
        }
        for entry in entries {
            let row = try wrapping { try leaves[entry.cluster].table.append(floats: entry.vector) }
            leaves[entry.cluster].ids.append(entry.id)
            location[entry.id] = (entry.cluster, row)
        }
    }

    /// Answers a search request: the top-k of each trapdoor.
    /// - Throws: ``SEIError`` for bad options or trapdoor lengths.
    public func search(_ request: SEISearchRequest) throws(SEIError) -> SEISearchResponse {
        try request.options.validate()
        guard !request.trapdoors.isEmpty, request.trapdoors.count <= 64 else {
            throw .invalidParameter("a request carries 1...64 trapdoors")
        }
        var results = [[SEIHit]]()
        var images = 0, nodes = 0
        for trapdoor in request.trapdoors {
            let prepared = try wrapping { try nodeTable.prepare(trapdoor) }
            let (hits, scoredImages, scoredNodes) = search(prepared, options: request.options)
            results.append(hits)
            images += scoredImages
            nodes += scoredNodes
        }
        return SEISearchResponse(results: results, scoredImages: images, scoredNodes: nodes)
    }

    /// Searches with one prepared trapdoor; returns hits and work counters.
    public func search(_ trapdoor: PreparedTrapdoor, options: SEISearchOptions) -> (hits: [SEIHit], scoredImages: Int, scoredNodes: Int) {
        var selector = TopKSelector<String>(k: options.k)
        var scoredImages = 0
        func scan(_ cluster: Int) {
            let leaf = leaves[cluster]
            scoredImages += leaf.ids.count
            leaf.table.forEachScore(trapdoor, rows: 0..<leaf.table.count) { row, score in
                if score <= selector.threshold { selector.offer(id: leaf.ids[row], score: score) }
            }
        }
        var scoredNodes = 0
        switch options.mode {
        case .linear:
            for cluster in leaves.indices { scan(cluster) }
        case .tree:
            let minimum = options.minCandidates > 0 ? options.minCandidates
                : SEISearchOptions.defaultMinCandidates(k: options.k, count: count)
            let limits = TreeSearchLimits(minCandidates: max(minimum, options.k), minLeaves: options.minLeaves)
            scoredNodes = tree.visitLeaves(strategy: options.strategy, limits: limits,
                                           nodeScore: { nodeTable.score(trapdoor, row: $0) },
                                           clusterSize: { leaves[$0].ids.count }, visit: scan)
        }
        return (selector.results.map { SEIHit(id: $0.id, score: $0.score) }, scoredImages, scoredNodes)
    }

    /// Every indexed entry (for persistence), leaf by leaf.
    public func forEachEntry(_ body: (SEIIndexEntry) -> Void) {
        for (cluster, leaf) in leaves.enumerated() {
            for (row, id) in leaf.ids.enumerated() { body(SEIIndexEntry(id: id, cluster: cluster, vector: leaf.table.row(row))) }
        }
    }
}
