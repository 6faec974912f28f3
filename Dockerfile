# The arena as one image: UI + API on port 3001. Build needs the npm registry only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-fund --no-audit && npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=3001 ARENA_DATA_DIR=/data
COPY --from=build /app /app
VOLUME /data
EXPOSE 3001
CMD ["node", "--enable-source-maps", "--max-semi-space-size=8", "backend/dist/main.js"]
