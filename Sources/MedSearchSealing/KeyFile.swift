import Foundation
import MedSearchCore

/// Reads and writes secret key files with mode 0600 and refuses group- or world-readable ones.
enum KeyFile {
    static func write(_ bytes: [UInt8], to url: URL) throws(SealingError) {
        do { try OwnerOnlyFile.write(bytes, to: url) } catch { throw map(error) }
    }

    static func read(from url: URL, maxBytes: Int = 1 << 16) throws(SealingError) -> [UInt8] {
        do { return try OwnerOnlyFile.read(from: url, maxBytes: maxBytes) } catch { throw map(error) }
    }

    private static func map(_ failure: OwnerOnlyFile.Failure) -> SealingError {
        switch failure {
        case let .io(reason): .io(reason)
        case let .insecurePermissions(path, mode): .insecureKeyFilePermissions(path: path, mode: mode)
        }
    }
}
