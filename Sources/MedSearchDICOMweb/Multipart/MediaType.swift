import Foundation
/// A parsed `Content-Type` / `Accept` media type: `type/subtype; name=value; name="quoted value"`.
public struct MediaType: Sendable, Equatable {
    /// `type/subtype`, lower-cased.
    public var essence: String
    /// Parameters with lower-cased names, values unquoted (case kept).
    public var parameters: [String: String]

    /// Parses one media type; nil when it has no `type/subtype`.
    public init?(_ text: String) {
        var fields: [String] = []
        var current = ""
        var inQuotes = false, escaped = false
        for character in text {
            if escaped { current.append(character); escaped = false; continue }
            if inQuotes && character == "\\" { escaped = true; continue }
            if character == "\"" { inQuotes.toggle(); continue }
            if character == ";" && !inQuotes { fields.append(current); current = ""; continue }
            current.append(character)
        }
        fields.append(current)
        let essence = fields[0].trimmingCharacters(in: .whitespaces).lowercased()
        let halves = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty, !essence.contains(" ") else { return nil }
        self.essence = essence
        parameters = [:]
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "=") else { continue }
            let name = field[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = field[field.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { parameters[name] = value }
        }
    }

    /// The boundary of a `multipart/related` STOW-RS request whose root type (when given) is `application/dicom`.
    /// - Throws: ``DICOMwebError/unsupportedMediaType(_:)`` or ``DICOMwebError/missingBoundary``.
    public static func stowBoundary(contentType: String?) throws -> String {
        guard let contentType, let type = MediaType(contentType) else {
            throw DICOMwebError.unsupportedMediaType("none; expected multipart/related; type=\"application/dicom\"")
        }
        guard type.essence == "multipart/related" else {
            throw DICOMwebError.unsupportedMediaType("\(type.essence.prefix(80)); expected multipart/related")
        }
        if let root = type.parameters["type"], root.lowercased() != "application/dicom" {
            throw DICOMwebError.unsupportedMediaType(
                "multipart/related with type=\(root.prefix(60)); only application/dicom instances are accepted")
        }
        guard let boundary = type.parameters["boundary"], !boundary.isEmpty else { throw DICOMwebError.missingBoundary }
        // RFC 2046 allows 70 characters; Orthanc 1.10's DICOMweb plugin sends 73, so be liberal within reason.
        guard boundary.utf8.count <= 200 else {
            throw DICOMwebError.malformedMultipart("the boundary is longer than 200 characters")
        }
        return boundary
    }
}
