/// Whether this binary was built for debugging (benchmark figures need a release build).
public enum BuildConfiguration {
    /// True in a debug build.
    public static var isDebug: Bool {
        #if DEBUG
        true
        #else
        false
        #endif
    }

    /// `debug` or `release`, as recorded in reports.
    public static var name: String { isDebug ? "debug" : "release" }
}
