import Synchronization

/// Runs an operation against a deadline and returns as soon as the first of these happens: the operation
/// finishes, the deadline passes, or the caller is cancelled. A straggling operation is cancelled and left
/// to finish in the background, so one slow storage node never holds up a caller that has what it needs.
enum Deadline {
    /// The operation did not finish in time.
    struct Exceeded: Error, CustomStringConvertible {
        var description: String { "no answer within the deadline" }
    }

    /// Resumes a continuation exactly once and cancels the helper tasks.
    private final class Race<T: Sendable>: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, tasks: [Task<Void, Never>], done: Bool)>((nil, [], false))

        func start(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
            state.withLock { value in
                if value.done { return false }
                value.continuation = continuation
                return true
            }
        }

        func attach(_ tasks: [Task<Void, Never>]) {
            let done = state.withLock { value -> Bool in
                value.tasks = tasks
                return value.done
            }
            if done { for task in tasks { task.cancel() } }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock { value -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
                if value.done { return (nil, []) }
                value.done = value.continuation != nil
                defer { value.continuation = nil }
                return (value.continuation, value.tasks)
            }
            guard let continuation else { return }
            for task in tasks { task.cancel() }
            continuation.resume(with: result)
        }

        var isDone: Bool { state.withLock { $0.done } }
    }

    static func run<T: Sendable>(timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                _ = race.start(continuation)
                let work = Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    race.finish(.failure(Exceeded()))
                }
                race.attach([work, timer])
                if Task.isCancelled { race.finish(.failure(CancellationError())) }
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }
}
