#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan, in
# build-fuzz) and runs each on its seed corpus for a while, one per core at a
# time (GST_WEBRTCSIGNAL_FUZZ_JOBS=N to change that). One line per
# target (executions, coverage, result); a crash, a GLib critical, a leak or
# a timeout is written to build-fuzz/crashes/ and fails the run. Also writes
# build-fuzz/fuzz-testlog.json (one JSON line per target) for scripts/test.sh.
#
#   scripts/test-fuzz.sh [SECONDS [TARGET...]]   SECONDS per target (default 20);
#                                                TARGET e.g. protocol-client
#
# New inputs the fuzzer finds go to build-fuzz/corpus/TARGET (kept between
# runs); tests/fuzz/corpus/TARGET, the seeds, is only read. To reproduce a
# crash: build-fuzz/tests/fuzz/fuzz-TARGET build-fuzz/crashes/TARGET-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
all=(protocol-client protocol-server json-limits manual-token sdpfrag whip-http sdp-utils rtpdiag
  janus-api mdns)
targets=("${@:-${all[@]}}")
build=build-fuzz

# Longest input per target: the longest realistic message with room to
# spare (a full browser offer for the SDP helpers); longer only slows the
# search down.
max_len () {
  case "$1" in
    protocol-client | protocol-server | manual-token | janus-api) echo 4096 ;;
    sdp-utils) echo 8192 ;;
    json-limits | whip-http) echo 1024 ;;
    mdns) echo 1500 ;; # one Ethernet frame; a response may be up to 9000
    *) echo 2048 ;;
  esac
}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false --buildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j "${GST_WEBRTCSIGNAL_NINJA_JOBS:-1}" fuzz >/dev/null

mkdir -p "$build/crashes" "$build/fuzz-logs"
testlog="$build/fuzz-testlog.json"
: >"$testlog"

# One target for SECONDS; its exit status and duration go next to its log.
run_target () {
  local target=$1
  local exe="$build/tests/fuzz/fuzz-$target" seeds="tests/fuzz/corpus/$target"
  local work="$build/corpus/$target" log="$build/fuzz-logs/$target.log"
  mkdir -p "$work"
  rm -f "$log.status"
  local start rc=0
  start=$(date +%s)
  # G_SLICE: GLib 2.74's slice allocator would hide use-after-free and leaks.
  G_SLICE=always-malloc \
  ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:allocator_may_return_null=1" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$exe" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" \
      "$work" "$seeds" >"$log" 2>&1 || rc=$?
  echo "$rc $(($(date +%s) - start))" >"$log.status"
}

# Each fuzzer is one process on one core: GST_WEBRTCSIGNAL_FUZZ_JOBS (default
# the number of cores) run at a time.
jobs="${GST_WEBRTCSIGNAL_FUZZ_JOBS:-$(nproc)}"
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait

failed=0
for target in "${targets[@]}"; do
  log="$build/fuzz-logs/$target.log"
  read -r rc duration <"$log.status" || { rc=1; duration=0; }
  # (A crash on the seeds leaves no figures: hence the "|| true".)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  if [ "$rc" -eq 0 ]; then
    result=OK
  else
    result=FAIL
    failed=$((failed + 1))
  fi
  printf 'fuzz-%-16s %10s execs %7s/s  cov %5s  ft %6s  corpus %5s  %s\n' "$target" \
    "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "$result"
  if [ "$result" = FAIL ]; then
    grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|check failed|CRITICAL' \
      "$log" | sed 's/^/    /' || true
    grep -E '^artifact_prefix|Test unit written to' "$log" | sed 's/^/    /' || true
    echo "    log: $log"
  fi
  printf '{"name": "fuzz-%s", "result": "%s", "duration": %s, "execs": %s, "cov": %s}\n' \
    "$target" "$result" "$duration" "${execs:-0}" "${cov:-0}" >>"$testlog"
done
exit $((failed > 0))
