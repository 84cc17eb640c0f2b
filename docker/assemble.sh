#!/bin/sh
# Lays out exectrace as the container image holds it, under DEST:
#   DEST/exectrace        the entry point (the image's /opt/exectrace)
#   DEST/exectrace-app/   compiled JavaScript, production dependencies, the BPF object
# Run from the repository root after `npm ci`. The Dockerfile runs exactly
# this, so the tests can check the image's layout without a Docker engine.
set -eu
DEST=${1:?usage: docker/assemble.sh DEST}
APP="$DEST/exectrace-app"
npm run --silent build
rm -rf "$APP"
mkdir -p "$APP/bpf"
# The bundle (one file per entry point, loaded in one go: faster start-up).
mkdir -p "$APP/dist"
cp -R dist/bundle "$APP/dist/bundle"
cp package.json package-lock.json "$APP/"
cp bpf/exectrace.bpf.o "$APP/bpf/"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
cat > "$DEST/exectrace" <<'LAUNCH'
#!/bin/sh
# exectrace entry point: the sidecar's launcher, on the Node.js runtime of the
# image. Its #! line sets Node's flags (src/sidecar/launch.cjs): semi-spaces
# of 2 MiB keep the resident set small; the garbage collector on the main
# thread only, since beside a workload that keeps every core busy parallel
# scavenging waits for helper threads that get no CPU (measured under an exec
# storm: scavenges took half as long without them); NODE_EXTRA_CA_CERTS
# dropped, since the sidecar opens no TLS connection and Node would read that
# file before running any code (~40 ms of start-up for Debian's CA bundle).
here=$(dirname "$(readlink -f "$0")")
exec "$here/exectrace-app/dist/bundle/exectrace.cjs" "$@"
LAUNCH
chmod 755 "$DEST/exectrace"
