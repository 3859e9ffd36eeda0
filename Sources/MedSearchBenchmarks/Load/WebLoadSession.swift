import Foundation

/// A logged-in session of the web application for `bench load`'s search run, made with curl (a cookie jar and
/// the forms a browser would submit): the demo clinician (who holds the demo's key grants) logs in, and the search
/// page gives the CSRF token and a stored image to search with. wrk then replays the same search form with the
/// session cookie (the CSRF token belongs to the session, so the form can be sent again).
struct WebLoadSession {
    /// The `Cookie` header value of the session.
    var cookie: String
    /// The search form (URL-encoded): CSRF token, engine, k and a stored query image.
    var searchForm: [UInt8]

    static func logIn(url: String, username: String, password: String, engine: String, k: Int,
                      curl: URL, directory: URL) async throws -> WebLoadSession {
        let jar = directory.appendingPathComponent("web-cookies.txt").path
        func fetch(_ path: String, form: [(String, String)]? = nil) async throws -> String {
            var arguments = ["--silent", "--show-error", "--max-time", "60", "--cookie", jar, "--cookie-jar", jar]
            for (name, value) in form ?? [] { arguments += ["--data-urlencode", "\(name)=\(value)"] }
            return try await WRKRunner.capture(curl, arguments + [url + path])
        }
        func csrf(in page: String) throws -> String {
            guard let range = page.range(of: "name=\"_csrf\" value=\"") else {
                throw BenchmarkError.wrongResult("the web application's form has no CSRF token")
            }
            return String(page[range.upperBound...].prefix { $0 != "\"" })
        }
        let token = try csrf(in: try await fetch("/login"))
        _ = try await fetch("/login", form: [("_csrf", token), ("username", username), ("password", password)])
        let search = try await fetch("/search")
        guard search.contains("name=\"queryId\"") else {
            throw BenchmarkError.wrongResult("the demo clinician could not log in to the web application")
        }
        // The first stored image offered as a query ("<option value="ID">").
        let options = search.components(separatedBy: "<option value=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        guard let image = options.first(where: { !$0.isEmpty }) else {
            throw BenchmarkError.wrongResult("the web application has no stored image to search with")
        }
        let sessionToken = try csrf(in: search)
        // Netscape cookie jar: name and value are the last two tab-separated fields ("#HttpOnly_" lines are cookies).
        let lines = try String(contentsOfFile: jar, encoding: .utf8).split(separator: "\n")
        let cookies = lines.compactMap { line -> String? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 7, !line.hasPrefix("# ") else { return nil }
            return "\(fields[5])=\(fields[6])"
        }
        guard cookies.contains(where: { $0.hasPrefix("ms_session=") }) else {
            throw BenchmarkError.wrongResult("no session cookie after logging in to the web application")
        }
        func encode(_ value: String) -> String {
            value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
        }
        let form = [("_csrf", sessionToken), ("engine", engine), ("k", String(k)), ("queryId", String(image))]
            .map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
        return WebLoadSession(cookie: cookies.joined(separator: "; "), searchForm: Array(form.utf8))
    }
}
