# ecs-gitops controller image.
# Build stage compiles TypeScript with dev dependencies; the runtime stage
# carries production dependencies only. Node 22 LTS: Node 20 is past its end
# of life, and the code stays compatible with Node 20 for development.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci
COPY src ./src
COPY schema ./schema
RUN npm run build

FROM node:22-bookworm-slim AS runtime
# git fetches manifests; openssh-client for SSH remotes; tini forwards signals
# so SIGTERM drains the controller instead of killing it mid-apply.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
USER node
EXPOSE 9400
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9400/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/cli/bin.js", "run"]
CMD ["--listen", "0.0.0.0:9400"]
