import Foundation
import Testing
import MedSearchIndex
import MedSearchCore
import MedSearchSecureKNN
import _MedSearchTestSupport
@testable import MedSearchSEI

/// A small synthetic collection: `clusters` blobs in a `raw`-dimensional space with a few strong directions,
/// so PCA to `d` keeps the structure.
struct SEIFixture {
    var ids: [String]
    var features: [[Float]]
    var owner: SEIOwner
    var cloud: SEICloudIndex
    var user: SEIUser
    var secret: SecureKNNUserSecret

    static func features(count: Int, raw: Int, clusters: Int, seed: UInt64) -> [[Float]] {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let centres = (0..<clusters).map { _ in (0..<raw).map { _ in Float.random(in: -10...10, using: &generator) } }
        return (0..<count).map { i in
            centres[i % clusters].map { $0 + Float.random(in: -2...2, using: &generator) }
        }
    }

    init(count: Int = 240, raw: Int = 24, d: Int = 8, seed: UInt64 = 1) throws {
        var generator = SeededRandomNumberGenerator(seed: seed)
        ids = (0..<count).map { String(format: "img-%04d", $0) }
        features = Self.features(count: count, raw: raw, clusters: 12, seed: seed + 1)
        owner = try SEIOwner.generate(configuration: .init(dimension: d, affinitySampleSize: 120), using: &generator)
        let upload = try owner.buildIndex(ids: ids, features: features, extractorKind: "synthetic")
        // Everything crosses the wire.
        cloud = try SEICloudIndex(upload: SEIIndexUpload(serialized: upload.serialized()))
        secret = try SecureKNNUserSecret.generate(dimension: d, using: &generator)
        let request = try SecureKNNRegistrationRequest(serialized: secret.registrationRequest.serialized())
        let credentials = try SEIUserCredentials(serialized: owner.register(request).serialized())
        user = try SEIUser(credentials: credentials, secret: secret)
    }

    /// Plaintext exact top-k over reduced features (squared Euclidean, ties by id), the reference.
    func exactTopK(_ query: [Double], k: Int, among subset: [Int]? = nil) throws -> [String] {
        let model = owner.model!
        let indices = subset ?? Array(ids.indices)
        let scored = try indices.map { i -> (Double, String) in
            let f = try model.reduce(features[i])
            return (zip(f, query).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, ids[i])
        }
        return scored.sorted { $0 < $1 }.prefix(k).map(\.1)
    }

    func search(_ raw: [Float], options: SEISearchOptions, anonymity: Int = 1) throws -> [SEIHit] {
        let (request, pending) = try user.makeSearch(raw, options: options, anonymity: anonymity)
        let response = try SEISearchResponse(serialized: cloud.search(SEISearchRequest(serialized: request.serialized())).serialized())
        return try user.results(from: response, for: pending)
    }
}

@Suite struct SEIEngineTests {
    @Test func linearSearchEqualsPlaintextExactSearch() throws {
        let fixture = try SEIFixture()
        var generator = seededGenerator(2)
        for _ in 0..<10 {
            let raw = fixture.features[Int.random(in: 0..<fixture.features.count, using: &generator)].map {
                $0 + Float.random(in: -1...1, using: &generator)
            }
            let query = try fixture.user.model.reduce(raw)
            let hits = try fixture.search(raw, options: .init(k: 10, mode: .linear))
            #expect(hits.map(\.id) == (try fixture.exactTopK(query, k: 10)))
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score <= $1.score })
        }
    }

    @Test(arguments: [TreeSearchStrategyArgument.depthFirst, .bestFirst])
    func treeSearchIsExactWithinVisitedClustersAndRecallIsHigh(strategy: TreeSearchStrategyArgument) throws {
        let fixture = try SEIFixture()
        var generator = seededGenerator(3)
        var overlap = 0
        for _ in 0..<20 {
            let raw = fixture.features[Int.random(in: 0..<fixture.features.count, using: &generator)].map {
                $0 + Float.random(in: -1...1, using: &generator)
            }
            let tree = try fixture.search(raw, options: .init(k: 10, mode: .tree, strategy: strategy.value))
            let linear = try fixture.search(raw, options: .init(k: 10, mode: .linear))
            #expect(tree.count == 10)
            overlap += Set(tree.map(\.id)).intersection(linear.map(\.id)).count
            // Visiting every leaf reproduces the linear scan exactly.
            let all = try fixture.search(raw, options: .init(k: 10, mode: .tree, strategy: strategy.value,
                                                             minCandidates: fixture.ids.count))
            #expect(all.map(\.id) == linear.map(\.id))
        }
        #expect(Double(overlap) / 200 >= 0.95)
    }

    @Test func kAnonymityKeepsOnlyTheRealQuery() throws {
        let fixture = try SEIFixture()
        let raw = fixture.features[17]
        var generator = seededGenerator(4)
        let reduced = try fixture.user.model.reduce(raw)
        let (request, pending) = try fixture.user.makeSearch(reducedQuery: reduced, options: .init(k: 5, mode: .linear),
                                                             anonymity: 6, using: &generator)
        #expect(request.trapdoors.count == 6)
        let response = try fixture.cloud.search(request)
        #expect(response.results.count == 6)
        let hits = try fixture.user.results(from: response, for: pending)
        #expect(hits.first?.id == fixture.ids[17])
        #expect(hits.map(\.id) == (try fixture.exactTopK(reduced, k: 5)))
        // A response that does not match the request is refused.
        let short = SEISearchResponse(results: Array(response.results.prefix(2)), scoredImages: 0, scoredNodes: 0)
        #expect(throws: SEIError.self) { try fixture.user.results(from: short, for: pending) }
    }

    @Test func addAndDeleteAfterBuilding() throws {
        var fixture = try SEIFixture()
        // New images near existing ones (in distribution), so their leaves are the ones the tree visits.
        var generator = seededGenerator(6)
        let extra = (0..<6).map { i in fixture.features[i * 31].map { $0 + Float.random(in: -0.5...0.5, using: &generator) } }
        let newIDs = (0..<6).map { "new-\($0)" }
        let add = try fixture.owner.addImages(ids: newIDs, features: extra)
        try fixture.cloud.apply(SEIAddImages(serialized: add.serialized()))
        #expect(fixture.cloud.count == fixture.ids.count + 6)
        for (id, feature) in zip(newIDs, extra) {
            #expect(try fixture.search(feature, options: .init(k: 1)).first?.id == id)
            #expect(try fixture.search(feature, options: .init(k: 1, mode: .linear)).first?.id == id)
        }
        let delete = try fixture.owner.deleteImages(ids: [newIDs[0], fixture.ids[5]])
        try fixture.cloud.apply(SEIDeleteImages(serialized: delete.serialized()))
        #expect(!fixture.cloud.contains(newIDs[0]) && !fixture.cloud.contains(fixture.ids[5]))
        #expect(fixture.cloud.contains(newIDs[1]))
        let afterDelete = try fixture.search(extra[0], options: .init(k: 3, mode: .linear))
        #expect(!afterDelete.map(\.id).contains(newIDs[0]))
        let survivors = fixture.ids.indices.filter { $0 != 5 }
        let hits = try fixture.search(fixture.features[5], options: .init(k: 4, mode: .linear))
        #expect(hits.map(\.id) == (try fixture.exactTopK(fixture.user.model.reduce(fixture.features[5]), k: 4, among: survivors)))
        // Errors leave state unchanged.
        #expect(throws: SEIError.duplicateImage(newIDs[1])) { try fixture.owner.addImages(ids: [newIDs[1]], features: [extra[1]]) }
        #expect(throws: SEIError.unknownImage("nope")) { try fixture.owner.deleteImages(ids: ["nope"]) }
        #expect(throws: SEIError.unknownImage("nope")) { try fixture.cloud.apply(SEIDeleteImages(ids: ["nope"])) }
        #expect(throws: SEIError.duplicateImage(newIDs[1])) { try fixture.cloud.apply(add) }
        #expect(fixture.cloud.count == fixture.ids.count + 4)
    }

    /// An index built from fewer images than d + 2 holds a lower-dimensional subspace; images added later
    /// grow it, and the linear scan still ranks exactly like plaintext distances; scores stay affine in them.
    @Test func indexGrowsItsSubspaceWhenImagesAreAdded() throws {
        var generator = seededGenerator(8)
        let d = 16
        let key = try SecureKNNOwnerKey.generate(dimension: d, using: &generator)
        let secret = try SecureKNNUserSecret.generate(dimension: d, using: &generator)
        let queryKey = try SecureKNNQueryKey(grant: key.register(secret.registrationRequest), secret: secret)
        func point() -> [Double] { (0..<d).map { _ in Double.random(in: -2...2, using: &generator) } }
        var points = (0..<6).map { _ in point() }
        var ids = (0..<6).map { "p\($0)" }
        let (_, upload) = try SEIOwner.buildEncryptedIndex(ids: ids, reduced: points, key: key,
                                                           configuration: .init(dimension: d, affinitySampleSize: 6))
        var cloud = try SEICloudIndex(upload: upload)
        #expect(cloud.subspace.rank < d + 1)
        let extra = (0..<40).map { _ in point() }
        let entries = try extra.enumerated().map { i, p in
            SEIIndexEntry(id: "x\(i)", cluster: i % cloud.leaves.count, vector: try key.encryptIndexVector(p).map(Float.init))
        }
        try cloud.apply(SEIAddImages(entries: entries))
        points += extra
        ids += (0..<40).map { "x\($0)" }
        #expect(cloud.subspace.rank == d + 1)
        #expect(cloud.count == 46)
        for _ in 0..<8 {
            let q = point()
            let trapdoor = try queryKey.trapdoor(for: q, using: &generator)
            let hits = cloud.search(try cloud.prepare(trapdoor), options: .init(k: 46, mode: .linear)).hits
            func dist2(_ i: Int) -> Double { zip(points[i], q).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            let exact = ids.indices.sorted { dist2($0) < dist2($1) }.map { ids[$0] }
            #expect(hits.map(\.id) == exact)
            // Reported scores are the full f'.t (offset included): compare with the Double computation.
            for hit in hits.prefix(5) {
                let i = ids.firstIndex(of: hit.id)!
                let full = SecureKNN.score(try key.encryptIndexVector(points[i]), trapdoor)
                #expect(abs(Double(hit.score) - full) <= 1e-4 * max(1, abs(full)))
            }
        }
        // Persistence view: vectors come back up to Float rounding.
        var rebuilt = 0
        cloud.forEachEntry { entry in
            guard let i = ids.firstIndex(of: entry.id) else { return }
            let original = (try? key.encryptIndexVector(points[i])) ?? []
            let norm = original.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if zip(original, entry.vector).allSatisfy({ abs($0.0 - Double($0.1)) <= 1e-5 * norm }) { rebuilt += 1 }
        }
        #expect(rebuilt == 46)
    }

    @Test func wrongKeyGivesNearRandomResults() throws {
        let fixture = try SEIFixture()
        var generator = seededGenerator(5)
        let otherOwner = try SEIOwner.generate(configuration: .init(dimension: 8), using: &generator)
        let grant = try otherOwner.key.register(fixture.secret.registrationRequest)
        let credentials = SEIUserCredentials(grant: grant, imageKey: SecureRandom.bytes(32), model: fixture.user.model)
        let intruder = try SEIUser(credentials: credentials, secret: fixture.secret)
        var found = 0
        for i in stride(from: 0, to: 240, by: 12) {
            let (request, pending) = try intruder.makeSearch(fixture.features[i], options: .init(k: 1, mode: .linear))
            if try intruder.results(from: fixture.cloud.search(request), for: pending).first?.id == fixture.ids[i] { found += 1 }
        }
        #expect(found <= 2)
        // And it cannot open sealed images.
        let sealed = try fixture.owner.sealImage([1, 2, 3], id: "img-0000")
        #expect(throws: SEIError.imageAuthenticationFailed) { try intruder.openImage(sealed, id: "img-0000") }
    }

    @Test func imagesSealAndOpen() throws {
        let fixture = try SEIFixture(count: 40)
        let image = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let sealed = try fixture.owner.sealImage(image, id: "img-0003")
        #expect(sealed.count == image.count + 35)   // ImageSealer: header 7, nonce 12, tag 16
        #expect(Array(sealed.prefix(4)) == Array("MSSL".utf8))
        #expect(try fixture.user.openImage(sealed, id: "img-0003") == image)
        #expect(throws: SEIError.imageAuthenticationFailed) { try fixture.user.openImage(sealed, id: "img-0004") }
        var tampered = sealed
        tampered[20] ^= 1
        #expect(throws: SEIError.imageAuthenticationFailed) { try fixture.user.openImage(tampered, id: "img-0003") }
        #expect(throws: SEIError.self) { try fixture.user.openImage([1, 2, 3], id: "img-0003") }
        tampered = sealed
        tampered[0] ^= 1   // the header is checked and authenticated
        #expect(throws: SEIError.self) { try fixture.user.openImage(tampered, id: "img-0003") }
    }

    @Test func ownerStateSurvivesSerialization() throws {
        var fixture = try SEIFixture(count: 60)
        var restored = try SEIOwner(serialized: fixture.owner.serialized())
        #expect(restored.key == fixture.owner.key)
        #expect(restored.index == fixture.owner.index)
        #expect(restored.model == fixture.owner.model)
        let extra = SEIFixture.features(count: 2, raw: 24, clusters: 2, seed: 7)
        let a = try restored.addImages(ids: ["x", "y"], features: extra)
        let b = try fixture.owner.addImages(ids: ["x", "y"], features: extra)
        #expect(a.entries.map(\.cluster) == b.entries.map(\.cluster))
        #expect(zip(a.entries, b.entries).allSatisfy { zip($0.vector, $1.vector).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) } })
    }

    @Test func badInputIsRejected() throws {
        let fixture = try SEIFixture(count: 40)
        var owner = fixture.owner
        #expect(throws: SEIError.tooFewImages(got: 1, needed: 2)) { try owner.buildIndex(ids: ["a"], features: [[1, 2, 3]]) }
        #expect(throws: SEIError.featureDimensionMismatch(expected: 8, actual: 3)) { try owner.buildIndex(ids: ["a", "b"], features: [[1, 2, 3], [4, 5, 6]]) }
        #expect(throws: SEIError.duplicateImage("a")) { try owner.buildIndex(ids: ["a", "a"], features: fixture.features.prefix(2).map { $0 }) }
        #expect(throws: SEIError.featureDimensionMismatch(expected: 24, actual: 3)) { try fixture.user.makeSearch([1, 2, 3], options: .init()) }
        #expect(throws: SEIError.self) { try fixture.user.makeSearch(fixture.features[0], options: .init(k: 0)) }
        #expect(throws: SEIError.self) { try fixture.user.makeSearch(fixture.features[0], options: .init(), anonymity: 0) }
        let fresh = try SEIOwner.generate(configuration: .init(dimension: 8))
        #expect(throws: SEIError.indexNotBuilt) { try fresh.register(fixture.secret.registrationRequest) }
        // Wire decoders: truncation, foreign magic, trailing bytes, absurd counts.
        let (request, _) = try fixture.user.makeSearch(fixture.features[0], options: .init())
        let bytes = request.serialized()
        #expect(throws: WireError.self) { try SEISearchRequest(serialized: Array(bytes.dropLast())) }
        #expect(throws: WireError.self) { try SEISearchRequest(serialized: bytes + [0]) }
        #expect(throws: WireError.self) { try SEIIndexUpload(serialized: bytes) }
        var huge = Array(bytes.prefix(6))
        huge += [10, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 18, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(throws: WireError.self) { try SEISearchRequest(serialized: huge) }
        #expect(throws: WireError.self) { try SEIDeleteImages(serialized: [0x53, 0x45, 0x49, 0x44, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: WireError.self) { try SEIOwner(serialized: Array(fixture.owner.serialized().dropLast(5))) }
        #expect(throws: WireError.self) { try SEIUserCredentials(serialized: Array(repeating: 0, count: 64)) }
        #expect(throws: SEIError.self) { try fixture.cloud.search(SEISearchRequest(options: .init(), trapdoors: [[1, 2, 3]])) }
    }
}

/// Test arguments for the two tree strategies (keeps the test target independent of MedSearchIndex).
enum TreeSearchStrategyArgument: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case depthFirst, bestFirst
    var value: MedSearchIndex.TreeSearchStrategy { self == .depthFirst ? .depthFirst : .bestFirst }
    var testDescription: String { rawValue }
}
