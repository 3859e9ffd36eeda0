import Foundation
import MedSearchCore
import Testing
import _MedSearchTestSupport

/// The registry of binary formats: every type in `Sources` that conforms to ``WireMessage`` or
/// ``ContextualWireMessage`` (directly or through a protocol refining them) must have golden fixtures listed in
/// `Tests/<Target>Tests/Golden/manifest.json`, tags must be unique, and docs/formats.md must list each one.
@Suite struct WireRegistryTests {
    /// A conformance found in the sources.
    struct Conformance: Hashable, CustomStringConvertible {
        var target: String
        var type: String
        var description: String { "\(target).\(type)" }
    }

    static let root = TestData.root

    /// Declarations `struct|enum|class|actor|extension|protocol Name<...>: A, B where ... {`, comments removed.
    static func declarations(in source: String) -> [(kind: String, name: String, inherits: [String])] {
        let code = source.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in
                let trimmed = line.drop { $0 == " " }
                return trimmed.hasPrefix("//") ? "" : line
            }
            .joined(separator: "\n")
        let pattern = #/(?:^|\s)(struct|enum|class|actor|extension|protocol)\s+([A-Za-z_][A-Za-z0-9_.]*)\s*(?:<[^>{]*>)?\s*:\s*([^{]*)\{/#
        return code.matches(of: pattern).map { match in
            let list = match.output.3.split(separator: "where").first ?? ""
            let inherits = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            return (String(match.output.1), String(match.output.2.split(separator: ".").last ?? ""), inherits)
        }
    }

    /// Every conformance in `Sources`, following protocols that refine the wire protocols.
    static func conformances() throws -> Set<Conformance> {
        let sources = root.appendingPathComponent("Sources")
        var found: [(target: String, kind: String, name: String, inherits: [String])] = []
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let target = url.path.dropFirst(sources.path.count + 1).split(separator: "/").first.map(String.init) ?? ""
            let text = try String(contentsOf: url, encoding: .utf8)
            for declaration in declarations(in: text) {
                found.append((target, declaration.kind, declaration.name, declaration.inherits))
            }
        }
        var protocols: Set<String> = ["WireMessage", "ContextualWireMessage"]
        var grew = true
        while grew {
            grew = false
            for declaration in found where declaration.kind == "protocol" && !protocols.contains(declaration.name)
                && declaration.inherits.contains(where: protocols.contains) {
                protocols.insert(declaration.name)
                grew = true
            }
        }
        return Set(found.filter { $0.kind != "protocol" && $0.inherits.contains(where: protocols.contains) }
            .map { Conformance(target: $0.target, type: $0.name) })
    }

    /// Every test target's golden manifest, by target name.
    static func manifests() throws -> [String: GoldenManifest] {
        let tests = root.appendingPathComponent("Tests")
        var out: [String: GoldenManifest] = [:]
        for directory in try FileManager.default.contentsOfDirectory(atPath: tests.path) where directory.hasSuffix("Tests") {
            let file = tests.appendingPathComponent(directory).appendingPathComponent("Golden/manifest.json")
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            out[String(directory.dropLast("Tests".count))] = try JSONDecoder().decode(GoldenManifest.self, from: data)
        }
        return out
    }

    @Test func theScannerSeesConformances() {
        let source = """
            /// struct InDocComment: WireMessage {
            public struct Plain: Sendable, WireMessage, Equatable {
            extension Outer.Inner: ContextualWireMessage where T: Sendable {
            protocol Refined: WireMessage {
            """
        let names = Self.declarations(in: source).map(\.name)
        #expect(names == ["Plain", "Inner", "Refined"])
    }

    @Test func everyFormatHasAGoldenFixture() throws {
        let conformances = try Self.conformances()
        let manifests = try Self.manifests()
        #expect(!conformances.isEmpty)
        for conformance in conformances.sorted(by: { $0.description < $1.description }) {
            let fixtures = manifests[conformance.target]?.fixtures.filter { $0.type == conformance.type } ?? []
            let hasCurrent = fixtures.contains { $0.current }
            #expect(hasCurrent,
                    "\(conformance) has no current golden fixture in Tests/\(conformance.target)Tests/Golden/manifest.json")
        }
    }

    @Test func tagsAreUniqueAndDocumented() throws {
        let manifests = try Self.manifests()
        let formats = try String(contentsOf: Self.root.appendingPathComponent("docs/formats.md"), encoding: .utf8)
        var owners: [String: String] = [:]
        for (target, manifest) in manifests {
            for fixture in manifest.fixtures where fixture.current {
                let owner = "\(target).\(fixture.type)"
                if let other = owners[fixture.magic] {
                    #expect(other == owner, "tag \(fixture.magic) is used by \(other) and \(owner)")
                }
                owners[fixture.magic] = owner
                #expect(formats.contains("`\(fixture.magic)`"), "docs/formats.md does not list \(fixture.magic)")
                #expect(formats.contains("`\(fixture.type)`"), "docs/formats.md does not name \(fixture.type)")
            }
        }
    }
}
