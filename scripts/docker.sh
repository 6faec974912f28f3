#!/usr/bin/env bash
# Sourced by the other scripts: a Docker engine running, the sandbox image built (offline, from Debian's
# packages) and the base images docker-compose.yml names being built (deploy/images/build.sh; the compose stack's
# test uses them). Installs Debian's docker.io, debootstrap and docker-compose when they are missing and starts dockerd in the
# background when nothing answers on the socket. Set ARENA_SKIP_DOCKER=1 to leave Docker alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${ARENA_SKIP_DOCKER:-0}" != "1" ]; then
  need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
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
  # The base images docker-compose.yml names, for the compose stack's test near the end: built in the background
  # while the rest runs (mostly downloads and unpacking); the test waits for them (build.sh holds a lock).
  mkdir -p "$ROOT/.reports"
  echo "› deployment base images: building in the background (log: .reports/deploy-images.log)"
  (nohup bash "$ROOT/deploy/images/build.sh" >"$ROOT/.reports/deploy-images.log" 2>&1 &)
fi
