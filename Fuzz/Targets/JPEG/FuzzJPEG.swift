import MedSearchFuzzEntry

/// libFuzzer target over `FuzzHarness.jpeg` (Fuzz/Harness; run by scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzEntry.testOneInput("jpeg", data, size) }

@main enum FuzzJPEG { static func main() { FuzzEntry.run(testOneInput) } }
