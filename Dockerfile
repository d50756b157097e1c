# syntax=docker/dockerfile:1
# Keel's image: one image for every role (`keel serve`, `keel worker`, `keel migrate`, `keel keys`...).
# Keel runs its TypeScript sources directly on Node 24 (type stripping): there is no build output, only
# production dependencies and the sources. See docs/deployment.md.

ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Production dependencies only, from the lockfile.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# 2. The runtime: dependencies, sources, a non-root user, a data directory, a health check.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    KEEL_DATA_DIR=/data
COPY --from=dependencies --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
# The image's `node` user (uid 1000) owns only the data directory: the code is read-only to it.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /readyz checks the database (and Redis when configured) of this process. `keel worker` has no HTTP
# port: compose.yaml disables the check for workers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/keel.js"]
CMD ["serve"]
