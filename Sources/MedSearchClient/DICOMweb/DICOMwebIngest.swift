import AsyncHTTPClient
import Foundation
import MedSearchCore
import MedSearchDICOMweb
import MedSearchImaging
import MedSearchTransport
import NIOCore
import NIOHTTP1

/// Pull ingest from a PACS: finds studies through QIDO-RS, fetches their instances through WADO-RS and stores
/// them in MedSearch through its own STOW-RS endpoint, so every instance goes through the gateway's one
/// pipeline (de-identification with the pseudonym map, features, sealing, upload to every engine, catalog).
///
/// It resumes where it stopped: before fetching a study it asks MedSearch (QIDO-RS) which of its instances are
/// stored already and skips them; an instance MedSearch reports as a duplicate counts as skipped too.
///
/// ```swift
/// let summary = try await DICOMwebIngest(options).run(progress: reporter)
/// print(summary.indexed, summary.skipped, summary.refused)
/// ```
public struct DICOMwebIngest: Sendable {
    /// What to read and where to store it.
    public struct Options: Sendable {
        /// The PACS's DICOMweb root, e.g. `http://pacs:8042/dicom-web`.
        public var source: String
        /// Bearer token for the PACS (nil: none).
        public var sourceToken: String?
        /// MedSearch's DICOMweb root, e.g. `http://127.0.0.1:8080/dicom-web`.
        public var target: String
        /// Bearer token of an owner account on MedSearch.
        public var targetToken: String
        /// Only this study.
        public var study: String?
        /// Only studies from this date on (YYYYMMDD).
        public var since: String?
        /// Instances per STOW-RS request.
        public var batchSize: Int
        /// The deployment's CA certificate, the only trust root for an `https://` ``target`` (nil: the system's).
        public var targetCA: URL?

        /// Options.
        public init(source: String, sourceToken: String? = nil, target: String, targetToken: String,
                    study: String? = nil, since: String? = nil, batchSize: Int = 16) {
            self.source = source.hasSuffix("/") ? String(source.dropLast()) : source
            self.sourceToken = sourceToken
            self.target = target.hasSuffix("/") ? String(target.dropLast()) : target
            self.targetToken = targetToken
            self.study = study
            self.since = since
            self.batchSize = max(1, batchSize)
        }
    }

    /// What an ingest did.
    public struct Summary: Sendable, Equatable {
        /// Studies found on the PACS.
        public var studies = 0
        /// Instances stored and indexed by MedSearch in this run.
        public var indexed = 0
        /// Instances already stored (skipped).
        public var skipped = 0
        /// Instances MedSearch refused, with the reason it gave (SOP Instance UID, reason).
        public var refused: [Refusal] = []

        /// One refused instance.
        public struct Refusal: Sendable, Equatable {
            /// Its SOP Instance UID (empty if it could not be read).
            public var sopInstanceUID: String
            /// The Failure Reason code and text.
            public var reason: String
        }
    }

    /// Why an ingest stopped.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// A server answered with an error status.
        case http(url: String, status: Int, message: String)
        /// An answer could not be read.
        case badAnswer(url: String, reason: String)
        /// A server could not be reached (a TLS refusal says which check failed).
        case unreachable(url: String, reason: String)

        public var description: String {
            switch self {
            case let .http(url, status, message): "\(url) answered \(status): \(message.prefix(200))"
            case let .badAnswer(url, reason): "\(url): \(reason)"
            case let .unreachable(url, reason): "cannot reach \(url): \(reason)"
            }
        }
    }

    let options: Options

    /// An ingest with `options`.
    public init(_ options: Options) { self.options = options }

    /// Runs the ingest; `progress` is created once the number of instances is known.
    public func run(progress: (@Sendable (_ total: Int) -> ProgressReporter?)? = nil) async throws -> Summary {
        var summary = Summary()
        var studyQuery: [(String, String)] = []
        if let study = options.study { studyQuery.append(("StudyInstanceUID", study)) }
        if let since = options.since { studyQuery.append(("StudyDate", "\(since)-")) }
        let studies = try await query(options.source, "/studies", studyQuery, token: options.sourceToken)
            .compactMap { $0.string(.studyInstanceUID) }
        summary.studies = studies.count
        var work: [(study: String, series: String, instance: String)] = []
        for study in studies {
            let instances = try await query(options.source, "/studies/\(study)/instances", [], token: options.sourceToken)
            let stored = Set(try await query(options.target, "/studies/\(study)/instances", [], token: options.targetToken,
                                             notFoundIsEmpty: true).compactMap { $0.string(.sopInstanceUID) })
            for instance in instances {
                guard let sop = instance.string(.sopInstanceUID), let series = instance.string(.seriesInstanceUID) else { continue }
                if stored.contains(sop) { summary.skipped += 1 } else { work.append((study, series, sop)) }
            }
        }
        let reporter = progress?(work.count)
        var index = 0
        while index < work.count {
            let batch = work[index..<min(work.count, index + options.batchSize)]
            var parts: [(contentType: String, bytes: [UInt8])] = []
            for item in batch {
                let path = "/studies/\(item.study)/series/\(item.series)/instances/\(item.instance)"
                parts += try await retrieve(path).map { ("application/dicom", $0) }
            }
            let outcome = try await store(parts)
            summary.indexed += outcome.indexed
            summary.skipped += outcome.skipped
            summary.refused += outcome.refused
            reporter?.advance(by: batch.count)
            index += batch.count
        }
        return summary
    }

    // MARK: HTTP

    func query(_ root: String, _ path: String, _ items: [(String, String)], token: String?,
               notFoundIsEmpty: Bool = false) async throws -> [DICOMDataset] {
        var results: [DICOMDataset] = []
        let page = 200
        while true {
            let pairs = items + [("limit", String(page)), ("offset", String(results.count))]
            let query = pairs.map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&")
            let url = root + path + "?" + query
            let (status, _, body) = try await send(url, method: .GET, token: token, accept: "application/dicom+json")
            if status == 204 || (status == 404 && notFoundIsEmpty) { return results }
            guard status == 200 else { throw Failure.http(url: url, status: status, message: String(decoding: body, as: UTF8.self)) }
            var datasets: [DICOMDataset] = []
            if !body.isEmpty {
                do { datasets = try DICOMJSON.decode(body) } catch {
                    throw Failure.badAnswer(url: url, reason: String(describing: error))
                }
            }
            results += datasets
            if datasets.count < page { return results }
        }
    }

    func retrieve(_ path: String) async throws -> [[UInt8]] {
        let url = options.source + path
        let (status, headers, body) = try await send(url, method: .GET, token: options.sourceToken,
                                                     accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=*")
        guard status == 200 else { throw Failure.http(url: url, status: status, message: String(decoding: body, as: UTF8.self)) }
        guard let type = MediaType(headers), type.essence == "multipart/related", let boundary = type.parameters["boundary"] else {
            throw Failure.badAnswer(url: url, reason: "the answer is not multipart/related")
        }
        var parser = MultipartRelatedParser(boundary: boundary, maximumPartBytes: 1 << 30)
        do {
            let parts = try parser.feed(body)
            try parser.finish()
            return parts.compactMap(\.body)
        } catch {
            throw Failure.badAnswer(url: url, reason: String(describing: error))
        }
    }

    func store(_ parts: [(contentType: String, bytes: [UInt8])]) async throws
        -> (indexed: Int, skipped: Int, refused: [Summary.Refusal]) {
        guard !parts.isEmpty else { return (0, 0, []) }
        let boundary = MultipartRelatedWriter.boundary(SecureRandom.bytes(12))
        let url = options.target + "/studies"
        let (status, _, body) = try await send(url, method: .POST, token: options.targetToken, accept: "application/dicom+json",
                                               contentType: "multipart/related; type=\"application/dicom\"; boundary=\(boundary)",
                                               body: MultipartRelatedWriter.body(boundary: boundary, parts: parts))
        guard [200, 202, 409].contains(status) else {
            throw Failure.http(url: url, status: status, message: String(decoding: body, as: UTF8.self))
        }
        guard let answer = try? DICOMJSON.decode(body).first else { throw Failure.badAnswer(url: url, reason: "no STOW-RS response") }
        let indexed = answer.items(STOWResponse.referencedSOPSequence)?.count ?? 0
        var skipped = 0
        var refused: [Summary.Refusal] = []
        for item in answer.items(STOWResponse.failedSOPSequence) ?? [] {
            let code = (try? item.integer(STOWResponse.failureReason)) ?? 0
            if code == Int(STOWFailure.Reason.duplicateSOPInstance.rawValue) { skipped += 1; continue }
            refused.append(.init(sopInstanceUID: item.string(STOWResponse.referencedSOPInstanceUID) ?? "",
                                 reason: "0x" + String(code, radix: 16, uppercase: true) + " "
                                     + (item.string(STOWResponse.errorComment) ?? "")))
        }
        return (indexed, skipped, refused)
    }

    func send(_ url: String, method: HTTPMethod, token: String?, accept: String, contentType: String? = nil,
              body: [UInt8]? = nil) async throws -> (Int, String?, [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        var client = HTTPClient.shared
        if let ca = options.targetCA, url.hasPrefix(options.target) { client = try DeploymentHTTPS.client(trusting: ca) }
        let response: HTTPClientResponse
        do { response = try await client.execute(request, timeout: .seconds(300)) } catch {
            guard let reason = DeploymentHTTPS.explain(error) else { throw error }
            throw Failure.unreachable(url: url, reason: reason + (options.targetCA == nil && url.hasPrefix(options.target)
                ? "; give the deployment's CA with --ca (or --config)" : ""))
        }
        let bytes = try await response.body.collect(upTo: 1 << 30)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), Array(bytes.readableBytesView))
    }

    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~*?")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

extension MediaType {
    /// Parses an optional header value.
    init?(_ text: String?) {
        guard let text else { return nil }
        self.init(text)
    }
}

extension DICOMwebIngest {
    /// The command's one-line help.
    public static let abstract = "Index the studies of a PACS through DICOMweb (resumable)."
    /// The description shown by `medsearch ingest --help`.
    public static let discussion = """
        Finds studies on the PACS with QIDO-RS (--study, --since), fetches their instances with WADO-RS and \
        stores them in a running `medsearch serve web` through its STOW-RS endpoint (--to), where each is \
        de-identified, indexed by every engine and sealed, exactly as a PACS push would be. Instances MedSearch \
        already holds are skipped, so an interrupted run resumes where it stopped. Prints a progress bar and a \
        summary: indexed, skipped, refused (with MedSearch's reason for each).
        """
}

extension DICOMwebIngest: CommandDocumentation {}
