import AsyncHTTPClient
import Foundation
import Hummingbird
import MedSearchDeployment
import MedSearchStore
import MedSearchTransport
@testable import MedSearchWeb
import Testing
import _MedSearchTestSupport

/// The web application as a role of a deployment file: `cluster up` starts FNN's two clouds and the web
/// application (each its own process) over TLS; a clinician logs in and searches through HTTPS, the web
/// application reaching the clouds with its own certificate; a browser trusting another CA is refused.
@Suite("Web application in a deployment file", .serialized, .needsMedsearchExecutable)
struct WebDeploymentTests {
    @Test func clusterUpServesTheWebApplicationOverHTTPSOnTheDeploymentsEngines() async throws {
        let executable = try #require(TestData.medsearchExecutable)
        try await withTemporaryDirectory("web-deploy") { directory in
            let ports = try LoopbackPorts.free(3)
            let yaml = """
                name: webtest
                pki: pki
                tokens: tokens.json
                roles:
                  - {role: fnn-c2, name: c2, port: \(ports[0]), dataDirectory: data/c2}
                  - {role: fnn-c1, name: c1, port: \(ports[1]), dataDirectory: data/c1}
                web: {name: web, port: \(ports[2]), dataDirectory: data/web, maxFileMib: 8}

                """
            let file = directory.appendingPathComponent("deploy.yaml")
            try Data(yaml.utf8).write(to: file)
            let pki = try LocalPKI.open(in: directory.appendingPathComponent("pki"), name: "webtest")
            _ = try IssuedTokens.issue([.owner, .user, .admin, .fnnC1, .fnnC2], writingTo: directory.appendingPathComponent("tokens.json"))
            let deployment = try DeploymentFile.load(file)
            let web = try #require(deployment.web)
            #expect(web.engines == ["fnn"])  // every engine whose roles the file has
            #expect(web.url == "https://127.0.0.1:\(ports[2])")

            // Accounts and a grant, written into the web application's store before it starts.
            do {
                let store = try await WebStore.open(StoreLocation.resolve(nil, dataDirectory: web.dataDirectory, schema: WebSchema.schema),
                                                    bcryptCost: 4)
                for (username, role) in [("owner1", WebUser.Role.owner), ("clin1", .clinician)] {
                    let user = try await store.register(username: username, fullName: "Dr \(username)", password: "correct horse battery")
                    _ = try await store.setStatus(userId: try #require(user.id), status: .approved, role: role)
                }
                let key = try await store.createKey(engine: "fnn", name: "k1", createdBy: "owner1")
                let clinician = try #require(try await store.users().first { $0.username == "clin1" })
                try await store.grant(keyId: try #require(key.id), userId: try #require(clinician.id), by: "owner1")
            }

            let cluster = try await DeploymentCluster.up(deployment, executable: executable, startTimeout: .seconds(600))
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
                tlsConfiguration: try pki.clientCredentials(.user).clientConfiguration, redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(60), read: .seconds(600))))
            do {
                #expect(cluster.web?.url == web.url)
                let statuses = await DeploymentCluster.status(deployment)
                #expect(statuses.map(\.name) == ["c2", "c1", "web"])
                #expect(statuses.allSatisfy { $0.ready }, "\(statuses.map { "\($0.name): \($0.readiness)" })")
                #expect(statuses.last?.readiness == "ready web: fnn")

                let transport: WebTestClient.Transport = { uri, method, headers, body in
                    var request = HTTPClientRequest(url: web.url + uri)
                    request.method = .init(rawValue: method.rawValue)
                    for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
                    if let body { request.body = .bytes(body) }
                    let response = try await http.execute(request, timeout: .seconds(600))
                    var fields = HTTPFields()
                    for (name, value) in response.headers {
                        if let key = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: key, value: value)) }
                    }
                    return (HTTPResponse.Status(code: Int(response.status.code)), fields, try await response.body.collect(upTo: 16 << 20))
                }
                var owner = WebTestClient(transport: transport)
                #expect(try await owner.login("owner1").status == .found)
                let images = try FileManager.default.contentsOfDirectory(atPath: TestData.root.appendingPathComponent("DemoData/images").path)
                    .sorted().prefix(4).map { name in
                        ("files", name, Array(try Data(contentsOf: TestData.root.appendingPathComponent("DemoData/images/\(name)"))))
                    }
                let upload = try await owner.postMultipart("/upload", fields: ["_csrf": try await owner.get("/upload").csrf ?? ""],
                                                           files: images)
                #expect(upload.text.components(separatedBy: "stored as img-").count - 1 == 4, "\(upload.text.prefix(2000))")

                var clinician = WebTestClient(transport: transport)
                #expect(try await clinician.login("clin1").status == .found)
                let form = try await clinician.get("/search")
                let results = try await clinician.postMultipart("/search", fields: ["_csrf": form.csrf ?? "", "engine": "fnn", "k": "2"],
                                                                files: [("query", images[1].1, images[1].2)])
                #expect(results.status == .ok)
                #expect(results.text.components(separatedBy: "class=\"result\"").count - 1 == 2, "\(results.text.prefix(2000))")
                let stored = try await WebStore.open(StoreLocation.resolve(nil, dataDirectory: web.dataDirectory, schema: WebSchema.schema),
                                                     bcryptCost: 4).images()
                let query = try #require(stored.first { $0.displayName == images[1].1 })
                let firstHit = try #require(results.text.range(of: "/images/")).upperBound
                #expect(results.text[firstHit...].hasPrefix(query.id))

                // A browser that trusts another CA is refused at the handshake.
                let stranger = try LocalPKI.open(in: directory.appendingPathComponent("other-pki"), name: "other")
                let other = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
                    tlsConfiguration: try stranger.clientCredentials(.user).clientConfiguration))
                await #expect(throws: (any Error).self) {
                    _ = try await other.execute(HTTPClientRequest(url: web.url + "/login"), timeout: .seconds(60))
                }
                try await other.shutdown()
            } catch {
                try? await http.shutdown()
                await cluster.down()
                throw error
            }
            try await http.shutdown()
            await cluster.down()
            #expect(cluster.web == nil)
        }
    }
}
