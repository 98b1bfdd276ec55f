#!/usr/bin/env bash
# The Docker test environment, idempotent (used by `npm test` and CI): makes sure a Docker engine
# answers (installing docker.io and starting dockerd as root on Debian when needed), then builds the
# test images whose tags are missing. Nothing is pulled from a registry.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "test-env: $*"; }
die() {
  echo "test-env: ERROR: $*" >&2
  exit 1
}

engine_answers() { command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; }

apt_updated=0
apt_install() { # packages...
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

is_root_debian() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

dockerd_log=/tmp/hakuriver-dockerd.log
wait_for_engine() { # seconds
  local deadline=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$deadline" ]; do
    engine_answers && return 0
    sleep 1
  done
  return 1
}

if engine_answers; then
  log "Docker engine answers"
else
  if ! is_root_debian; then
    die "no Docker engine answers and this is not root on Debian: start Docker (dockerd) yourself, or run as root on Debian so this script can install docker.io"
  fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    log "installing docker.io and busybox-static"
    apt_install docker.io busybox-static
  fi
  if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd is running but does not answer yet; waiting"
  else
    log "starting dockerd (log: $dockerd_log)"
    nohup dockerd >"$dockerd_log" 2>&1 </dev/null &
    disown || true
  fi
  if ! wait_for_engine 60; then
    tail -n 30 "$dockerd_log" >&2 2>/dev/null || true
    die "dockerd did not answer on /var/run/docker.sock within 60 s (see $dockerd_log)"
  fi
  log "Docker engine started"
fi

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

if image_present hakuriver-test/busybox:latest; then
  log "image hakuriver-test/busybox:latest present"
else
  if ! dpkg -s busybox-static >/dev/null 2>&1; then
    is_root_debian || die "busybox-static is missing: apt-get install -y busybox-static"
    log "installing busybox-static"
    apt_install busybox-static
  fi
  log "building hakuriver-test/busybox:latest"
  bash scripts/images/busybox.sh hakuriver-test/busybox:latest
fi

if [ -f scripts/images/systemd.sh ]; then
  bash scripts/images/systemd.sh
fi

log "ready"
