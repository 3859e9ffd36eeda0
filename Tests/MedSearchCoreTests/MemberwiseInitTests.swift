import MedSearchCore
import Testing

/// A record as other modules build it: `@MemberwiseInit(.public)` writes its initialiser.
@MemberwiseInit(.public)
public struct MemberwiseInitRecord: Equatable {
    public static let kind = "record"
    public var id: UInt64
    public let label: String
    public var tags: [String] = ["new"]
    public let version = 2
    public var onChange: @Sendable (UInt64) -> UInt64 = { $0 }
    public var size: Int { label.utf8.count }

    public static func == (lhs: Self, rhs: Self) -> Bool { (lhs.id, lhs.label, lhs.tags) == (rhs.id, rhs.label, rhs.tags) }
}

/// The initialiser `@MemberwiseInit` writes, compiled and called (its expansion text: MedSearchMacrosTests).
@Suite struct MemberwiseInitTests {
    @Test func takesEveryStoredPropertyAndHonoursDefaults() {
        let record = MemberwiseInitRecord(id: 7, label: "chest", onChange: { $0 + 1 })
        #expect(record.id == 7 && record.label == "chest" && record.tags == ["new"] && record.version == 2)
        #expect(record.onChange(1) == 2)
        let tagged = MemberwiseInitRecord(id: 7, label: "chest", tags: [])
        #expect(tagged.tags.isEmpty && tagged.onChange(1) == 1)
        #expect(tagged != record && MemberwiseInitRecord(id: 7, label: "chest") == record)
    }
}
