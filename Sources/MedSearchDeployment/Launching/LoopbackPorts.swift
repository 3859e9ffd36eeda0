import Foundation
import MedSearchTransport

/// Free loopback TCP ports, for deployment files written on one machine (the demo, `serve web --demo`, tests):
/// a deployment file names fixed ports, since its roles need each other's addresses before any starts.
public enum LoopbackPorts {
    /// `count` distinct ports free on 127.0.0.1, below the kernel's ephemeral range as the launcher picks them
    /// (``LocalPorts``: a role restarted at its port cannot find it taken by an outgoing connection). Another process
    /// could take one before the role binds it; that role then fails to start and says so.
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when no free port can be found.
    public static func free(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        var attempts = 0
        while ports.count < count {
            attempts += 1
            guard attempts <= count * 16, let port = LocalPorts.pick(host: "127.0.0.1") else {
                throw ServiceError.configuration("cannot find \(count) free loopback ports")
            }
            if !ports.contains(port) { ports.append(port) }
        }
        return ports
    }
}
