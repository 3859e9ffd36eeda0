#!/usr/bin/env bash
# Runs test suites under the compiler's sanitizers, each in its own build folder (both ignored by git; the
# ordinary .build is untouched):
#   thread   ThreadSanitizer over the concurrency-heavy suites (parallel maps, thread pools, task groups,
#            locks, servers as child processes), in .build-tsan
#   address  AddressSanitizer over the decoder suites (MedSearchImagingTests: the DICOM, PNG, JPEG and NPZ/NPY
#            readers, de-identification, decode limits, fuzz reproducers and seed corpus), the wire decoders'
#            seed corpus and reproducers (MedSearchWireFuzzTests) and the CLI's bomb tests (DecodeLimitCLITests),
#            in .build-asan: out-of-bounds accesses in the decoders' unsafe-pointer
#            loops, use after free and C shim errors
# Usage: scripts/sanitize.sh [thread|address|all] [swift test --filter regex replacing the mode's suites]
#   (default: all). Any report fails the run (halt_on_error). A first build of each folder takes as long as a
#   full debug build. Not part of scripts/test.sh (CI budget): run it after changing concurrent or decoder code.
#   scripts/fuzz.sh's libFuzzer runs use AddressSanitizer on the decoders too.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
filter=${2:-}
case "$mode" in
  thread|address|all) ;;
  *) echo "usage: scripts/sanitize.sh [thread|address|all] [swift test --filter regex]" >&2; exit 2 ;;
esac
scripts/setup.sh

# Core (Mutex, Parallel.map), BFV (scratch pool), HESearch (parallel evaluation), TrustMed (master and nodes),
# Server (services, deadlines, cancellation), Store (connection pools, concurrent writers), the web application's
# sessions, login throttling and hardening over real sockets, and the FNN/Paillier randomizer pools.
thread_suites='MedSearchCoreTests|MedSearchFeaturesTests|MedSearchIndexTests|MedSearchPaillierTests|MedSearchFNNTests|MedSearchBFVTests|MedSearchHESearchTests|MedSearchTrustMedTests|MedSearchServerTests|MedSearchStoreTests|MedSearchWebTests.WebAccountTests|MedSearchWebTests.WebHardeningTests'
# Two Deadline tests assert that a call returns within minutes while CPU-bound suites run beside them; under the
# sanitizer (several times slower) those suites hold the 2-thread cooperative pool for over 13 minutes (seen:
# 790 s), so the bounds fail for want of CPU, not because of a race. Deadline itself still runs (its other tests,
# and the edge master's and nodes' suites).
# Two MutualTLSTests give each request a 20 s client deadline; with the TLS handshakes running through the
# instrumented BoringSSL on the shared 2-core machine (load average 14-32) requests took longer and failed
# "no answer in time". The suite's other tests (hardening inside TLS, refused certificates and files) still run.
thread_skip='DeadlineTests/givesUpAtTheDeadlineWithoutWaitingForTheStraggler|DeadlineTests/returnsPromptlyWhenTheCallerIsCancelled'
thread_skip+='|MutualTLSTests/theRightCertificateAndTokenGetThrough|MutualTLSTests/revocationAndReloadReachOpenConnections'
address_suites='MedSearchImagingTests|DecodeLimitCLITests|MedSearchWireFuzzTests'

run() {  # run SANITIZER SCRATCH SUITES [SKIP]
  local sanitizer=$1 scratch=$2 suites=$3 skip=${4:-}
  echo "sanitize: $sanitizer sanitizer, $scratch, suites $suites" >&2
  swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
  local bin
  bin=$(swift build --show-bin-path --sanitize="$sanitizer" --scratch-path "$scratch")
  # Servers and CLI runs started by the tests use the instrumented executable too.
  MEDSEARCH_EXECUTABLE="$bin/medsearch" \
    swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --filter "$suites" \
      ${skip:+--skip "$skip"}
}

if [ "$mode" = thread ] || [ "$mode" = all ]; then
  # scripts/tsan-suppressions.txt: Synchronization.Mutex's contended hand-over happens in uninstrumented code
  # (the reasons and the exact pattern are in the file).
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}" \
    run thread .build-tsan "${filter:-$thread_suites}" "$thread_skip"
fi
if [ "$mode" = address ] || [ "$mode" = all ]; then
  # pydicom is the independent reader the DICOM tests check against (skipped, and reported so, without it).
  MEDSEARCH_PYTHON_ENV=test scripts/reference/python.sh -c "import pydicom" \
    || echo "sanitize: pydicom reference environment unavailable; its tests will be skipped" >&2
  # Swift's runtime allocates a little at start-up that it never frees: leaks are not what this run looks for.
  ASAN_OPTIONS="halt_on_error=1 detect_leaks=0 ${ASAN_OPTIONS:-}" \
    run address .build-asan "${filter:-$address_suites}"
fi
echo "sanitize: $mode: no reports"
