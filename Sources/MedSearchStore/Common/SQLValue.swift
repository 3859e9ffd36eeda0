import Foundation
import GRDB

/// A value bound to a statement or read from a row, the same for every back end.
///
/// Unsigned 64-bit ids are stored as their `Int64` bit pattern; booleans as integers 0/1 (PostgreSQL booleans are
/// read back as integers); dates as SQLite text (GRDB's format, UTC) or PostgreSQL `TIMESTAMPTZ`.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case date(Date)
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// Conversions of Swift values to ``SQLValue`` for statement arguments.
public protocol SQLBindable {
    /// The value to bind.
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension UInt64: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(bitPattern: self)) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .date(self) } }
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One result row: values by (case-insensitive) column name.
///
/// The typed accessors throw ``StoreError/corrupt(kind:id:reason:)`` for a missing column or a value of the wrong
/// kind, so a damaged database gives a typed error, never a crash.
public struct SQLRow: Sendable, Equatable {
    /// Column names, lowercased.
    public let columns: [String]
    /// Values, in column order.
    public let values: [SQLValue]

    /// Creates a row.
    public init(columns: [String], values: [SQLValue]) {
        self.init(lowercasedColumns: columns.map { $0.lowercased() }, values: values)
    }

    /// Creates a row whose column names are already lowercased (one array shared by every row of a result).
    init(lowercasedColumns: [String], values: [SQLValue]) {
        columns = lowercasedColumns
        self.values = values
    }

    /// The value of `column`, `.null` when there is no such column.
    public subscript(_ column: String) -> SQLValue {
        let key = column.lowercased()
        guard let index = columns.firstIndex(of: key) else { return .null }
        return values[index]
    }

    private func fail(_ column: String, _ expected: String) -> StoreError {
        .corrupt(kind: "row", id: column, reason: "expected \(expected), found \(Self.kind(self[column]))")
    }

    private static func kind(_ value: SQLValue) -> String {
        switch value {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        case .date: "date"
        }
    }

    /// An integer column.
    public func int64(_ column: String) throws -> Int64 {
        switch self[column] {
        case let .integer(value): return value
        case let .real(value) where value.rounded() == value && abs(value) < 9.2e18: return Int64(value)
        default: throw fail(column, "integer")
        }
    }

    /// An integer column as `Int`.
    public func int(_ column: String) throws -> Int { Int(try int64(column)) }

    /// An integer column holding a `UInt64` bit pattern.
    public func uint64(_ column: String) throws -> UInt64 { UInt64(bitPattern: try int64(column)) }

    /// A boolean column (0/1).
    public func bool(_ column: String) throws -> Bool { try int64(column) != 0 }

    /// A text column.
    public func text(_ column: String) throws -> String {
        guard case let .text(value) = self[column] else { throw fail(column, "text") }
        return value
    }

    /// A nullable text column.
    public func optionalText(_ column: String) throws -> String? {
        if case .null = self[column] { return nil }
        return try text(column)
    }

    /// A blob column.
    public func blob(_ column: String) throws -> [UInt8] {
        switch self[column] {
        case let .blob(value): return value
        default: throw fail(column, "blob")
        }
    }

    /// A nullable blob column.
    public func optionalBlob(_ column: String) throws -> [UInt8]? {
        if case .null = self[column] { return nil }
        return try blob(column)
    }

    /// A date column (SQLite text in GRDB's format, or a PostgreSQL timestamp).
    public func date(_ column: String) throws -> Date {
        switch self[column] {
        case let .date(value): return value
        case let .text(value):
            // GRDB's storage format (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), so databases written before still read.
            guard let date = Date.fromDatabaseValue(value.databaseValue) else { throw fail(column, "date") }
            return date
        default: throw fail(column, "date")
        }
    }

    /// A nullable date column.
    public func optionalDate(_ column: String) throws -> Date? {
        if case .null = self[column] { return nil }
        return try date(column)
    }
}
