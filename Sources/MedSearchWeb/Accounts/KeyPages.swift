import Foundation
import Hummingbird
import MedSearchStore

/// Repository keys: owners create them per engine and grant or revoke clinicians' access.
struct KeyPages: WebPageGroup {
    let app: WebApplication

    func register(on router: Router<WebRequestContext>) {
        router.get("/keys") { _, context -> Response in
            _ = try await requireOwner(context)
            return renderer.page("keys", title: "Repository keys", context: context, values: try await keyValues())
        }
        router.post("/keys") { request, context -> Response in
            let owner = try await requireOwner(context)
            let form = try await FormInput.read(request, context: context)
            let engine = try app.engine(named: try form.required("engine"))
            let name = try form.required("name")
            guard name.count <= 80 else { throw WebError.badForm("a key name has at most 80 characters") }
            let key = try await store.createKey(engine: engine.name, name: name, createdBy: owner.username)
            await store.audit(owner.username, "create key", "ok", "\(key.id ?? 0) \(engine.name) \(name)")
            return seeOther("/keys")
        }
        router.post("/keys/:id/grant") { request, context -> Response in
            let (owner, keyId, userId) = try await keyChange(request, context)
            try await store.grant(keyId: keyId, userId: userId, by: owner.username)
            await store.audit(owner.username, "grant key", "ok", "key \(keyId) to \(try await username(userId))")
            return seeOther("/keys")
        }
        router.post("/keys/:id/revoke") { request, context -> Response in
            let (owner, keyId, userId) = try await keyChange(request, context)
            try await store.revoke(keyId: keyId, userId: userId)
            await store.audit(owner.username, "revoke key", "ok", "key \(keyId) from \(try await username(userId))")
            return seeOther("/keys")
        }
    }

    /// The owner, the key (from the path) and the clinician (from the form) of a grant or revoke request.
    func keyChange(_ request: Request, _ context: WebRequestContext) async throws
        -> (owner: WebUser, keyId: Int64, userId: Int64) {
        let owner = try await requireOwner(context)
        let form = try await FormInput.read(request, context: context)
        guard let keyId = context.parameters.get("id", as: Int64.self),
              let userId = Int64(try form.required("user")) else { throw WebError.badForm("choose a clinician") }
        return (owner, keyId, userId)
    }

    /// A clinician's name for the audit log (the id when the account is gone).
    func username(_ userId: Int64) async throws -> String {
        try await store.user(id: userId)?.username ?? "\(userId)"
    }

    /// The owner or administrator making this request (a refusal is audited).
    func requireOwner(_ context: WebRequestContext) async throws -> WebUser {
        try await requireOwner(context, toDo: "manage repository keys", page: "keys page")
    }

    func keyValues() async throws -> [String: Any] {
        let users = try await store.users()
        let clinicians = users.filter { $0.role == .clinician && $0.status == .approved }
        let grants = try await store.activeGrants()
        let keys = try await store.keys().map { key -> [String: Any] in
            let granted = grants.filter { $0.keyId == key.id }.compactMap { grant in
                users.first(where: { $0.id == grant.userId })
            }
            return [
                "keyId": key.id ?? 0, "engine": key.engine, "name": key.name, "createdBy": key.createdBy,
                "granted": granted.map { ["userId": $0.id ?? 0, "username": $0.username] },
                "grantable": clinicians.filter { user in !granted.contains(where: { $0.id == user.id }) }
                    .map { ["userId": $0.id ?? 0, "username": $0.username] },
            ]
        }
        return ["keys": keys, "engines": app.engines.map { ["name": $0.name, "title": $0.title] }]
    }
}
