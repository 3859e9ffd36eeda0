import Foundation
import Hummingbird
import HummingbirdTesting
import MedSearchStore
@testable import MedSearchWeb
import Testing

@Suite struct WebAccountTests {
    @Test(arguments: WebStoreBackend.configured)
    func registrationApprovalAndLogin(_ backend: WebStoreBackend) async throws {
        try await withWebApp(backend: backend) { web, client in
            var admin = WebTestClient(client: client)
            let first = try await admin.register("admin", role: "owner")
            #expect(first.text.contains("As the first account it is the administrator"))
            var clinician = WebTestClient(client: client)
            let pending = try await clinician.register("dr.house")
            #expect(pending.text.contains("must approve it"))

            // A pending account cannot log in.
            let refused = try await clinician.login("dr.house")
            #expect(refused.status == .unauthorized)
            #expect(refused.text.contains("This account is pending"))

            // The administrator approves it.
            #expect(try await admin.login("admin").status == .found)
            let users = try await admin.get("/admin/users")
            #expect(users.text.contains("dr.house"))
            let id = try #require(try await web.store.users().first(where: { $0.username == "dr.house" })?.id)
            let approved = try await admin.post("/admin/users/\(id)", form: ["_csrf": users.csrf ?? "", "action": "approve",
                                                                              "role": "clinician"])
            #expect(approved.status == .found)

            let login = try await clinician.login("dr.house")
            #expect(login.status == .found)
            #expect(login.location == "/")
            let home = try await clinician.get("/")
            #expect(home.text.contains("Dr dr.house (clinician)"))

            // A clinician may not open administrator pages; the refusal is audited.
            #expect(try await clinician.get("/admin/users").status == .forbidden)
            let audit = try await web.store.auditLog().map { "\($0.username) \($0.action) \($0.outcome)" }
            #expect(audit.contains("dr.house admin page refused"))
            #expect(audit.contains("dr.house login ok"))
            let auditPage = try await admin.get("/admin/audit")
            #expect(auditPage.status == .ok)
            #expect(auditPage.text.contains("admin page"))
        }
    }

    @Test(arguments: WebStoreBackend.configured)
    func wrongPasswordsLockTheAccount(_ backend: WebStoreBackend) async throws {
        try await withWebApp(backend: backend) { web, client in
            var admin = WebTestClient(client: client)
            _ = try await admin.register("admin")
            var attacker = WebTestClient(client: client)
            let wrong = try await attacker.login("admin", password: "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Wrong user name or password."))
            let unknown = try await attacker.login("nobody", password: "whatever12345")
            #expect(unknown.text.contains("Wrong user name or password."))
            for _ in 1..<WebLimits.maxFailedLogins { _ = try await attacker.login("admin", password: "still wrong!") }
            // Now even the right password is refused until the lock expires.
            let locked = try await admin.login("admin")
            #expect(locked.status == .tooManyRequests)
            #expect(locked.text.contains("locked"))
            let refusedLogins = try await web.store.auditLog().filter { $0.action == "login" }.filter { $0.outcome == "refused" }
            #expect(refusedLogins.count == WebLimits.maxFailedLogins + 2)
        }
    }

    @Test(arguments: WebStoreBackend.configured)
    func formsWithoutOrWithAForeignCSRFTokenAreRefusedAndChangeNothing(_ backend: WebStoreBackend) async throws {
        try await withWebApp(backend: backend) { web, client in
            var browser = WebTestClient(client: client)
            _ = try await browser.get("/register")
            let missing = try await browser.post("/register", form: ["username": "mallory", "fullName": "M",
                                                                     "password": "0123456789", "confirm": "0123456789"])
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("security token is missing"))
            var other = WebTestClient(client: client)
            let foreignToken = try await other.get("/register").csrf ?? ""
            let mismatch = try await browser.post("/register", form: ["_csrf": foreignToken, "username": "mallory",
                                                                      "fullName": "M", "password": "0123456789",
                                                                      "confirm": "0123456789"])
            #expect(mismatch.status == .forbidden)
            #expect(mismatch.text.contains("does not match"))
            #expect(try await web.store.users().isEmpty)
        }
    }

    @Test func loginRotatesTheSessionAndLogoutEndsIt() async throws {
        try await withWebApp { _, client in
            var browser = WebTestClient(client: client)
            _ = try await browser.register("admin")
            _ = try await browser.get("/login")
            let planted = try #require(browser.cookie)
            #expect(try await browser.login("admin").status == .found)
            let loggedIn = try #require(browser.cookie)
            #expect(loggedIn != planted)

            // The pre-login (possibly attacker-planted) session id does not carry the login.
            var fixated = WebTestClient(client: client, cookie: planted)
            let page = try await fixated.get("/")
            #expect(page.status == .found)
            #expect(page.location == "/login")

            let home = try await browser.get("/")
            let logout = try await browser.post("/logout", form: ["_csrf": home.csrf ?? ""])
            #expect(logout.status == .found)
            var replay = WebTestClient(client: client, cookie: loggedIn)
            #expect(try await replay.get("/").location == "/login")
        }
    }
}
