import Testing
import MedSearchCore
import _MedSearchTestSupport
@testable import MedSearchIndex

@Suite struct AffinityPropagationTests {
    @Test func findsTheNumberOfSeparatedBlobs() throws {
        let data = blobs([[0, 0], [20, 0], [0, 20]], perBlob: 15, spread: 1, seed: 3)
        let result = try AffinityPropagation.fit(data.points, preference: .minimum)
        #expect(result.converged)
        #expect(result.exemplars.count == 3)
        // Points of one blob share a cluster, different blobs differ.
        for i in data.points.indices {
            for j in data.points.indices {
                #expect((result.assignments[i] == result.assignments[j]) == (data.labels[i] == data.labels[j]))
            }
        }
        // Each exemplar belongs to its own cluster and is a point of that blob.
        for (e, index) in result.exemplars.enumerated() { #expect(result.assignments[index] == e) }
    }

    @Test func medianPreferenceGivesMoreClustersThanMinimum() throws {
        var generator = seededGenerator(4)
        let points = (0..<60).map { _ in (0..<2).map { _ in Double.random(in: 0...10, using: &generator) } }
        let median = try AffinityPropagation.fit(points, preference: .median)
        let minimum = try AffinityPropagation.fit(points, preference: .minimum)
        #expect(median.exemplars.count > minimum.exemplars.count)
        #expect(minimum.exemplars.count >= 1)
        // Every point is assigned to its most similar exemplar.
        for (i, point) in points.enumerated() where !median.exemplars.contains(i) {
            let distances = median.exemplars.map { e in zip(point, points[e]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            let best = distances.indices.min { distances[$0] < distances[$1] }!
            #expect(abs(distances[best] - distances[median.assignments[i]]) < 1e-9)
        }
        // Deterministic.
        #expect(try AffinityPropagation.fit(points, preference: .median) == median)
    }

    @Test func cakMeansUsesExemplarsAsStart() throws {
        let data = blobs([[0, 0], [20, 0], [0, 20], [20, 20]], perBlob: 20, spread: 2, seed: 5)
        let options = CAKMeans.Options(affinitySampleSize: 40, preference: .minimum)
        let result = try CAKMeans.fit(data.points, options: options)
        #expect(result.centres.count == result.exemplars.count)
        #expect(result.centres.count == 4)
        for i in data.points.indices {
            for j in data.points.indices where i < j {
                #expect((result.assignments[i] == result.assignments[j]) == (data.labels[i] == data.labels[j]))
            }
        }
    }

    @Test func badInput() throws {
        #expect(throws: IndexTreeError.emptyInput) { try AffinityPropagation.fit([]) }
        #expect(throws: IndexTreeError.self) { try AffinityPropagation.fit([[0], [1]], damping: 1) }
        #expect(try AffinityPropagation.fit([[3, 4]]).exemplars == [0])
    }
}
