# exectrace sidecar image: /opt/exectrace is the entry point.
#   docker build -t exectrace .
# The build stage compiles TypeScript; the final stage has Node.js, the
# compiled JavaScript, production dependencies and the committed BPF object
# (no compiler: bpf/exectrace.bpf.o is built and committed in the repo).
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bpf/exectrace.bpf.o ./bpf/
COPY docker/assemble.sh ./docker/
RUN sh docker/assemble.sh /opt

FROM node:20-bookworm-slim
# mount: to mount tracefs when the node has not (see README, Requirements).
RUN apt-get update && apt-get install -y --no-install-recommends mount && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/exectrace /opt/exectrace
COPY --from=build /opt/exectrace-app /opt/exectrace-app
ENV NODE_ENV=production
ENTRYPOINT ["/opt/exectrace"]
