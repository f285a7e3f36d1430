#!/usr/bin/env bash
# Runs every test: installs what is needed, builds, then `meson test`
# (unit, element and browser suites). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
bash scripts/build.sh
status=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=$?
python3 - <<'PY'
import json
passed = failed = skipped = 0
with open("build/meson-logs/testlog.json") as log:
    for line in log:
        result = json.loads(line).get("result")
        if result == "OK":
            passed += 1
        elif result in ("SKIP",):
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
