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
cp -R dist "$APP/dist"
rm -rf "$APP/dist/test" "$APP/dist/bench"
find "$APP/dist" -name '*.map' -delete
cp package.json package-lock.json "$APP/"
cp bpf/exectrace.bpf.o "$APP/bpf/"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
cat > "$DEST/exectrace" <<'LAUNCH'
#!/bin/sh
# exectrace entry point: the sidecar, on the Node.js runtime of the image.
here=$(dirname "$(readlink -f "$0")")
exec node "$here/exectrace-app/dist/src/sidecar/main.js" "$@"
LAUNCH
chmod 755 "$DEST/exectrace"
