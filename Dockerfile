# ecs-gitops controller image.
#
#   docker build -t ecs-gitops .
#   docker run --rm -p 8080:8080 -e ECS_GITOPS_EMBEDDED_AWS=true -e ECS_GITOPS_REPO=examples ecs-gitops
#     (a demo on the embedded AWS simulator; deploy/README.md runs it on ECS for real)
#
# Two stages: `build` compiles TypeScript with the dev dependencies; `runtime` holds the
# production dependencies from the lock file, the compiled dist/ and the CRD schemas the
# loader reads at run time — nothing else. test/deploy/image.test.ts replays the runtime
# stage's install steps outside Docker and starts the CLI from the result.
#
# Configuration is by ECS_GITOPS_* environment variables (every `run` flag has one);
# ECS_GITOPS_API_TOKEN and ECS_GITOPS_WEBHOOK_SECRET come only from the environment.

ARG NODE_IMAGE=node:22-bookworm-slim

# ------------------------------------------------------------------ build
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` script builds, and src/ is not here yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ------------------------------------------------------------------ runtime
FROM ${NODE_IMAGE} AS runtime
# git: the built-in poller (ECS_GITOPS_GIT_URL) and the revision of a git-sync checkout.
# tini: PID 1 that forwards SIGTERM to node and reaps git's child processes.
# safe.directory: a git-sync sidecar may write the shared checkout as another user.
# /git: where a git-sync sidecar's checkout is mounted (deploy/cloudformation.yaml); the
# VOLUME line makes ECS create that task volume owned by `node` instead of root.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*' \
 && install -d -o node -g node /var/lib/ecs-gitops /git
WORKDIR /app
# JSON logs even under `docker run -t`: production logs go to CloudWatch, never a terminal.
ENV NODE_ENV=production \
    ECS_GITOPS_LOG_FORMAT=json \
    ECS_GITOPS_LISTEN=0.0.0.0:8080 \
    ECS_GITOPS_REPO=/var/lib/ecs-gitops/checkout
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no lifecycle scripts (`prepare` would build).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY crds ./crds
COPY examples ./examples
USER node
VOLUME ["/git"]
EXPOSE 8080
# For `docker run`; ECS uses the task definition's healthCheck (the same command).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/cli.js", "run"]
