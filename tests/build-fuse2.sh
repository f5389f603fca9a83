#!/bin/sh
# Build the mount against the libfuse 2.9 API (what macFUSE / FUSE-T offer),
# using Debian's libfuse-dev, in a separate output directory.
set -eu
if ! dpkg -s libfuse-dev >/dev/null 2>&1; then
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libfuse-dev >/dev/null
fi
make -j2 OUT=out-fuse2 FUSE_API=2 out-fuse2/sigfs
./out-fuse2/sigfs --version
