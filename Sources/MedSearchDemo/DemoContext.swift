import Foundation
import MedSearchDeployment

/// What the demo hands each engine's part.
struct DemoContext: Sendable {
    /// The demo data: `images/*.png`, `labels.csv` (columns `id`, `labels`, ...), `dicom/`.
    let dataDirectory: URL
    /// A fresh temporary directory for this engine's servers and keys (removed afterwards).
    let workDirectory: URL
    /// Starts the engine's server roles (child processes of `medsearch`).
    let launcher: RoleLauncher
    /// How many results to show.
    let k: Int
    /// Prints one line of the demo's report.
    let printer: @Sendable (String) -> Void
}

/// Why the demo could not run.
public enum DemoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An engine name the demo does not know.
    case unknownEngine(String)
    /// The data holds too few images for an engine.
    case tooFewImages(engine: String, needed: Int, found: Int)
    /// No demo data was found.
    case noData

    public var description: String {
        switch self {
        case let .unknownEngine(name): "unknown engine \(name) (fnn, sei, trustmed)"
        case let .tooFewImages(engine, needed, found): "the \(engine) demo needs at least \(needed) images, found \(found)"
        case .noData: "no demo data found: run from the repository or pass --data DIR"
        }
    }
}

/// Column padding for the demo's tables.
enum DemoText {
    /// `text` padded with spaces to `width` (or left as is when longer).
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Whole milliseconds of a duration.
    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
