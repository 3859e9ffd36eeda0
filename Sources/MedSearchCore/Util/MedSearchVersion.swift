/// The version printed by `medsearch --version` and recorded in benchmark reports.
public enum MedSearchVersion {
    /// The current version.
    public static let current = "0.1.0"
}
