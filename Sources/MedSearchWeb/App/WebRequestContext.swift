import Hummingbird
import MedSearchStore
import NIOCore

/// Per-request state of the web application: the browser's session and, once logged in, the user.
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The logged-in session (sessions are created at login only; none for anonymous requests).
    public var session: WebSession?
    /// The pre-login CSRF token of a browser without a session (double-submit: the same random value in a
    /// `SameSite=Strict` cookie and in the login and registration forms; nothing is stored on the server).
    public var preLoginCSRF: String?
    /// The raw session token to set as a cookie when the session was created or rotated in this request.
    public var newSessionToken: String?
    /// The logged-in, approved user.
    public var user: WebUser?

    /// The address the request came from (the per-source login throttle's key).
    public let sourceAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        sourceAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The CSRF token forms carry: the session's, or before login the browser's pre-login token.
    public var csrfToken: String? { session?.csrfToken ?? preLoginCSRF }


    /// The logged-in user, or ``WebError/notLoggedIn``.
    public func requireUser() throws -> WebUser {
        guard let user else { throw WebError.notLoggedIn }
        return user
    }

    /// The logged-in user if they hold one of `roles`.
    public func requireRole(_ roles: WebUser.Role..., toDo action: String) throws -> WebUser {
        let user = try requireUser()
        guard roles.contains(user.role) else { throw WebError.forbidden(action) }
        return user
    }
}

/// Size and rate limits of the web application.
public enum WebLimits {
    /// Failed logins from one source address before each further attempt must wait (``LoginThrottle``).
    public static let freeFailedLogins = 5
    /// The longest wait the login throttle imposes on a source (the delay doubles with every further failure).
    public static let maxLoginDelaySeconds: Double = 15 * 60
    /// How long a session lives without a new login.
    public static let sessionSeconds: Double = 8 * 3600
    /// The largest body of a form without files (login, registration, account and key actions), checked
    /// against the declared Content-Length before anything is read and while reading.
    public static let formBytes = 16 * 1024
}
