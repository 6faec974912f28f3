#!/usr/bin/env bash
# Set-up command 1: install what is needed, build, and start the arena on its embedded defaults
# (embedded PostgreSQL in ./data, built-in demo models, UI and API on one port).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"
# With a Docker engine running, Python, C, C++, Java, Go, Rust and Bash run in containers: build the image
# once (offline, from Debian's packages). Without one, Python runs in Pyodide and the rest is unsupported.
if docker info >/dev/null 2>&1; then
  echo "› sandbox image: $(bash "$ROOT/sandboxes/images/build.sh" || echo 'not built; see above')"
fi
echo "› building"
npm run build --silent
exec node --enable-source-maps backend/dist/main.js
