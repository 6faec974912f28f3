#!/usr/bin/env bash
# Sourced by the other scripts: a Docker engine running and the sandbox image built (offline, from Debian's
# packages). Installs Debian's docker.io and debootstrap when they are missing and starts dockerd in the
# background when nothing answers on the socket. Set ARENA_SKIP_DOCKER=1 to leave Docker alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${ARENA_SKIP_DOCKER:-0}" != "1" ]; then
  need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    echo "› installing from Debian: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "› starting dockerd"
    (nohup dockerd >/var/log/arena-dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/arena-dockerd.log" >&2; exit 1; }
  fi
  echo "› sandbox image: $(bash "$ROOT/sandboxes/images/build.sh")"
fi
