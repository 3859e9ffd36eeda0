import MedSearchFuzzEntry

/// libFuzzer target over `FuzzHarness.png` (Fuzz/Harness; run by scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzEntry.testOneInput("png", data, size) }

@main enum FuzzPNG { static func main() { FuzzEntry.run(testOneInput) } }
