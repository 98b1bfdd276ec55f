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

# cgroup v1 hosts: containerd reports a container's OOM kill (docker's State.OOMKilled) only when
# every hierarchy listed in /proc/PID/cgroup is mounted where it can see it. A container that boots
# systemd with the host's cgroups creates the hierarchies the host lacks (perf_event, hugetlb,
# net_cls,net_prio) inside its own mount namespace, which silently breaks OOM detection for every
# later container. Mounting all enabled controllers on the host first prevents that.
mount_cgroup_v1_hierarchies() {
  [ -f /sys/fs/cgroup/cgroup.controllers ] && return 0 # cgroup v2: one hierarchy, nothing to do
  [ -d /sys/fs/cgroup/memory ] || return 0
  [ "$(id -u)" = 0 ] || return 0
  local mounted missing=() groups=() name _rest
  mounted=$(awk '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) print o[i] }' /proc/self/mountinfo)
  while read -r name _rest; do
    case "$name" in "#"* | "") continue ;; esac
    [ "$(echo "$_rest" | awk '{ print $3 }')" = 1 ] || continue
    grep -qx "$name" <<<"$mounted" || missing+=("$name")
  done </proc/cgroups
  [ "${#missing[@]}" -gt 0 ] || return 0
  local has_cls=0 has_prio=0 m
  for m in "${missing[@]}"; do
    case "$m" in
      net_cls) has_cls=1 ;;
      net_prio) has_prio=1 ;;
      *) groups+=("$m") ;;
    esac
  done
  if [ "$has_cls" = 1 ] && [ "$has_prio" = 1 ]; then groups+=("net_cls,net_prio")
  else
    [ "$has_cls" = 1 ] && groups+=("net_cls")
    [ "$has_prio" = 1 ] && groups+=("net_prio")
  fi
  local remounted=0 g
  for g in "${groups[@]}"; do
    if [ ! -d "/sys/fs/cgroup/$g" ]; then
      if [ "$remounted" = 0 ]; then
        mount -o remount,rw /sys/fs/cgroup 2>/dev/null || { log "cannot create cgroup mount points; OOM detection may be unreliable"; return 0; }
        remounted=1
      fi
      mkdir -p "/sys/fs/cgroup/$g"
    fi
    if mount -t cgroup -o "$g" cgroup "/sys/fs/cgroup/$g" 2>/dev/null; then
      log "mounted cgroup hierarchy $g (for OOM detection)"
    else
      log "could not mount cgroup hierarchy $g; OOM detection may be unreliable"
    fi
  done
  if [ "$remounted" = 1 ]; then # back to a read-only file system on a read-write mount, as booted
    mount -o remount,ro /sys/fs/cgroup 2>/dev/null && mount -o remount,bind,rw /sys/fs/cgroup 2>/dev/null
  fi
  return 0
}
mount_cgroup_v1_hierarchies

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
