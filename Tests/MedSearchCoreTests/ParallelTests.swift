import MedSearchCore
import Synchronization
import Testing

@Suite("Parallel map")
struct ParallelTests {
    struct Failure: Error, Equatable {
        let index: Int
    }

    @Test("results come back in index order, each index computed exactly once",
          arguments: [0, 1, 2, 63, 64, 65, 127, 1000, 4099])
    func orderAndCoverage(count: Int) {
        let calls = Mutex([Int](repeating: 0, count: count))
        let squares = Parallel.map(count: count) { index in
            calls.withLock { $0[index] += 1 }
            return index * index
        }
        #expect(squares == (0..<count).map { $0 * $0 })
        #expect(calls.withLock { $0 } == [Int](repeating: 1, count: count))
    }

    @Test("every iteration runs when some throw; the lowest failing index's error is rethrown")
    func errors() {
        let count = 500
        let calls = Mutex(0)
        #expect(throws: Failure(index: 37)) {
            _ = try Parallel.map(count: count) { (index: Int) throws(Failure) -> Int in
                calls.withLock { $0 += 1 }
                if index % 37 == 0 && index > 0 { throw Failure(index: index) }
                return index
            }
        }
        #expect(calls.withLock { $0 } == count)
    }

    @Test("heap-allocated results (strings, arrays) are moved out of the slots intact")
    func values() {
        let strings = Parallel.map(count: 300) { String(repeating: "x", count: $0 % 17) + "\($0)" }
        #expect(strings == (0..<300).map { String(repeating: "x", count: $0 % 17) + "\($0)" })
        let arrays = Parallel.map(count: 70) { [UInt8](repeating: UInt8($0), count: $0) }
        #expect(arrays == (0..<70).map { [UInt8](repeating: UInt8($0), count: $0) })
    }
}
