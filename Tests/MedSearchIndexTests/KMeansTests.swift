import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchIndex

/// Gaussian-ish blobs around the given centres (uniform noise of radius `spread`).
func blobs(_ centres: [[Double]], perBlob: Int, spread: Double, seed: UInt64) -> (points: [[Double]], labels: [Int]) {
    var generator = SeededRandomNumberGenerator(seed: seed)
    var points = [[Double]](), labels = [Int]()
    for _ in 0..<perBlob {
        for (label, centre) in centres.enumerated() {
            points.append(centre.map { $0 + Double.random(in: -spread...spread, using: &generator) })
            labels.append(label)
        }
    }
    return (points, labels)
}

@Suite struct KMeansTests {
    @Test func recoversSeparatedBlobs() throws {
        let centres: [[Double]] = [[0, 0], [10, 0], [0, 10], [10, 10]]
        let data = blobs(centres, perBlob: 25, spread: 1, seed: 1)
        // Start from poor centres: the first four points (one per blob by construction, but perturbed).
        let result = try KMeans.fit(data.points, initialCentres: [[1, 1], [9, 1], [1, 9], [9, 9]])
        #expect(result.converged)
        for (i, label) in data.labels.enumerated() { #expect(result.assignments[i] == label) }
        for (c, centre) in centres.enumerated() {
            #expect(zip(result.centres[c], centre).allSatisfy { abs($0 - $1) < 0.5 })
        }
    }

    @Test func assignmentsAreNearestCentresAndInertiaMatches() throws {
        var generator = seededGenerator(2)
        let points = (0..<80).map { _ in (0..<3).map { _ in Double.random(in: -5...5, using: &generator) } }
        let result = try KMeans.fit(points, initialCentres: Array(points.prefix(6)))
        var inertia = 0.0
        for (i, point) in points.enumerated() {
            let nearest = KMeans.nearestCentre(of: point, in: result.centres)
            #expect(nearest == result.assignments[i])
            inertia += zip(point, result.centres[nearest]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        #expect(abs(inertia - result.inertia) < 1e-9)
        // Each centre is the mean of its points (a fixed point of Lloyd's iteration).
        for c in 0..<6 {
            let members = points.indices.filter { result.assignments[$0] == c }
            guard !members.isEmpty else { continue }
            for j in 0..<3 {
                let mean = members.reduce(0.0) { $0 + points[$1][j] } / Double(members.count)
                #expect(abs(mean - result.centres[c][j]) < 1e-9)
            }
        }
    }

    @Test func emptyClusterMovesToFarthestPoint() throws {
        let points: [[Double]] = [[0], [0.1], [0.2], [10]]
        // Two centres start on top of each other: the second gets no points and must move.
        let result = try KMeans.fit(points, initialCentres: [[0], [0], [100]])
        #expect(Set(result.assignments).count == 3 || result.centres.contains { abs($0[0] - 10) < 1e-9 })
        #expect(result.assignments[3] != result.assignments[0])
    }

    @Test func badInput() {
        #expect(throws: IndexTreeError.emptyInput) { try KMeans.fit([], initialCentres: [[0]]) }
        #expect(throws: IndexTreeError.dimensionMismatch(expected: 2, actual: 1, index: 1)) {
            try KMeans.fit([[0, 1], [2]], initialCentres: [[0, 0]])
        }
        #expect(throws: IndexTreeError.nonFiniteValue(index: 0)) { try KMeans.fit([[Double.nan]], initialCentres: [[0]]) }
        #expect(throws: IndexTreeError.self) { try KMeans.fit([[0]], initialCentres: []) }
    }
}
