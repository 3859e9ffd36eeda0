/// The access level of the initialiser ``MemberwiseInit(_:)`` writes.
public enum MemberwiseAccess {
    /// Callable from every module (records that other modules build).
    case `public`
    /// Callable from the modules of this package.
    case `package`
    /// Callable from this module only (as Swift's implicit memberwise initialiser).
    case `internal`
}

/// Writes the memberwise initialiser of a struct with the access level given:
/// `@MemberwiseInit(.public) public struct Seed { public var index: UInt64; public var bytes: [UInt8] = [] }`
/// gains `public init(index: UInt64, bytes: [UInt8] = []) { self.index = index; self.bytes = bytes }`.
///
/// Swift makes the implicit memberwise initialiser `internal`, so a record that other modules build would
/// otherwise repeat every property three times by hand. The rules:
/// - the parameters are the stored instance properties in declaration order, labelled with their names;
/// - a `var` with a default value keeps it as the parameter's default (an optional without one gets none:
///   write `= nil` to have it);
/// - a `let` with a value, a computed property and a `static` one are left out;
/// - a function-typed property is taken `@escaping`;
/// - every stored property needs a type annotation (a compiler error says which does not have one).
/// Anything else (validation, derived values, other labels) is a hand-written initialiser, not this macro.
/// Expansion tests: Tests/MedSearchMacrosTests. Implementation: Sources/MedSearchMacros.
@attached(member, names: named(init))
public macro MemberwiseInit(_ access: MemberwiseAccess = .internal) =
    #externalMacro(module: "MedSearchMacros", type: "MemberwiseInitMacro")
