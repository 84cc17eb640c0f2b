#!/usr/bin/env bash
# Compiles exectrace's BPF program with Debian's clang-19. The object is
# committed, so users need no compiler; CI rebuilds it and fails when the
# committed object differs (see .ci/run). Deterministic: no absolute paths
# (debug info is stripped; BTF keeps only what CO-RE and the verifier need).
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
STRIP=${STRIP:-llvm-strip-19}
command -v "$CLANG" >/dev/null || { echo "build:bpf needs $CLANG (apt-get install clang-19 llvm-19 libbpf-dev)" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build:bpf needs libbpf-dev's headers (apt-get install libbpf-dev)" >&2; exit 1; }
out=${1:-exectrace.bpf.o}
"$CLANG" -target bpf -O2 -g -mcpu=v3 -Wall -Werror -I . -fdebug-prefix-map="$PWD"=. -fno-ident -c exectrace.bpf.c -o "$out"
"$STRIP" -g "$out"
