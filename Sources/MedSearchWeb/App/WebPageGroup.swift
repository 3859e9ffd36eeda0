import Hummingbird
import MedSearchStore

/// A group of the web application's pages or routes (accounts, keys, images, studies, DICOMweb): built over the
/// application, it registers its handlers on the router, which reach the store and the templates through it.
protocol WebPageGroup: Sendable {
    /// The application the handlers serve.
    var app: WebApplication { get }

    /// Registers the group's handlers.
    func register(on router: Router<WebRequestContext>)
}

extension WebPageGroup {
    /// The accounts, grants, audit log and image records.
    var store: WebStore { app.store }
    /// The page templates.
    var renderer: PageRenderer { app.renderer }

    /// The owner or administrator making this request, to do `action`; a logged-in user of another role is
    /// refused and the refusal written to the audit log as `page` (a visitor not logged in is refused without).
    func requireOwner(_ context: WebRequestContext, toDo action: String, page: String) async throws -> WebUser {
        do {
            return try context.requireRole(.owner, .administrator, toDo: action)
        } catch let error as WebError where error != .notLoggedIn {
            await store.audit(context.user?.username ?? "-", page, "refused")
            throw error
        }
    }
}
