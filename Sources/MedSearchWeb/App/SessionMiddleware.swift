import Foundation
import Hummingbird
import MedSearchCore
import MedSearchStore

/// Loads the browser's session from its cookie and attaches the logged-in user; sets the session cookie when
/// login created one; puts the security headers on every response (static files and refusals included).
///
/// No session is created here: a request without a valid session cookie (`/health`, the login page, a bot) stores
/// nothing. Forms shown before login carry a pre-login CSRF token instead, a random value sent in a
/// `SameSite=Strict`, `HttpOnly` cookie and checked against the form field (double submit), kept nowhere else.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    static let cookieName = "ms_session"
    static let preLoginCookieName = "ms_csrf"
    let store: WebStore
    let secureCookies: Bool
    /// The `Strict-Transport-Security` value, sent when the application is served over TLS (nil otherwise).
    let strictTransportSecurity: String?

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        guard !path.hasPrefix("/static/"), path != "/health" else {
            return secured(try await next(request, context))
        }
        if let token = request.cookies[Self.cookieName]?.value, let found = try await store.session(token: token) {
            context.session = found.0
            context.user = found.1
        }
        var newPreLoginToken: String?
        if context.session == nil {
            if let token = request.cookies[Self.preLoginCookieName]?.value, Self.isToken(token) {
                context.preLoginCSRF = token
            } else if request.method == .get, !path.hasPrefix("/dicom-web/") {
                let token = Hex.encode(SecureRandom.bytes(32))
                context.preLoginCSRF = token
                newPreLoginToken = token
            }
        }
        var response = try await next(request, context)
        if let token = response.headers[.init("X-MedSearch-New-Session")!] {
            response.headers[.init("X-MedSearch-New-Session")!] = nil
            response.setCookie(cookie(token))
        } else if let token = newPreLoginToken {
            response.setCookie(Cookie(name: Self.preLoginCookieName, value: token, path: "/", secure: secureCookies,
                                      httpOnly: true, sameSite: .strict))
        }
        if response.headers[.init("X-MedSearch-End-Session")!] != nil {
            response.headers[.init("X-MedSearch-End-Session")!] = nil
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies,
                                      httpOnly: true, sameSite: .strict))
        }
        return secured(response)
    }

    /// `response` with the security headers (and `Cache-Control: no-store` unless it set its own).
    func secured(_ response: Response) -> Response {
        var response = response
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("Content-Security-Policy")!] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        if let strictTransportSecurity {
            response.headers[.init("Strict-Transport-Security")!] = strictTransportSecurity
        }
        response.headers[.cacheControl] = response.headers[.cacheControl] ?? "no-store"
        return response
    }

    func cookie(_ token: String) -> Cookie {
        Cookie(name: Self.cookieName, value: token, maxAge: Int(WebLimits.sessionSeconds), path: "/",
               secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// Whether `value` looks like one of our tokens (64 hexadecimal digits).
    static func isToken(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
