import Foundation
import Hummingbird
import MedSearchStore

/// Registration, administrator approval, login, logout and the audit log.
struct AccountPages: WebPageGroup {
    let app: WebApplication

    func register(on router: Router<WebRequestContext>) {
        router.get("/") { _, context -> Response in
            let user = try context.requireUser()
            let grants = try await store.activeGrants().filter { $0.userId == user.id }.count
            return renderer.page("home", title: "MedSearch", context: context, values: [
                "engines": app.engines.map { ["name": $0.name, "title": $0.title, "note": $0.securityNote] },
                "grantCount": grants,
                "isClinician": user.role == .clinician,
            ])
        }
        router.get("/login") { _, context in
            renderer.page("login", title: "Log in", context: context)
        }
        router.post("/login") { request, context -> Response in
            let form = try await FormInput.read(request, context: context)
            let username = form["username"] ?? ""
            do {
                // Per source address, before any password work: the same refusal whatever the account.
                let wait = await app.loginThrottle.wait(for: context.sourceAddress)
                guard wait == 0 else { throw WebError.loginThrottled(seconds: wait) }
                let user: WebUser
                do { user = try await store.authenticate(username: username, password: form["password"] ?? "") } catch {
                    if error as? WebError == .invalidCredentials { await app.loginThrottle.failed(context.sourceAddress) }
                    throw error
                }
                await app.loginThrottle.succeeded(context.sourceAddress)
                // Sessions exist from login on only; a session cookie the browser already had is replaced.
                if let old = context.session { try await store.deleteSession(tokenHash: old.tokenHash) }
                let (token, _) = try await store.createSession(userId: user.id ?? 0)
                await store.audit(user.username, "login", "ok")
                var response = seeOther("/")
                response.headers[.init("X-MedSearch-New-Session")!] = token
                return response
            } catch let error as WebError {
                await store.audit(String(username.prefix(40)), "login", "refused", error.description)
                return renderer.page("login", title: "Log in", context: context,
                                     values: ["error": error.description, "username": username], status: error.status)
            }
        }
        router.post("/logout") { request, context -> Response in
            _ = try await FormInput.read(request, context: context)
            if let session = context.session { try await store.deleteSession(tokenHash: session.tokenHash) }
            if let user = context.user { await store.audit(user.username, "logout", "ok") }
            var response = seeOther("/login")
            response.headers[.init("X-MedSearch-End-Session")!] = "1"
            return response
        }
        router.get("/register") { _, context in
            renderer.page("register", title: "Register", context: context)
        }
        router.post("/register") { request, context -> Response in
            let form = try await FormInput.read(request, context: context)
            do {
                guard form["password"] == form["confirm"] else { throw WebError.badForm("the passwords differ") }
                let user = try await store.register(username: form["username"] ?? "", fullName: form["fullName"] ?? "",
                                                    password: form["password"] ?? "")
                await store.audit(user.username, "register", user.status.rawValue, "role \(user.role.rawValue)")
                return renderer.page("registered", title: "Registered", context: context, values: [
                    "username": user.username, "approved": user.status == .approved,
                ])
            } catch let error as WebError {
                return renderer.page("register", title: "Register", context: context, values: [
                    "error": error.description, "username": form["username"] ?? "", "fullName": form["fullName"] ?? "",
                ], status: error.status)
            }
        }
        router.get("/admin/users") { _, context -> Response in
            let admin = try await requireAdmin(context)
            let users = try await store.users().map { user -> [String: Any] in
                [
                    "id": user.id ?? 0, "username": user.username, "fullName": user.fullName,
                    "role": user.role.rawValue, "status": user.status.rawValue,
                    "pending": user.status == .pending, "self": user.id == admin.id,
                    "isOwner": user.role == .owner, "isAdministrator": user.role == .administrator,
                ]
            }
            return renderer.page("users", title: "Users", context: context, values: ["users": users])
        }
        router.post("/admin/users/:id") { request, context -> Response in
            let admin = try await requireAdmin(context)
            let form = try await FormInput.read(request, context: context)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound("That user") }
            guard id != admin.id else { throw WebError.forbidden("change your own account here") }
            let status: WebUser.Status
            switch form["action"] {
            case "approve": status = .approved
            case "reject": status = .rejected
            case "disable": status = .disabled
            default: throw WebError.badForm("unknown action")
            }
            let role = form["role"].flatMap(WebUser.Role.init(rawValue:))
            let user = try await store.setStatus(userId: id, status: status, role: role)
            await store.audit(admin.username, "account \(form["action"] ?? "")", "ok", "\(user.username) as \(user.role.rawValue)")
            return seeOther("/admin/users")
        }
        router.get("/admin/audit") { _, context -> Response in
            _ = try await requireAdmin(context)
            let formatter = ISO8601DateFormatter()
            let entries = try await store.auditLog().map { entry -> [String: Any] in
                ["at": formatter.string(from: entry.at), "username": entry.username, "action": entry.action,
                 "outcome": entry.outcome, "detail": entry.detail, "refused": entry.outcome == "refused"]
            }
            return renderer.page("audit", title: "Audit log", context: context, values: ["entries": entries])
        }
    }

    func requireAdmin(_ context: WebRequestContext) async throws -> WebUser {
        do {
            return try context.requireRole(.administrator, toDo: "manage accounts or read the audit log")
        } catch let error as WebError where error != .notLoggedIn {
            await store.audit(context.user?.username ?? "-", "admin page", "refused")
            throw error
        }
    }
}
