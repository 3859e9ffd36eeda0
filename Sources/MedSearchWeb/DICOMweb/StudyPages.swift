import Foundation
import Hummingbird
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
import MedSearchStore

/// Where a catalogued instance lives in DICOMweb's URL space (original UIDs, as PACS and viewers know them).
struct InstanceLocation: Sendable, Equatable {
    var study: String
    var series: String
    var instance: String

    init?(_ entry: DICOMwebEntry) {
        guard let study = entry.attributes.string(.studyInstanceUID), let series = entry.attributes.string(.seriesInstanceUID),
              QIDOMatchUID.isUID(study), QIDOMatchUID.isUID(series), QIDOMatchUID.isUID(entry.sopInstanceUID) else { return nil }
        self.study = study
        self.series = series
        instance = entry.sopInstanceUID
    }

    /// The WADO-RS instance resource (relative to the web application).
    var wadoPath: String { "/dicom-web/studies/\(study)/series/\(series)/instances/\(instance)" }
    /// The clinicians' viewer page of the instance (windowing, frames, metadata).
    var viewerPath: String { "/dicom/studies/\(study)/series/\(series)/instances/\(instance)" }
}

/// The query images of recent searches (the 512-pixel view, PNG), so the results page can show an uploaded
/// query beside its results without storing it: kept in memory only, per user, the newest 64.
actor QueryImages {
    static let capacity = 64
    private var kept: [(token: String, user: Int64?, png: [UInt8])] = []

    /// Keeps `png` for `user`; returns the token of its URL.
    func keep(_ png: [UInt8], for user: Int64?) -> String {
        let token = Hex.encode(SecureRandom.bytes(16))
        kept.append((token, user, png))
        if kept.count > Self.capacity { kept.removeFirst(kept.count - Self.capacity) }
        return token
    }

    /// The image kept under `token` for `user` (another user's token finds nothing).
    func image(_ token: String, for user: Int64?) -> [UInt8]? {
        kept.last { $0.token == token && $0.user == user }?.png
    }
}

/// The results page's model: results grouped by DICOM study (groups in the order of their best result, results
/// best first inside a group), with the study's metadata for users who may see stored images. Results that are
/// not catalogued DICOM instances (PNG, JPEG) form one group of their own. No patient attribute is shown.
struct StudyResultGroups {
    struct Item {
        var rank: Int
        var hit: WebSearchHit
        var record: WebImageRecord?
        var entry: DICOMwebEntry?
    }

    /// The mustache values of the groups; `showStudies` false leaves every DICOM attribute out.
    static func build(_ items: [Item], showStudies: Bool) -> [[String: Any]] {
        var order: [String] = []
        var members: [String: [Item]] = [:]
        for item in items {
            let key = showStudies ? (item.entry.flatMap(InstanceLocation.init)?.study ?? "") : ""
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(item)
        }
        return order.enumerated().map { index, key in
            let group = members[key] ?? []
            let first = group.first?.entry?.attributes
            let date = first?.shown(.studyDate, otherwise: "") ?? ""
            let description = first?.shown(DICOMwebAttributes.studyDescription, otherwise: "") ?? ""
            let modalities = Array(Set(group.compactMap { $0.entry?.attributes.string(.modality) })).sorted()
            let heading = key.isEmpty ? "Images without a DICOM study"
                : "Study \(description.isEmpty ? "without a description" : description)\(date.isEmpty ? "" : ", \(date)")"
            return [
                "index": index + 1, "studyUID": key, "hasStudy": !key.isEmpty, "heading": heading,
                "studyDate": date.isEmpty ? "not recorded" : date,
                "studyDescription": description.isEmpty ? "none" : description,
                "modalities": modalities.isEmpty ? "not recorded" : modalities.joined(separator: ", "),
                "count": group.count, "results": group.map { item(of: $0, showStudies: showStudies) },
            ] as [String: Any]
        }
    }

    static func item(of item: Item, showStudies: Bool) -> [String: Any] {
        var values: [String: Any] = [
            "rank": item.rank, "id": item.hit.id, "score": ImagePages.formatScore(item.hit.score),
            "scoreKind": item.hit.scoreKind, "labels": item.record?.labels ?? "", "detail": item.hit.detail,
            "name": item.record?.displayName ?? item.hit.id,
        ]
        if showStudies, let entry = item.entry, let location = InstanceLocation(entry) {
            let attributes = entry.attributes
            values["dicom"] = [
                "modality": attributes.shown(.modality), "bodyPart": attributes.shown(DICOMwebAttributes.bodyPartExamined),
                "series": attributes.shown(DICOMwebAttributes.seriesDescription, otherwise: ""),
                "sop": location.instance, "wado": location.wadoPath, "viewer": location.viewerPath,
            ]
        }
        return values
    }

    /// A DICOM DA value as YYYY-MM-DD (anything else as it is).
    static func date(_ value: String) -> String {
        let digits = Array(value.trimmingCharacters(in: .whitespaces))
        guard digits.count == 8, digits.allSatisfy(\.isNumber) else { return value }
        return "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))"
    }
}

/// The clinicians' DICOM viewer page: one catalogued instance rendered through WADO-RS `/rendered` with the
/// instance's own window by default, a preset or a chosen centre and width, any frame, its study metadata and
/// links to the instance and its metadata over WADO-RS.
struct StudyPages: WebPageGroup {
    let app: WebApplication

    func register(on router: Router<WebRequestContext>) {
        router.get("/search/query/:token") { _, context -> Response in
            let user = try context.requireUser()
            guard let token = context.parameters.get("token"), let png = await app.queryImages.image(token, for: user.id) else {
                throw WebError.notFound("That query image")
            }
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        router.get("/dicom/studies/:study/series/:series/instances/:instance") { request, context -> Response in
            try await viewer(request, context)
        }
    }

    func viewer(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard try await store.mayViewImages(user) else {
            await store.audit(user.username, "view instance", "refused", "no active key grant")
            throw WebError.forbidden("view stored studies without a repository key grant")
        }
        guard let sop = context.parameters.get("instance"), let entry = await app.dicomwebCatalog.entry(sop: sop),
              let location = InstanceLocation(entry), location.study == context.parameters.get("study"),
              location.series == context.parameters.get("series") else {
            throw WebError.notFound("That instance")
        }
        let parameters = Dictionary(DICOMwebRoutes.queryItems(request.uri.query), uniquingKeysWith: { _, last in last })
        let file = try DICOMFile(bytes: try app.vault.load(id: entry.imageID))
        let own = try? file.storedWindow()
        let frames = max((try? file.pixelAttributes().frames) ?? 1, 1)
        let presetName = parameters["preset"] ?? ""
        var chosen: VOIWindow?
        do {
            switch presetName {
            case "": chosen = nil
            case "custom": chosen = try RenderedWindow.parse("\(parameters["center"] ?? ""),\(parameters["width"] ?? "")")
            default:
                guard let preset = RenderedWindow.presets.first(where: { $0.name == presetName }) else {
                    throw WebError.badForm("unknown window preset")
                }
                chosen = preset.window
            }
        } catch let error as DICOMwebError { throw WebError.badForm(error.description) }
        let frameText = parameters["frame"] ?? ""
        guard let frame = frameText.isEmpty ? entry.frame + 1 : Int(frameText), (1...frames).contains(frame) else {
            throw WebError.badForm("the frame is 1 to \(frames)")
        }
        let shown = chosen ?? own
        var rendered = "\(location.wadoPath)/frames/\(frame)/rendered"
        if let chosen { rendered += "?window=" + RenderedWindow.parameter(chosen) }
        let attributes = entry.attributes
        let modality = attributes.string(.modality) ?? ""
        let windowText = shown.map { "centre \(RenderedWindow.number($0.center)), width \(RenderedWindow.number($0.width))" }
            ?? "the frame's full range"
        await store.audit(user.username, "view instance", "ok", entry.imageID)
        return app.renderer.page("instance", title: "DICOM instance", context: context, values: [
            "rendered": rendered, "viewer": location.viewerPath, "wado": location.wadoPath,
            "alt": "Frame \(frame) of the \(modality.isEmpty ? "DICOM" : modality) instance, window \(windowText)",
            "window": windowText, "own": own.map { "\(RenderedWindow.number($0.center)) / \(RenderedWindow.number($0.width))" } ?? "",
            "presets": RenderedWindow.presets.map { ["name": $0.name, "title": $0.title, "selected": $0.name == presetName] },
            "custom": presetName == "custom",
            "center": shown.map { RenderedWindow.number($0.center) } ?? "",
            "width": shown.map { RenderedWindow.number($0.width) } ?? "",
            "frame": frame, "frames": frames, "multiFrame": frames > 1,
            "modality": attributes.shown(.modality), "bodyPart": attributes.shown(DICOMwebAttributes.bodyPartExamined),
            "studyDate": attributes.shown(.studyDate),
            "studyDescription": attributes.shown(DICOMwebAttributes.studyDescription, otherwise: "none"),
            "seriesDescription": attributes.shown(DICOMwebAttributes.seriesDescription, otherwise: "none"),
        ])
    }
}

extension DICOMDataset {
    /// The attribute's text for a page, or `otherwise` when it is absent or empty.
    func shown(_ tag: DICOMTag, otherwise: String = "not recorded") -> String {
        let text = string(tag) ?? ""
        return text.isEmpty ? otherwise : (tag == .studyDate ? StudyResultGroups.date(text) : text)
    }
}
