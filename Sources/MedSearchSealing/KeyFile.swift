import Foundation

/// Reads and writes secret key files with mode 0600 and refuses group- or world-readable ones.
enum KeyFile {
    static func write(_ bytes: [UInt8], to url: URL) throws(SealingError) {
        let path = url.path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw .io("cannot set the mode of \(path)") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw .io("cannot sync \(path)") }
    }

    static func read(from url: URL, maxBytes: Int = 1 << 16) throws(SealingError) -> [UInt8] {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io("cannot stat \(path)") }
        let mode = UInt16(info.st_mode & 0o7777)
        guard mode & 0o077 == 0 else { throw .insecureKeyFilePermissions(path: path, mode: mode) }
        let size = Int(info.st_size)
        guard size <= maxBytes else { throw .io("\(path) is too large for a key file") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let result = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + done, size - done) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path)")
            }
            if result == 0 { break }
            done += result
        }
        guard done == size else { throw .io("\(path) changed while being read") }
        return bytes
    }
}
