#!/usr/bin/env bash
# Installs what Folio needs to build on Debian: LevelDB's headers and library, OpenBLAS, and libxml2's
# development link (Atom feeds; the release build links Foundation's XML part statically, which links
# -lxml2). Idempotent; quiet when all is present.
set -euo pipefail

missing=()
[ -f /usr/include/leveldb/c.h ] || missing+=(libleveldb-dev)
ldconfig -p 2>/dev/null | grep -q 'libxml2\.so ' || missing+=(libxml2-dev)
# OpenBLAS for the sentence encoder, which opens libopenblas.so.0 when it first runs (not linked, so
# other commands do not start its threads).
ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0 ' || missing+=(libopenblas-dev)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$candidate/swift" ] && { echo "setup: swift is in $candidate; add it to PATH" >&2; exit 1; }
  done
  echo "setup: the Swift toolchain (6.0 or later) is required: https://www.swift.org/install/linux/" >&2
  exit 1
fi
