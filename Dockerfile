# syntax=docker/dockerfile:1
# The service image: `docker build -t tour-guide-sessions .` (docker-compose.yml builds it as `app`).
# Node 20, the version the tests run on; package.json `engines` also accepts 22.12+ and 24+.
ARG NODE_VERSION=20.20

# Build: every dependency (Nest CLI, TypeScript), then `nest build` into dist/.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime: production dependencies and dist/ only, run by the unprivileged `node` user of the image.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The file archive's default folder (ARCHIVE_DIR=./data/archive) when DATABASE_URL is unset.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks /health/live.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, no shell or npm in between: SIGTERM reaches Node itself (PID 1), whose handler drains
# in-flight requests (≤10 s) and exits 0. Orchestrators must wait longer than that (compose:
# stop_grace_period, Kubernetes: terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
