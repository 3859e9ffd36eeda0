import Foundation

/// Files that hold secrets (keys, tokens, node lists, de-identification secrets): the one writer and reader of
/// secret files in MedSearch.
///
/// A write never exposes the secret, not even for an instant: the bytes go into a file created with mode 0600
/// from the start (`open(O_CREAT | O_EXCL | O_NOFOLLOW, 0600)`) inside a fresh private directory (mode 0700,
/// `mkdtemp`) beside the target, are synced, and the file is then renamed over the target, so readers see
/// either the old file or the whole new one. The mode is never changed after creation. Missing parent
/// directories are created with mode 0700.
///
/// A read refuses a file that group or others can access (as ssh does), one that is not a regular file, and
/// one above a size bound. Errors name the path and never the content.
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
                "\(path) is accessible to group or others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
            }
        }
    }

    /// Writes `bytes` to `url` atomically, readable and writable by its owner only (mode 0600 from creation).
    ///
    /// - Throws: ``Failure/io(_:)`` when a directory cannot be created or the file cannot be written, synced
    ///   or renamed into place (nothing is left behind then).
    public static func write(_ bytes: [UInt8], to url: URL) throws(Failure) {
        try write(bytes, to: url, beforeRename: nil)
    }

    /// Writes `data` (see ``write(_:to:)``).
    public static func write(_ data: Data, to url: URL) throws(Failure) {
        try write([UInt8](data), to: url, beforeRename: nil)
    }

    /// ``write(_:to:)`` with a hook that sees the temporary file's path before the rename (tests check its mode).
    static func write(_ bytes: [UInt8], to url: URL, beforeRename: ((String) -> Void)?) throws(Failure) {
        let target = url.standardizedFileURL.path
        let parent = url.standardizedFileURL.deletingLastPathComponent().path
        try makeDirectories(parent)
        var template = Array("\(parent)/.medsearch-secret-XXXXXX".utf8CString)
        let staging: String = try template.withUnsafeMutableBufferPointer { buffer throws(Failure) -> String in
            guard let created = mkdtemp(buffer.baseAddress!) else {
                throw .io("cannot create a private directory in \(parent): \(lastError())")
            }
            return String(cString: created)
        }
        let temporary = staging + "/secret"
        defer {
            unlink(temporary)
            rmdir(staging)
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create a temporary file for \(target): \(lastError())") }
        do throws(Failure) {
            try writeAll(bytes, to: descriptor, path: target)
            guard fsync(descriptor) == 0 else { throw .io("cannot sync \(target): \(lastError())") }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw .io("cannot close \(target): \(lastError())") }
        beforeRename?(temporary)
        guard rename(temporary, target) == 0 else { throw .io("cannot move the new \(target) into place: \(lastError())") }
        // Make the rename durable.
        let directory = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Reads a secret file of at most `maxBytes`, refusing one that group or others can access.
    ///
    /// - Throws: ``Failure/insecurePermissions(path:mode:)`` when group or others have any access;
    ///   ``Failure/io(_:)`` when the file is missing, not a regular file, too large or unreadable.
    public static func read(from url: URL, maxBytes: Int = 1 << 20) throws(Failure) -> [UInt8] {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(lastError())") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io("cannot stat \(path)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .io("\(path) is not a regular file") }
        let mode = UInt16(info.st_mode & 0o7777)
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode) }
        let size = Int(info.st_size)
        guard size <= maxBytes else { throw .io("\(path) is too large for a secret file (\(size) bytes, at most \(maxBytes))") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let result = bytes.withUnsafeMutableBytes { raw in
                Foundation.read(descriptor, raw.baseAddress! + done, size - done)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(lastError())")
            }
            if result == 0 { break }
            done += result
        }
        guard done == size else { throw .io("\(path) changed while being read") }
        return bytes
    }

    /// Whether something exists at `url` (a symbolic link counts, even a dangling one).
    public static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    /// Reads the secret file at `url` (every check of ``read(from:maxBytes:)``), or nil when nothing exists there.
    public static func readIfPresent(at url: URL, maxBytes: Int = 1 << 20) throws(Failure) -> [UInt8]? {
        guard exists(url) else { return nil }
        return try read(from: url, maxBytes: maxBytes)
    }

    /// Reads the secret file at `url`, or creates it from `make()` when nothing exists there.
    ///
    /// An existing file is read with every check of ``read(from:maxBytes:)``: a file others can read is refused,
    /// never silently replaced.
    public static func readOrCreate(at url: URL, maxBytes: Int = 1 << 20,
                                    make: () throws -> [UInt8]) throws -> [UInt8] {
        if exists(url) { return try read(from: url, maxBytes: maxBytes) }
        let fresh = try make()
        try write(fresh, to: url)
        return fresh
    }

    /// Creates `path` and its missing ancestors with mode 0700 (existing directories are left as they are).
    private static func makeDirectories(_ path: String) throws(Failure) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw .io("\(path) is not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectories(parent) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw .io("cannot create directory \(path): \(lastError())")
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(Failure) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(lastError())")
            }
            written += result
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
