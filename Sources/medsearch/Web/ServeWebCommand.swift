import ArgumentParser
import Foundation
import Logging
import MedSearchCore
import MedSearchServer
import MedSearchTransport
import MedSearchWeb
import MedSearchDeployment

/// `medsearch serve web`: the clinicians' web application (the trusted, hospital-side client).
struct ServeWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("web", documentation: WebLaunch.self)

    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free port; the URL is printed as MEDSEARCH_LISTENING <url>).")
    var port: Int = 8080
    @Option(name: .customLong("data-dir"), help: "Directory for accounts, audit log, sealed images and engine keys.")
    var dataDirectory: String = "medsearch-web-data"
    @Option(help: ArgumentHelp(
        "Engines to run, comma-separated subset of fnn, sei, trustmed.",
        discussion: "Each engine starts its untrusted servers as processes on loopback: fnn-c1 and fnn-c2 (FNN), "
            + "serve sei (SEI), an edge master and 5 storage nodes with m = 3 (TrustMedSearch)."))
    var engines: String = WebEngines.available.joined(separator: ",")
    @Flag(help: "Seed demo accounts and keys and ingest the embedded demo images.") var demo = false
    @Option(help: "Demo data directory (default: the embedded DemoData).") var demoData: String?
    @Option(help: ArgumentHelp(
        "Ingest at most this many demo images (0: all).",
        discussion: "With the default 60 and all three engines, a debug build is ready in about 35 s on 2 cores "
            + "(all 179 images: about 100 s; SEI's CNN features and TrustMedSearch's hash training and BFV "
            + "encryption dominate)."))
    var demoLimit: Int = 60
    @Option(help: "Password of the demo accounts (default: random, printed).") var demoPassword: String?
    @OptionGroup var store: DatabaseOption
    @Option(name: .customLong("dicomweb-tokens"), help: ArgumentHelp(
        "JSON file {\"tokens\": {\"<token>\": \"<account>\"}} of DICOMweb bearer tokens (mode 0600).",
        discussion: "DICOMweb is served under /dicom-web/ (STOW-RS, QIDO-RS, WADO-RS, search-similar). A PACS or "
            + "script sends Authorization: Bearer <token> and acts as that account: an owner may store, a clinician "
            + "with a key grant may query, retrieve and search. Browsers use their session (GET only)."))
    var dicomwebTokens: String?
    @Flag(help: "Omit the Secure cookie attribute (only for plain HTTP on a non-loopback address behind TLS).")
    var insecureCookies = false
    @Option(help: "Largest file in MiB (1-1024): an upload, or a DICOMweb part (refused as it streams).") var maxFileMib = 32
    @OptionGroup var tls: ServeTLSOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        if let demoPassword, demoPassword.count < 10 { throw ValidationError("--demo-password needs 10 characters") }
        guard demoLimit >= 0 else { throw ValidationError("--demo-limit must be 0 (all) or more") }
        guard (1...1024).contains(maxFileMib) else { throw ValidationError("--max-file-mib must be 1...1024") }
        let names = engines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty, names.allSatisfy({ WebEngines.available.contains($0) }) else {
            throw ValidationError("--engines takes a comma-separated subset of \(WebEngines.available.joined(separator: ", "))")
        }
    }

    func run() async throws {
        var logger = Logger(label: "medsearch.web")
        logger.logLevel = .notice
        var demoSeeding: WebLaunch.Demo?
        if demo {
            guard let data = demoData.map({ URL(fileURLWithPath: $0) }) ?? DataLocator.demoData() else {
                throw ValidationError("no demo data: pass --demo-data DIR")
            }
            demoSeeding = WebLaunch.Demo(data: data, limit: demoLimit > 0 ? demoLimit : nil,
                                         password: demoPassword ?? "demo-" + Hex.encode(SecureRandom.bytes(6)))
        }
        _ = try store.location()  // a malformed URL is a usage error
        var configuration = try WebConfiguration(host: host, port: port, dataDirectory: URL(fileURLWithPath: dataDirectory), maxFileMib: maxFileMib,
                                                 database: store.text, dicomwebTokens: dicomwebTokens.map { URL(fileURLWithPath: $0) }, secureCookies: !insecureCookies)
        try configuration.serve(tls: try tls.files(), behindTLSProxy: tls.insecure)
        try await WebLaunch.run(configuration, engines: engines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                launcher: RoleLauncher(mode: .childProcess(executable: try MedSearchExecutable.current())),
                                demo: demoSeeding, logger: logger, status: { event in
            (event.isDemoSeeded ? FileHandle.standardOutput : FileHandle.standardError).write(Data("\(event)\n".utf8))
        }, onBound: { ServiceRunner.announce($0) })
    }
}
