#!/usr/bin/env bash
# Configures (once) and builds the project into ./build; arguments name
# ninja targets (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=debugoptimized
fi
ninja -C build "$@"
