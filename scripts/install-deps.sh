#!/usr/bin/env bash
# Installs the Debian bookworm packages that building, running and testing need.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail
packages=(
  build-essential pkg-config meson ninja-build libgtest-dev
  libglib2.0-dev libjson-glib-dev libsoup-3.0-dev zlib1g-dev libgnutls28-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-base-apps gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-libav
  chromium firefox-esr tshark iproute2 nftables python3
  xvfb gstreamer1.0-x
  golang-go golang-github-pion-webrtc.v3-dev coturn janus python3-aiortc
  clang libclang-rt-dev
)
# Node.js may come from elsewhere (NodeSource ships npm inside nodejs); only ask Debian when absent.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
