#!/usr/bin/env bash
# Set-up command 2: install what the tests need (Node 24, dependencies, Chromium, PostgreSQL and Redis running,
# a Docker engine with the sandbox image)
# and run the whole suite: build, lint, typecheck, unit, integration and browser tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/install.sh"
cd "$ROOT"

# Debian's Chromium for the browser tests; SciPy for the reference Bradley-Terry fit; pandas to read exports back; scikit-learn for the judge metrics; Pillow to read screenshots back.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c 'import scipy, numpy' >/dev/null 2>&1 || missing+=(python3-scipy python3-numpy)
/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1 || missing+=(python3-pandas)
/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1 || missing+=(python3-sklearn)
/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1 || missing+=(python3-pil)
if [ ${#missing[@]} -gt 0 ]; then
  echo "› installing from Debian: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "› starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# Redis for the scale-out test (two arena processes sharing one Redis).
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "› starting Redis"
  command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 1; done
fi

# A Docker engine and the sandbox image for the container runner's tests (built offline, cached by recipe hash).
source "$ROOT/scripts/docker.sh"

mkdir -p .reports
status=0
npm run build --silent || status=$?
[ $status -eq 0 ] && { npm run lint --silent || status=$?; }
[ $status -eq 0 ] && { npm run typecheck --silent || status=$?; }
if [ $status -ne 0 ]; then
  echo "build, lint or typecheck failed (exit $status): no test was run" >&2
  exit $status
fi
rm -f .reports/*.json
npx vitest run --project unit --project integration --reporter=default --reporter=json --outputFile=.reports/vitest.json || status=$?
npx vitest run --project e2e --reporter=default --reporter=json --outputFile=.reports/e2e.json || status=$?
node scripts/summarize-tests.mjs .reports/vitest.json .reports/e2e.json
exit $status
