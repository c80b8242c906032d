# syntax=docker/dockerfile:1
# Outrigger sidecar image. Multi-stage: dependencies are installed (and
# native addons built) and the TypeScript compiled to dist/ in a full image;
# the runtime stage copies only what runs: the compiled JavaScript, the bin
# and the production dependencies (tsx among them, for a mounted config or
# actor written in TypeScript).
#
#   docker build -t outrigger:0.1.0 .
#   docker run --rm -p 9464:9464 -v outrigger-run:/run/outrigger outrigger:0.1.0

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# build tools for optional native addons (msgpackr-extract, serialport bindings)
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json index.ts cli.ts ./
COPY runtime ./runtime
COPY actors ./actors
COPY clients/ts ./clients/ts
# npm ci runs `prepare`, the build (dist/); then the dev dependencies go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    OUTRIGGER_RUN_DIR=/run/outrigger \
    METRICS_PORT=9464
WORKDIR /opt/outrigger
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin/outrigger.mjs ./bin/outrigger.mjs
COPY --from=deps /app/dist ./dist
COPY deploy/docker/sidecar.config.mts /etc/outrigger/sidecar.config.mts
# The socket directory is shared with the PHP container (an emptyDir in Kubernetes).
RUN mkdir -p /run/outrigger && chown node:node /run/outrigger
USER node
EXPOSE 9464
VOLUME ["/run/outrigger"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight work (shutdown.graceMs); SIGHUP reloads the config.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/outrigger/bin/outrigger.mjs"]
CMD ["start", "--foreground", "--config", "/etc/outrigger/sidecar.config.mts"]
