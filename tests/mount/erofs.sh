#!/bin/bash
# Read-only: every modifying call fails with EROFS, on mirrored and virtual
# entries alike. Run twice: as mounted by default (the kernel refuses, "ro")
# and with -o rw, where sigfs's own handlers must refuse.
. "$(dirname "$0")/lib.sh"
require_fuse
command -v setfattr >/dev/null || echo "note: no setfattr (apt-get install attr); xattr calls not checked"

S=$WORK/src
mkdir -p "$S/dir"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$S/lib.dylib"
cp "$CORPUS/files/fsevents-universal/fsevents.node" "$S/fat.node"
printf 'text\n' >"$S/dir/file.txt"
ln -s lib.dylib "$S/link"
cp -a "$S" "$WORK/before"

# expect_erofs DESCRIPTION COMMAND...: the command fails, saying EROFS.
expect_erofs() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "$what: succeeded"
	elif ! grep -q 'Read-only file system' <<<"$out"; then
		fail "$what: not EROFS: $out"
	fi
}

check_all() {
	local M=$1 p
	# The virtual entries must exist, or the checks below mean nothing.
	[ -f "$M/lib.dylib.sig/status" ] || { fail "no lib.dylib.sig/status"; return; }
	for p in lib.dylib dir/file.txt lib.dylib.sig/status lib.dylib.sig/cdhash; do
		expect_erofs "write $p" sh -c "echo x >>'$M/$p'"
		expect_erofs "truncate $p" truncate -s 0 "$M/$p"
		expect_erofs "touch $p" touch "$M/$p"
		expect_erofs "chmod $p" chmod 777 "$M/$p"
		expect_erofs "chown $p" chown 1:1 "$M/$p"
		expect_erofs "rm $p" rm -f "$M/$p"
		expect_erofs "mv $p" mv "$M/$p" "$M/$p.moved"
		expect_erofs "ln $p" ln "$M/$p" "$M/$p.hard"
		expect_erofs "ln -s in dir of $p" ln -s x "$M/$p.sym"
		if command -v setfattr >/dev/null; then
			expect_erofs "setfattr $p" setfattr -n user.x -v 1 "$M/$p"
			expect_erofs "setfattr -x $p" setfattr -x user.x "$M/$p"
		fi
	done
	for p in dir lib.dylib.sig fat.node.sig/arm64; do
		expect_erofs "mkdir in $p" mkdir "$M/$p/new"
		expect_erofs "create in $p" touch "$M/$p/new-file"
		expect_erofs "rmdir $p" rmdir "$M/$p"
		expect_erofs "mv $p" mv "$M/$p" "$M/renamed"
		expect_erofs "chmod $p" chmod 700 "$M/$p"
	done
	expect_erofs "mknod" mkfifo "$M/fifo"
	expect_erofs "rm symlink" rm -f "$M/link"
	expect_erofs "touch -h symlink" touch -h "$M/link"
	# open for writing without changing anything (O_WRONLY, O_RDWR)
	expect_erofs "open O_WRONLY" sh -c "exec 3>>'$M/lib.dylib'"
	expect_erofs "open O_RDWR" sh -c "exec 3<>'$M/lib.dylib.sig/status'"
}

M=$WORK/mnt
sigfs_mount "$M" "$S" || die "mount"
check_all "$M"
grep -q "$M fuse.sigfs ro," /proc/mounts 2>/dev/null || fail "not mounted ro: $(grep "$M" /proc/mounts)"
sigfs_umount "$M"

sigfs_mount "$M" -o rw "$S" || die "mount -o rw"
check_all "$M"
sigfs_umount "$M"

diff -r --no-dereference "$WORK/before" "$S" >/dev/null && ok "SOURCE unchanged" || fail "SOURCE changed"
[ "$FAILED" -eq 0 ] && ok "every modifying call gave EROFS"
finish
