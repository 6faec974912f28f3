#!/usr/bin/env bash
# Sourced: Node 24 + the project's npm dependencies (only when package-lock.json changed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ensure-node.sh"
cd "$ROOT"
stamp="node_modules/.arena-lock"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "› npm ci"
  npm ci --no-fund --no-audit
  cp package-lock.json "$stamp"
fi
