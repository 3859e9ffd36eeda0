import Foundation
import Hummingbird
import MedSearchImaging
import MedSearchStore

/// Upload, search by image, results and image views.
struct ImagePages: WebPageGroup {
    let app: WebApplication

    func register(on router: Router<WebRequestContext>) {
        router.get("/upload") { _, context -> Response in
            _ = try await requireOwner(context)
            return renderer.page("upload", title: "Upload images", context: context, values: ["recent": await recentImages(20)])
        }
        router.post("/upload") { request, context -> Response in
            // Uploads: the user first (no body is read for anyone else), then the upload's own limit.
            let user = try await requireOwner(context)
            let form = try await FormInput.read(request, context: context, limit: app.configuration.maxUploadBytes)
            guard !form.files.isEmpty else { throw WebError.badForm("choose at least one image file") }
            let labels = (form["labels"] ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            let outcomes = await UploadPipeline(app: app).process(form.files, labels: labels, username: user.username)
            let rows = outcomes.map { outcome -> [String: Any] in
                ["name": outcome.displayName, "id": outcome.id ?? "", "stored": outcome.stored, "detail": outcome.detail]
            }
            let anyStored = outcomes.contains(where: \.stored)
            return renderer.page("upload", title: "Upload images", context: context, values: [
                "results": rows, "recent": await recentImages(20),
            ], status: anyStored ? .ok : .badRequest)
        }
        router.get("/search") { _, context -> Response in
            let user = try context.requireUser()
            return renderer.page("search", title: "Search by image", context: context, values: [
                "engines": try await searchableEngines(user), "images": await recentImages(60), "k": 5,
            ])
        }
        router.post("/search") { request, context -> Response in
            let user = try context.requireUser()
            let form = try await FormInput.read(request, context: context, limit: app.configuration.maxUploadBytes)
            let engineName = try form.required("engine")
            guard try await store.maySearch(user, engine: engineName) else {
                await store.audit(user.username, "search \(engineName)", "refused", "no active key grant")
                throw WebError.forbidden("search \(engineName): an owner must grant you its repository key")
            }
            let engine = try app.engine(named: engineName)
            guard let k = Int(form["k"] ?? "5"), (1...50).contains(k) else { throw WebError.badForm("k is 1 to 50") }
            let query: GrayImage
            let queryLabel: String
            let queryImage: String
            let pipeline = UploadPipeline(app: app)
            if let file = form.files.first(where: { !$0.bytes.isEmpty }) {
                let name = try FileNames.sanitised(file.fileName)
                guard file.bytes.count <= app.configuration.maxFileBytes else {
                    throw WebError.uploadTooLarge(limit: app.configuration.maxFileBytes)
                }
                let renditions = try pipeline.decode(file.bytes).renditions
                query = renditions.analysis
                queryLabel = name
                queryImage = "/search/query/" + (await app.queryImages.keep(renditions.view, for: user.id))
            } else if let id = form["queryId"], !id.isEmpty {
                guard let record = try await store.image(id: id) else { throw WebError.notFound("Image \(id)") }
                query = try pipeline.analysisImage(of: id)
                queryLabel = "\(record.displayName) (\(record.id))"
                queryImage = "/images/\(id)/full"
            } else {
                throw WebError.badForm("upload a query image or pick a stored one")
            }
            let started = Date()
            // Index entries without a stored image (a DICOMweb batch an engine failed) are never shown.
            let hits: [WebSearchHit]
            do {
                hits = try await FilteredSearch.run(engine, query: query, k: k) { hit in
                    (try? await store.image(id: hit.id)) != nil
                }.hits
            } catch {
                await store.audit(user.username, "search \(engineName)", "failed", String(describing: error))
                throw WebError.engineUnavailable(String(describing: error).prefix(200).description)
            }
            let elapsed = Date().timeIntervalSince(started)
            await store.audit(user.username, "search \(engineName)", "ok", "k=\(k) query=\(queryLabel)")
            var items: [StudyResultGroups.Item] = []
            for (index, hit) in hits.enumerated() {
                items.append(.init(rank: index + 1, hit: hit, record: try await store.image(id: hit.id),
                                   entry: await app.dicomwebCatalog.entry(imageID: hit.id)))
            }
            return renderer.page("results", title: "Results", context: context, values: [
                "engine": engine.title, "note": engine.securityNote, "k": k, "query": queryLabel, "queryImage": queryImage,
                "count": hits.count, "elapsed": String(format: "%.2f", elapsed),
                "groups": StudyResultGroups.build(items, showStudies: try await store.mayViewImages(user)),
            ])
        }
        router.get("/images/:id/:size") { _, context -> Response in
            let user = try context.requireUser()
            if try await !store.mayViewImages(user) {
                await store.audit(user.username, "view image", "refused", "no active key grant")
                throw WebError.forbidden("view images without a repository key grant")
            }
            guard let id = context.parameters.get("id"), try await store.image(id: id) != nil else {
                throw WebError.notFound("That image")
            }
            // Served from the renditions stored at upload: a view never decodes the original again.
            let kind: ImageVault.Derived = context.parameters.get("size") == "thumb" ? .thumbnail : .view
            let png = try UploadPipeline(app: app).rendition(kind, of: id)
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        router.get("/images") { _, context -> Response in
            _ = try await requireOwner(context)
            return renderer.page("images", title: "Images", context: context, values: ["images": await recentImages(1000)])
        }
    }

    /// Whole-number scores (FNN's exact squared distances, Hamming distances) in full; others to 4 digits.
    static func formatScore(_ score: Double) -> String {
        score.isFinite && score == score.rounded() && abs(score) < 1e15 ? String(format: "%.0f", score)
            : String(format: "%.4g", score)
    }

    /// The owner or administrator making this request (a refusal is audited).
    func requireOwner(_ context: WebRequestContext) async throws -> WebUser {
        try await requireOwner(context, toDo: "upload or manage images", page: "upload page")
    }

    func searchableEngines(_ user: WebUser) async throws -> [[String: Any]] {
        var engines: [[String: Any]] = []
        for engine in app.engines {
            engines.append(["name": engine.name, "title": engine.title, "note": engine.securityNote,
                            "allowed": try await store.maySearch(user, engine: engine.name)])
        }
        return engines
    }

    func recentImages(_ limit: Int) async -> [[String: Any]] {
        ((try? await store.images(limit: limit)) ?? []).map { record in
            ["id": record.id, "name": record.displayName, "labels": record.labels, "status": record.status,
             "stored": record.status == "stored", "detail": record.detail, "format": record.format,
             "modality": record.modality ?? ""]
        }
    }
}
