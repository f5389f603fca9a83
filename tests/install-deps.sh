#!/bin/sh
# install-deps.sh [--run | --test]: install what is missing on Debian/Ubuntu.
#   --run   what building and running sigfs needs (the compiler, make,
#           pkg-config, the -dev packages of its libraries, fuse3)
#   --test  that plus the test toolchain (clang/lld/llvm 14 for the synthetic
#           fixtures, cmocka, python3, valgrind, attr, openssl, jq) — the default
# Used by setup.sh, `make deps` (--test), `make demo` (--run) and .ci/run.
# Idempotent; needs root (or sudo) only when something is missing.
set -eu
RUN_PKGS="make gcc libc6-dev pkg-config libssl-dev libplist-dev libjansson-dev libutf8proc-dev libfuse3-dev fuse3"
TEST_PKGS="$RUN_PKGS clang clang-14 lld-14 llvm-14 libclang-rt-14-dev libcmocka-dev openssl python3 attr valgrind jq"
case ${1:---test} in
--run) PKGS=$RUN_PKGS ;;
--test) PKGS=$TEST_PKGS ;;
*)
	echo "usage: install-deps.sh [--run | --test]" >&2
	exit 2
	;;
esac
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: not a Debian system; install these (or your system's equivalents):$missing" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: installing packages needs root: run this as root (or install sudo); missing:$missing" >&2
		exit 1
	fi
	SUDO="sudo"
fi
echo "install-deps: installing:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
