/// Runs `body`, then `cleanup` whether `body` returned or threw (an asynchronous `defer`: stopping the processes
/// or dropping the database a test started); an error of `body` is rethrown once the clean-up has run.
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let result: T
    do { result = try await body() } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}
