/// The time a chain of calls has left, carried from process to process.
///
/// A client gives a call a deadline (its ``ServiceClient`` timeout); ``ServiceClient`` sends what remains of it in
/// the ``header`` (milliseconds), the server runs the handler with ``current`` set to the same instant and stops it
/// there, and every call the handler makes in turn (the edge master to its storage nodes, C1 to C2) is bounded by
/// what is left: a deadline set by the command line reaches the last process, and no one keeps working for a
/// caller that has given up.
///
/// ```swift
/// try await RequestDeadline.$current.withValue(.now + .seconds(5)) {
///     try await client.call(Routes.EdgeMaster.search, body: body)   // at most 5 s, header says <= 5000
/// }
/// ```
public enum RequestDeadline {
    /// The request header carrying the caller's remaining budget in whole milliseconds.
    public static let header = "X-MedSearch-Deadline-Ms"
    /// The longest budget a server accepts from the header (one day); a larger or malformed value is ignored.
    public static let maxBudget: Duration = .seconds(86_400)

    /// The deadline of the request being served (or of the caller's own operation), if any.
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// What is left of ``current`` (nil without a deadline; zero or negative once it has passed).
    public static var remaining: Duration? { current.map { $0 - .now } }

    /// The budget a header value announces, or nil when it is missing, malformed, not positive or above
    /// ``maxBudget``.
    public static func budget(fromHeader value: String?) -> Duration? {
        guard let value, value.utf8.count <= 12, let milliseconds = Int64(value), milliseconds > 0 else { return nil }
        let budget = Duration.milliseconds(milliseconds)
        return budget <= maxBudget ? budget : nil
    }

    /// The header value for a budget: whole milliseconds, at least 1.
    public static func headerValue(_ budget: Duration) -> String {
        let (seconds, attoseconds) = budget.components
        let milliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return String(milliseconds)
    }
}
