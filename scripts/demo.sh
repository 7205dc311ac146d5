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
echo "== folio list --since 2025-09-01   (the newest listing)"
"$folio" list --since 2025-09-01 --limit 10
echo
first="$("$folio" list --limit 1 --json | sed -n 's/.*"id" : "\(t-[0-9a-f]*\)".*/\1/p' | head -1)"
echo "== folio show ${first:0:8}   (ids accept unambiguous prefixes)"
"$folio" show "${first:0:8}"
