#!/bin/bash
# The mirror: every directory, file and symlink of SOURCE appears at the same
# path with the same type, mode, owner, size, times and content; symlinks
# are shown, never followed; .sig directories appear only beside Mach-O
# regular files. Also SOURCE given as a single file.
. "$(dirname "$0")/lib.sh"
require_fuse

# A tree with every kind of entry sigfs mirrors.
T=$WORK/tree
mkdir -p "$T/dir/sub/deeper" "$T/empty" "$T/dir with space"
printf 'hello\n' >"$T/plain.txt"
: >"$T/empty-file"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$T/dir/lib.dylib"
cp "$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node" "$T/dir/sub/deeper/x.node"
chmod 0751 "$T/dir/sub"
chmod 0640 "$T/plain.txt"
chmod 0444 "$T/dir/lib.dylib"
printf 'unicode\n' >"$T/dir with space/é ü.txt"
ln -s plain.txt "$T/rel-link"
ln -s /etc/passwd "$T/abs-link"
ln -s does-not-exist "$T/dangling"
ln -s dir "$T/dir-link"
ln -s ../../.. "$T/dir/up-link"
ln -s dir/lib.dylib "$T/macho-link" # a symlink to a Mach-O gets no .sig
ln -s loop "$T/loop"
ln "$T/plain.txt" "$T/hardlink.txt"
touch -h -d '2001-02-03 04:05:06.123456789' "$T/rel-link" "$T/dir/lib.dylib"
head -c 3 "$T/dir/lib.dylib" >"$T/short" # too short for a Mach-O

# entries(DIR): type, mode, owner, size, mtime (ns), link target, inode
# number and (but for directories, which count the .sig directories the
# mount adds: identity.sh) link count of everything outside .sig
# directories, one line per path, sorted.
entries() {
	(cd "$1" && find . -name '*.sig' -prune -o -printf '%P|%y|%m|%U:%G|%s|%T@|%l|%i|%n\n' |
		sed -E 's/^([^|]*\|d\|.*)\|[0-9]+$/\1|dir/' | LC_ALL=C sort)
}

check_mirror() {
	local src=$1 mnt=$2
	if diff -r --no-dereference -x '*.sig' "$src" "$mnt" >"$WORK/diff" 2>&1; then
		ok "diff -r $src"
	else
		fail "diff -r $src: $(head -20 "$WORK/diff")"
	fi
	# SOURCE's inode numbers (use_ino): hard links stay hard links.
	if diff <(entries "$src") <(entries "$mnt") >"$WORK/diff"; then
		ok "types, modes, owners, sizes, times, link targets, inode numbers of $src"
	else
		fail "attributes differ for $src: $(head -20 "$WORK/diff")"
	fi
}

M=$WORK/mnt
sigfs_mount "$M" "$T" || die "mount $T"
check_mirror "$T" "$M"
[ "$(readlink "$M/abs-link")" = /etc/passwd ] && ok "readlink" || fail "readlink abs-link"
[ -d "$M/dir/lib.dylib.sig" ] || fail "no lib.dylib.sig"
[ -d "$M/dir/sub/deeper/x.node.sig" ] || fail "no x.node.sig"
[ -e "$M/macho-link.sig" ] && fail "a symlink got a .sig"
[ -e "$M/plain.txt.sig" ] && fail "a text file got a .sig"
[ -e "$M/short.sig" ] && fail "a 3-byte file got a .sig"
[ -e "$M/dir.sig" ] && fail "a directory got a .sig"
got=$(cd "$M" && find . -name '*.sig' -prune -print | LC_ALL=C sort | tr '\n' ' ')
[ "$got" = "./dir/lib.dylib.sig ./dir/sub/deeper/x.node.sig " ] && ok ".sig only beside Mach-O files" ||
	fail ".sig directories: $got"
# ls -l of the parent shows the .sig entries too (readdir, not only lookup).
ls "$M/dir" | grep -qx 'lib.dylib.sig' || fail "readdir lacks lib.dylib.sig"
# Lookups of things that do not exist.
for p in nothing nothing.sig plain.txt.sig dir/lib.dylib.sig/nothing dir/lib.dylib.sig/status/x; do
	[ -e "$M/$p" ] && fail "$p exists"
done
sigfs_umount "$M"

# The real corpus: a bundle and the loose files.
for src in "$CORPUS/bundles/terminal-notifier.app" "$CORPUS/files"; do
	sigfs_mount "$M" "$src" || die "mount $src"
	check_mirror "$src" "$M"
	sigfs_umount "$M"
done

# SOURCE is one file: the root holds NAME and NAME.sig/ only.
F=$CORPUS/files/fsevents-universal/fsevents.node
sigfs_mount "$M" "$F" || die "mount $F"
[ "$(ls -A "$M" | tr '\n' ' ')" = "fsevents.node fsevents.node.sig " ] && ok "single file root" ||
	fail "single file root: $(ls -A "$M")"
cmp -s "$F" "$M/fsevents.node" && ok "single file content" || fail "single file content"
[ "$(stat -c '%a %s %Y' "$F")" = "$(stat -c '%a %s %Y' "$M/fsevents.node")" ] || fail "single file attributes"
[ -s "$M/fsevents.node.sig/status" ] || fail "single file .sig/status"
sigfs_umount "$M"

finish
