import Foundation
import Hummingbird
import MedSearchCore

/// A submitted form: text fields and uploaded files, read from `application/x-www-form-urlencoded` or
/// `multipart/form-data`, with its CSRF token already checked against the session.
public struct FormInput: Sendable {
    /// Text fields (the last value wins for single-valued access).
    public var fields: [String: [String]]
    /// Uploaded files, in order.
    public var files: [UploadedFile]

    /// The value of a single field.
    public subscript(_ name: String) -> String? { fields[name]?.last }

    /// A required, non-empty field.
    public func required(_ name: String) throws -> String {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw WebError.badForm("\(name) is required")
        }
        return value
    }

    /// Reads the body of `request` (at most `limit` bytes: a larger declared Content-Length is refused with 413
    /// before anything is read) and checks its `_csrf` field against the session's token, or before login against
    /// the browser's pre-login token.
    ///
    /// Every state-changing route calls this, so no POST is served without a valid token. Routes other than
    /// uploads pass ``WebLimits/formBytes``; upload routes check the user first and then pass their own limit.
    public static func read(_ request: Request, context: WebRequestContext, limit: Int = WebLimits.formBytes)
        async throws -> FormInput {
        try refuseDeclaredOversize(request, limit: limit)
        let body: [UInt8]
        do {
            body = Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw WebError.uploadTooLarge(limit: limit)
        }
        let contentType = request.headers[.contentType] ?? ""
        let form: FormInput
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = MultipartParser.boundary(fromContentType: contentType) else {
                throw WebError.badForm("the multipart boundary is missing")
            }
            form = try MultipartParser.parse(body, boundary: boundary)
        } else {
            form = FormInput(fields: URLEncoding.parse(String(decoding: body, as: UTF8.self)), files: [])
        }
        guard let expected = context.csrfToken else { throw WebError.csrfMissing }
        guard let token = form["_csrf"] ?? request.headers[.init("X-CSRF-Token")!], !token.isEmpty else {
            throw WebError.csrfMissing
        }
        guard constantTimeEquals(Array(token.utf8), Array(expected.utf8)) else { throw WebError.csrfMismatch }
        return form
    }

    /// Refuses (413) a request whose declared Content-Length exceeds `limit`, before any of its body is read.
    public static func refuseDeclaredOversize(_ request: Request, limit: Int) throws {
        if let declared = request.headers[.contentLength], let length = Int(declared), length > limit {
            throw WebError.uploadTooLarge(limit: limit)
        }
    }
}

/// One file of a multipart upload.
public struct UploadedFile: Sendable {
    /// The form field it came in.
    public var field: String
    /// The file name the browser sent (untrusted: check with ``FileNames/sanitised(_:)``).
    public var fileName: String
    /// The bytes.
    public var bytes: [UInt8]
}

/// `application/x-www-form-urlencoded` decoding.
enum URLEncoding {
    static func parse(_ text: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(String(parts[0]))
            let value = parts.count > 1 ? decode(String(parts[1])) : ""
            fields[name, default: []].append(value)
        }
        return fields
    }

    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }
}

/// File-name rules for uploads: no directories, no traversal, no hidden or control characters.
public enum FileNames {
    /// The name if it is safe to show and log, else ``WebError/unsafeFileName(_:)``.
    public static func sanitised(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200,
              !trimmed.contains("/"), !trimmed.contains("\\"), !trimmed.contains(".."),
              !trimmed.hasPrefix("."), !trimmed.contains("\0"),
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw WebError.unsafeFileName(String(name.prefix(80)))
        }
        return trimmed
    }
}
