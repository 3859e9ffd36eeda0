import Crypto
import Foundation
import MedSearchCore

/// The web server's store of uploaded images: each de-identified original sealed with AES-256-GCM under the
/// vault key (image id as associated data), one file per image, so images at rest on the hospital side
/// are encrypted too and a swapped or altered file is refused.
public struct ImageVault: Sendable {
    let directory: URL
    let key: SymmetricKey

    /// Opens the vault in `directory`, creating its key (mode 0600) on first use.
    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let keyFile = directory.appendingPathComponent("vault.key")
        var bytes: [UInt8]
        do { bytes = try OwnerOnlyFile.readOrCreate(at: keyFile, maxBytes: 64) { SecureRandom.bytes(32) } } catch {
            throw WebError.engineUnavailable("cannot use the vault key: \(error)")
        }
        defer { constantTimeWipe(&bytes) }
        guard bytes.count == 32 else { throw WebError.notFound("a valid vault key (\(keyFile.path) is corrupt)") }
        key = SymmetricKey(data: bytes)
    }

    /// Seals and stores an image's bytes under `id`.
    public func store(id: String, bytes: [UInt8]) throws {
        let sealed = try AES.GCM.seal(bytes, using: key, authenticating: Array(id.utf8))
        guard let combined = sealed.combined else { throw WebError.engineUnavailable("sealing failed") }
        try combined.write(to: file(id), options: .atomic)
    }

    /// The bytes stored under `id`, after checking they were sealed for that id.
    public func load(id: String) throws -> [UInt8] {
        guard let combined = try? Data(contentsOf: file(id)) else { throw WebError.notFound("Image \(id)") }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(id.utf8)))
        } catch {
            throw WebError.notFound("An intact copy of image \(id)")
        }
    }

    /// Removes the copy stored under `id` and its renditions (nothing happens when there is none).
    public func remove(id: String) {
        try? FileManager.default.removeItem(at: file(id))
        for kind in Derived.allCases { try? FileManager.default.removeItem(at: file("\(id)/\(kind.rawValue)")) }
    }

    /// What the web application derives from an upload once, when it decodes it, and serves afterwards.
    public enum Derived: String, Sendable, CaseIterable {
        /// The analysis image handed to the engines (``UploadPipeline/analysisSide`` pixels square, `Float` values).
        case analysis
        /// The 96-pixel PNG thumbnail.
        case thumbnail
        /// The 512-pixel PNG view.
        case view
    }

    /// Seals and stores a rendition of image `id` (associated data: the id and the kind).
    public func store(id: String, derived kind: Derived, bytes: [UInt8]) throws {
        let name = "\(id)/\(kind.rawValue)"
        let sealed = try AES.GCM.seal(bytes, using: key, authenticating: Array(name.utf8))
        guard let combined = sealed.combined else { throw WebError.engineUnavailable("sealing failed") }
        try combined.write(to: file(name), options: .atomic)
    }

    /// The stored rendition of image `id`, or nil when none was stored (an upload from before renditions existed).
    public func load(id: String, derived kind: Derived) throws -> [UInt8]? {
        let name = "\(id)/\(kind.rawValue)"
        guard let combined = try? Data(contentsOf: file(name)) else { return nil }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(name.utf8)))
        } catch {
            throw WebError.notFound("An intact copy of image \(id)")
        }
    }

    private func file(_ id: String) -> URL {
        directory.appendingPathComponent(Hex.encode(SHA256.hash(data: Array(id.utf8)).prefix(16)) + ".sealed")
    }
}
