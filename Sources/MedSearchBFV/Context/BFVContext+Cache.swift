import Synchronization

extension BFVContext {
    /// A process-wide context for `parameters`, built on first use and shared afterwards (contexts are immutable).
    public static func cached(_ parameters: BFVParameters) throws(BFVError) -> BFVContext {
        try contextCache.withLock { (contexts) throws(BFVError) -> BFVContext in
            if let context = contexts[parameters] { return context }
            let context = try BFVContext(parameters: parameters)
            contexts[parameters] = context
            return context
        }
    }
}

/// One context per parameter set, built while holding the lock (so each set is built once).
private let contextCache = Mutex<[BFVParameters: BFVContext]>([:])
