# The arena as one image: UI + API on port 3001. Building it needs the npm registry only.
#   BASE_IMAGE    Node.js 24 and npm on Debian bookworm. The public node image by default; where no image registry is
#                 reachable, `bash deploy/images/build.sh` makes one from Debian's and npm's packages (arena-node:…).
#   BUILD_CA_PEM  CA certificates (PEM text) trusted while building only: for a TLS-inspecting proxy between the build
#                 and the npm registry. The image that runs does not keep them.
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
ENV NX_DAEMON=false NX_NO_CLOUD=true NEXT_TELEMETRY_DISABLED=1
# The manifests first, so that a change of code does not download the dependencies again.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY sandboxes/package.json sandboxes/
COPY ranking/package.json ranking/
COPY judge/package.json judge/
COPY backend/package.json backend/
COPY frontend/package.json frontend/
COPY testkit/package.json testkit/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
ARG BUILD_CA_PEM=""
RUN if [ -n "$BUILD_CA_PEM" ]; then printf '%s\n' "$BUILD_CA_PEM" >/tmp/build-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem; fi \
 && npm ci --no-fund --no-audit --loglevel=warn \
 && rm -f /tmp/build-ca.pem
COPY . .
# The server and the UI (as static files) built; then, from npm's cache, only what the server runs with: the
# dependencies of the backend and of the packages it uses, none for building.
RUN npx nx run-many -t build -p @arena/backend @arena/frontend --output-style=stream \
 && rm -rf node_modules ./*/node_modules frontend/.next .nx \
 && npm ci --omit=dev --workspace=@arena/backend --offline --no-fund --no-audit --loglevel=warn

FROM ${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production PORT=3001 ARENA_DATA_DIR=/data
COPY --from=build /app /app
VOLUME /data
EXPOSE 3001
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/health').then((r) => r.json()).then((h) => process.exit(h.status === 'ok' ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "backend/dist/main.js"]
