#!/usr/bin/env bash
# Runs the browser tests once while a busy loop holds every core, to prove they wait on state,
# not on time (a test that passes only on an idle machine fails here). Not part of `npm test` or
# CI, which keep their normal run; see test/browser/README.md.
#   scripts/test-under-load.sh            one hog per core (nproc)
#   HOGS=4 scripts/test-under-load.sh     another number
#   scripts/test-under-load.sh test/browser/ui-tasks.test.ts   only these files
set -euo pipefail
cd "$(dirname "$0")/.."

hogs=${HOGS:-$(nproc)}
pids=()
stop_hogs() {
  # Only the hogs this script started, by their ids.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_hogs EXIT INT TERM

for _ in $(seq "$hogs"); do
  node -e 'for (;;) {}' &
  pids+=("$!")
done
echo "test-under-load: $hogs busy loops running (pids ${pids[*]}); running the browser tests" >&2

npx vite build
npx vitest run -c vitest.browser.config.ts "$@"
