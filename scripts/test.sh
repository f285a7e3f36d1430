#!/usr/bin/env bash
# Runs every test: installs what is needed, builds, then `meson test`
# (unit, element, browser, ... suites), then the unit, element and stress
# suites again in an AddressSanitizer + UndefinedBehaviorSanitizer build
# (scripts/test-sanitizers.sh asan, in build-asan), then each libFuzzer
# target briefly (scripts/test-fuzz.sh, clang, in build-fuzz). Ends with
# "N passed, N failed" over all of them.
#
#   scripts/test.sh                      everything (what CI runs)
#   scripts/test.sh --suite unit         extra arguments go to `meson test`; the
#                                        sanitizer pass is then left out unless
#                                        GST_WEBRTCSIGNAL_SANITIZERS says otherwise
#   GST_WEBRTCSIGNAL_SANITIZERS=none     no sanitizer pass
#   GST_WEBRTCSIGNAL_SANITIZERS=tsan     ThreadSanitizer instead (build-tsan; the stress
#                                        test of the stop race is meant for it)
#   GST_WEBRTCSIGNAL_FUZZ_SECONDS=N      seconds per fuzz target (default 6, or 0 when
#                                        arguments are given); 0 leaves the fuzz pass out
#   scripts/test-sanitizers.sh asan|tsan [meson test args]   only a sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."
# How long each step took, printed at the end (the CI run has a time budget).
step_times=()
step_start=$SECONDS
step_done () {
  step_times+=("$1 $((SECONDS - step_start)) s")
  step_start=$SECONDS
}
bash scripts/install-deps.sh
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
step_done "install"
bash scripts/build.sh
step_done "build"

sanitizers="${GST_WEBRTCSIGNAL_SANITIZERS:-}"
if [ -z "$sanitizers" ]; then
  if [ $# -eq 0 ]; then sanitizers=asan; else sanitizers=none; fi
fi

fuzz_seconds="${GST_WEBRTCSIGNAL_FUZZ_SECONDS:-}"
if [ -z "$fuzz_seconds" ]; then
  if [ $# -eq 0 ]; then fuzz_seconds=6; else fuzz_seconds=0; fi
fi

status=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=$?
step_done "meson test"
logs=(build/meson-logs/testlog.json)
if [ "$sanitizers" != none ]; then
  # The main build is done: the sanitizer build may use both cores.
  GST_WEBRTCSIGNAL_NINJA_JOBS="${GST_WEBRTCSIGNAL_NINJA_JOBS:-2}" \
    bash scripts/test-sanitizers.sh "$sanitizers" || status=$?
  step_done "$sanitizers"
  logs+=("build-$sanitizers/meson-logs/testlog.json")
fi
if [ "$fuzz_seconds" != 0 ]; then
  # One JSON line per target, as meson's testlog: counted below.
  GST_WEBRTCSIGNAL_NINJA_JOBS="${GST_WEBRTCSIGNAL_NINJA_JOBS:-2}" \
    bash scripts/test-fuzz.sh "$fuzz_seconds" || status=$?
  step_done "fuzz"
  logs+=(build-fuzz/fuzz-testlog.json)
fi
echo "time per step: $(IFS=,; echo "${step_times[*]}" | sed 's/,/, /g')"
python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    with open(path) as log:
        for line in log:
            test = json.loads(line)
            result = test.get("result")
            if result == "OK":
                passed += 1
            elif result in ("SKIP",):
                skipped += 1
            else:
                failed += 1
                code = test.get("returncode")
                how = (f"killed by signal {-code}" if isinstance(code, int) and code < 0
                       else f"exit status {code}")
                failures.append(f"  {path.split('/')[0]}: {test.get('name')} ({result}, "
                                f"{test.get('duration', 0):.0f} s, {how})")
                tail = (test.get("stdout") or "").rstrip().splitlines()[-8:]
                failures.extend("    | " + out for out in tail)
# The names last, so that the tail of a long log says what failed.
if failures:
    print("failed:")
    print("\n".join(failures))
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
