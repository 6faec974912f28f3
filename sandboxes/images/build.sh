#!/usr/bin/env bash
# Builds the sandbox image offline: a Debian root file system from Debian's mirror (debootstrap),
# with the toolchains in packages.txt, imported into the Docker engine with `docker import`.
# No registry is needed. The tag is a hash of this script and packages.txt, so an unchanged recipe
# is never rebuilt: `bash sandboxes/images/build.sh` prints the image name and exits early when it exists.
#   ARENA_SANDBOX_MIRROR   Debian mirror (default http://deb.debian.org/debian)
#   ARENA_SANDBOX_CACHE    where downloaded .deb files are kept between builds (default /var/cache/arena-sandbox)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mirror="${ARENA_SANDBOX_MIRROR:-http://deb.debian.org/debian}"
cache="${ARENA_SANDBOX_CACHE:-/var/cache/arena-sandbox}"
hash="$(cat "$here/build.sh" "$here/packages.txt" | sha256sum | cut -c1-12)"
image="arena-sandbox:$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is needed: apt-get install -y debootstrap" >&2; exit 1; }

packages="$(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$' | paste -sd, -)"
root="$(mktemp -d /tmp/arena-sandbox-root.XXXXXX)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$cache"
started=$(date +%s)
echo "building $image from $mirror (packages: $packages)" >&2
debootstrap --variant=minbase --cache-dir="$cache" --include="$packages" bookworm "$root" "$mirror" >&2

# The runner's user (uid/gid 1000, no login, no home worth having) and the work dir it writes to (a tmpfs at run time).
chroot "$root" groupadd --gid 1000 runner
chroot "$root" useradd --uid 1000 --gid 1000 --no-create-home --home-dir /sandbox --shell /bin/bash runner
mkdir -p "$root/sandbox"
chown 1000:1000 "$root/sandbox"
# Matplotlib and friends want a writable config dir; point them at the work dir.
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info"
# Setuid/setgid bits are useless to the runner and only widen the attack surface.
find "$root" -xdev -perm /6000 -type f -exec chmod ug-s {} + 2>/dev/null || true

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV HOME=/sandbox' \
  --change 'WORKDIR /sandbox' \
  --change 'USER 1000:1000' \
  --change "LABEL arena.sandbox.recipe=$hash" \
  - "$image" >&2
docker tag "$image" arena-sandbox:latest
echo "built $image in $(( $(date +%s) - started )) s" >&2
echo "$image"
