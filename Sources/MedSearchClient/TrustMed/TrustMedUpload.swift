import Foundation
import MedSearchTransport
import MedSearchTrustMed

/// An owner's upload to an edge master, image by image: what was stored, what was already there, and what was
/// not stored and why. Uploads are idempotent per record id (the master recognises an image it already holds by
/// its keyed content tag and answers `alreadyStored`), so running the same upload again completes it.
public struct TrustMedUpload: Sendable {
    /// What became of one image.
    public enum Outcome: Sendable, Equatable {
        /// Stored by this run (all n shares are on the nodes; the record is searchable).
        case stored
        /// Stored by an earlier run.
        case alreadyStored
        /// Not stored (nothing of it is searchable); the reason is one line.
        case notStored(String)
    }

    /// The outcome of every image, in upload order.
    public var outcomes: [(recordID: String, outcome: Outcome)] = []
    /// The failure of a whole request (the master unreachable, the deadline passed) that stopped the upload.
    public var failure: String?

    /// An empty report.
    public init() {}

    /// Images stored by this run.
    public var stored: Int { outcomes.filter { $0.outcome == .stored }.count }
    /// Images an earlier run had stored.
    public var alreadyStored: Int { outcomes.filter { $0.outcome == .alreadyStored }.count }
    /// Images not stored.
    public var notStored: [String] {
        outcomes.compactMap { if case .notStored = $0.outcome { $0.recordID } else { nil } }
    }

    /// Sends `requests` in order. A request the master answers contributes each image's outcome; a request that
    /// fails as a whole (the master unreachable, the deadline passed) marks its images not stored, and the
    /// requests after it are not sent (their images are reported not stored, "not attempted"): the command ends
    /// within about one call's timeout after the master or a node goes away, instead of waiting for each request.
    public static func run(_ requests: [UploadRequest], remote: TrustMedRemote,
                           each: (String, Outcome) -> Void = { _, _ in }) async -> TrustMedUpload {
        var report = TrustMedUpload()
        await report.send(requests, remote: remote, each: each)
        return report
    }

    /// ``run(_:remote:each:)`` adding to this report: once a request has failed as a whole (``failure``), later
    /// requests are not sent.
    public mutating func send(_ requests: [UploadRequest], remote: TrustMedRemote,
                              each: (String, Outcome) -> Void = { _, _ in }) async {
        func record(_ id: String, _ outcome: Outcome) {
            outcomes.append((id, outcome))
            each(id, outcome)
        }
        for request in requests {
            if let failure {
                for item in request.items { record(item.recordID, .notStored("not attempted after: \(failure)")) }
                continue
            }
            do {
                let response = try await remote.upload(request)
                for outcome in response.outcomes {
                    switch outcome.status {
                    case .stored: record(outcome.recordID, .stored)
                    case .alreadyStored: record(outcome.recordID, .alreadyStored)
                    case .failed: record(outcome.recordID, .notStored(outcome.reason))
                    }
                }
            } catch {
                let reason = String(describing: error).split(separator: "\n").first.map(String.init) ?? "error"
                failure = reason
                for item in request.items { record(item.recordID, .notStored(reason)) }
            }
        }
    }

    /// Marks images not attempted because an earlier request failed as a whole.
    public mutating func skip(_ recordIDs: [String], each: (String, Outcome) -> Void = { _, _ in }) {
        for id in recordIDs {
            let outcome = Outcome.notStored("not attempted after: \(failure ?? "an earlier failure")")
            outcomes.append((id, outcome))
            each(id, outcome)
        }
    }

    /// One line for an image's outcome (`stored ID`, `already stored ID`, `not stored ID: reason`).
    public static func line(_ recordID: String, _ outcome: Outcome) -> String {
        switch outcome {
        case .stored: "stored \(recordID)"
        case .alreadyStored: "already stored \(recordID)"
        case let .notStored(reason): "not stored \(recordID): \(reason)"
        }
    }

    /// The closing lines: the counts, then, when images are missing, their ids and how to complete the upload.
    public var summary: String {
        var lines = ["stored \(stored) image(s), \(alreadyStored) already stored, \(notStored.count) not stored"]
        if !notStored.isEmpty {
            lines.append("not stored: \(notStored.joined(separator: " "))")
            lines.append("run the same command again to complete the upload (stored images are recognised and skipped)")
        }
        return lines.joined(separator: "\n")
    }
}
