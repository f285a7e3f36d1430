#!/usr/bin/env bash
# The main job: install what is needed, build, then stream a test pattern
# (with a tone) to any browser through the server embedded in webrtcsend.
# Prints the URL to open. Stop with Ctrl-C.
#
#   scripts/demo.sh [ADDR:PORT]      (default 127.0.0.1:8443)
set -euo pipefail
cd "$(dirname "$0")/.."
address="${1:-127.0.0.1:8443}"
bash scripts/install-deps.sh
bash scripts/build.sh plugins/webrtcsignal/libgstwebrtcsignal.so tools/gst-webrtc-serve
export GST_PLUGIN_PATH_1_0="$PWD/build/plugins${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
echo
echo "Open http://${address}/ in a browser and click the stream (Ctrl-C stops)."
echo
# The same one-liner as pipelines/test-pattern-to-browser.sh (run by the tests).
ADDR="$address" exec sh pipelines/test-pattern-to-browser.sh
