# ecs-gitops controller image.
# The build stage compiles TypeScript with dev dependencies; the runtime stage
# carries production dependencies only. Node 22 LTS: Node 20 is past its end
# of life, and the code stays compatible with Node 20 for development.
# test/packaging/ checks this file and performs its npm steps (no Docker needed).
#
# Both stages start from node:22-bookworm-slim pinned by digest, so a tag
# moved upstream (or a compromised mirror) cannot change what is built. The
# digest is a required build argument, not written here, because it must be
# read from the registry, not guessed; there is no default, so a build without
# it fails at FROM ("invalid reference format") instead of silently taking
# whatever the tag points to today. To get it, and to update it (when Node 22
# or Debian ship a fix):
#   docker buildx imagetools inspect node:22-bookworm-slim --format '{{.Manifest.Digest}}'
#   docker build --build-arg NODE_IMAGE_DIGEST=sha256:<that digest> -t ecs-gitops:0.1.0 .
# Record the digest you built with next to the image version you release.
ARG NODE_IMAGE_DIGEST
FROM node:22-bookworm-slim@${NODE_IMAGE_DIGEST} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# --ignore-scripts: no dependency's install script runs. The build needs tsc
# and esbuild (the browser UI), whose binary comes from its platform package
# (@esbuild/linux-x64, an optional dependency), not from its install script.
RUN npm ci --ignore-scripts
COPY src ./src
COPY schema ./schema
# The browser UI (docs/ui.md): its sources and build script; `npm run build`
# compiles the controller and bundles the UI into dist/ui/.
COPY ui ./ui
COPY scripts/build-ui.ts ./scripts/
RUN npm run build

FROM node:22-bookworm-slim@${NODE_IMAGE_DIGEST} AS runtime
LABEL org.opencontainers.image.title="ecs-gitops" \
      org.opencontainers.image.description="GitOps controller for Amazon ECS" \
      org.opencontainers.image.licenses="Apache-2.0"
# git fetches manifests; openssh-client for SSH remotes; tini is PID 1 and
# forwards signals, so SIGTERM drains the controller instead of killing it
# mid-apply, and git's child processes are reaped.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Settings are ECS_GITOPS_* variables (twins of the `run` flags), so an ECS
# task definition or `docker run -e` configures the controller without a
# command override. Listen on all interfaces inside the container for scraping.
ENV NODE_ENV=production \
    ECS_GITOPS_LISTEN=0.0.0.0:9400 \
    ECS_GITOPS_STATE_DIR=/var/lib/ecs-gitops
COPY package.json package-lock.json ./
# --ignore-scripts: no install script of a dependency runs in the image.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
# The state dir (open deploys, the notification journal: docs/notifications.md),
# owned by the unprivileged user before it takes over.
RUN mkdir -p /var/lib/ecs-gitops && chown node:node /var/lib/ecs-gitops && chmod 700 /var/lib/ecs-gitops
# The unprivileged user of the node image; Git work trees go to /tmp.
USER node
# The only places the controller writes. The CloudFormation template runs the
# image with a read-only root file system and mounts a task volume on each;
# declaring them makes Fargate seed those volumes from the image's directories
# (/tmp world-writable and sticky, the state dir the node user's), so the node
# user can write to them. The state dir lasts as long as the task; mount EFS
# there to keep it across task replacements (docs/deploy.md).
VOLUME ["/tmp", "/var/lib/ecs-gitops"]
EXPOSE 9400
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9400/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --single-threaded-gc: V8 collects on the main thread instead of starting
# helper threads per CPU it sees. The controller runs in small tasks (the
# CloudFormation template's is 0.5 vCPU), where helpers only compete with the
# main thread for the same share of a core; on the bench (2 vCPUs) the flag
# cut a 10,000-service resync from 7.5-7.8 to 6.5 CPU-s and the idle rate
# after a cold start from 1.9 to 0.4 CPU-s a minute (BENCHMARKS.md,
# section 4). The bench reads these flags from here.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--single-threaded-gc", "dist/cli/bin.js", "run"]
