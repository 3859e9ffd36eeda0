import Hummingbird

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
}
