#!/bin/bash
# Input that cannot hold what the user expects says so, in one line (issue
# 12): an archive or disk image as SOURCE is refused with its format and how
# to unpack it; -o arch= naming a slice a single-file SOURCE lacks is an
# error listing the slices it has (from the corpus expectations); a SOURCE
# with no Mach-O gets a note; a Mach-O the mounting user cannot read gets a
# note instead of silence; --help lists -h and -V once.
. "$(dirname "$0")/lib.sh"
require_fuse

M=$WORK/mnt
mkdir -p "$M" "$WORK/txt"
echo hello >"$WORK/txt/a.txt"
(cd "$WORK" && zip -q x.zip txt/a.txt 2>/dev/null) || printf 'PK\003\004rest' >"$WORK/x.zip"
tar czf "$WORK/x.tar.gz" -C "$WORK" txt
printf 'xar!\000\034' >"$WORK/x.pkg"
{ head -c 4096 /dev/zero; printf 'koly\000\000\000\004'; head -c 504 /dev/zero; } >"$WORK/x.dmg"

expect_refused() { # FILE FORMAT-WORDS
	local out
	if out=$("$SIGFS" "$1" "$M" 2>&1); then
		fail "$1 mounted"
		fuse_umount "$M"
	elif [ "$(wc -l <<<"$out")" != 1 ] || ! grep -q "$2" <<<"$out" || ! grep -q 'unpack it first' <<<"$out"; then
		fail "$1: $out"
	fi
}
expect_refused "$WORK/x.zip" "a zip archive"
expect_refused "$WORK/x.tar.gz" "gzip-compressed"
expect_refused "$WORK/x.pkg" "xar archive"
expect_refused "$WORK/x.dmg" "a disk image"
ok "archives and disk images refused with their format"

# -o arch=ppc on a universal file: its slices are x86_64 and arm64
# (tests/corpus/expected/fsevents-universal.json).
FSEV=$CORPUS/files/fsevents-universal/fsevents.node
out=$("$SIGFS" -o arch=ppc "$FSEV" "$M" 2>&1) && { fail "arch=ppc mounted"; fuse_umount "$M"; }
[ "$out" = "sigfs: option arch=ppc: '$FSEV' has no such slice; its slices: x86_64 arm64" ] || fail "arch=ppc: $out"
ok "-o arch= naming a missing slice"

# No Mach-O anywhere: a note, and the mount still works; an archive inside
# is named.
sigfs_mount "$M" "$WORK/txt" || die "mount txt"
sigfs_umount "$M"
grep -q "note: no Mach-O file in SOURCE '$WORK/txt': no .sig directories will appear" "$WORK/sigfs.stderr" ||
	fail "no note for a SOURCE without Mach-O: $(cat "$WORK/sigfs.stderr")"
cp "$WORK/x.zip" "$WORK/txt/"
sigfs_mount "$M" "$WORK/txt" || die "mount txt"
sigfs_umount "$M"
grep -q "note: no Mach-O file in SOURCE '$WORK/txt', but 'x.zip' is a zip archive: unpack it first" "$WORK/sigfs.stderr" ||
	fail "no note naming the archive: $(cat "$WORK/sigfs.stderr")"
ok "note for a SOURCE without Mach-O"

# A Mach-O the mounting user cannot read: a note, not silence. The daemon
# runs as root without the capabilities that read others' files.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	S=$WORK/unreadable
	mkdir -p "$S"
	cp "$FSEV" "$S/secret.node"
	chown nobody "$S/secret.node"
	chmod 600 "$S/secret.node"
	M2=$WORK/mnt2
	SIGFS_WRAPPER="setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-dac_override,-dac_read_search" \
		sigfs_mount "$M2" "$S" || die "mount without DAC capabilities"
	ls "$M2" >/dev/null
	[ -e "$M2/secret.node.sig" ] && fail "an unreadable file got a .sig"
	sigfs_umount "$M2"
	grep -q "note: cannot read 'secret.node' (Permission denied)" "$WORK/sigfs.stderr" ||
		fail "no note for an unreadable file: $(cat "$WORK/sigfs.stderr")"
	[ "$(grep -c "cannot read" "$WORK/sigfs.stderr")" = 1 ] || fail "notes: $(cat "$WORK/sigfs.stderr")"
	grep -q "no Mach-O file in SOURCE '$S'" "$WORK/sigfs.stderr" && fail "'no Mach-O' for an unreadable one"
	ok "note for a file the mounting user cannot read"
fi

# --help: -h and -V once each.
"$SIGFS" --help >"$WORK/help" 2>&1
[ "$(grep -cE '^ +-h[, ]' "$WORK/help")" = 1 ] && [ "$(grep -cE '^ +-V[, ]' "$WORK/help")" = 1 ] || fail "--help lists -h/-V: $(grep -E '^ +-[hV]' "$WORK/help")"
ok "--help"
finish
