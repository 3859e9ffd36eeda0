import Foundation
import MedSearchTransport
#if canImport(Glibc)
import Glibc
#endif

/// Free loopback TCP ports, for deployment files written on one machine (the demo, `serve web --demo`, tests):
/// a deployment file names fixed ports, since its roles need each other's addresses before any starts.
public enum LoopbackPorts {
    /// `count` distinct ports the kernel reports free on 127.0.0.1 (each bound, read and released together; another
    /// process could take one before the role binds it, which then fails to start and says so).
    ///
    /// - Throws: ``ServiceError/configuration(_:)`` when no port can be bound.
    public static func free(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ServiceError.configuration("cannot open a socket to find a free port") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw ServiceError.configuration("cannot bind a free loopback port") }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}
