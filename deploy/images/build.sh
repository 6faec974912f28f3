#!/usr/bin/env bash
# Builds, offline, the base images docker-compose.yml names, for a machine that reaches no image registry:
# only Debian's mirror and the npm registry. Like sandboxes/images/build.sh: a Debian root file system made by
# debootstrap and `docker import`ed (arena-debian), then on it, with Debian's packages, PostgreSQL, Redis and
# HAProxy, and Node.js 24 + npm from the npm registry (the base of the arena's own Dockerfile).
# Each tag is a hash of its recipe (this script, its folder, its parent's tag), so an unchanged recipe is never
# rebuilt. Prints the variables docker-compose.yml reads, one a line (progress goes to stderr):
#   ARENA_BASE_IMAGE=arena-node:… ARENA_POSTGRES_IMAGE=arena-postgres:… ARENA_REDIS_IMAGE=… ARENA_BALANCER_IMAGE=…
#   ARENA_DEBIAN_MIRROR   Debian mirror (default http://deb.debian.org/debian)
#   ARENA_SANDBOX_CACHE   downloaded .deb files, shared with the sandbox image's build (default /var/cache/arena-sandbox)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mirror="${ARENA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${ARENA_SANDBOX_CACHE:-/var/cache/arena-sandbox}"
# One build at a time: a second caller (the compose test while scripts/docker.sh's build runs) waits, then finds
# the images built.
exec 9>/tmp/arena-deploy-images.lock
flock 9

recipe_hash() { # the recipe of image $1 on parent tag $2
  (cat "$here/build.sh" && echo "$2" && find "$here/$1" -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-12
}
exists() { docker image inspect "$1" >/dev/null 2>&1; }
timed() { # name, command…: runs it, says how long it took and how big the image is
  local started=$SECONDS
  "${@:2}" >&2
  echo "built $1 in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%d MB", $1/1e6}'))" >&2
}

# arena-debian: bookworm minbase with CA certificates; apt's sources point at the mirror the others install from.
build_debian() {
  command -v debootstrap >/dev/null || { echo "debootstrap is needed: apt-get install -y debootstrap" >&2; exit 1; }
  local root
  root="$(mktemp -d /tmp/arena-debian-root.XXXXXX)"
  mkdir -p "$cache"
  debootstrap --variant=minbase --cache-dir="$cache" --include=ca-certificates bookworm "$root" "$mirror"
  echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info"
  cp "$here/debian/dpkg-nodoc" "$root/etc/dpkg/dpkg.cfg.d/arena-nodoc"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    --change "LABEL arena.deploy.recipe=$2" \
    - "$1"
  rm -rf "$root"
}

# arena-node: Node.js and npm, the versions in node/versions.env, from the npm registry (packed by the host's npm).
build_node() {
  local ctx arch
  ctx="$(mktemp -d /tmp/arena-node-ctx.XXXXXX)"
  # shellcheck source=node/versions.env
  source "$here/node/versions.env"
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "no Node.js package for $(uname -m)" >&2; exit 1 ;; esac
  (cd "$ctx" && npm pack --silent "node-linux-$arch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx/node-linux-$arch-$NODE_VERSION.tgz" -C "$ctx/node" --strip-components=1 package/bin/node
  tar -xzf "$ctx/npm-$NPM_VERSION.tgz" -C "$ctx/npm" --strip-components=1
  rm "$ctx"/*.tgz
  cp "$here/node/Dockerfile" "$ctx/"
  docker build -q --build-arg "BASE=$3" --label "arena.deploy.recipe=$2" -t "$1" "$ctx"
  rm -rf "$ctx"
}

# The services: a Dockerfile each, on arena-debian, installing Debian's package.
build_service() {
  docker build -q --build-arg "BASE=$3" --label "arena.deploy.recipe=$2" -t "$1" "$here/$4"
}

tag_of() { echo "arena-$1:$(recipe_hash "$1" "$2")"; }
build() { # name, parent tag: builds the image unless it exists
  local tag hash
  tag="$(tag_of "$1" "$2")"
  hash="${tag##*:}"
  exists "$tag" && return 0
  echo "building $tag" >&2
  case "$1" in
    debian) timed "$tag" build_debian "$tag" "$hash" ;;
    node) timed "$tag" build_node "$tag" "$hash" "$2" ;;
    *) timed "$tag" build_service "$tag" "$hash" "$2" "$1" ;;
  esac
}

debian="$(tag_of debian '')"
build debian ''
# The four on arena-debian at once: each waits mostly on a download or on dpkg, not on the same thing.
pids=()
for name in node postgres redis haproxy; do
  build "$name" "$debian" &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { echo "an image failed to build (above)" >&2; exit 1; }
echo "ARENA_BASE_IMAGE=$(tag_of node "$debian")"
echo "ARENA_POSTGRES_IMAGE=$(tag_of postgres "$debian")"
echo "ARENA_REDIS_IMAGE=$(tag_of redis "$debian")"
echo "ARENA_BALANCER_IMAGE=$(tag_of haproxy "$debian")"
