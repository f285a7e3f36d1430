#!/usr/bin/env bash
# Builds the project with a sanitizer and runs the unit, element and stress
# suites under it.
#
#   scripts/test-sanitizers.sh asan [MESON TEST ARGS]   AddressSanitizer + UBSan, in build-asan
#   scripts/test-sanitizers.sh tsan [MESON TEST ARGS]   ThreadSanitizer, in build-tsan
#
# Examples:
#   scripts/test-sanitizers.sh tsan                        # unit, element and stress
#   scripts/test-sanitizers.sh tsan --suite stress         # only the stop-race stress test
#   scripts/test-sanitizers.sh asan test-webrtcrecv -v     # one test, with its output
#   GST_WEBRTCSIGNAL_STRESS_CYCLES=50 scripts/test-sanitizers.sh asan --suite stress
#
# Arguments go to `meson test`; a --suite replaces the default suites, test
# names pick among them. Builds are debug builds made with meson's b_sanitize
# (-Db_lundef=false: the plugins use the runtime of the program that loads
# them), configured on first use, built with ninja -j1 (GST_WEBRTCSIGNAL_NINJA_JOBS=N for more) and run with
# timeouts multiplied by 3, one test at a time (GST_WEBRTCSIGNAL_SANITIZER_JOBS=N
# says otherwise: two ASan tests side by side on 2 cores of a CPU slow at
# VP8 starved each other, and 1-2 timing checks failed in each of three CI
# runs on such a machine). What the tests do differently under
# a sanitizer (environment, suppressions in tests/sanitizers/, the plugin
# scanner wrapper, the TSan hand-over annotations) is set up in
# tests/meson.build. A sanitizer report fails the test that caused it; its
# text is in BUILDDIR/meson-logs/testlog.txt.
#
# Needs what scripts/install-deps.sh installs (gcc ships the ASan, UBSan and
# TSan runtimes) and, for the element and stress suites, unprivileged user
# namespaces (tests/browser/run-in-netns.sh). The stress test's knobs:
# GST_WEBRTCSIGNAL_STRESS_CYCLES, _SECONDS, _CONSUMERS, _RECV_EVERY, _SEED
# (see tests/stress/test-stop-race.cpp). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

usage () {
  sed -n '2,13p' "$0" >&2
  exit 2
}

[ $# -ge 1 ] || usage
case "$1" in
  asan) builddir=build-asan; sanitize=address,undefined; runtime=libasan.so; jobs=1 ;;
  tsan) builddir=build-tsan; sanitize=thread; runtime=libtsan.so; jobs=1 ;;
  *) usage ;;
esac
shift

cxx="${CXX:-c++}"
if [ ! -e "$("$cxx" -print-file-name="$runtime")" ]; then
  echo "test-sanitizers.sh: $cxx has no $runtime; install gcc (build-essential)" >&2
  exit 1
fi

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" --buildtype=debug -Db_sanitize="$sanitize" -Db_lundef=false
fi
# The default suites, unless the arguments name suites. (Test names pick
# among the suites: meson runs what both select.)
defaults=(--suite unit --suite element --suite stress)
suites=(unit element stress)
named=()
expect_suite=0
for arg in "$@"; do
  if [ $expect_suite = 1 ]; then named+=("$arg"); expect_suite=0; continue; fi
  case "$arg" in
    --suite) expect_suite=1 ;;
    --suite=*) named+=("${arg#--suite=}") ;;
  esac
done
if [ ${#named[@]} -gt 0 ]; then
  defaults=()
  suites=("${named[@]}")
fi

# Only what the chosen suites run (instrumented builds are slow): their test
# programs, what they depend on, and the rtpdiag plugin (diagnostics).
# Regenerate first, so that tests added since the last configure are seen.
ninja -C "$builddir" build.ninja >/dev/null
mapfile -t targets < <(meson introspect "$builddir" --tests --targets | python3 -c '
import json, os, sys
info = json.load(sys.stdin)
tests, targets = info["tests"], info["targets"]
suites = set(sys.argv[2:])
wanted = {dep for t in tests if {s.split(":")[-1] for s in t["suite"]} & suites
          for dep in t["depends"]}
for target in targets:
    if target["id"] in wanted or target["name"] == "gstrtpdiag":
        for name in target["filename"]:
            print(os.path.relpath(name, os.path.abspath(sys.argv[1])))
' "$builddir" "${suites[@]}")
ninja -C "$builddir" -j"${GST_WEBRTCSIGNAL_NINJA_JOBS:-1}" "${targets[@]}"

status=0
meson test -C "$builddir" --no-rebuild --num-processes "${GST_WEBRTCSIGNAL_SANITIZER_JOBS:-$jobs}" \
  --timeout-multiplier 3 \
  --print-errorlogs "${defaults[@]}" "$@" || status=$?
python3 - "$builddir" <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1] + "/meson-logs/testlog.json") as log:
    for line in log:
        result = json.loads(line).get("result")
        if result == "OK":
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
