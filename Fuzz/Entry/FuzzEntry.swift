import CFuzzDriver
import _MedSearchFuzzHarness
#if canImport(Glibc)
import Glibc
#endif

/// The libFuzzer side of every target executable (Fuzz/Targets): the input callback and the hand-over to
/// libFuzzer's driver (SwiftPM gives each executable its own entry point, so libFuzzer's `main` is not used).
public enum FuzzEntry {
    /// Runs harness `target` on libFuzzer's input; a harness ``FuzzHarness/Violation`` becomes a crash.
    public static func testOneInput(_ target: String, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let harness = FuzzHarness.targets[target] else { fatalError("no fuzz harness \(target)") }
        return testOneInput(harness, data, size)
    }

    /// Runs `harness` on libFuzzer's input; any error it throws (a broken invariant) becomes a crash.
    public static func testOneInput(_ harness: ([UInt8]) throws -> Void, _ data: UnsafePointer<UInt8>?,
                                    _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try harness(bytes)
        } catch {
            fatalError("\(error)")
        }
        return 0
    }

    /// Hands the process to libFuzzer with `callback` (the executable's `LLVMFuzzerTestOneInput`).
    public static func run(_ callback: medsearch_fuzz_callback) -> Never {
        exit(medsearch_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, callback))
    }
}
