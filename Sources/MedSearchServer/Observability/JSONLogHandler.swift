import Foundation
import Logging
import MedSearchCore
import Synchronization

/// A swift-log handler writing one JSON object per line to standard error:
/// `{"ts":"2026-12-05T08:30:00.123Z","level":"notice","logger":"medsearch.storage-node","message":"...",` and the
/// metadata's keys (`request_id`, `route`, `status`, ...). Every `medsearch serve` process logs through it.
///
/// What MedSearch logs is chosen at the call sites: route names, statuses, sizes, durations, request ids, roles
/// and certificate serials, never a request body, a token, a key, a record's content or a database password.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .notice
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// A handler for `label` writing to standard error.
    public init(label: String) {
        self.init(label: label) { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A handler for `label` writing each line (with its newline) to `sink`.
    public init(label: String, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.sink = sink
    }

    /// Installs the handler for the whole process (once; later calls are ignored), at `level`.
    public static func bootstrap(level: Logger.Level) {
        Self.installed.withLock { installed in
            guard !installed else { return }
            installed = true
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    private static let installed = Mutex(false)

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", event.level.rawValue), ("logger", label),
            ("message", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() where !["ts", "level", "logger", "message"].contains(key) {
            fields.append((key, Self.flatten(merged[key]!)))
        }
        let body = fields.map { "\(JSONText.quoted($0.0)):\(JSONText.quoted($0.1))" }.joined(separator: ",")
        sink("{\(body)}\n")
    }

    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case let .string(text): text
        case let .stringConvertible(convertible): convertible.description
        case let .array(values): "[" + values.map(flatten).joined(separator: ",") + "]"
        case let .dictionary(entries): "{" + entries.keys.sorted().map { "\($0)=\(entries[$0].map(flatten) ?? "")" }.joined(separator: ",") + "}"
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
