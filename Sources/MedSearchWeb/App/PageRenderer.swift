import Foundation
import Hummingbird
import Mustache

/// Renders the server-side pages from the mustache templates shipped with this target.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every template under `Templates/` of the target's resources.
    public static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw WebError.notFound("the page templates")
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory))
    }

    /// Renders `template` with `values` plus the common layout values (user, CSRF token, navigation).
    func page(_ template: String, title: String, context: WebRequestContext, values: [String: Any] = [:],
              status: HTTPResponse.Status = .ok) -> Response {
        var all = values
        all["title"] = title
        all["csrf"] = context.csrfToken ?? ""
        if let user = context.user {
            all["user"] = ["username": user.username, "fullName": user.fullName, "role": user.role.rawValue]
            all["isAdmin"] = user.role == .administrator
            all["isOwner"] = user.role == .owner || user.role == .administrator
        }
        let html = library.render(all, withTemplate: template) ?? "<!doctype html><p>Template \(template) is missing.</p>"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Static assets (stylesheet, script) served from the target's resources.
struct StaticAssets: Sendable {
    let files: [String: (contentType: String, bytes: [UInt8])]

    static func load() throws -> StaticAssets {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Static") else {
            throw WebError.notFound("the static assets")
        }
        var files: [String: (contentType: String, bytes: [UInt8])] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8"
                : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
            files[name] = (contentType: type, bytes: Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
        return StaticAssets(files: files)
    }
}
