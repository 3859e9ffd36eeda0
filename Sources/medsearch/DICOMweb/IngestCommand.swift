import ArgumentParser
import Foundation
import MedSearchClient
import MedSearchCore
import MedSearchDeployment
import MedSearchTransport

/// `medsearch ingest --dicomweb URL`: pull a PACS's studies into MedSearch (QIDO-RS + WADO-RS in, STOW-RS out).
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration("ingest", documentation: DICOMwebIngest.self)

    @Option(name: .customLong("dicomweb"), help: "The PACS's DICOMweb root URL, e.g. http://pacs:8042/dicom-web.")
    var source: String
    @Option(help: "MedSearch's DICOMweb root URL.") var to: String = "http://127.0.0.1:8080/dicom-web"
    @Option(help: "The deployment CA (ca.pem), the only trust root for an https --to (default: $MEDSEARCH_TLS_CA).") var ca: String?
    @Option(help: "A deployment file: --to becomes its web application's DICOMweb root, trusted with its CA.") var config: String?
    @Option(name: .customLong("token-file"), help: "File holding the bearer token of a MedSearch owner account (mode 0600).")
    var tokenFile: String
    @Option(name: .customLong("source-token-file"), help: "File holding a bearer token for the PACS, if it needs one.")
    var sourceTokenFile: String?
    @Option(help: "Only this Study Instance UID.") var study: String?
    @Option(help: "Only studies from this date on (YYYYMMDD).") var since: String?
    @Option(help: "Instances per STOW-RS request.") var batch: Int = 16

    func validate() throws {
        if let since, since.count != 8 || Int(since) == nil {
            throw ValidationError("--since takes a date YYYYMMDD")
        }
        if let study, study.isEmpty || study.count > 64 || !study.allSatisfy({ $0.isNumber || $0 == "." }) {
            throw ValidationError("--study takes a UID (digits and dots)")
        }
        guard (1...500).contains(batch) else { throw ValidationError("--batch is 1 to 500") }
    }

    func run() async throws {
        let (target, targetCA) = try config.map { try ClusterCommands.webDICOMweb(config: URL(fileURLWithPath: $0)) } ?? (to, TLSFiles.caFile(ca))
        var options = DICOMwebIngest.Options(source: source, sourceToken: try sourceTokenFile.map { try TokenFile.read(URL(fileURLWithPath: $0)) },
                                             target: target, targetToken: try TokenFile.read(URL(fileURLWithPath: tokenFile)), study: study, since: since, batchSize: batch)
        options.targetCA = targetCA
        let summary: DICOMwebIngest.Summary
        do {
            summary = try await DICOMwebIngest(options).run { total in ProgressReporter(label: "ingest", total: total) }
        } catch let failure as DICOMwebIngest.Failure {
            throw ValidationError(failure.description)
        }
        print("studies: \(summary.studies)  indexed: \(summary.indexed)  skipped (already stored): \(summary.skipped)  "
              + "refused: \(summary.refused.count)")
        for refusal in summary.refused { print("refused \(refusal.sopInstanceUID): \(refusal.reason)") }
    }
}
