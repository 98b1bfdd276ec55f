#!/usr/bin/env bash
# Builds the systemd test image `hakuriver-test/systemd:latest` (a minbase Debian rootfs with
# systemd, made by debootstrap from the mirror of this machine's apt sources, then `docker import`).
# Idempotent: does nothing when the tag exists. Needs root and a running Docker engine.
set -euo pipefail

tag="${HAKURIVER_SYSTEMD_IMAGE:-hakuriver-test/systemd:latest}"
packages="systemd,systemd-sysv,dbus,numactl,procps"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "systemd image: $tag exists"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "systemd image: building $tag needs root (debootstrap)" >&2
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "systemd image: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null; }
fi

# The first Debian suite and mirror of the apt sources: deb822 `.sources` files first, then
# one-line `.list` files. Only files apt itself reads (*.sources, *.list) are considered.
mirror=""
suite=""
read_deb822() { # file
  awk '
    function flush() {
      if (isdeb && uri != "" && suite != "" && found == 0) { print uri, suite; found = 1 }
      isdeb = 0; uri = ""; suite = ""
    }
    /^[[:space:]]*$/ { flush(); next }
    /^[[:space:]]*#/ { next }
    tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
    tolower($1) == "uris:" { uri = $2 }
    tolower($1) == "suites:" {
      for (i = 2; i <= NF; i++) if ($i !~ /-(updates|security|backports|proposed-updates)$/ && $i !~ /\//) { suite = $i; break }
    }
    END { flush() }
  ' "$1"
}
read_list() { # file
  awk '
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) !~ /-(updates|security|backports)$/ && $(i + 1) !~ /\//) { print $i, $(i + 1); exit }
    }
  ' "$1"
}
candidates=()
for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && candidates+=("deb822:$f"); done
[ -f /etc/apt/sources.list ] && candidates+=("list:/etc/apt/sources.list")
for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && candidates+=("list:$f"); done
for c in "${candidates[@]}"; do
  kind="${c%%:*}"
  file="${c#*:}"
  if [ "$kind" = deb822 ]; then line="$(read_deb822 "$file")"; else line="$(read_list "$file")"; fi
  [ -n "$line" ] || continue
  m="${line% *}"
  s="${line#* }"
  # Only a Debian archive can be debootstrapped (it has the suite's Release for debootstrap).
  case "$m" in
    *debian*) mirror="$m"; suite="$s"; break ;;
  esac
done
if [ -z "$mirror" ] || [ -z "$suite" ]; then
  echo "systemd image: no Debian mirror found in /etc/apt/sources.list{,.d}" >&2
  exit 1
fi

work="$(mktemp -d /tmp/hakuriver-systemd-rootfs.XXXXXX)"
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT

echo "systemd image: debootstrap $suite from $mirror (minbase + $packages)"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$work/rootfs" "$mirror" \
  >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  echo "systemd image: debootstrap failed" >&2
  exit 1
fi

# Boot quietly in a container: no getty, no units that need hardware or the network.
rootfs="$work/rootfs"
rm -f "$rootfs"/etc/systemd/system/getty.target.wants/* 2>/dev/null || true
ln -sf /dev/null "$rootfs/etc/systemd/system/systemd-udevd.service" 2>/dev/null || true
ln -sf /dev/null "$rootfs/etc/systemd/system/systemd-firstboot.service"
echo "hakuriver-systemd" >"$rootfs/etc/hostname"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* 2>/dev/null || true

tar -C "$rootfs" -c . | docker import \
  -c 'ENV container=docker' \
  -c 'CMD ["/sbin/init"]' \
  - "$tag" >/dev/null
echo "systemd image: built $tag"
