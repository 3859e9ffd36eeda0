import Foundation

/// Diagnostics for a test that could not bind or rebind a port: which sockets hold it, with their processes
/// (`ss -tanpe`), written to standard error. It was this report that showed a `medsearch` child holding a test
/// server's listening socket (ChildProcess closes inherited descriptors since).
public enum PortHolders {
    /// Writes the sockets on `port` to standard error (nothing when `ss` is not installed).
    public static func report(_ port: Int) {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/sh")
        probe.arguments = ["-c", "command -v ss >/dev/null && ss -tanpe | grep ':\(port) ' >&2"]
        guard (try? probe.run()) != nil else { return }
        probe.waitUntilExit()
    }
}
