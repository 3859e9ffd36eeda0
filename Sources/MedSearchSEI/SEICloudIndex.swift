import MedSearchIndex
import MedSearchSecureKNN

/// The cloud server's in-memory SEI index: the tree with encrypted node vectors and, per leaf, the
/// encrypted image vectors in `Float` tables. It sees no plaintext feature, centre, query or key.
///
/// Search (sei.md 5.3.5): score the trapdoor against node vectors to walk down the tree to the matched
/// leaves, backtrack until enough images were scored, and rank the visited images exactly by
/// `f'_i . f'_q`. The linear mode scores every image (the paper's kNN-CBIR baseline).
///
/// Storage: every ciphertext of one key lies in an affine subspace of dimension at most `d + 1` (see
/// ``CiphertextSubspace``), which the cloud finds from the ciphertexts alone; the tables hold each vector's
/// coordinates in it (about half of the `2d + 2` entries), and a trapdoor is projected once per query. Scores
/// equal `f'_i . f'_q` up to `Float` rounding; rankings compare the coordinate dot products only.
///
/// What the cloud learns: the tree shape and cluster sizes, which nodes and leaves each query visits
/// (its path), the result ids, and scores equal to `gamma*theta*(|f_i - q|^2 - |q|^2)` plus a per-query
/// constant, so distances up to a secret per-query affine map.
public struct SEICloudIndex: Sendable {
    /// The length of encrypted vectors.
    public let encryptedDimension: Int
    /// The tree.
    public let tree: IndexTree
    /// The ciphertexts' affine subspace; the tables store coordinates in it.
    public private(set) var subspace: CiphertextSubspace
    /// Node vectors (subspace coordinates), one row per tree node.
    public private(set) var nodeTable: EncryptedVectorTable
    /// Per leaf cluster: its image ids and their vectors (subspace coordinates; row i belongs to ids[i]).
    public private(set) var leaves: [Leaf]
    /// Where each image lives.
    var location: [String: (cluster: Int, row: Int)]

    /// One leaf's images.
    public struct Leaf: Sendable {
        /// The image ids, in row order.
        public internal(set) var ids: [String]
        /// The vectors (subspace coordinates).
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
        for vector in upload.nodeVectors {
            guard vector.count == dimension else { throw .featureDimensionMismatch(expected: dimension, actual: vector.count) }
            guard vector.allSatisfy(\.isFinite) else { throw .malformedMessage("encrypted vector is not finite") }
        }
        let clusters = upload.tree.leafCount
        encryptedDimension = dimension
        tree = upload.tree
        subspace = CiphertextSubspace(ambientDimension: dimension)
        nodeTable = EncryptedVectorTable(dimension: 8, capacity: upload.nodeVectors.count)
        leaves = (0..<clusters).map { _ in Leaf(ids: [], table: EncryptedVectorTable(dimension: 8)) }
        location = [:]
        location.reserveCapacity(upload.entries.count)
        // Fit the subspace on the node vectors and a spread sample of images first, so that the tables
        // rarely need to grow while they are filled.
        let sampleStride = max(1, upload.entries.count / (4 * dimension))
        for vector in upload.nodeVectors { try fit(vector) }
        for index in Swift.stride(from: 0, to: upload.entries.count, by: sampleStride) {
            let vector = upload.entries[index].vector
            // Malformed entries are reported by insert(_:) with their own error.
            if vector.count == dimension, vector.allSatisfy(\.isFinite) { try fit(vector) }
        }
        for vector in upload.nodeVectors {
            let coordinates = try coordinates(of: vector)
            try wrapping { try nodeTable.append(coordinates) }
        }
        try insert(upload.entries)
    }

    /// Adds `vector` to the subspace (growing every table when the basis grows).
    private mutating func fit(_ vector: [Float]) throws(SEIError) {
        _ = try coordinates(of: vector)
    }

    /// The coordinates of `vector`, padded with zeros to the tables' row length.
    private mutating func coordinates(of vector: [Float]) throws(SEIError) -> [Double] {
        var (coordinates, extended) = try wrapping { try subspace.coordinates(of: vector) }
        if extended && subspace.rank > nodeTable.dimension {
            let width = EncryptedVectorTable.paddedLength(subspace.rank)
            nodeTable.widen(to: width)
            for cluster in leaves.indices { leaves[cluster].table.widen(to: width) }
        }
        coordinates.append(contentsOf: repeatElement(0, count: nodeTable.dimension - coordinates.count))
        return coordinates
    }

    /// A trapdoor projected to the index's coordinates, ready for ``search(_:options:)``.
    /// - Throws: ``SEIError`` for a wrong length or a non-finite value.
    public func prepare(_ trapdoor: [Double]) throws(SEIError) -> PreparedTrapdoor {
        try wrapping {
            let (coordinates, offset) = try subspace.projectTrapdoor(trapdoor)
            return try nodeTable.prepare(projected: coordinates, offset: offset)
        }
    }

    /// The number of indexed images.
    public var count: Int { location.count }

    /// Whether an image is indexed.
    public func contains(_ id: String) -> Bool { location[id] != nil }

    /// Bytes held by encrypted vectors (node and image tables, and the subspace basis).
    public var vectorMemoryBytes: Int {
        nodeTable.memoryBytes + leaves.reduce(0) { $0 + $1.table.memoryBytes }
            + (subspace.basis.capacity + subspace.origin.capacity) * MemoryLayout<Double>.size
    }

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
            let coordinates = try coordinates(of: entry.vector)
            let row = try wrapping { try leaves[entry.cluster].table.append(coordinates) }
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
            let prepared = try prepare(trapdoor)
            let (hits, scoredImages, scoredNodes) = search(prepared, options: request.options)
            results.append(hits)
            images += scoredImages
            nodes += scoredNodes
        }
        return SEISearchResponse(results: results, scoredImages: images, scoredNodes: nodes)
    }

    /// Searches with one prepared trapdoor (from ``prepare(_:)``); returns hits and work counters.
    public func search(_ trapdoor: PreparedTrapdoor, options: SEISearchOptions) -> (hits: [SEIHit], scoredImages: Int, scoredNodes: Int) {
        precondition(trapdoor.values.count == nodeTable.stride, "trapdoor prepared for another index")
        var selector = TopKSelector<String>(k: options.k)
        var scoredImages = 0, scoredNodes = 0
        trapdoor.values.withUnsafeBufferPointer { q in
            let query = q.baseAddress!
            let stride = nodeTable.stride
            func scan(_ cluster: Int) {
                let leaf = leaves[cluster]
                let rows = leaf.table.count
                scoredImages += rows
                leaf.table.storage.withUnsafeBufferPointer { s in
                    guard let base = s.baseAddress else { return }
                    var threshold = selector.threshold
                    @inline(__always) func consider(_ row: Int, _ score: Float) {
                        if score <= threshold {
                            selector.offer(id: leaf.ids[row], score: score)
                            threshold = selector.threshold
                        }
                    }
                    var row = 0
                    while row &+ 4 <= rows {
                        let (s0, s1, s2, s3) = SIMDKernels.dot4(base + row &* stride, stride: stride, query, count: stride)
                        consider(row, s0)
                        consider(row &+ 1, s1)
                        consider(row &+ 2, s2)
                        consider(row &+ 3, s3)
                        row &+= 4
                    }
                    while row < rows {
                        consider(row, SIMDKernels.dot(base + row &* stride, query, count: stride))
                        row &+= 1
                    }
                }
            }
            switch options.mode {
            case .linear:
                for cluster in leaves.indices { scan(cluster) }
            case .tree:
                let minimum = options.minCandidates > 0 ? options.minCandidates
                    : SEISearchOptions.defaultMinCandidates(k: options.k, count: count)
                let limits = TreeSearchLimits(minCandidates: max(minimum, options.k), minLeaves: options.minLeaves)
                scoredNodes = nodeTable.storage.withUnsafeBufferPointer { nodes in
                    tree.visitLeaves(strategy: options.strategy, limits: limits,
                                     nodeScore: { SIMDKernels.dot(nodes.baseAddress! + $0 &* stride, query, count: stride) },
                                     clusterSize: { leaves[$0].ids.count }, visit: scan)
                }
            }
        }
        let hits = selector.results.map { SEIHit(id: $0.id, score: Float(trapdoor.offset + Double($0.score))) }
        return (hits, scoredImages, scoredNodes)
    }

    /// Every indexed entry (for persistence), leaf by leaf.
    /// The vectors are rebuilt from their subspace coordinates, so they equal the uploaded ones up to
    /// `Float` rounding (the server persists the uploaded bytes instead).
    public func forEachEntry(_ body: (SEIIndexEntry) -> Void) {
        for (cluster, leaf) in leaves.enumerated() {
            for (row, id) in leaf.ids.enumerated() {
                let coordinates = leaf.table.row(row).prefix(subspace.rank).map(Double.init)
                body(SEIIndexEntry(id: id, cluster: cluster, vector: subspace.reconstruct(Array(coordinates)).map(Float.init)))
            }
        }
    }
}
