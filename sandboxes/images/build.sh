#!/usr/bin/env bash
# Builds the sandbox image offline: a Debian root file system from Debian's mirror (debootstrap),
# with the toolchains in packages.txt and the Python packages in python-requirements.txt (from PyPI, every
# file checked against its pinned hash, installed into /usr/local by Debian's pip), imported into the Docker
# engine with `docker import`. No registry is needed. The tag is a hash of this script, packages.txt and
# python-requirements.txt, so an unchanged recipe is never rebuilt: `bash sandboxes/images/build.sh` prints
# the image name and exits early when it exists.
#   ARENA_SANDBOX_MIRROR   Debian mirror (default http://deb.debian.org/debian)
#   ARENA_SANDBOX_CACHE    where downloaded .deb files (and, under pip/, wheels) are kept between builds
#                          (default /var/cache/arena-sandbox)
#   ARENA_SANDBOX_PIP_CERT CA bundle pip trusts while downloading (default the host's /etc/ssl/certs/ca-certificates.crt,
#                          so that a TLS-inspecting proxy the host trusts works; Debian's own bundle when absent)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mirror="${ARENA_SANDBOX_MIRROR:-http://deb.debian.org/debian}"
cache="${ARENA_SANDBOX_CACHE:-/var/cache/arena-sandbox}"
hash="$(cat "$here/build.sh" "$here/packages.txt" "$here/python-requirements.txt" | sha256sum | cut -c1-12)"
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
# The Python packages: wheels only (nothing is compiled here), each checked against its hash. They are downloaded by
# the image's own pip (so they fit its Python and glibc) into a directory seeded from the cache, and the new ones
# are kept in the cache for the next build; then installed offline from that directory into /usr/local.
mkdir -p "$cache/pip" "$root/tmp/wheels"
cp -al "$cache/pip/." "$root/tmp/wheels/" 2>/dev/null || cp -a "$cache/pip/." "$root/tmp/wheels/"
cp "$here/python-requirements.txt" "$root/tmp/requirements.txt"
cert="${ARENA_SANDBOX_PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
pip_cert=()
if [ -f "$cert" ]; then cp "$cert" "$root/tmp/pip-ca.crt" && pip_cert=(--cert /tmp/pip-ca.crt); fi
pip_started=$(date +%s)
pip_in_root() { chroot "$root" env -i PATH=/usr/bin:/bin HOME=/root python3 -m pip --disable-pip-version-check --no-cache-dir "$@" >&2; }
# Offline from the cache first; only when a wheel is missing (a new pin) does pip download (and only what is missing).
# No bytecode at install: compileall below writes it on every core at once.
install_wheels() {
  pip_in_root install --break-system-packages --root-user-action=ignore --no-warn-script-location --no-compile \
    --no-index --no-deps --find-links /tmp/wheels --require-hashes -r /tmp/requirements.txt
}
if ! install_wheels; then
  pip_in_root download "${pip_cert[@]}" --no-deps --only-binary=:all: --require-hashes -r /tmp/requirements.txt -d /tmp/wheels
  cp -an "$root/tmp/wheels/." "$cache/pip/"
  install_wheels
fi
chroot "$root" python3 -m compileall -q -j 0 /usr/local/lib/python3.11/dist-packages >/dev/null 2>&1 || true
# Everything installed must fit together (pip check reads the installed metadata only).
chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root python3 -m pip check >&2
echo "python packages downloaded and installed in $(( $(date +%s) - pip_started )) s" >&2
rm -rf "$root/tmp/wheels" "$root/tmp/requirements.txt" "$root/tmp/pip-ca.crt" "$root/root/.cache"
# The install check reads the list the image was built from (sandboxes/src/docker/image-manifest.ts).
mkdir -p "$root/usr/local/share/arena"
cp "$here/python-requirements.txt" "$root/usr/local/share/arena/python-requirements.txt"
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
