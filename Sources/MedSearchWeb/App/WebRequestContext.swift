import Hummingbird
import MedSearchStore

/// Per-request state of the web application: the browser's session and, once logged in, the user.
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The session (anonymous sessions exist so that the login and registration forms carry a CSRF token).
    public var session: WebSession?
    /// The raw session token to set as a cookie when the session was created or rotated in this request.
    public var newSessionToken: String?
    /// The logged-in, approved user.
    public var user: WebUser?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }


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

/// Size limits of the web application.
public enum WebLimits {
    /// Failed logins before an account is locked.
    public static let maxFailedLogins = 5
    /// How long a locked account stays locked.
    public static let lockoutSeconds: Double = 15 * 60
    /// How long a session lives without a new login.
    public static let sessionSeconds: Double = 8 * 3600
}
