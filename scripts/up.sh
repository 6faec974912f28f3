#!/usr/bin/env bash
# Set-up command 1: install what is needed, build, and start the arena on its embedded defaults
# (embedded PostgreSQL in ./data, built-in demo models, UI and API on one port).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"
echo "› building"
npm run build --silent
exec node --enable-source-maps backend/dist/main.js
