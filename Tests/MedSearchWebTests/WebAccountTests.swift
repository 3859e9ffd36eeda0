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
    func failedLoginsAreThrottledPerSourceNeverPerAccount(_ backend: WebStoreBackend) async throws {
        try await withWebApp(backend: backend) { web, client in
            var admin = WebTestClient(client: client)
            _ = try await admin.register("admin")
            // The router test client has no peer address: every browser here is the source "unknown".
            var attacker = WebTestClient(client: client)
            let wrong = try await attacker.login("admin", password: "not the password")
            let unknown = try await attacker.login("nobody", password: "whatever12345")
            // The same status and the same words for an unknown account and a wrong password.
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.text.contains("Wrong user name or password."))
            #expect(unknown.text.contains("Wrong user name or password."))
            for _ in 2..<WebLimits.freeFailedLogins { _ = try await attacker.login("admin", password: "still wrong!") }
            // Five failures from the source are on record (its first delay is 1 s); five more, as a persistent
            // guesser would collect, make the delay 32 s, longer than this test on a loaded machine.
            #expect(await web.loginThrottle.count == 1)
            for _ in 0..<5 { await web.loginThrottle.failed(attacker.source) }
            #expect(await web.loginThrottle.wait(for: attacker.source) > 16)
            // The next attempt from that source waits, whatever account it names (no password is checked).
            for name in ["admin", "nobody"] {
                let throttled = try await attacker.login(name, password: "still wrong!")
                #expect(throttled.status == .tooManyRequests)
                #expect(throttled.text.contains("from your address"))
            }
            // The account itself is not locked: its owner logs in from another address.
            let account = try #require(try await web.store.users().first { $0.username == "admin" })
            #expect(account.failedLogins == 0 && account.lockedUntil == nil)
            #expect(try await web.store.authenticate(username: "admin", password: "correct horse battery").username == "admin")
            #expect(await web.loginThrottle.wait(for: "192.0.2.7") == 0)
            let refusedLogins = try await web.store.auditLog().filter { $0.action == "login" }.filter { $0.outcome == "refused" }
            #expect(refusedLogins.count == WebLimits.freeFailedLogins + 2)
        }
    }

    @Test func throttleDelaysGrowAndStayBounded() async {
        let throttle = LoginThrottle(capacity: 3)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<WebLimits.freeFailedLogins { await throttle.failed("a", now: start.addingTimeInterval(Double(i))) }
        let last = start.addingTimeInterval(Double(WebLimits.freeFailedLogins - 1))
        #expect(await throttle.wait(for: "a", now: last) == 1)
        await throttle.failed("a", now: last)
        #expect(await throttle.wait(for: "a", now: last) == 2)
        for _ in 0..<40 { await throttle.failed("a", now: last) }
        #expect(await throttle.wait(for: "a", now: last) == Int(WebLimits.maxLoginDelaySeconds))
        #expect(await throttle.wait(for: "b", now: last) == 0)
        // A bounded table: the stalest address goes first.
        for source in ["b", "c", "d"] { await throttle.failed(source, now: last.addingTimeInterval(1)) }
        #expect(await throttle.count == 3)
        #expect(await throttle.wait(for: "a", now: last) == 0)
        await throttle.succeeded("b")
        #expect(await throttle.count == 2)
    }

    @Test func unknownAccountsCostARealBcryptCheck() async throws {
        try await withWebApp { web, _ in
            // The dummy hash is a bcrypt hash at the store's own cost (4 here, 12 in production).
            #expect(web.store.dummyHash.hasPrefix(String(format: "$2b$%02d$", Int(web.store.bcryptCost))))
        }
    }

    @Test func registrationCannotAskForARoleAndApprovalDefaultsToClinician() async throws {
        try await withWebApp { web, client in
            var admin = WebTestClient(client: client)
            _ = try await admin.register("admin")
            var newcomer = WebTestClient(client: client)
            let form = try await newcomer.get("/register")
            #expect(!form.text.contains("name=\"role\""))
            _ = try await newcomer.register("eve", role: "owner")
            _ = try await newcomer.register("mallory", role: "administrator")
            let users = try await web.store.users()
            #expect(users.first { $0.username == "eve" }?.role == .clinician)
            #expect(users.first { $0.username == "mallory" }?.role == .clinician)
            _ = try await admin.login("admin")
            let page = try await admin.get("/admin/users")
            // The first role offered (the browser's default) is clinician; owner is never preselected for them.
            let eveRow = try #require(page.text.components(separatedBy: "data-username=\"eve\"").dropFirst().first)
            let select = try #require(eveRow.components(separatedBy: "</select>").first)
            #expect(select.contains("<option value=\"clinician\">clinician</option><option value=\"owner\">owner</option>"))
            #expect(!select.contains("selected"))
        }
    }

    @Test func sessionsAreCreatedAtLoginOnlyAndExpiredOnesArePurged() async throws {
        try await withWebApp { web, client in
            var anonymous = WebTestClient(client: client)
            for _ in 0..<20 {
                _ = try await client.executeRequest(uri: "/health", method: .get, headers: [:], body: nil)
                _ = try await client.executeRequest(uri: "/login", method: .get, headers: [:], body: nil)
            }
            _ = try await anonymous.get("/register")
            #expect(try await web.store.sessionCount() == 0)
            _ = try await anonymous.register("admin")
            #expect(try await web.store.sessionCount() == 0)
            #expect(try await anonymous.login("admin").status == .found)
            #expect(try await web.store.sessionCount() == 1)
            // A session that expired is removed at the next login.
            let user = try #require(try await web.store.users().first)
            _ = try await web.store.createSession(userId: user.id ?? 0, now: Date().addingTimeInterval(-2 * WebLimits.sessionSeconds))
            #expect(try await web.store.sessionCount() == 2)
            #expect(try await anonymous.login("admin").status == .found)
            #expect(try await web.store.sessionCount() == 1)
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
            #expect(browser.cookie == nil)  // no session before login
            let planted = String(repeating: "ab", count: 32)  // a session id an attacker planted in the browser
            browser.cookie = planted
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
