#pragma once
#include <stddef.h>
#include <stdint.h>

/// The function libFuzzer calls with each input (LLVMFuzzerTestOneInput's signature).
typedef int (*medsearch_fuzz_callback)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver (LLVMFuzzerRunDriver, compiler-rt) with the process's arguments and `callback`.
/// Only linkable in a build with `-sanitize=fuzzer`, which links libFuzzer.
int medsearch_fuzz_run(int argc, char **argv, medsearch_fuzz_callback callback);
