import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a loopback server, for requests no HTTP library would send: a head declaring a
/// body that never comes, a head cut in the middle, a connection left idle.
///
/// Reads block a thread of their own, never the cooperative pool: a test's server in the same process needs
/// that pool to answer, and on a 2-core machine a few blocked reads would starve it.
public final class RawHTTPConnection: @unchecked Sendable {
    private let socket: Int32

    /// Connects to `127.0.0.1:port`; reads wait at most `readTimeout` seconds.
    public init(port: Int, readTimeout: Int = 20) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect to port \(port) failed (errno \(errno))")
        }
        var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    /// Sends `text` as is.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends `bytes` as they are.
    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed (errno \(errno))") }
            sent += n
        }
    }

    /// Reads until the server closes the connection, the read timeout passes, or `until` returns true for what
    /// arrived; returns what arrived and whether the server closed the connection.
    public func receive(until: @escaping @Sendable (String) -> Bool = { _ in false }) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.receiveBlocking(until: until)) }
        }
    }

    private func receiveBlocking(until: (String) -> Bool) -> (text: String, closed: Bool) {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if n < 0 { return (String(decoding: received, as: UTF8.self), errno == ECONNRESET) }
            received += buffer[0..<n]
            if until(String(decoding: received, as: UTF8.self)) { return (String(decoding: received, as: UTF8.self), false) }
        }
    }

    /// The status code of the first response that arrives (nil if none arrives before the read timeout).
    public func status() async -> Int? {
        Self.statusCode(of: await receive { $0.contains("\r\n") }.text)
    }

    /// The status code at the start of `response` (nil if it does not start with an HTTP/1 status line).
    public static func statusCode(of response: String) -> Int? {
        let parts = response.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(parts[1])
    }

    /// Streams a chunked request body (after a head that says `Transfer-Encoding: chunked`) of up to `total` bytes
    /// in chunks of `chunk` bytes, then its last chunk; stops early when the server closes the connection or
    /// takes nothing for `stallSeconds`. Returns the body bytes sent. Runs on a thread of its own, like reads.
    public func sendChunkedBody(total: Int, chunk: Int = 64 << 10, stallSeconds: Int = 60) async -> Int {
        var timeout = timeval(tv_sec: stallSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let frame = Array((String(chunk, radix: 16) + "\r\n").utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: chunk)
            + Array("\r\n".utf8)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var sent = 0
                while sent < total, (try? self.send(frame)) != nil { sent += chunk }
                if sent >= total { try? self.send("0\r\n\r\n") }
                continuation.resume(returning: sent)
            }
        }
    }

    /// A connection failure.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }
}

/// Port of a base URL such as `http://127.0.0.1:8080`.
public func loopbackPort(of url: String) -> Int? {
    url.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) }
}
