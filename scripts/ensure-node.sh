#!/usr/bin/env bash
# Sourced by the other scripts: puts Node.js 24 first on PATH, installing it from the npm registry
# into .tools/ when the machine's own node is another version (npm must run under Node 24 so that
# isolated-vm picks its prebuilt binary).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools/node24"
# Node trusts only its bundled CAs; where the registry is reached through a certificate the system trusts, use those.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major node)" != "24" ]; then
  if [ ! -x "$TOOLS/bin/node" ] || [ "$(node_major "$TOOLS/bin/node")" != "24" ]; then
    echo "› installing Node.js 24 into .tools/ (from the npm registry)"
    npm install --global --prefix "$TOOLS" --no-fund --no-audit node@24 >/dev/null
  fi
  export PATH="$TOOLS/bin:$PATH"
fi
echo "› node $(node --version), npm $(npm --version)"
