import MedSearchCore
import Synchronization
import Testing
import _MedSearchTestSupport

@Suite("Turn queue (one at a time, bounded waiting)")
struct TurnQueueTests {
    /// What the admitted callers did, shared with their tasks.
    final class Admitted: Sendable {
        let order = Mutex<[Int]>([])
        let running = Mutex((now: 0, most: 0))
    }

    @Test("waiters get their turn in arrival order, one at a time")
    func arrivalOrder() async throws {
        let queue = TurnQueue(maxWaiting: 8)
        let log = Admitted()
        #expect(await queue.enter())
        var tasks: [Task<Void, Never>] = []
        for index in 0..<5 {
            tasks.append(Task {
                guard await queue.enter() else { return }
                log.running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                log.order.withLock { $0.append(index) }
                try? await Task.sleep(for: .milliseconds(1))
                log.running.withLock { $0.now -= 1 }
                queue.leave()
            })
            // The next waiter arrives only after this one is queued.
            #expect(await eventually { queue.waitingCount == index + 1 })
        }
        queue.leave()
        for task in tasks { await task.value }
        #expect(log.order.withLock { $0 } == [0, 1, 2, 3, 4])
        #expect(log.running.withLock { $0.most } == 1)
        #expect(queue.waitingCount == 0)
        // The turn is free again.
        #expect(await queue.enter())
        queue.leave()
    }

    @Test("a caller beyond maxWaiting is refused at once; a freed place is taken again")
    func bounded() async throws {
        let queue = TurnQueue(maxWaiting: 2)
        #expect(await queue.enter())
        let waiters = (0..<2).map { _ in Task { () -> Bool in
            let admitted = await queue.enter()
            if admitted { queue.leave() }
            return admitted
        } }
        #expect(await eventually { queue.waitingCount == 2 })
        #expect(await queue.enter() == false)
        queue.leave()
        for waiter in waiters { #expect(await waiter.value) }
        #expect(queue.waitingCount == 0)
        let none = TurnQueue(maxWaiting: 0)
        #expect(await none.enter())
        #expect(await none.enter() == false)
        none.leave()
        #expect(await none.enter())
        none.leave()
    }
}
