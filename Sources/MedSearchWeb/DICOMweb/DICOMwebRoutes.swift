import Foundation
import Hummingbird
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
import MedSearchStore

/// DICOMweb under `/dicom-web/`: STOW-RS, QIDO-RS, WADO-RS (instances, metadata, rendered) and search by
/// example, behind the web application's accounts, roles and audit log.
///
/// Authentication: `Authorization: Bearer <token>` (machines: PACS, scripts; tokens from
/// ``WebConfiguration/dicomwebTokens`` map to accounts) or the browser's session (GET only, so no request a
/// foreign page can forge changes anything). Roles: storing needs an owner or administrator; queries, retrieval
/// and rendering need an owner, an administrator or a clinician with an active key grant; search-similar needs
/// the right to search the chosen engine.
struct DICOMwebRoutes: WebPageGroup {
    let app: WebApplication
    var service: DICOMwebService { DICOMwebService(app: app) }

    func register(on router: Router<WebRequestContext>) {
        let group = router.group("dicom-web").add(middleware: DICOMwebMiddleware(app: app))
        group.post("studies") { request, context in try await stow(request, context, study: nil) }
        group.post("studies/search-similar") { request, context in try await searchSimilar(request, context) }
        group.post("studies/:study") { request, context in
            try await stow(request, context, study: try uid(context, "study"))
        }
        group.get("studies") { request, context in try await qido(request, context, level: .study, scope: [:]) }
        group.get("series") { request, context in try await qido(request, context, level: .series, scope: [:]) }
        group.get("instances") { request, context in try await qido(request, context, level: .instance, scope: [:]) }
        group.get("studies/:study/series") { request, context in
            try await qido(request, context, level: .series, scope: [.studyInstanceUID: try uid(context, "study")])
        }
        group.get("studies/:study/instances") { request, context in
            try await qido(request, context, level: .instance, scope: [.studyInstanceUID: try uid(context, "study")])
        }
        group.get("studies/:study/series/:series/instances") { request, context in
            try await qido(request, context, level: .instance, scope: [
                .studyInstanceUID: try uid(context, "study"), .seriesInstanceUID: try uid(context, "series"),
            ])
        }
        group.get("studies/:study") { _, context in
            try await retrieve(context, study: try uid(context, "study"))
        }
        group.get("studies/:study/series/:series") { _, context in
            try await retrieve(context, study: try uid(context, "study"), series: try uid(context, "series"))
        }
        group.get("studies/:study/series/:series/instances/:instance") { _, context in
            try await retrieve(context, study: try uid(context, "study"), series: try uid(context, "series"),
                               instance: try uid(context, "instance"))
        }
        group.get("studies/:study/metadata") { request, context in
            try await metadata(request, context, study: try uid(context, "study"))
        }
        group.get("studies/:study/series/:series/metadata") { request, context in
            try await metadata(request, context, study: try uid(context, "study"), series: try uid(context, "series"))
        }
        group.get("studies/:study/series/:series/instances/:instance/metadata") { request, context in
            try await metadata(request, context, study: try uid(context, "study"), series: try uid(context, "series"),
                               instance: try uid(context, "instance"))
        }
        group.get("studies/:study/series/:series/instances/:instance/bulkdata/:tag") { _, context in
            try await bulkData(context)
        }
        group.get("studies/:study/series/:series/instances/:instance/rendered") { request, context in
            try await rendered(request, context, frame: nil)
        }
        group.get("studies/:study/series/:series/instances/:instance/frames/:frame/rendered") { request, context in
            guard let text = context.parameters.get("frame"), let frame = Int(text), frame >= 1, frame <= 1 << 24 else {
                throw DICOMwebHTTPError(.badRequest, "the frame number is 1 or more")
            }
            return try await rendered(request, context, frame: frame - 1)
        }
    }

    // MARK: STOW-RS

    func stow(_ request: Request, _ context: WebRequestContext, study: String?) async throws -> Response {
        let user = try await requireRole(context, [.owner, .administrator], "store instances")
        let boundary = try MediaType.stowBoundary(contentType: request.headers[.contentType])
        let limit = app.configuration.maxFileBytes
        let parts = MultipartRelatedParts(request.body.map { $0.readableBytesView },
                                          parser: MultipartRelatedParser(boundary: boundary, maximumPartBytes: limit))
        var prepared: [DICOMwebService.Prepared] = []
        var failed: [STOWFailure] = []
        var seen = Set<String>()
        for try await part in parts {
            do {
                let file = try STOWInstance.examine(part, maximumPartBytes: limit, study: study)
                let sop = file.dataset.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID) ?? ""
                guard seen.insert(sop).inserted, await !app.dicomwebCatalog.contains(sop) else {
                    throw STOWFailure(.duplicateSOPInstance, "duplicate SOP Instance UID",
                                      sopClassUID: file.dataset.string(.sopClassUID), sopInstanceUID: sop)
                }
                prepared.append(try await WebCompute.run { try service.prepare(file) })
            } catch {
                let failure = STOWInstance.classify(error)
                failed.append(failure)
                await store.audit(user.username, "dicomweb store", "refused", failure.description)
            }
        }
        let base = baseURL(request)
        let outcome = await service.store(prepared, username: user.username, baseURL: base)
        let studies = Set(outcome.stored.compactMap { $0.retrieveURL.components(separatedBy: "/series/").first })
        let response = STOWResponse(studyRetrieveURL: study.map { "\(base)/studies/\($0)" } ?? (studies.count == 1 ? studies.first : nil),
                                    stored: outcome.stored, failed: failed + outcome.failed)
        return json(response.json(), status: .init(code: response.httpStatus))
    }

    // MARK: QIDO-RS

    func qido(_ request: Request, _ context: WebRequestContext, level: QIDOLevel, scope: [DICOMTag: String])
        async throws -> Response {
        let user = try await requireViewer(context)
        let query = try QIDOQuery(level: level, items: Self.queryItems(request.uri.query))
        let base = baseURL(request)
        let records = await app.dicomwebCatalog.all().map(\.attributes)
        let (results, total) = QIDOSearch(records: records).run(query, scope: scope) { study, series, instance in
            var url = "\(base)/studies/\(study)"
            if let series { url += "/series/\(series)" }
            if let instance { url += "/instances/\(instance)" }
            return url
        }
        await store.audit(user.username, "dicomweb query", "ok", "\(level) \(results.count) of \(total)")
        var response = json(DICOMJSON.encode(results, bulkData: .omit), status: .ok)
        if total > query.offset + results.count {
            response.headers[.init("Warning")!] = "299 medsearch: \"There are additional results that can be requested\""
        }
        return response
    }

    // MARK: WADO-RS

    func retrieve(_ context: WebRequestContext, study: String, series: String? = nil, instance: String? = nil)
        async throws -> Response {
        let user = try await requireViewer(context)
        let entries = await service.entries(study: study, series: series, instance: instance)
        guard !entries.isEmpty else { throw DICOMwebHTTPError(.notFound, "no such study, series or instance") }
        guard entries.count <= 2000 else { throw DICOMwebHTTPError(.contentTooLarge, "more than 2000 instances") }
        let boundary = MultipartRelatedWriter.boundary(SecureRandom.bytes(12))
        let (instances, rebuilt, engine) = try await service.originalInstances(entries)
        let source = "\(rebuilt) of \(entries.count) from \(engine ?? "no engine"), the rest from the web server's sealed copy"
        await store.audit(user.username, "dicomweb retrieve", "ok", "\(entries.count) instance(s) of one study; \(source)")
        var response = Response(status: .ok, headers: [
            .contentType: "multipart/related; type=\"application/dicom\"; boundary=\(boundary)",
            .cacheControl: "private, no-store",
        ], body: .init(byteBuffer: ByteBuffer(bytes: MultipartRelatedWriter.body(
            boundary: boundary, parts: instances.map { ("application/dicom", $0) }))))
        response.headers[.init("X-MedSearch-Retrieved")!] = source
        return response
    }

    func metadata(_ request: Request, _ context: WebRequestContext, study: String, series: String? = nil,
                  instance: String? = nil) async throws -> Response {
        let user = try await requireViewer(context)
        let entries = await service.entries(study: study, series: series, instance: instance)
        guard !entries.isEmpty else { throw DICOMwebHTTPError(.notFound, "no such study, series or instance") }
        let base = baseURL(request)
        let datasets = try entries.map { entry -> DICOMDataset in
            let file = try DICOMFile(bytes: try service.originalInstance(entry))
            return file.dataset
        }
        await store.audit(user.username, "dicomweb metadata", "ok", "\(entries.count) instance(s)")
        // Bulk data (values over 1 KiB, pixel data) as a BulkDataURI of its own instance (PS3.18 F.2.6), served below.
        let objects = zip(entries, datasets).map { entry, dataset in
            let instance = "\(base)/studies/\(study)/series/\(dataset.string(.seriesInstanceUID) ?? "")/instances/\(entry.sopInstanceUID)"
            return DICOMJSON.encodeObject(dataset, bulkData: .uri(threshold: 1024) { tag in
                "\(instance)/bulkdata/\(DICOMJSON.hexTag(tag))"
            })
        }
        return json("[" + objects.joined(separator: ",") + "]", status: .ok)
    }

    /// WADO-RS bulk data: the value of the element a metadata answer named by BulkDataURI (top level first, else
    /// the first in a sequence, depth first), as stored (native values in the instance's byte order; encapsulated
    /// pixel data as its offset table and fragments), one `application/octet-stream` part.
    func bulkData(_ context: WebRequestContext) async throws -> Response {
        let user = try await requireViewer(context)
        let study = try uid(context, "study"), series = try uid(context, "series"), instance = try uid(context, "instance")
        guard let text = context.parameters.get("tag"), text.utf8.count == 8, let raw = UInt32(text, radix: 16) else {
            throw DICOMwebHTTPError(.badRequest, "the bulk data tag is 8 hexadecimal digits")
        }
        guard let entry = await service.entries(study: study, series: series, instance: instance).first else {
            throw DICOMwebHTTPError(.notFound, "no such instance")
        }
        let dataset = try DICOMFile(bytes: try service.originalInstance(entry)).dataset
        guard let value = Self.bulkValue(dataset, DICOMTag(rawValue: raw)) else {
            throw DICOMwebHTTPError(.notFound, "the instance has no such bulk data")
        }
        await store.audit(user.username, "dicomweb bulkdata", "ok", entry.imageID)
        let boundary = MultipartRelatedWriter.boundary(SecureRandom.bytes(12))
        return Response(status: .ok, headers: [
            .contentType: "multipart/related; type=\"application/octet-stream\"; boundary=\(boundary)",
            .cacheControl: "private, no-store",
        ], body: .init(byteBuffer: ByteBuffer(bytes: MultipartRelatedWriter.body(boundary: boundary,
                                                                                 parts: [("application/octet-stream", value)]))))
    }

    /// The value of the first element with `tag`: top level first, then inside sequences, depth first.
    static func bulkValue(_ dataset: DICOMDataset, _ tag: DICOMTag) -> [UInt8]? {
        if let element = dataset[tag] {
            switch element.value {
            case .bytes(let bytes): return Array(bytes)
            case let .fragments(table, fragments): return Array(table) + fragments.flatMap { Array($0) }
            case .sequence: return nil
            }
        }
        for element in dataset.elements {
            for item in element.items ?? [] { if let found = bulkValue(item, tag) { return found } }
        }
        return nil
    }

    func rendered(_ request: Request, _ context: WebRequestContext, frame: Int?) async throws -> Response {
        let user = try await requireViewer(context)
        let study = try uid(context, "study"), series = try uid(context, "series"), instance = try uid(context, "instance")
        guard let entry = await service.entries(study: study, series: series, instance: instance).first else {
            throw DICOMwebHTTPError(.notFound, "no such instance")
        }
        let accept = (request.headers[.accept] ?? "image/png").lowercased()
        let wantsJPEG = accept.contains("image/jpeg") && !accept.contains("image/png")
        // PS3.18 8.3.5.1.4: `window=center,width[,function]` replaces the instance's own VOI window.
        let window = try Self.queryItems(request.uri.query).last { $0.0 == "window" }.map { try RenderedWindow.parse($0.1) }
        let image: GrayImage
        do { image = try service.rendered(entry, frame: frame, window: window) } catch let error as DICOMError {
            if case .frameOutOfRange = error { throw DICOMwebHTTPError(.notFound, "no such frame") }
            throw error
        }
        await store.audit(user.username, "dicomweb rendered", "ok", entry.imageID)
        let (bytes, type) = wantsJPEG ? (try JPEGEncoder.encode(image, quality: 90), "image/jpeg")
            : (PNGWriter.encode(image), "image/png")
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Search by example

    func searchSimilar(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parameters = Dictionary(Self.queryItems(request.uri.query), uniquingKeysWith: { _, last in last })
        guard let engineName = parameters["engine"], !engineName.isEmpty else {
            throw DICOMwebHTTPError(.badRequest, "engine is required (fnn, sei or trustmed)")
        }
        guard try await store.maySearch(user, engine: engineName) else {
            await store.audit(user.username, "dicomweb search \(engineName)", "refused", "no active key grant")
            throw WebError.forbidden("search \(engineName): an owner must grant you its repository key")
        }
        let engine = try app.engine(named: engineName)
        guard let k = Int(parameters["k"] ?? "10"), (1...50).contains(k) else {
            throw DICOMwebHTTPError(.badRequest, "k is 1 to 50")
        }
        let query: GrayImage
        if let sop = parameters["instance"], !sop.isEmpty {
            guard let entry = await app.dicomwebCatalog.entry(sop: sop) else {
                throw DICOMwebHTTPError(.notFound, "no stored instance with that SOP Instance UID")
            }
            let bytes = try app.vault.load(id: entry.imageID)
            query = try await WebCompute.run {
                try DICOMFile(bytes: bytes).decodePixels().analysisImage(side: UploadPipeline.analysisSide, frame: entry.frame)
            }
        } else {
            let file = try await Self.oneInstance(request, limit: app.configuration.maxFileBytes)
            query = try await WebCompute.run {
                do {
                    let pixels = try file.decodePixels()
                    return pixels.analysisImage(side: UploadPipeline.analysisSide,
                                                frame: FrameSelection.representative.frames(of: pixels.frames)[0])
                } catch {
                    throw DICOMwebHTTPError(.badRequest, "the query instance: \(STOWInstance.classify(error).text)")
                }
            }
        }
        let results: [DICOMDataset]
        let leftOut: Int
        do { (results, leftOut) = try await service.searchSimilar(query, engine: engine, k: k, baseURL: baseURL(request)) } catch {
            await store.audit(user.username, "dicomweb search \(engineName)", "failed", String(describing: error))
            throw WebError.engineUnavailable(String(describing: error).prefix(200).description)
        }
        await store.audit(user.username, "dicomweb search \(engineName)", "ok",
                          "k=\(k) results=\(results.count) left out=\(leftOut)")
        var response = json(DICOMJSON.encode(results, bulkData: .omit), status: .ok)
        if results.count < k {
            // Never silently fewer than k: say why (PS3.18 uses Warning for partial answers).
            response.headers[.init("Warning")!] = "299 medsearch: \"\(results.count) of \(k) results: only \(results.count) "
                + "DICOM instances are indexed by this engine; \(leftOut) nearer images are not stored DICOM instances and were left out\""
        }
        response.headers[.init("X-MedSearch-Left-Out")!] = String(leftOut)
        return response
    }

    /// The one instance of a search-similar body: `application/dicom`, or `multipart/related` with one part.
    static func oneInstance(_ request: Request, limit: Int) async throws -> DICOMFile {
        let type = MediaType(request.headers[.contentType] ?? "")?.essence
        let part: MultipartPart
        if type == "application/dicom" {
            let body: [UInt8]
            do { body = Array(try await request.body.collect(upTo: limit).readableBytesView) } catch {
                throw DICOMwebHTTPError(.contentTooLarge, "the query instance is larger than \(limit) bytes")
            }
            part = MultipartPart(headers: [:], body: body, size: body.count, index: 0)
        } else {
            let boundary = try MediaType.stowBoundary(contentType: request.headers[.contentType])
            var first: MultipartPart?
            for try await each in MultipartRelatedParts(request.body.map { $0.readableBytesView },
                                                        parser: MultipartRelatedParser(boundary: boundary,
                                                                                       maximumPartBytes: limit)) {
                guard first == nil else { throw DICOMwebHTTPError(.badRequest, "search-similar takes one instance") }
                first = each
            }
            guard let first else { throw DICOMwebHTTPError(.badRequest, "no query instance and no instance parameter") }
            part = first
        }
        do { return try STOWInstance.examine(part, maximumPartBytes: limit) } catch let failure as STOWFailure {
            throw DICOMwebHTTPError(failure.reason == .outOfResources ? .contentTooLarge : .badRequest,
                                    "the query instance: \(failure.text)")
        }
    }

    // MARK: Helpers

    func uid(_ context: WebRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), QIDOMatchUID.isUID(value) else {
            throw DICOMwebHTTPError(.badRequest, "the \(name) UID in the path is not a UID")
        }
        return value
    }

    func requireRole(_ context: WebRequestContext, _ roles: [WebUser.Role], _ action: String) async throws -> WebUser {
        let user = try context.requireUser()
        guard roles.contains(user.role) else {
            await store.audit(user.username, "dicomweb", "refused", action)
            throw WebError.forbidden(action)
        }
        return user
    }

    /// Owners and administrators, and clinicians holding an active key grant (as for viewing images).
    func requireViewer(_ context: WebRequestContext) async throws -> WebUser {
        let user = try context.requireUser()
        if try await !store.mayViewImages(user) {
            await store.audit(user.username, "dicomweb", "refused", "no active key grant")
            throw WebError.forbidden("read stored studies without a repository key grant")
        }
        return user
    }

    func baseURL(_ request: Request) -> String {
        let host = request.head.authority ?? ""
        let safe = !host.isEmpty && host.utf8.count <= 255
            && host.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0))) }
        return "http://\(safe ? host : "\(app.configuration.host):\(app.configuration.port)")/dicom-web"
    }

    func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/dicom+json", .cacheControl: "private, no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The query items of a URL query, in order, percent-decoded (`+` is a space).
    static func queryItems(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (URLEncoding.decode(String(parts[0])), parts.count > 1 ? URLEncoding.decode(String(parts[1])) : "")
        }
    }
}

/// UID syntax check for path parameters.
enum QIDOMatchUID {
    static func isUID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 46 }
    }
}

/// A DICOMweb refusal with its HTTP status and a plain-text reason.
struct DICOMwebHTTPError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Authenticates DICOMweb requests (bearer token or browser session, sessions for GET only) and turns every
/// refusal into a plain-text answer with its status instead of an HTML page.
struct DICOMwebMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    let app: WebApplication

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var response: Response
        do {
            if let authorization = request.headers[.authorization] {
                guard authorization.lowercased().hasPrefix("bearer "),
                      let username = app.configuration.dicomwebAccount(forToken: String(authorization.dropFirst(7))),
                      let user = try await app.store.user(username: username), user.status == .approved else {
                    throw DICOMwebHTTPError(.unauthorized, "the bearer token is not valid")
                }
                context.user = user
            } else if context.user == nil {
                throw DICOMwebHTTPError(.unauthorized, "log in or send Authorization: Bearer <token>")
            } else if request.method != .get && request.method != .head {
                throw DICOMwebHTTPError(.forbidden, "requests other than GET need a bearer token")
            }
            response = try await next(request, context)
        } catch let error as DICOMwebHTTPError {
            response = Self.plain(error.status, error.message)
        } catch let error as DICOMwebError {
            let status: HTTPResponse.Status = if case .unsupportedMediaType = error { .unsupportedMediaType } else { .badRequest }
            response = Self.plain(status, error.description)
        } catch let error as WebError {
            response = Self.plain(error.status, error.description)
        } catch let error as DICOMError {
            response = Self.plain(.badRequest, error.description)
        }
        if response.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"medsearch\"" }
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        return response
    }

    static func plain(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
