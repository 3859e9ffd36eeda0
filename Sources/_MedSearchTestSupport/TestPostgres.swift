import Foundation

/// The PostgreSQL server the store tests run against: `MEDSEARCH_TEST_POSTGRES_URL` (scripts/test.sh starts a
/// private cluster and sets it). Tests that need it are
/// `.enabled(if: TestPostgres.isConfigured, Comment(rawValue: TestPostgres.skipReason))`.
public enum TestPostgres {
    /// The server's URL (its password, if any, is never printed by the tests).
    public static var url: String? {
        let value = ProcessInfo.processInfo.environment["MEDSEARCH_TEST_POSTGRES_URL"]
        return value?.isEmpty == false ? value : nil
    }

    /// Whether a server is configured.
    public static var isConfigured: Bool { url != nil }

    /// Why PostgreSQL tests are skipped (scripts/test.sh sets `MEDSEARCH_TEST_POSTGRES_SKIP` when it could not start a
    /// server).
    public static var skipReason: String {
        let why = ProcessInfo.processInfo.environment["MEDSEARCH_TEST_POSTGRES_SKIP"] ?? "no PostgreSQL configured"
        return "PostgreSQL back end: \(why) (set MEDSEARCH_TEST_POSTGRES_URL or run scripts/test.sh)"
    }

    /// A fresh schema name for one test (`t_<16 hex digits>`).
    public static func uniqueSchema(_ prefix: String = "t") -> String {
        "\(prefix)_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// The configured URL with `schema=NAME` added (nil without a server).
    public static func url(schema: String) -> String? {
        guard let url else { return nil }
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }
}
