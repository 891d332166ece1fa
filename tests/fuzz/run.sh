#!/usr/bin/env bash
# Runs libFuzzer targets built in build/native-asan for SECONDS each, on their committed seeds
# (tests/fuzz/corpus/T, read only) plus a work corpus (build/fuzz-corpus/T, where new inputs go).
# Usage: tests/fuzz/run.sh SECONDS TARGET... ; prints executions per target; fails on a crash
# (the input is left in build/fuzz-artifacts/). With FUZZ_RUNS=N each target stops after N
# executions instead (SECONDS still bounds it): `make fuzz FUZZ_RUNS=1000000 FUZZ_SECONDS=3600`.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds="$1"; shift
build=build/native-asan
mkdir -p build/fuzz-artifacts
status=0
for t in "$@"; do
  bin="$build/fuzz_$t"
  if [ ! -x "$bin" ]; then echo "fuzz: $bin is missing (the native-asan preset builds it with clang)"; exit 1; fi
  work="build/fuzz-corpus/$t"
  mkdir -p "$work"
  runs_limit=()
  [ -n "${FUZZ_RUNS:-}" ] && runs_limit=("-runs=$FUZZ_RUNS")
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=("-dict=tests/fuzz/dict/$t.dict")
  log="build/fuzz-artifacts/$t.log"
  # -max_len: generated models and requests need room; -rss_limit_mb: a leak or an unbounded
  # allocation is a finding; -timeout: one input taking 10 s is one too.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    PERCH_SOURCE_DIR="$PWD" "$bin" "$work" "tests/fuzz/corpus/$t" "${dict[@]}" "${runs_limit[@]}" \
    -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2560 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="build/fuzz-artifacts/$t-" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  corpus=$(ls "$work" | wc -l)
  if [ $rc -ne 0 ]; then
    echo "fuzz $t: FAILED (exit $rc) after ${runs:-?} executions; see $log"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
    status=1
  else
    took=$(grep -o 'Done [0-9]* runs in [0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    echo "fuzz $t: ${runs:-?} executions in ${took:-$seconds} s, coverage ${cov:-?} edges, ${corpus} new corpus inputs, no crash"
  fi
done
exit $status
