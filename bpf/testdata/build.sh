#!/bin/sh
# Builds the test objects of bpf/testdata into test/fixtures/bpf, which are
# committed: the tests load exactly these bytes. Run from the repository root:
#   sh bpf/testdata/build.sh
# The output is deterministic (no absolute paths: -fdebug-prefix-map), so a
# rebuild with the same clang gives the same bytes.
set -eu
CLANG=${CLANG:-clang-19}
cd "$(dirname "$0")/../.."
mkdir -p test/fixtures/bpf
for src in bpf/testdata/*.c; do
	name=$(basename "$src" .c)
	"$CLANG" -target bpf -O2 -g -mcpu=v3 -fdebug-prefix-map="$PWD"=. \
		-I bpf/testdata -c "$src" -o "test/fixtures/bpf/$name.o"
	echo "test/fixtures/bpf/$name.o"
done
