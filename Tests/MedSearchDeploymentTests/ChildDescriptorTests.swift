import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import _MedSearchTestSupport

/// A child the tests spawn inherits none of the test process's sockets. SwiftNIO opens sockets without
/// close-on-exec, so before this held, a `medsearch` command run by one test kept the listening socket of another
/// test's in-process server: that port stayed bound after the server stopped, and a restart at it failed with
/// "address already in use" (or a client connected into a backlog nobody accepted from).
@Suite struct ChildDescriptorTests {
    @Test func aSpawnedChildInheritsNoSocketOfThisProcess() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)  // no close-on-exec, as SwiftNIO's
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)
        let inode = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(listener)")
        #expect(inode.hasPrefix("socket:["))
        #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC == 0)

        let result = try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"),
                                          ["-c", "for f in /proc/$$/fd/*; do readlink \"$f\" || true; done"])
        #expect(result.status == 0, "\(result.stderr)")
        let descriptors = result.stdout.split(separator: "\n").map(String.init)
        #expect(descriptors.count >= 3, "\(descriptors)")  // stdin, stdout, stderr at least
        #expect(!descriptors.contains(inode), "the child holds this process's listening socket: \(descriptors)")
    }
}
