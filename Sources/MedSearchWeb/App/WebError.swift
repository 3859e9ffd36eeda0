import Hummingbird

/// Why the web application refused a request. Messages are shown to the user; they never hold secrets.
public enum WebError: Error, Equatable, Sendable, CustomStringConvertible {
    case notLoggedIn
    case forbidden(String)
    case csrfMissing
    case csrfMismatch
    case badForm(String)
    case invalidCredentials
    case loginThrottled(seconds: Int)
    case accountNotApproved(String)
    case uploadTooLarge(limit: Int)
    case unsafeFileName(String)
    case notAnImage(String)
    case notFound(String)
    case engineUnavailable(String)

    public var description: String {
        switch self {
        case .notLoggedIn: "Please log in."
        case let .forbidden(what): "You may not \(what)."
        case .csrfMissing: "The form's security token is missing; reload the page and try again."
        case .csrfMismatch: "The form's security token does not match your session; reload the page and try again."
        case let .badForm(reason): "The form is incomplete: \(reason)."
        case .invalidCredentials: "Wrong user name or password."
        case let .loginThrottled(seconds): "Too many failed logins from your address: wait \(seconds) second(s) before trying again."
        case let .accountNotApproved(status): "This account is \(status); an administrator must approve it first."
        case let .uploadTooLarge(limit): "The upload is larger than the limit of \(limit) bytes."
        case let .unsafeFileName(name): "The file name \(name.debugDescription) is not allowed (no paths or hidden names)."
        case let .notAnImage(reason): "Not a DICOM, PNG or JPEG image: \(reason)."
        case let .notFound(what): "\(what) was not found."
        case let .engineUnavailable(reason): "The search engine is unavailable: \(reason)."
        }
    }

    /// The HTTP status for this refusal.
    public var status: HTTPResponse.Status {
        switch self {
        case .notLoggedIn: .unauthorized
        case .forbidden, .csrfMissing, .csrfMismatch: .forbidden
        case .badForm, .unsafeFileName, .notAnImage: .badRequest
        case .invalidCredentials, .accountNotApproved: .unauthorized
        case .loginThrottled: .tooManyRequests
        case .uploadTooLarge: .contentTooLarge
        case .notFound: .notFound
        case .engineUnavailable: .badGateway
        }
    }
}
