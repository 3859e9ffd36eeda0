import Foundation

/// The deployment's deny list of revoked role certificates: `revoked.txt` beside the CA.
///
/// One serial number a line, hexadecimal (upper or lower case, `:` separators and leading zeros allowed, as
/// `openssl x509 -serial` and `medsearch pki issue` print it); `#` starts a comment. `medsearch pki revoke`
/// appends to it. Every role reads it at start and again on SIGHUP, and from then on refuses a connection, and
/// every further request on a connection already open, from a certificate listed in it.
///
/// A deny list rather than an X.509 CRL: the CA signs nothing but certificates, the list is distributed with
/// the deployment's files like the CA certificate itself, and its integrity is that of the deployment's
/// configuration.
public struct RevocationList: Sendable, Equatable {
    /// The normalised serial numbers (lowercase hexadecimal, no separators or leading zeros).
    public private(set) var serials: Set<String>

    /// The first lines of a new list.
    public static let header = "# MedSearch deny list: one revoked certificate serial number (hex) a line.\n"

    /// Creates a list.
    public init(serials: some Sequence<String> = []) {
        self.serials = Set(serials.compactMap(Self.normalised))
    }

    /// Parses the text of a deny list.
    ///
    /// - Throws: ``TLSFailure/invalidFile(path:reason:)`` naming the first line that is not a serial number.
    public init(text: String, path: String) throws(TLSFailure) {
        var serials = Set<String>()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard let serial = Self.normalised(line) else {
                throw .invalidFile(path: path, reason: "line \(index + 1) is not a hexadecimal serial number")
            }
            serials.insert(serial)
        }
        self.serials = serials
    }

    /// Reads a deny list; a missing file is an empty list.
    public static func load(_ url: URL) throws(TLSFailure) -> RevocationList {
        guard FileManager.default.fileExists(atPath: url.path) else { return RevocationList() }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .invalidFile(path: url.path, reason: "cannot read it")
        }
        guard data.count <= 16 << 20 else { throw .invalidFile(path: url.path, reason: "larger than 16 MiB") }
        return try RevocationList(text: String(decoding: data, as: UTF8.self), path: url.path)
    }

    /// Whether `serial` (normalised or not) is revoked.
    public func contains(_ serial: String) -> Bool {
        Self.normalised(serial).map(serials.contains) ?? false
    }

    /// Appends `serial` to the list file at `url` (creating it), with a comment.
    public static func append(serial: String, comment: String, to url: URL) throws(TLSFailure) {
        guard let normalised = Self.normalised(serial) else {
            throw .issuing("\"\(serial)\" is not a hexadecimal serial number")
        }
        var text = (try? String(contentsOf: url, encoding: .utf8)) ?? header
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        let note = comment.replacingOccurrences(of: "\n", with: " ")
        text += "\(normalised)\(note.isEmpty ? "" : "  # \(note)")\n"
        try DeploymentCA.writePublic(text, to: url)
    }

    /// Lowercase hexadecimal without `:` or leading zeros; nil when `text` is not hexadecimal.
    public static func normalised(_ text: String) -> String? {
        let digits = text.lowercased().filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 128, digits.allSatisfy(\.isHexDigit) else { return nil }
        let trimmed = digits.drop { $0 == "0" }
        guard !trimmed.isEmpty else { return "00" }
        // Whole bytes, as PeerIdentity prints them.
        return trimmed.count % 2 == 1 ? "0" + trimmed : String(trimmed)
    }
}
