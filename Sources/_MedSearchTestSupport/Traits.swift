import Testing

extension Trait where Self == ConditionTrait {
    /// Runs a suite or test only when the `medsearch` executable is built (``TestData/medsearchExecutable``):
    /// tests that start server roles as child processes; without it they are reported as skipped.
    public static var needsMedsearchExecutable: Self {
        .enabled(if: TestData.medsearchExecutable != nil, "the medsearch executable is not built")
    }
}
