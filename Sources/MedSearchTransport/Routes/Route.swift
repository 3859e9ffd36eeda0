import Foundation

/// One HTTP endpoint of a MedSearch server role: where it is, what it carries and who may call it.
///
/// Routes are defined once, in ``Routes``: the servers register their handlers from these values (the role
/// check comes from ``callers``, not from each handler) and ``ServiceClient`` calls them by value, so a path,
/// a method or a permission cannot drift between the two sides.
///
/// ```swift
/// let answer = try await client.call(Routes.SEI.search, body: request.serialized())
/// ```
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP methods MedSearch uses.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    /// What a body holds.
    public enum ContentType: String, Sendable, Hashable {
        /// No body.
        case none = ""
        /// One of MedSearch's versioned binary wire messages.
        case binary = "application/octet-stream"
        /// A small JSON control message (status, usage).
        case json = "application/json"
        /// A one-line plain-text acknowledgement.
        case text = "text/plain; charset=utf-8"

        /// The media type without parameters (`text/plain`).
        public var mediaType: String { String(rawValue.prefix { $0 != ";" }) }
    }

    /// Who may call a route.
    public enum Access: Sendable, Hashable {
        /// Anyone, without a token (only `GET /health`).
        case open
        /// Callers whose token grants one of these roles.
        case roles(Set<ServiceRole>)
    }

    /// A stable name, `<role>.<operation>` (for logs and metrics).
    public let name: String
    /// The server role that serves it (nil: every role, as ``Routes/health``).
    public let server: ServerRole?
    /// The HTTP method.
    public let method: Method
    /// The path; a component `:name` is a parameter (e.g. `/trustmed/v1/shares/:id`).
    public let path: String
    /// The request body's type (``ContentType/none`` for GET and DELETE).
    public let request: ContentType
    /// The success response's type.
    public let response: ContentType
    /// Who may call it.
    public let access: Access
    /// The largest request body the server reads (a larger one is refused before it is buffered).
    public let maxRequestBytes: Int

    /// Creates a route; ``Routes`` holds every route MedSearch serves.
    public init(_ name: String, server: ServerRole?, _ method: Method, _ path: String, request: ContentType,
                response: ContentType, access: Access, maxRequestBytes: Int = 0) {
        self.name = name
        self.server = server
        self.method = method
        self.path = path
        self.request = request
        self.response = response
        self.access = access
        self.maxRequestBytes = request == .none ? 0 : maxRequestBytes
    }

    /// The roles allowed to call it (empty for an ``Access/open`` route).
    public var callers: Set<ServiceRole> {
        if case let .roles(roles) = access { return roles }
        return []
    }

    /// Whether a caller holding `role` may call this route (nil: no valid token).
    ///
    /// The one decision servers take per request; issue 15 applies it to the role named in a peer's certificate too.
    public func permits(_ role: ServiceRole?) -> Bool {
        switch access {
        case .open: true
        case let .roles(roles): role.map(roles.contains) ?? false
        }
    }

    /// The names of the path's parameters, in order.
    public var parameterNames: [String] {
        path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    /// The concrete path with `values` in place of the parameters, in order.
    ///
    /// - Throws: ``ServiceError/invalidRequest(_:)`` when the count differs from ``parameterNames`` or a value
    ///   is empty, `.` or `..`, or holds a character outside letters, digits and `-_.~`.
    public func path(_ values: [String]) throws(ServiceError) -> String {
        let names = parameterNames
        guard values.count == names.count else {
            throw .invalidRequest("\(name) takes \(names.count) path parameter(s), got \(values.count)")
        }
        var next = values.makeIterator()
        var components: [String] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard component.hasPrefix(":"), let value = next.next() else {
                components.append(String(component))
                continue
            }
            guard Self.isSafeParameter(value) else {
                throw .invalidRequest("\(name): path parameter \(component.dropFirst()) is not a plain identifier")
            }
            components.append(value)
        }
        return components.joined(separator: "/")
    }

    /// Whether `value` may stand in a path component as is (RFC 3986 unreserved characters, at most 256).
    static func isSafeParameter(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 256, value != ".", value != ".." else { return false }
        return value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "~")
        }
    }

    /// `POST /sei/v1/search (sei.search)`.
    public var description: String { "\(method.rawValue) \(path) (\(name))" }
}
