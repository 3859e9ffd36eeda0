import Foundation
import MedSearchCore
#if canImport(Glibc)
import Glibc
#endif

/// Ports for roles launched without one (port 0).
///
/// A launched role can be restarted at the port it had, so its peers' address lists stay valid. A port the kernel
/// hands out for port 0 lies in its ephemeral range, which it also uses for the local end of outgoing connections:
/// while the role is down, an outgoing connection of any process on the machine can take that port, and the
/// restart then fails with "address already in use" for as long as that connection lives. So the launcher picks
/// ports below the ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`), which the kernel never hands out on
/// its own, checking that each is free on the role's address before it is used. Where no such range exists
/// (the ephemeral range starts low, or the host is not an IPv4 address) the kernel's choice is kept.
enum LocalPorts {
    /// The lowest port picked.
    static let lowest = 10_000

    /// The first port of the kernel's ephemeral range (32768 when it cannot be read).
    static var ephemeralStart: Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap({ Int($0) })
        else { return 32_768 }
        return first
    }

    /// A free port on `host` below the ephemeral range; where there is no such range (or `host` is not an IPv4
    /// address) one the kernel reports free. Nil when none can be found.
    static func pick(host: String) -> Int? {
        let end = ephemeralStart
        guard end - lowest >= 1_000 else { return kernelChoice(host: host) }
        var generator = SecureRandomGenerator()
        for _ in 0..<64 {
            let port = Int.random(in: lowest..<end, using: &generator)
            switch isFree(port, host: host) {
            case true?: return port
            case false?: continue
            case nil: return kernelChoice(host: host)
            }
        }
        return nil
    }

    /// The port the kernel gives a socket bound to `host`:0 (nil when that fails).
    static func kernelChoice(host: String) -> Int? {
        withBoundSocket(0, host: host) { descriptor in
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
        } ?? nil
    }

    /// Whether `port` can be bound on `host` (nil: `host` is not an IPv4 address, so it cannot be checked here).
    static func isFree(_ port: Int, host: String) -> Bool? {
        guard isIPv4(host) else { return nil }
        return withBoundSocket(port, host: host) { _ in true } ?? false
    }

    static func isIPv4(_ host: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1
    }

    /// `body` with a socket bound to `host`:`port` (SO_REUSEADDR, as the servers bind: a port whose old
    /// connections are in TIME_WAIT counts as free), closed afterwards; nil when it cannot be bound.
    private static func withBoundSocket<T>(_ port: Int, host: String, _ body: (Int32) -> T) -> T? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0 ? body(descriptor) : nil
    }
}
