@testable import MedSearchTrustMed
import Testing

@Suite("Deadline")
struct DeadlineTests {
    @Test func returnsTheValueInTime() async throws {
        let value = try await Deadline.run(timeout: .seconds(5)) { 42 }
        #expect(value == 42)
    }

    @Test func givesUpAtTheDeadlineWithoutWaitingForTheStraggler() async throws {
        let start = ContinuousClock.now
        await #expect(throws: Deadline.Exceeded.self) {
            try await Deadline.run(timeout: .milliseconds(100)) {
                try? await Task.sleep(for: .seconds(600))  // ignores cancellation on purpose
                return 1
            }
        }
        // Far less than the straggler's 600 s, with room for a machine whose cooperative pool is busy with
        // other suites' CPU-bound work (seen: 55 s under a load average of 20).
        #expect(ContinuousClock.now - start < .seconds(300))
    }

    @Test func passesErrorsThrough() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await Deadline.run(timeout: .seconds(5)) { () async throws -> Int in throw Boom() } }
    }

    @Test func returnsPromptlyWhenTheCallerIsCancelled() async throws {
        let start = ContinuousClock.now
        let task = Task {
            try await Deadline.run(timeout: .seconds(600)) {
                try? await Task.sleep(for: .seconds(600))
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(300))
    }
}
