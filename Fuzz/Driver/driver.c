// libFuzzer's entry point for programs that have their own main (SwiftPM gives every executable one).
#include "CFuzzDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int medsearch_fuzz_run(int argc, char **argv, medsearch_fuzz_callback callback) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
