#!/bin/sh
# setup.sh demo | test — the README's first two commands, for a bare
# Debian/Ubuntu (POSIX sh only: no make, compiler or git assumed; root, or a
# user with sudo).
#   demo  install what building and running needs, build out/sigfs and
#         out/sigfs-export, mount real signed samples, show some of their
#         .sig/ files, unmount
#   test  install what testing needs too, build, run `make check`
set -eu
cd "$(dirname "$0")"
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
case ${1:-} in
demo)
	sh tests/install-deps.sh --run
	echo "setup: building out/sigfs and out/sigfs-export"
	make -s -j"$jobs" all
	exec bash mountscripts/demo.sh
	;;
test)
	sh tests/install-deps.sh --test
	echo "setup: building out/sigfs and out/sigfs-export"
	make -s -j"$jobs" all
	exec make check
	;;
*)
	echo "usage: ./setup.sh demo | test   (demo: build and show sigfs; test: build and run the tests)" >&2
	exit 2
	;;
esac
