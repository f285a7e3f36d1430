# Sourced by the tests that run pion (Go; Debian's golang-github-pion-webrtc.v3-dev):
#   bin=$(pion_build IMPORT_PATH NAME)
# builds the Go program at IMPORT_PATH offline, in GOPATH mode, once per
# build tree, into $GST_WEBRTCSIGNAL_BUILD_ROOT/tests/NAME, and prints its
# path. Debian's pion tree has no /v3 level: a symlink in a private GOPATH
# adds it; our own programs are under gstwebrtcsignal/ there.
# SPDX-License-Identifier: LGPL-2.1-or-later
pion_build () {
  build=${GST_WEBRTCSIGNAL_BUILD_ROOT:?}
  source_root=${GST_WEBRTCSIGNAL_SOURCE_ROOT:?}
  pion=/usr/share/gocode/src/github.com/pion/webrtc
  if [ ! -d "$pion/examples" ] || ! command -v go >/dev/null; then
    echo "pion is missing: apt-get install golang-go golang-github-pion-webrtc.v3-dev" >&2
    return 1
  fi
  gopath=$build/tests/pion-gopath
  mkdir -p "$gopath/src/github.com/pion/webrtc" "$gopath/src/gstwebrtcsignal"
  ln -sfn "$pion" "$gopath/src/github.com/pion/webrtc/v3"
  ln -sfn "$source_root/tests/interop/pion-sender" "$gopath/src/gstwebrtcsignal/pion-sender"
  bin=$build/tests/$2
  if [ ! -x "$bin" ]; then
    echo "building $1 (once per build tree)..." >&2
    GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS=-mod=mod \
      GOCACHE="$build/tests/go-cache" go build -o "$bin" "$1" >&2 || return 1
  fi
  echo "$bin"
}
