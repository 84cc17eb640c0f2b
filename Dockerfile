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
COPY scripts ./scripts
COPY docker/assemble.sh ./docker/
RUN sh docker/assemble.sh /opt

# tracefs is mounted with mount(2) when the node has not: no extra package.
FROM node:20-bookworm-slim
COPY --from=build /opt/exectrace /opt/exectrace
COPY --from=build /opt/exectrace-app /opt/exectrace-app
ENV NODE_ENV=production
ENTRYPOINT ["/opt/exectrace"]
