#!/usr/bin/env bash
# Builds the test image hakuriver-test/busybox:latest from the machine's busybox-static: a rootfs
# with /bin/busybox, its applet links, /tmp and /etc/passwd, imported with `docker import`.
# Nothing is pulled (no registry is reachable). Usage: bash scripts/images/busybox.sh [TAG]
set -euo pipefail

tag=${1:-hakuriver-test/busybox:latest}

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [ -x "$candidate" ] && file -L "$candidate" 2>/dev/null | grep -q "statically linked"; then
    busybox=$candidate
    break
  fi
done
if [ -z "$busybox" ]; then
  # `file` may be missing: trust the busybox-static package path.
  if [ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1; then
    busybox=/bin/busybox
  else
    echo "busybox.sh: no static busybox found (apt-get install -y busybox-static)" >&2
    exit 1
  fi
fi

root=$(mktemp -d /tmp/hakuriver-busybox-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/tmp" \
  "$root/root" "$root/shared" "$root/local_temp" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"

# One link per applet, at the path busybox itself reports (bin/sh, usr/bin/head, ...).
while IFS= read -r applet; do
  [ -n "$applet" ] || continue
  [ "$applet" = "bin/busybox" ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF

tar --numeric-owner -C "$root" -cf - . |
  docker import \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "hakuriver test image from busybox-static" \
    - "$tag" >/dev/null

echo "busybox.sh: built $tag"
