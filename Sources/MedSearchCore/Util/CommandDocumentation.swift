/// The help text of a `medsearch` command, kept beside the library code it describes (the CLI only parses
/// arguments and prints): a one-line abstract and the discussion `--help` shows. The CLI builds the command's
/// configuration from it (`CommandConfiguration(name, documentation: Type.self)` in Sources/medsearch).
public protocol CommandDocumentation {
    /// One line: what the command does.
    static var abstract: String { get }
    /// What `--help` shows after the abstract: what the command reads and writes, and how to read its output.
    static var discussion: String { get }
}
