import Foundation
import MedSearchCore
import MedSearchStore

/// Makes a fresh web application usable at once: demo accounts, one repository key per engine granted to
/// the demo clinician, and the embedded demo images ingested into every engine.
public enum WebDemo {
    /// The demo accounts created by ``seed(app:dataDirectory:limit:password:)``.
    public static let accounts: [(username: String, role: WebUser.Role)] = [
        ("demo-admin", .administrator), ("demo-owner", .owner), ("demo-clinician", .clinician),
    ]

    /// Seeds accounts (if absent), keys and grants, and ingests up to `limit` demo images (if none stored yet).
    public static func seed(app: WebApplication, dataDirectory: URL, limit: Int?, password: String) async throws {
        let store = app.store
        for (username, role) in accounts {
            guard try await store.users().allSatisfy({ $0.username != username }) else { continue }
            let user = try await store.register(username: username, fullName: "Demo \(role.rawValue)", password: password)
            _ = try await store.setStatus(userId: user.id ?? 0, status: .approved, role: role)
        }
        let clinician = try await store.users().first(where: { $0.username == "demo-clinician" })
        for engine in app.engines {
            guard try await store.keys().allSatisfy({ $0.engine != engine.name }) else { continue }
            let key = try await store.createKey(engine: engine.name, name: "demo-\(engine.name)", createdBy: "demo-owner")
            if let keyId = key.id, let userId = clinician?.id {
                try await store.grant(keyId: keyId, userId: userId, by: "demo-owner")
            }
        }
        guard try await store.images(limit: 1).isEmpty else { return }
        let labelsFile = dataDirectory.appendingPathComponent("labels.csv")
        let text = try String(contentsOf: labelsFile, encoding: .utf8)
        var rows = text.split(separator: "\n").dropFirst().map { line -> (String, [String]) in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (String(fields[0]), fields.count > 1 ? fields[1].split(separator: "|").map(String.init) : [])
        }
        if let limit { rows = Array(rows.prefix(limit)) }
        let progress = ProgressReporter(label: "demo ingest", total: rows.count)
        var files: [UploadedFile] = []
        var labelsByName: [String: [String]] = [:]
        for (id, labels) in rows {
            let url = dataDirectory.appendingPathComponent("images/\(id).png")
            files.append(UploadedFile(field: "files", fileName: "\(id).png", bytes: Array(try Data(contentsOf: url))))
            labelsByName["\(id).png"] = labels
        }
        // One batch: each engine builds its index (SEI) or trains its hash model (TrustMedSearch) once.
        let outcomes = await UploadPipeline(app: app).process(files, labels: [], labelsByName: labelsByName,
                                                              username: "demo-owner", progress: progress) { engine, count, seconds in
            FileHandle.standardError.write(Data(String(format: "demo: %@ indexed %d images in %.1f s\n", engine, count, seconds).utf8))
        }
        if let failure = outcomes.first(where: { !$0.stored }) {
            throw WebError.engineUnavailable("demo ingest failed for \(failure.displayName): \(failure.detail)")
        }
    }
}
