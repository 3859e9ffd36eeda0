import MedSearchFuzzEntry
import _MedSearchWireFuzzHarness

/// libFuzzer target over `WireFuzzHarness.run` (Fuzz/WireHarness; run by scripts/fuzz.sh): the first byte picks
/// one of the binary decoders, the rest is decoded.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.testOneInput(WireFuzzHarness.run, data, size)
}

@main enum FuzzWire { static func main() { FuzzEntry.run(testOneInput) } }
