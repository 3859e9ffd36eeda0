/// Polls `condition` every 2 ms until it holds, for at most `limit`; returns whether it held (tests record a
/// failure when it did not).
public func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}
