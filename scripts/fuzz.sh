#!/usr/bin/env bash
# Coverage-guided fuzzing of MedSearch's decoders with libFuzzer (Fuzz/, see docs/imaging.md "Fuzzing"): the
# DICOM, PNG, JPEG and NPZ readers, and every binary wire decoder (target Wire, see docs/formats.md "Fuzzing").
#
# Builds one executable per target into .build-fuzz (never the ordinary .build; the targets, and the
# `-sanitize=fuzzer,address` flags on MedSearch's own Swift targets, exist only with MEDSEARCH_FUZZ=1: see the end of
# Package.swift for why they are not passed with -Xswiftc), then runs each for a bounded time from the committed seed corpus
# Fuzz/Corpus/<target> (read only; new inputs go to .build-fuzz/corpus/<target>, kept between local runs).
# A crash, an AddressSanitizer report, an input slower than 10 s, or a process above the RSS limit (a
# decompression bomb: every harness decodes under DecodeLimits of 64 MiB, so an input that honours its limits
# stays far below it) fails the run; the reproducer is written to .build-fuzz/artifacts/<target>/ and the run
# exits non-zero. Each target prints its executions, exec/s, coverage (libFuzzer's cov: and ft:) and peak RSS.
#
# The Wire target also runs with a per-allocation limit (-malloc_limit_mb, MEDSEARCH_FUZZ_WIRE_MALLOC_MB, default
# 256): its inputs are at most a few hundred KB, so a single allocation that large is a decoder trusting a length.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   scripts/fuzz.sh              45 s for each of DICOM PNG JPEG NPZ Wire (scripts/test.sh runs 40 s each, about
#                                3.5 min; MEDSEARCH_FUZZ_SECONDS changes that)
#   scripts/fuzz.sh 3600 DICOM   one hour on the DICOM reader (a longer campaign)
# Environment: MEDSEARCH_FUZZ_RSS_MB (default 2048), MEDSEARCH_FUZZ_JOBS (parallel jobs per target, default 1).
# Reproduce a finding: .build-fuzz/debug/Fuzz<TARGET> .build-fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-45}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(DICOM PNG JPEG NPZ Wire)
rss="${MEDSEARCH_FUZZ_RSS_MB:-2048}"
jobs="${MEDSEARCH_FUZZ_JOBS:-1}"
flags=(--scratch-path .build-fuzz -Xswiftc -use-ld=lld)
export MEDSEARCH_FUZZ=1

start=$(date +%s)
mkdir -p .build-fuzz
for target in "${targets[@]}"; do
  # The build's own status decides (a filter's status after `|| true` would hide a failed link).
  build_status=0
  swift build "${flags[@]}" --product "Fuzz$target" > .build-fuzz/build.log 2>&1 || build_status=$?
  grep -v "Cannot export local symbol" .build-fuzz/build.log \
    | grep -E "error:|Compiling Fuzz|Build of product" || true
  [ "$build_status" -eq 0 ] || { echo "fuzz: build of Fuzz$target failed (exit $build_status), log .build-fuzz/build.log" >&2; exit 1; }
done
bin=$(swift build "${flags[@]}" --show-bin-path)
echo "fuzz: built ${targets[*]} in $(( $(date +%s) - start )) s"

failed=()
for target in "${targets[@]}"; do
  name=$(echo "$target" | tr '[:upper:]' '[:lower:]')
  root="$PWD/.build-fuzz"
  work="$root/corpus/$name"
  artifacts="$root/artifacts/$name"
  log="$root/fuzz-$name.log"
  seeds="$PWD/Fuzz/Corpus/$name"
  mkdir -p "$work" "$artifacts" "$root/jobs/$name"
  parallel=()
  limits=()
  if [ "$target" = Wire ]; then limits=(-malloc_limit_mb="${MEDSEARCH_FUZZ_WIRE_MALLOC_MB:-256}"); fi
  # With -jobs libFuzzer writes one fuzz-N.log per job into the working directory: keep them in .build-fuzz.
  if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
  status=0
  (cd "$root/jobs/$name" && SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0" \
    "$bin/Fuzz$target" "$work" "$seeds" -max_total_time="$seconds" -rss_limit_mb="$rss" \
      -timeout=10 "${limits[@]}" "${parallel[@]}" -artifact_prefix="$artifacts/" -print_final_stats=1) > "$log" 2>&1 || status=$?
  if [ "$jobs" -gt 1 ]; then cat "$root/jobs/$name"/fuzz-*.log >> "$log" 2>/dev/null || true; fi
  stat() { grep -E "^stat::$1:" "$log" | awk '{print $2}' | tail -1; }
  last=$(grep -E "cov: [0-9]+" "$log" | tail -1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+\/[0-9a-zA-Z]+).*/\1/')
  echo "fuzz: Fuzz$target ${seconds}s: $(stat number_of_executed_units) executions, $(stat average_exec_per_sec) exec/s," \
       "${last:-no coverage line}, peak RSS $(stat peak_rss_mb) MB"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "fuzz: Fuzz$target FAILED (exit $status); reproducer in $artifacts/, log $log:" >&2
    grep -E "ERROR|SUMMARY|Fatal error|==[0-9]+==|out-of-memory|Test unit written|deadly signal|timeout" "$log" \
      | head -20 >&2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash, hang or memory blow-up"
