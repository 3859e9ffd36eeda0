import Foundation

/// Files that hold secrets (keys, tokens): written with mode 0600, refused on read when group or others can
/// access them (as ssh does), bounded in size, never followed through a symbolic link when written.
public enum OwnerOnlyFile {
    /// Why a secret file could not be written or read. Never carries the file's content.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The operating system refused an operation.
        case io(String)
        /// Group or others may access the file (`mode` is its permission bits).
        case insecurePermissions(path: String, mode: UInt16)

        public var description: String {
            switch self {
            case let .io(reason): reason
            case let .insecurePermissions(path, mode):
                "\(path) is accessible to group or others (mode \(String(mode, radix: 8))); run chmod 600"
            }
        }
    }

    /// Writes `bytes` to `url` with mode 0600 (forced even when the file existed) and syncs it.
    public static func write(_ bytes: [UInt8], to url: URL) throws(Failure) {
        let path = url.path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else {
            throw .io("cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw .io("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Reads a secret file of at most `maxBytes`, refusing one that group or others can access.
    public static func read(from url: URL, maxBytes: Int = 1 << 20) throws(Failure) -> [UInt8] {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io("cannot stat \(path)") }
        let mode = UInt16(info.st_mode & 0o7777)
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode) }
        let size = Int(info.st_size)
        guard size <= maxBytes else { throw .io("\(path) is too large for a key file") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let result = bytes.withUnsafeMutableBytes { raw in
                Foundation.read(descriptor, raw.baseAddress! + done, size - done)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if result == 0 { break }
            done += result
        }
        guard done == size else { throw .io("\(path) changed while being read") }
        return bytes
    }
}
