import Foundation

extension BFVContext {
    /// A process-wide context for `parameters`, built on first use and shared afterwards (contexts are immutable).
    public static func cached(_ parameters: BFVParameters) throws(BFVError) -> BFVContext {
        try ContextCache.shared.context(for: parameters)
    }
}

/// Caches one context per parameter set.
private final class ContextCache: @unchecked Sendable {
    // @unchecked Sendable: `contexts` is only touched while holding `lock`.
    static let shared = ContextCache()
    private let lock = NSLock()
    private var contexts: [BFVParameters: BFVContext] = [:]

    func context(for parameters: BFVParameters) throws(BFVError) -> BFVContext {
        lock.lock()
        defer { lock.unlock() }
        if let context = contexts[parameters] { return context }
        let context = try BFVContext(parameters: parameters)
        contexts[parameters] = context
        return context
    }
}
