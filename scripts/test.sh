#!/usr/bin/env bash
# The whole test suite: installs what it needs (npm deps, a Docker engine, test images), builds,
# type-checks, lints and runs every vitest project. Its last line is `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

extra_failed=0
step() { # name command...
  local name=$1; shift
  echo "== $name"
  if ! "$@"; then echo "!! $name failed"; extra_failed=$((extra_failed + 1)); fi
}

step "test environment (Docker engine, images)" bash scripts/test-env.sh
step "browser (Debian chromium for the dashboard tests)" bash scripts/browser-env.sh
step "build" npm run -s build
step "typecheck" npm run -s typecheck
step "lint" npm run -s lint

mkdir -p .test-results
rm -f .test-results/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@"
node scripts/summary.mjs .test-results/vitest.json "$extra_failed"
