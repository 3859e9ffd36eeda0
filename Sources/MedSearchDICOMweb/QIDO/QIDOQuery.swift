import Foundation
import MedSearchImaging

/// A parsed QIDO-RS query (PS3.18 section 8.3.4): match keys, `includefield`, `limit`, `offset`.
///
/// ```swift
/// let query = try QIDOQuery(level: .study, items: [("PatientName", "SMITH*"), ("StudyDate", "20240101-"),
///                                                  ("limit", "10")])
/// let page = QIDOSearch(records: catalog).run(query)     // data sets, best for DICOM JSON
/// ```
/// Keys are PS3.6 keywords (see ``DICOMwebAttributes``) or 8-digit hexadecimal tags. A key may repeat only
/// as `includefield`. `fuzzymatching` is accepted and ignored (matching is never fuzzy). Sequence matching
/// (dotted keys) is refused with ``DICOMwebError/unknownQueryKey(_:)``.
public struct QIDOQuery: Sendable, Equatable {
    /// The level searched.
    public var level: QIDOLevel
    /// The match keys, in the order given.
    public var matches: [QIDOMatch]
    /// Extra attributes to return, beyond the defaults of the level and the match keys.
    public var includeFields: [DICOMTag]
    /// `includefield=all`: every stored attribute at or above the level.
    public var includeAll: Bool
    /// The most results returned (nil: no limit besides ``maximumLimit``).
    public var limit: Int?
    /// Results skipped before the first returned.
    public var offset: Int

    /// The largest `limit` accepted, and the cap when none is given.
    public static let maximumLimit = 1000

    /// Parses query items (name, value) in the order they came; names are case-sensitive keywords.
    /// - Throws: ``DICOMwebError/unknownQueryKey(_:)`` or ``DICOMwebError/invalidQueryValue(key:reason:)``.
    public init(level: QIDOLevel, items: [(String, String)]) throws {
        self.level = level
        matches = []
        includeFields = []
        includeAll = false
        limit = nil
        offset = 0
        var seen = Set<DICOMTag>()
        for (name, value) in items {
            switch name {
            case "limit":
                guard let number = Int(value), number >= 0 else {
                    throw DICOMwebError.invalidQueryValue(key: name, reason: "not a non-negative integer")
                }
                limit = min(number, Self.maximumLimit)
            case "offset":
                guard let number = Int(value), number >= 0 else {
                    throw DICOMwebError.invalidQueryValue(key: name, reason: "not a non-negative integer")
                }
                offset = number
            case "includefield":
                for field in value.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                    if field == "all" { includeAll = true; continue }
                    guard let tag = DICOMwebAttributes.tag(forKey: field) else { throw DICOMwebError.unknownQueryKey(field) }
                    if !includeFields.contains(tag) { includeFields.append(tag) }
                }
            case "fuzzymatching":
                guard value == "true" || value == "false" else {
                    throw DICOMwebError.invalidQueryValue(key: name, reason: "true or false")
                }
            default:
                guard let tag = DICOMwebAttributes.tag(forKey: name) else { throw DICOMwebError.unknownQueryKey(name) }
                guard seen.insert(tag).inserted else {
                    throw DICOMwebError.invalidQueryValue(key: name, reason: "given more than once")
                }
                matches.append(try QIDOMatch(tag: tag, key: name, value: value))
            }
        }
    }

    /// The attributes each result carries: the level's defaults, the match keys, the include fields.
    public func returnedTags() -> Set<DICOMTag> {
        var tags = Set(DICOMwebAttributes.defaults(at: level))
        for match in matches where DICOMwebAttributes.level(of: match.tag) <= level || match.tag == .modality {
            tags.insert(match.tag)
        }
        tags.formUnion(includeFields)
        return tags
    }
}

/// One QIDO-RS match key and how it matches (PS3.4 C.2.2.2).
public struct QIDOMatch: Sendable, Equatable {
    /// How a value matches.
    public enum Rule: Sendable, Equatable {
        /// Empty value: every record matches; the attribute is returned.
        case universal
        /// Equal to the value (PN: ignoring case).
        case single(String)
        /// `*` matches any run of characters, `?` one character (PN: ignoring case).
        case wildcard(String)
        /// Any of these UIDs.
        case uidList([String])
        /// A date range, both ends included; nil is open (DA values as `YYYYMMDD`).
        case dateRange(from: String?, to: String?)
    }

    /// The attribute.
    public var tag: DICOMTag
    /// The rule.
    public var rule: Rule

    /// Parses a value for `tag` (named `key` in errors).
    /// - Throws: ``DICOMwebError/invalidQueryValue(key:reason:)``.
    public init(tag: DICOMTag, key: String, value: String) throws {
        self.tag = tag
        let vr = DICOMwebAttributes.vr(of: tag)
        if value.isEmpty {
            rule = .universal
            return
        }
        switch vr {
        case .UI?:
            let uids = value.split(whereSeparator: { $0 == "\\" || $0 == "," }).map(String.init)
            guard !uids.isEmpty, uids.allSatisfy(Self.isUID) else {
                throw DICOMwebError.invalidQueryValue(key: key, reason: "not a UID or a list of UIDs")
            }
            rule = uids.count == 1 ? .single(uids[0]) : .uidList(uids)
        case .DA?:
            if let dash = value.firstIndex(of: "-") {
                let from = String(value[..<dash]), to = String(value[value.index(after: dash)...])
                guard from.isEmpty || Self.isDate(from), to.isEmpty || Self.isDate(to), !(from.isEmpty && to.isEmpty) else {
                    throw DICOMwebError.invalidQueryValue(key: key, reason: "not a date range YYYYMMDD-YYYYMMDD")
                }
                if !from.isEmpty, !to.isEmpty, from > to {
                    throw DICOMwebError.invalidQueryValue(key: key, reason: "the range ends before it starts")
                }
                rule = .dateRange(from: from.isEmpty ? nil : from, to: to.isEmpty ? nil : to)
            } else {
                guard Self.isDate(value) else { throw DICOMwebError.invalidQueryValue(key: key, reason: "not a date YYYYMMDD") }
                rule = .single(value)
            }
        default:
            guard value.utf8.count <= 256 else { throw DICOMwebError.invalidQueryValue(key: key, reason: "longer than 256 bytes") }
            rule = value.contains("*") || value.contains("?") ? .wildcard(value) : .single(value)
        }
    }

    static func isUID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 46 }
    }

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        let month = Int(bytes[4] - 48) * 10 + Int(bytes[5] - 48), day = Int(bytes[6] - 48) * 10 + Int(bytes[7] - 48)
        return (1...12).contains(month) && (1...31).contains(day)
    }

    /// Whether a record's values of the attribute satisfy the rule (any value of a multi-valued attribute).
    /// A record without the attribute matches only the universal rule.
    public func matches(_ values: [String], isPersonName: Bool) -> Bool {
        switch rule {
        case .universal:
            return true
        case let .single(wanted):
            return values.contains { isPersonName ? $0.lowercased() == wanted.lowercased() : $0 == wanted }
        case let .wildcard(pattern):
            let p = Array((isPersonName ? pattern.lowercased() : pattern).unicodeScalars)
            return values.contains { Self.wildcardMatch(p, Array((isPersonName ? $0.lowercased() : $0).unicodeScalars)) }
        case let .uidList(uids):
            return values.contains { uids.contains($0) }
        case let .dateRange(from, to):
            return values.contains { value in
                guard Self.isDate(value) else { return false }
                return (from.map { value >= $0 } ?? true) && (to.map { value <= $0 } ?? true)
            }
        }
    }

    /// `*` and `?` matching without backtracking blow-up (greedy with one resume point, linear in practice).
    static func wildcardMatch(_ pattern: [Unicode.Scalar], _ text: [Unicode.Scalar]) -> Bool {
        var p = 0, t = 0, star = -1, resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
