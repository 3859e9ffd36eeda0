import MedSearchFuzzEntry

/// libFuzzer target over `FuzzHarness.dicom` (Fuzz/Harness; run by scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { FuzzEntry.testOneInput("dicom", data, size) }

@main enum FuzzDICOM { static func main() { FuzzEntry.run(testOneInput) } }
