import Foundation

/// What `medsearch demo` hands each engine's demo.
struct DemoContext: Sendable {
    /// The demo data: `images/*.png`, `labels.csv` (columns `id`, `labels`, ...), `dicom/`.
    let dataDirectory: URL
    /// A fresh temporary directory for this engine's servers and keys (removed afterwards).
    let workDirectory: URL
    /// The `medsearch` binary to start server roles with (`ServiceProcess`).
    let executable: URL
    /// How many results to show.
    let k: Int
    /// Prints one line of the demo's report.
    let printer: @Sendable (String) -> Void
}
