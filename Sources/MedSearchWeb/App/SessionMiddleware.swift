import Foundation
import Hummingbird
import MedSearchStore

/// Loads the browser's session from its cookie (creating an anonymous one when there is none), attaches the
/// logged-in user, and sets the session cookie on the response when the session was created or rotated.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    static let cookieName = "ms_session"
    let store: WebStore
    let secureCookies: Bool

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if request.uri.path.hasPrefix("/static/") { return try await next(request, context) }
        // DICOMweb clients without a session cookie (PACS, scripts with bearer tokens) get no anonymous session.
        if request.uri.path.hasPrefix("/dicom-web/"), request.cookies[Self.cookieName] == nil {
            return try await next(request, context)
        }
        if let token = request.cookies[Self.cookieName]?.value, let found = try await store.session(token: token) {
            context.session = found.0
            context.user = found.1
        } else {
            let (token, session) = try await store.createSession(userId: nil)
            context.session = session
            context.newSessionToken = token
        }
        var response = try await next(request, context)
        if let token = response.headers[.init("X-MedSearch-New-Session")!] ?? context.newSessionToken {
            response.headers[.init("X-MedSearch-New-Session")!] = nil
            response.setCookie(cookie(token))
        }
        if response.headers[.init("X-MedSearch-End-Session")!] != nil {
            response.headers[.init("X-MedSearch-End-Session")!] = nil
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies,
                                      httpOnly: true, sameSite: .strict))
        }
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("Content-Security-Policy")!] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        response.headers[.cacheControl] = response.headers[.cacheControl] ?? "no-store"
        return response
    }

    func cookie(_ token: String) -> Cookie {
        Cookie(name: Self.cookieName, value: token, maxAge: Int(WebLimits.sessionSeconds), path: "/",
               secure: secureCookies, httpOnly: true, sameSite: .strict)
    }
}
