#!/bin/bash
# bare-machine.sh [demo | test]: run the README's first command (./setup.sh
# demo; or the second, ./setup.sh test) from a clean clone of this
# repository's HEAD in a fresh minimal Debian made with debootstrap
# (--variant=minbase: no make, compiler or git inside), as a new user would.
# Root, network to the Debian mirror. Bounded: BARE_TIMEOUT seconds for the
# command (default 1200), debootstrap 600. Exit 0 pass, 77 skip, 1 fail.
#   DEBIAN_MIRROR (http://deb.debian.org/debian), DEBIAN_SUITE (bookworm)
#   BARE_KEEP=1 keeps the chroot (its path is printed) for debugging
set -uo pipefail
what=${1:-demo}
case $what in demo | test) ;; *) echo "usage: bare-machine.sh [demo | test]" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${DEBIAN_SUITE:-bookworm}
LIBFFI_CD=d2a44a005a3c1e6821d0c975c796aabda6f4ca18 # tests/corpus/expected/codex-libffi-dylib.json

[ "$(id -u)" -eq 0 ] || { echo "bare-machine: SKIP: needs root (debootstrap, chroot, bind mounts)"; exit 77; }
[ -e /dev/fuse ] || { echo "bare-machine: SKIP: no /dev/fuse"; exit 77; }
command -v git >/dev/null || { echo "bare-machine: needs git on the host (to clone)"; exit 1; }
if ! command -v debootstrap >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
		{ echo "bare-machine: cannot install debootstrap"; exit 1; }
fi

work=$(mktemp -d /var/tmp/sigfs-bare.XXXXXX) || exit 1
R=$work/root
# Unmount whatever is mounted below R (deepest first), and only then remove
# it: a bind mount of /dev still in place must never be deleted through.
cleanup() {
	local m left
	for _ in 1 2 3; do
		left=0
		while IFS= read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
			left=1
		done < <(awk -v r="$R/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
		[ $left -eq 0 ] && break
		sleep 1
	done
	if awk -v r="$R/" 'index($5, r) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		echo "bare-machine: still mounted below $R; not removing it" >&2
	elif [ "${BARE_KEEP:-0}" = 1 ]; then
		echo "bare-machine: kept $R"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

t0=$(date +%s)
echo "bare-machine: debootstrap --variant=minbase $SUITE from $MIRROR"
timeout 600 debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
	{ echo "bare-machine: debootstrap failed: $(tail -5 "$work/debootstrap.log")"; exit 1; }
git clone -q "$root" "$R/src" || { echo "bare-machine: git clone failed"; exit 1; }
echo "bare-machine: clean clone of $(git -C "$R/src" log -1 --format='%h %s' | cut -c1-72)"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount --bind /dev "$R/dev" && mount --bind /dev/pts "$R/dev/pts" && mount -t proc proc "$R/proc" &&
	mount -t sysfs sysfs "$R/sys" ||
	{ echo "bare-machine: cannot mount /dev, /dev/pts, /proc, /sys in the chroot"; exit 1; }
pkgs() { chroot "$R" dpkg-query -W -f '${db:Status-Abbrev} ${Installed-Size}\n' | awk '/^ii/ { n++; kb += $2 } END { printf "%d %d\n", n, kb / 1024 }'; }
read -r n0 mb0 < <(pkgs)
echo "bare-machine: minimal $SUITE: $n0 packages, $mb0 MB; in /src as root: ./setup.sh $what"
echo "----"
timeout "${BARE_TIMEOUT:-1200}" chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LANG=C.UTF-8 sh -c "cd /src && ./setup.sh $what" 2>&1 | tee "$work/transcript"
rc=${PIPESTATUS[0]}
echo "----"
read -r n1 mb1 < <(pkgs)
echo "bare-machine: ./setup.sh $what exited $rc after $(($(date +%s) - t0)) s (debootstrap included);" \
	"installed $((n1 - n0)) packages, $((mb1 - mb0)) MB"
[ "$rc" -eq 0 ] || { echo "bare-machine: FAIL: ./setup.sh $what exited $rc"; exit 1; }
if [ "$what" = demo ] && ! grep -qx "$LIBFFI_CD" "$work/transcript"; then
	echo "bare-machine: FAIL: the demo did not show libffi's cdhash $LIBFFI_CD"
	exit 1
fi
echo "bare-machine: passed"
