import MedSearchMacros
import SwiftParser
import SwiftSyntax
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacros
import Testing

/// Golden expansions of `@MemberwiseInit` (the source text the compiler sees), and its refusals.
@Suite struct MemberwiseInitMacroTests {
    /// Expands `@MemberwiseInit` in `source`; returns the expanded text (the attribute's line leaves its line
    /// break) and the diagnostics' messages.
    private func expand(_ source: String) -> (text: String, errors: [String]) {
        let context = BasicMacroExpansionContext()
        let expanded = Parser.parse(source: source)
            .expand(macros: ["MemberwiseInit": MemberwiseInitMacro.self], in: context, indentationWidth: .spaces(4))
        return (expanded.description, context.diagnostics.map(\.message))
    }

    @Test func writesThePublicInitialiserWithDefaultsInDeclarationOrder() {
        let members = """
                public static let size = 32
                public var index: UInt64
                public let bytes: [UInt8]
                public var label: String? = nil
                public let version = 1
                public var count: Int { bytes.count }
            """
        let (text, errors) = expand("@MemberwiseInit(.public)\npublic struct Seed {\n\(members)\n}")
        #expect(errors.isEmpty)
        #expect(text == "\npublic struct Seed {\n\(members)\n\n" + """
                public init(index: UInt64, bytes: [UInt8], label: String? = nil) {
                    self.index = index
                    self.bytes = bytes
                    self.label = label
                }
            }
            """)
    }

    @Test func keepsObservedPropertiesTakesClosuresEscapingAndDefaultsToInternal() {
        let members = """
                var run: (Int) -> Void
                var calls: Int = 0, limit: Int
                var name: String { didSet { calls += 1 } }
                var done: @Sendable () -> Void
            """
        let (text, errors) = expand("@MemberwiseInit\nstruct Hook {\n\(members)\n}")
        #expect(errors.isEmpty)
        #expect(text == "\nstruct Hook {\n\(members)\n\n" + """
                internal init(run: @escaping (Int) -> Void, calls: Int = 0, limit: Int, name: String, done: @escaping @Sendable () -> Void) {
                    self.run = run
                    self.calls = calls
                    self.limit = limit
                    self.name = name
                    self.done = done
                }
            }
            """)
    }

    @Test func packageAccessAndAnEmptyStruct() {
        #expect(expand("@MemberwiseInit(.package)\nstruct Empty {}").text
                    == "\nstruct Empty {\n\n    package init() {\n\n    }\n}")
    }

    @Test func refusesWhatItCannotWrite() {
        #expect(expand("@MemberwiseInit(.public)\nclass Box { var value: Int }").errors
                    == ["@MemberwiseInit applies to a struct"])
        #expect(expand("@MemberwiseInit(.public)\nstruct Box { var value = 1 }").errors
                    == ["@MemberwiseInit needs a type annotation on stored property 'value'"])
        #expect(expand("@MemberwiseInit(.open)\nstruct Box { var value: Int }").errors
                    == ["@MemberwiseInit takes .public, .package or .internal, not 'open'"])
    }
}
