#!/bin/bash
# Mount options: -o arch=, -o sigsuffix=, -o sigonly, -o cache=, fstab
# noise; a real NAME.sig wins over the virtual one; bad command lines fail
# with one line on stderr and exit 1.
. "$(dirname "$0")/lib.sh"
require_fuse

# From tests/corpus/expected/fsevents-universal.json (an independent parser):
# slices x86_64 (unsigned) then arm64 (adhoc, linker-signed).
FSE_ARM64_CDHASH=8c4bc119d234ef99eb186d1f92dc1882732fda60
FSE=$CORPUS/files/fsevents-universal
M=$WORK/mnt

# -o arch=: which slice the top-level files describe.
sigfs_mount "$M" "$FSE" || die "mount"
[ "$(cat "$M/fsevents.node.sig/archs")" = "$(printf 'x86_64\narm64')" ] || fail "archs"
[ "$(cat "$M/fsevents.node.sig/status")" = adhoc ] || fail "default slice status: $(cat "$M/fsevents.node.sig/status")"
[ "$(cat "$M/fsevents.node.sig/cdhash")" = $FSE_ARM64_CDHASH ] || fail "default slice cdhash"
[ "$(cat "$M/fsevents.node.sig/x86_64/status")" = unsigned ] || fail "x86_64/status"
[ "$(cat "$M/fsevents.node.sig/arm64/cdhash")" = $FSE_ARM64_CDHASH ] || fail "arm64/cdhash"
sigfs_umount "$M"

sigfs_mount "$M" -o arch=x86_64 "$FSE" || die "mount -o arch=x86_64"
[ "$(cat "$M/fsevents.node.sig/status")" = unsigned ] || fail "arch=x86_64 status: $(cat "$M/fsevents.node.sig/status")"
[ -e "$M/fsevents.node.sig/cdhash" ] && fail "arch=x86_64: cdhash of an unsigned slice"
[ "$(cat "$M/fsevents.node.sig/arm64/cdhash")" = $FSE_ARM64_CDHASH ] || fail "arch=x86_64: arm64/cdhash"
[ "$(cat "$M/fsevents.node.sig/archs")" = "$(printf 'x86_64\narm64')" ] || fail "arch=x86_64: archs"
sigfs_umount "$M"
ok "-o arch"

# -o sigsuffix=.cs: the same trees under another name.
sigfs_mount "$M" "$CORPUS/files" || die "mount"
sigfs_mount "$WORK/cs" -o sigsuffix=.cs "$CORPUS/files" || die "mount -o sigsuffix=.cs"
[ -d "$WORK/cs/fsevents-universal/fsevents.node.cs" ] || fail "no fsevents.node.cs"
[ -e "$WORK/cs/fsevents-universal/fsevents.node.sig" ] && fail "sigsuffix=.cs still shows .sig"
for d in fsevents-universal/fsevents.node codex-libffi-dylib/libffi.8.dylib sharp-node-arm64/sharp-darwin-arm64.node; do
	diff -r "$M/$d.sig" "$WORK/cs/$d.cs" >/dev/null || fail "$d.cs differs from $d.sig"
done
sigfs_umount "$WORK/cs"
ok "-o sigsuffix"

# -o sigonly: directories and .sig trees only; content unchanged.
sigfs_mount "$WORK/only" -o sigonly "$CORPUS/files" || die "mount -o sigonly"
got=$(cd "$WORK/only" && find . -name '*.sig' -prune -o -print | LC_ALL=C sort | tr '\n' ' ')
want=$(cd "$CORPUS/files" && find . -type d | LC_ALL=C sort | tr '\n' ' ')
[ "$got" = "$want" ] || fail "sigonly shows: $got"
diff_sig_trees "$M" "$WORK/only" && ok "-o sigonly"
[ -e "$WORK/only/fsevents-universal/fsevents.node" ] && fail "sigonly: the file itself is visible"
sigfs_umount "$WORK/only"
sigfs_umount "$M"

# A real NAME.sig in SOURCE wins (file or directory).
S=$WORK/src
mkdir -p "$S/realdir.sig"
cp "$FSE/fsevents.node" "$S/a.node"
cp "$FSE/fsevents.node" "$S/b.node"
cp "$FSE/fsevents.node" "$S/realdir"
printf 'mine\n' >"$S/a.node.sig"
printf 'inside\n' >"$S/realdir.sig/x"
sigfs_mount "$M" "$S" || die "mount $S"
[ -f "$M/a.node.sig" ] && [ "$(cat "$M/a.node.sig")" = mine ] || fail "real file a.node.sig lost"
[ "$(ls "$M/realdir.sig")" = x ] || fail "real dir realdir.sig lost: $(ls "$M/realdir.sig")"
[ -d "$M/b.node.sig" ] || fail "b.node.sig missing"
[ "$(ls -a "$M" | grep -c '^a.node.sig$')" = 1 ] || fail "a.node.sig listed twice"
[ "$(ls -a "$M" | grep -c '^realdir.sig$')" = 1 ] || fail "realdir.sig listed twice"
sigfs_umount "$M"
ok "a real .sig wins"

# fstab noise is accepted and dropped; standard FUSE options pass through.
sigfs_mount "$M" -o _netdev,noauto,nofail,user,users,auto,defaults,x-systemd.automount,x-systemd.idle-timeout=30 \
	-o default_permissions -s "$FSE" || fail "fstab noise refused: $(tail -1 "$WORK/sigfs.stderr")"
is_mounted "$M" && { [ -d "$M/fsevents.node.sig" ] || fail "fstab mount"; sigfs_umount "$M"; }
for mode in never auto always; do
	sigfs_mount "$M" -o cache=$mode,cache_mb=1 "$FSE" || { fail "cache=$mode"; continue; }
	[ "$(cat "$M/fsevents.node.sig/cdhash")" = $FSE_ARM64_CDHASH ] || fail "cache=$mode cdhash"
	sigfs_umount "$M"
done
sigfs_mount "$M" -o cache_mb=0 "$FSE" || fail "cache_mb=0"
is_mounted "$M" && { [ "$(cat "$M/fsevents.node.sig/cdhash")" = $FSE_ARM64_CDHASH ] || fail "cache_mb=0"; sigfs_umount "$M"; }
ok "fstab noise, cache modes"

# Bad command lines: exit 1, exactly one line on stderr, nothing mounted.
mkdir -p "$WORK/m2" "$WORK/notempty-ok"
touch "$WORK/plainfile"
bad() { # WANT-SUBSTRING ARGS...
	local want=$1 out rc
	shift
	out=$("$SIGFS" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! grep -qF -- "$want" <<<"$out"; then
		fail "sigfs $*: exit $rc, '$out' (want 1 line with '$want')"
	fi
	is_mounted "$WORK/m2" && { fail "sigfs $* mounted"; fuse_umount "$WORK/m2"; }
}
bad "sigfs: SOURCE '$WORK/nope': No such file or directory" "$WORK/nope" "$WORK/m2"
bad "sigfs: MOUNTPOINT '$WORK/nope': No such file or directory" "$FSE" "$WORK/nope"
bad "Not a directory" "$FSE" "$WORK/plainfile"
bad "missing SOURCE" -f
bad "missing MOUNTPOINT" "$FSE"
bad "unexpected argument" "$FSE" "$WORK/m2" extra
bad "cache" -o cache=sometimes "$FSE" "$WORK/m2"
bad "cache_mb" -o cache_mb=lots "$FSE" "$WORK/m2"
bad "sigsuffix" -o sigsuffix=a/b "$FSE" "$WORK/m2"
bad "inside SOURCE" "$WORK" "$WORK/m2"
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$WORK/m2" && mkdir -p "$WORK/locked" && chmod 000 "$WORK/locked"
	bad "Permission denied" "$WORK/locked" "$WORK/m2"
fi
# MOUNTPOINT busy: already a mount point.
sigfs_mount "$M" "$FSE" || die "mount"
bad "MOUNTPOINT '$M': Device or resource busy" "$FSE" "$M"
sigfs_umount "$M"
ok "bad command lines"

# --help and --version: exit 0 on stdout.
"$SIGFS" --help | grep -q 'sigonly' || fail "--help lacks sigonly"
"$SIGFS" --help | grep -q 'allow_other' || fail "--help lacks the FUSE options"
"$SIGFS" --version | grep -q '^sigfs version [0-9]' || fail "--version"
"$SIGFS" -V >/dev/null || fail "-V"
finish
