import SwiftCompilerPlugin
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@MemberwiseInit(.public)`: writes the memberwise initialiser of a struct with the access level given (Swift
/// makes the implicit one `internal`, which other modules cannot call). Declared in MedSearchCore
/// (`MemberwiseInit.swift`), where its rules are documented.
///
/// The parameters are the stored instance properties in declaration order, each labelled with its name and typed
/// with its annotation; a `var` with a default value keeps it as the parameter's default; a `let` with a value is
/// left out (it cannot be assigned again); computed and static properties are left out. A function-typed property
/// (`@Sendable` or not) is taken `@escaping`. A stored property without a type annotation is an error (the type cannot be read from
/// syntax alone).
public struct MemberwiseInitMacro: MemberMacro {
    public static func expansion(of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
                                 conformingTo protocols: [TypeSyntax],
                                 in context: some MacroExpansionContext) throws -> [DeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) else {
            throw MemberwiseInitError.notAStruct
        }
        let access = try accessLevel(of: node)
        var parameters: [String] = []
        var assignments: [String] = []
        for member in declaration.memberBlock.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self), !isStatic(variable) else { continue }
            let isLet = variable.bindingSpecifier.tokenKind == .keyword(.let)
            for binding in variable.bindings {
                guard let name = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier.trimmedDescription,
                      isStored(binding) else { continue }
                if isLet && binding.initializer != nil { continue }
                guard let type = binding.typeAnnotation?.type.trimmed else {
                    throw MemberwiseInitError.missingType(name)
                }
                let function = type.as(AttributedTypeSyntax.self)?.baseType ?? type
                let escaping = function.is(FunctionTypeSyntax.self) ? "@escaping " : ""
                let defaultValue = binding.initializer.map { " = \($0.value.trimmedDescription)" } ?? ""
                parameters.append("\(name): \(escaping)\(type.trimmedDescription)\(defaultValue)")
                assignments.append("self.\(name) = \(name)")
            }
        }
        let body = assignments.map { "    \($0)" }.joined(separator: "\n")
        let initialiser: DeclSyntax = """
            \(raw: access) init(\(raw: parameters.joined(separator: ", "))) {
            \(raw: body)
            }
            """
        return [initialiser]
    }

    /// The access level named by the attribute's argument (`.public` or `.package`; `internal` when none).
    private static func accessLevel(of node: AttributeSyntax) throws -> String {
        guard let arguments = node.arguments?.as(LabeledExprListSyntax.self), let first = arguments.first else {
            return "internal"
        }
        guard let member = first.expression.as(MemberAccessExprSyntax.self) else {
            throw MemberwiseInitError.unknownAccess(first.expression.trimmedDescription)
        }
        let name = member.declName.baseName.text
        switch name {
        case "public", "package", "internal": return name
        default: throw MemberwiseInitError.unknownAccess(name)
        }
    }

    private static func isStatic(_ variable: VariableDeclSyntax) -> Bool {
        variable.modifiers.contains { $0.name.tokenKind == .keyword(.static) || $0.name.tokenKind == .keyword(.class) }
    }

    /// False for a computed property (a getter, or a bare accessor body); observers (`willSet`, `didSet`) leave a
    /// property stored.
    private static func isStored(_ binding: PatternBindingSyntax) -> Bool {
        switch binding.accessorBlock?.accessors {
        case nil: return true
        case .getter: return false
        case .accessors(let accessors):
            return accessors.allSatisfy {
                [.keyword(.willSet), .keyword(.didSet)].contains($0.accessorSpecifier.tokenKind)
            }
        }
    }
}

/// Why `@MemberwiseInit` cannot write an initialiser (shown as a compiler error at the attribute).
enum MemberwiseInitError: Error, CustomStringConvertible {
    case notAStruct
    case missingType(String)
    case unknownAccess(String)

    var description: String {
        switch self {
        case .notAStruct: "@MemberwiseInit applies to a struct"
        case .missingType(let name): "@MemberwiseInit needs a type annotation on stored property '\(name)'"
        case .unknownAccess(let name): "@MemberwiseInit takes .public, .package or .internal, not '\(name)'"
        }
    }
}

/// The compiler plugin that serves MedSearch's macros.
@main
struct MedSearchMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [MemberwiseInitMacro.self]
}
