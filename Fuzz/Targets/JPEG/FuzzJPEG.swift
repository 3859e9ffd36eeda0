import CFuzzDriver
import _MedSearchFuzzHarness
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer target over `FuzzHarness.jpeg` (see Fuzz/Harness and scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do {
        try FuzzHarness.jpeg(bytes)
    } catch {
        fatalError("\(error)")
    }
    return 0
}

@main
enum FuzzJPEG {
    static func main() { exit(medsearch_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzJPEG)) }
}
