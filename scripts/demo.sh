#!/usr/bin/env bash
# The demo: ingest the four bundled daily-papers pages into a fresh temporary store and show
# what a reader gets from them. Dates are pinned (--now) so the demo gives the same output every day.
set -euo pipefail
cd "$(dirname "$0")/.."

folio="${FOLIO_BIN:-.build/release/folio}"
store="$(mktemp -d "${TMPDIR:-/tmp}/folio-demo.XXXXXX")"
trap 'rm -rf "$store"' EXIT
export FOLIO_DB="$store" FOLIO_USER=demo FOLIO_NOW=2025-09-10

echo "== folio ingest Examples/data/*.txt   (store: $store)"
"$folio" ingest Examples/data/*.txt
echo
echo "== folio stats"
"$folio" stats
echo
echo "== folio interests add \"instruction tuning, code generation\""
"$folio" interests add "instruction tuning, code generation" >/dev/null
echo
echo "== folio today   (the demo user's queue for $FOLIO_NOW)"
"$folio" today
echo
echo "== folio like @1 @2; folio dismiss @3; folio star @4"
"$folio" like @1 @2
"$folio" dismiss @3
"$folio" star @4
echo
echo "== folio today --refresh   (the queue after that feedback)"
"$folio" today --refresh --limit 5
echo
echo "== folio search kv cache"
"$folio" search kv cache --limit 5
