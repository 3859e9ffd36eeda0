import Foundation

/// Slows password guessing per source address, never per account: after ``WebLimits/freeFailedLogins`` failed
/// logins from one address, every further attempt from it must wait a delay that doubles with each failure (1 s,
/// 2 s, 4 s ... up to ``WebLimits/maxLoginDelaySeconds``); an attempt made too early is refused before the password
/// is checked, with the same reply whatever the account. An anonymous attacker therefore cannot lock anyone out:
/// the account's owner, from another address, logs in as usual. A success from an address clears its record.
///
/// The table is bounded (``capacity`` addresses; the stalest record is dropped first) and forgets an address
/// ``forgetAfter`` seconds after its last failure. Behind a reverse proxy every client shares the proxy's
/// address: run the web application where it sees client addresses, or accept a shared throttle.
public actor LoginThrottle {
    struct Record {
        var failures: Int
        var lastFailure: Date
        var nextAttempt: Date
    }

    /// The most addresses remembered.
    public let capacity: Int
    /// Seconds after its last failure when an address is forgotten.
    public let forgetAfter: Double
    private var records: [String: Record] = [:]

    /// Creates an empty throttle.
    public init(capacity: Int = 10_000, forgetAfter: Double = 3600) {
        self.capacity = capacity
        self.forgetAfter = forgetAfter
    }

    /// Seconds `source` must still wait before its next attempt (0: it may try now).
    public func wait(for source: String, now: Date = Date()) -> Int {
        guard let record = records[source], now.timeIntervalSince(record.lastFailure) < forgetAfter else { return 0 }
        return max(0, Int(record.nextAttempt.timeIntervalSince(now).rounded(.up)))
    }

    /// Records a failed login from `source`.
    public func failed(_ source: String, now: Date = Date()) {
        var record = records[source].flatMap { now.timeIntervalSince($0.lastFailure) < forgetAfter ? $0 : nil }
            ?? Record(failures: 0, lastFailure: now, nextAttempt: now)
        record.failures += 1
        record.lastFailure = now
        let excess = record.failures - WebLimits.freeFailedLogins
        if excess >= 0 {
            record.nextAttempt = now.addingTimeInterval(min(WebLimits.maxLoginDelaySeconds, pow(2, Double(min(excess, 30)))))
        }
        if records[source] == nil, records.count >= capacity { evictStalest(now: now) }
        records[source] = record
    }

    /// Clears `source` after a successful login.
    public func succeeded(_ source: String) { records[source] = nil }

    /// How many addresses are remembered.
    public var count: Int { records.count }

    private func evictStalest(now: Date) {
        records = records.filter { now.timeIntervalSince($0.value.lastFailure) < forgetAfter }
        if records.count >= capacity, let stalest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure }) {
            records[stalest.key] = nil
        }
    }
}
