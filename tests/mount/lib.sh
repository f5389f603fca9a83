#!/bin/bash
# Shared helpers of the mount tests (tests/mount/*.sh), sourced by each.
# After libfuse test/cases/lib/common.sh and squashfuse tests/lib.sh.in:
# mount for real in a temporary directory, wait for the mount with a bounded
# poll that also checks the daemon is alive, and always unmount in a trap.
#
# Each test exits 0 (pass), 77 (skip) or 1 (fail).
#   SIGFS=path SIGFS_EXPORT=path   binaries under test (default out/...)
#   SIGFS_WRAPPER="cmd args"        run the daemon under a wrapper command
#                                   (valgrind, ...); word-split, empty = none
#   SIGFS_MOUNT_TIMEOUT=seconds     how long to wait for the mount (default
#                                   10, or 120 with a wrapper: valgrind is slow)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "lib.sh: helpers for the other tests, nothing to run"
	exit 77
fi

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SIGFS=${SIGFS:-$ROOT/out/sigfs}
SIGFS_EXPORT=${SIGFS_EXPORT:-$ROOT/out/sigfs-export}
SIGFS_WRAPPER=${SIGFS_WRAPPER:-}
if [ -n "$SIGFS_WRAPPER" ]; then
	SIGFS_MOUNT_TIMEOUT=${SIGFS_MOUNT_TIMEOUT:-120}
else
	SIGFS_MOUNT_TIMEOUT=${SIGFS_MOUNT_TIMEOUT:-10}
fi
CORPUS=$ROOT/tests/corpus
TEST=$(basename "$0" .sh)
FAILED=0
MOUNTS=()     # mount points still mounted
declare -A PIDS # mount point -> daemon pid

skip() {
	echo "SKIP ($TEST): $*"
	cleanup
	exit 77
}

# Record a failure and go on; the test ends with `finish`.
fail() {
	echo "FAIL ($TEST): $*" >&2
	FAILED=1
}

die() {
	echo "FAIL ($TEST): $*" >&2
	cleanup
	exit 1
}

ok() {
	echo "ok: $*"
}

finish() {
	cleanup
	if [ "$FAILED" -ne 0 ]; then
		echo "$TEST: FAILED"
		exit 1
	fi
	echo "$TEST: passed"
	exit 0
}

fuse_umount() {
	case $(uname) in
	Darwin) umount "$1" ;;
	*) fusermount3 -u "$1" 2>/dev/null || fusermount -u "$1" ;;
	esac
}

is_mounted() {
	case $(uname) in
	Darwin) mount | grep -qF " on $1 (" ;;
	*) awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo ;;
	esac
}

require_fuse() {
	[ -x "$SIGFS" ] || skip "$SIGFS not built"
	[ -e /dev/fuse ] || skip "no /dev/fuse"
	if [ "$(uname)" != Darwin ]; then
		command -v fusermount3 >/dev/null || skip "no fusermount3"
	fi
}

require_export() {
	[ -x "$SIGFS_EXPORT" ] || skip "$SIGFS_EXPORT not built"
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (chown, other users)"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigfs-$TEST.XXXXXX") || exit 1
chmod 755 "$WORK" # other users (tests as nobody) must reach the mount points

cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do
		if is_mounted "$m"; then
			fuse_umount "$m" || { sleep 1; fuse_umount "$m"; } ||
				{ [ "$(uname)" != Darwin ] && fusermount3 -uz "$m"; }
		fi
		if [ -n "${PIDS[$m]:-}" ]; then
			kill "${PIDS[$m]}" 2>/dev/null
			wait "${PIDS[$m]}" 2>/dev/null
		fi
	done
	MOUNTS=()
	# Only remove WORK when nothing is mounted below it any more.
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		if ! awk -v w="$WORK/" 'index($5, w) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo 2>/dev/null; then
			chmod -R u+w "$WORK" 2>/dev/null
			rm -rf "$WORK"
		fi
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# sigfs_mount MOUNTPOINT [sigfs options...] SOURCE
# Starts sigfs in the foreground (so its exit status can be checked) and
# waits up to SIGFS_MOUNT_TIMEOUT s for the mount, checking the daemon stays
# alive. With SIGFS_WRAPPER the daemon runs as `$SIGFS_WRAPPER $SIGFS ...`
# (the wrapper must exec it in the same process, as valgrind does).
sigfs_mount() {
	local mnt=$1
	shift
	local src=${!#}
	local opts=("${@:1:$#-1}")
	mkdir -p "$mnt"
	local wrapper=()
	[ -n "$SIGFS_WRAPPER" ] && read -r -a wrapper <<<"${SIGFS_WRAPPER//$'\n'/ }"
	"${wrapper[@]}" "$SIGFS" -f "${opts[@]}" "$src" "$mnt" 2>>"$WORK/sigfs.stderr" &
	local pid=$!
	local i
	for i in $(seq $((SIGFS_MOUNT_TIMEOUT * 10))); do
		if is_mounted "$mnt"; then
			MOUNTS+=("$mnt")
			PIDS[$mnt]=$pid
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			echo "sigfs exited with $? before mounting: $(cat "$WORK/sigfs.stderr")" >&2
			return 1
		fi
		sleep 0.1
	done
	kill "$pid"
	wait "$pid"
	echo "sigfs did not mount $mnt within $SIGFS_MOUNT_TIMEOUT s" >&2
	return 1
}

# sigfs_umount MOUNTPOINT: unmount and check the daemon exited with 0.
sigfs_umount() {
	local mnt=$1 pid=${PIDS[$1]:-} rc
	fuse_umount "$mnt" || { fail "unmount $mnt"; return 1; }
	local m rest=()
	for m in "${MOUNTS[@]}"; do [ "$m" = "$mnt" ] || rest+=("$m"); done
	MOUNTS=("${rest[@]}")
	[ -n "$pid" ] || return 0
	wait "$pid"
	rc=$?
	unset "PIDS[$mnt]"
	if [ "$rc" -ne 0 ]; then
		fail "sigfs for $mnt exited with $rc: $(cat "$WORK/sigfs.stderr")"
		return 1
	fi
	return 0
}

# daemon_alive MOUNTPOINT
daemon_alive() {
	kill -0 "${PIDS[$1]}" 2>/dev/null && is_mounted "$1"
}

# Every .sig directory (relative paths) below DIR, sorted.
sig_dirs() {
	(cd "$1" && find . -name "${2:-*.sig}" -type d -prune -print | LC_ALL=C sort)
}

# Compare the .sig trees below two directories: the same set of .sig
# directories and the same content in each (diff -r).
diff_sig_trees() {
	local a=$1 b=$2 d rc=0
	if ! diff <(sig_dirs "$a") <(sig_dirs "$b") >"$WORK/sigdirs.diff"; then
		fail "different .sig directories in $a and $b: $(cat "$WORK/sigdirs.diff")"
		return 1
	fi
	while IFS= read -r d; do
		if ! diff -r "$a/$d" "$b/$d" >"$WORK/sig.diff" 2>&1; then
			fail "$d differs: $(head -20 "$WORK/sig.diff")"
			rc=1
		fi
	done < <(sig_dirs "$a")
	return $rc
}
