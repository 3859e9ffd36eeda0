import Foundation
import MedSearchCore
import Testing
import _MedSearchTestSupport

/// The demo over TLS, every role logging at debug level: every role's log is JSON lines with request ids carried
/// across roles, and holds none of the demo's patient identifiers (image ids, DICOM patient names and ids) and
/// none of the bearer tokens issued for the run.
@Suite struct LogScrubTests {
    /// PatientName (0010,0010) and PatientID (0010,0020) of an explicit-VR little-endian DICOM file, and the
    /// name's components.
    static func patientValues(_ url: URL) throws -> [String] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var values: [String] = []
        for tag: [UInt8] in [[0x10, 0x00, 0x10, 0x00], [0x10, 0x00, 0x20, 0x00]] {
            guard let at = (0..<(bytes.count - 8)).first(where: { Array(bytes[$0..<$0 + 4]) == tag }) else { continue }
            let length = Int(bytes[at + 6]) | Int(bytes[at + 7]) << 8
            let value = String(decoding: bytes[(at + 8)..<min(at + 8 + length, bytes.count)], as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            values += ([value] + value.split(separator: "^").map(String.init)).filter { $0.count >= 3 }
        }
        return values
    }

    @Test(.timeLimit(.minutes(20)))
    func theDemoLogsJSONWithRequestIDsAndNoPatientDataOrTokens() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("demo-logs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let process = Process()
        process.executableURL = try CLITests.executable()
        process.arguments = ["demo", "-k", "3", "--work-dir", work.path]
        process.currentDirectoryURL = TestData.root
        var environment = ProcessInfo.processInfo.environment
        environment["MEDSEARCH_LOG_LEVEL"] = "debug"
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "demo failed:\n\(printed.suffix(2000))")

        var logs: [URL] = []
        var secrets: [String: String] = [:]
        let walker = FileManager.default.enumerator(at: work, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            if url.pathExtension == "log" { logs.append(url) }
            if url.lastPathComponent == "tokens.json",
               let table = try? JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String: String]] {
                for token in table["tokens"]?.keys ?? [:].keys { secrets[token] = "a bearer token" }
            }
        }
        let labels = try String(contentsOf: TestData.root.appendingPathComponent("DemoData/labels.csv"), encoding: .utf8)
        for line in labels.split(separator: "\n").dropFirst() {
            if let id = line.split(separator: ",").first { secrets[String(id)] = "an image (patient) id" }
        }
        for file in ["CT_small.dcm", "MR_small.dcm", "emri_small_RLE.dcm"] {
            for value in try Self.patientValues(TestData.root.appendingPathComponent("DemoData/dicom/\(file)")) {
                secrets[value] = "a DICOM patient name or id"
            }
        }
        // C1, C2, the SEI cloud, the edge master and five storage nodes.
        #expect(logs.count >= 9, "\(logs.map(\.lastPathComponent))")
        #expect(secrets.values.filter { $0 == "a bearer token" }.count >= 9)
        #expect(secrets.values.contains("a DICOM patient name or id"))

        var requestIDsByLog: [String: Set<String>] = [:]
        for log in logs {
            let text = try String(contentsOf: log, encoding: .utf8)
            for (value, what) in secrets where text.contains(value) {
                Issue.record("\(log.lastPathComponent) holds \(what)")
            }
            for line in text.split(separator: "\n") where !line.hasPrefix("MEDSEARCH_LISTENING") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else {
                    Issue.record("\(log.lastPathComponent): not a JSON object: \(line.prefix(200))")
                    continue
                }
                #expect(object["ts"] != nil && object["level"] != nil && object["message"] != nil)
                if let id = object["request_id"] { requestIDsByLog[log.lastPathComponent, default: []].insert(id) }
            }
        }
        // One search's request id appears in the edge master's log and in storage nodes' logs (the fetch calls).
        let master = requestIDsByLog["master.log"] ?? []
        let nodes = requestIDsByLog.filter { $0.key.hasPrefix("node") }.values.reduce(Set<String>()) { $0.union($1) }
        #expect(!master.isEmpty && !master.isDisjoint(with: nodes), "request ids are not carried from the master to the nodes")
        let c1 = requestIDsByLog["c1.log"] ?? []
        let c2 = requestIDsByLog["c2.log"] ?? []
        #expect(!c1.isDisjoint(with: c2), "request ids are not carried from C1 to C2")
    }
}
