#!/bin/sh
# GST_PLUGIN_SCANNER_1_0 of the sanitized test runs (tests/meson.build).
# GStreamer scans plugins in gst-plugin-scanner, a program we do not build;
# our instrumented plugin cannot be loaded there unless the sanitizer
# runtime is loaded first. This runs the real scanner with the runtime
# preloaded, without a leak check or race reports: it loads every plugin on
# the system, and what they do at load time is not ours (our plugin's init
# runs again in the test process and is checked there).
#   GST_WEBRTCSIGNAL_REAL_SCANNER   the scanner to run
#   GST_WEBRTCSIGNAL_SANITIZER_RUNTIME  the runtime(s) to preload
# SPDX-License-Identifier: LGPL-2.1-or-later
LD_PRELOAD="$GST_WEBRTCSIGNAL_SANITIZER_RUNTIME${LD_PRELOAD:+:$LD_PRELOAD}" \
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}report_bugs=0:exitcode=0" \
  exec "$GST_WEBRTCSIGNAL_REAL_SCANNER" "$@"
