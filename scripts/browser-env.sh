#!/usr/bin/env bash
# Browser test environment: Debian's chromium for the dashboard tests (driven by playwright-core).
# Installs it with apt-get when missing and we are root; otherwise only reports what is there.
set -uo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium missing and cannot install it here (needs root and apt-get)"
  # Outside CI the browser tests skip; in CI they fail, which is what we want.
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || apt-get update
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null \
  || apt-get install -y --no-install-recommends chromium fonts-dejavu-core
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
else
  echo "chromium install failed"
  exit 1
fi
