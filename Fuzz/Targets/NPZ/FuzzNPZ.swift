import MedSearchFuzzEntry

/// libFuzzer target over `FuzzHarness.npz` (Fuzz/Harness; run by scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzEntry.testOneInput("npz", data, size) }

@main enum FuzzNPZ { static func main() { FuzzEntry.run(testOneInput) } }
