#!/bin/sh
# Build ldid (ProcursusTeam/ldid, tested at c50e84e) for make bench's batched-ldid baseline and install it.
#   bench/build-ldid.sh SRC_DIR [PREFIX]      (PREFIX default /usr/local: installs PREFIX/bin/ldid)
# SRC_DIR is a checkout (or an extracted archive) of https://github.com/ProcursusTeam/ldid; no network.
# Needs g++, pkg-config, libplist-2.0 and libcrypto (Debian: g++ pkg-config libplist-dev libssl-dev).
# These are the steps of ldid's own Makefile (one translation unit, -std=c++11, -O2), spelled out so that
# neither git nor make is needed; the version string is fixed because an archive has no tags.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 SRC_DIR [PREFIX]" >&2; exit 2; }
src=$1
prefix=${2:-/usr/local}
[ -f "$src/ldid.cpp" ] || { echo "build-ldid: $src/ldid.cpp not found: pass a ProcursusTeam/ldid checkout" >&2; exit 1; }
for p in libplist-2.0 libcrypto; do
	pkg-config --exists $p || { echo "build-ldid: pkg-config finds no $p (Debian: apt-get install libplist-dev libssl-dev)" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck disable=SC2046 # pkg-config output is a list of flags
g++ -c -std=c++11 -O2 -pipe $(pkg-config --cflags libcrypto libplist-2.0) -I"$src" \
	-DLDID_VERSION='"2.1.5-procursus7"' "$src/ldid.cpp" -o "$out/ldid.o"
# shellcheck disable=SC2046
g++ -o "$out/ldid" "$out/ldid.o" $(pkg-config --libs libcrypto libplist-2.0)
install -d "$prefix/bin"
install -m755 "$out/ldid" "$prefix/bin/ldid"
echo "build-ldid: installed $prefix/bin/ldid"
