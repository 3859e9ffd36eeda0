import Foundation
@testable import MedSearchDeployment
import Testing

/// Ports picked on this machine lie below the kernel's ephemeral range (so no outgoing connection can take a role's
/// port while it restarts), are free when picked, and a deployment file's ports are distinct.
@Suite struct LocalPortsTests {
    @Test func pickedPortsAreFreeAndBelowTheEphemeralRange() throws {
        let end = LocalPorts.ephemeralStart
        try #require(end - LocalPorts.lowest >= 1_000, "this kernel's ephemeral range starts at \(end)")
        for _ in 0..<20 {
            let port = try #require(LocalPorts.pick(host: "127.0.0.1"))
            #expect((LocalPorts.lowest..<end).contains(port))
            #expect(LocalPorts.isFree(port, host: "127.0.0.1") == true)
        }
        let ports = try LoopbackPorts.free(12)
        #expect(Set(ports).count == 12)
        #expect(ports.allSatisfy { (LocalPorts.lowest..<end).contains($0) })
    }

    @Test func aBoundPortIsNotFreeAndAHostNameIsLeftToTheKernel() throws {
        let port = try #require(LocalPorts.pick(host: "127.0.0.1"))
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 1) == 0)
        #expect(LocalPorts.isFree(port, host: "127.0.0.1") == false)
        #expect(LocalPorts.isFree(port, host: "localhost") == nil)
        #expect(LocalPorts.pick(host: "localhost") == nil)
    }
}
