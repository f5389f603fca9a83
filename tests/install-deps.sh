#!/bin/sh
# Install what sigfs needs to build and test, on Debian/Ubuntu, if missing.
# Used by `make deps` (and so by `make demo`) and by .ci/run. Idempotent.
set -eu
PKGS="make gcc clang pkg-config libssl-dev openssl libplist-dev libjansson-dev libcmocka-dev
libutf8proc-dev libfuse3-dev fuse3 clang-14 lld-14 llvm-14 libclang-rt-14-dev python3 attr valgrind"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: not a Debian system; please install:$missing" >&2
	exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
