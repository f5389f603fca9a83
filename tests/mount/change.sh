#!/bin/bash
# SOURCE changing while mounted (a rebuild): after the attribute timeout
# (1 s by default) the mount follows: a rewritten or replaced binary shows
# its new signature, a deleted one's .sig is gone (ENOENT), a new one gets a
# .sig; an open virtual file keeps the bytes it was opened with; nothing
# crashes.
. "$(dirname "$0")/lib.sh"
require_fuse

# cdhashes from tests/corpus/expected/*.json (an independent parser):
SHARP=f855800aae562fa9848ddb36b7f4eeb0d7086740  # sharp-node-arm64
LIBFFI=d2a44a005a3c1e6821d0c975c796aabda6f4ca18 # codex-libffi-dylib
FSEV=8c4bc119d234ef99eb186d1f92dc1882732fda60   # fsevents-universal (arm64)
SHARP_F=$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node
LIBFFI_F=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib
FSEV_F=$CORPUS/files/fsevents-universal/fsevents.node

S=$WORK/src
mkdir -p "$S/sub"
cp "$FSEV_F" "$S/inplace.node"  # rewritten in place (same inode)
cp "$FSEV_F" "$S/renamed.node"  # replaced by rename (new inode)
cp "$LIBFFI_F" "$S/sub/gone.dylib" # deleted
cp "$FSEV_F" "$S/turns-text"    # becomes a text file
cp "$FSEV_F" "$S/shrinks.node"  # truncated while open in the mount
cp "$LIBFFI_F" "$S/swap.node"   # replaced by rename while a reader holds its .sig file open

M=$WORK/mnt
sigfs_mount "$M" "$S" || die "mount"
cdhash() { cat "$M/$1.sig/cdhash" 2>/dev/null; }
for f in inplace.node renamed.node turns-text; do
	[ "$(cdhash $f)" = $FSEV ] || fail "$f before: $(cdhash $f)"
done
[ "$(cdhash sub/gone.dylib)" = $LIBFFI ] || fail "gone.dylib before"
[ -e "$M/sub/new.node.sig" ] && fail "new.node.sig before it exists"
exec 3<"$M/inplace.node.sig/info.txt" # held open across the change
before_info=$(cat "$M/inplace.node.sig/info.txt")
exec 4<"$M/shrinks.node"

sleep 0.2
cp "$SHARP_F" "$S/inplace.node"
cp "$SHARP_F" "$S/.tmp" && mv "$S/.tmp" "$S/renamed.node"
rm "$S/sub/gone.dylib"
cp "$LIBFFI_F" "$S/sub/new.node"
printf 'now text\n' >"$S/turns-text"
: >"$S/shrinks.node"
sleep 1.6 # attr/entry/negative timeouts are 1 s

[ "$(cdhash inplace.node)" = $SHARP ] || fail "inplace.node after: $(cdhash inplace.node)"
[ "$(cdhash renamed.node)" = $SHARP ] || fail "renamed.node after: $(cdhash renamed.node)"
[ "$(cdhash sub/new.node)" = $LIBFFI ] || fail "new.node after: $(cdhash sub/new.node)"
ls "$M/sub" | grep -qx new.node.sig || fail "readdir lacks new.node.sig"
for p in sub/gone.dylib sub/gone.dylib.sig sub/gone.dylib.sig/cdhash turns-text.sig; do
	if out=$(stat "$M/$p" 2>&1); then
		fail "$p still there"
	elif ! grep -q 'No such file or directory' <<<"$out"; then
		fail "$p: $out (want ENOENT)"
	fi
done
ls "$M/sub" | grep -q gone && fail "readdir still lists gone.dylib"
[ "$(cat "$M/turns-text")" = "now text" ] || fail "turns-text content"
# The descriptor opened before the change reads the old version whole.
[ "$(cat <&3)" = "$before_info" ] || fail "open .sig file changed under its reader"
exec 3<&-
# Reading the mirrored file that shrank: EOF early (as on SOURCE), no crash.
head -c 100 <&4 >/dev/null
exec 4<&-
[ "$(stat -c %s "$M/shrinks.node")" = 0 ] || fail "shrunk size"
daemon_alive "$M" || fail "sigfs died"

# A reader's fstat answers the version it has open (Linux sends fstat as a
# path GETATTR without the handle), while another process sees the new one:
# tar and rsync read exactly st_size bytes.
python3 - "$M/swap.node.sig/info.txt" "$S" "$SHARP_F" <<'PY' || fail "fstat of an open .sig file across a rebuild"
import os, shutil, subprocess, sys, time
path, src, new = sys.argv[1:]
fd = os.open(path, os.O_RDONLY)
old_size = os.fstat(fd).st_size
shutil.copy(new, src + "/.swap"); os.rename(src + "/.swap", src + "/swap.node")
time.sleep(1.6)  # past the attribute timeout
assert os.fstat(fd).st_size == old_size, (os.fstat(fd).st_size, old_size)
data = os.read(fd, 1 << 20)
assert len(data) == old_size, (len(data), old_size)
other = int(subprocess.run(["stat", "-c", "%s", path], capture_output=True, text=True).stdout)
body = subprocess.run(["cat", path], capture_output=True).stdout
assert other == len(body) and other != old_size, (other, len(body), old_size)
PY

# The file loaded into memory is the new one; repeated stat is stable.
[ "$(stat -c %s "$M/inplace.node.sig/cdhash")" = 41 ] || fail "cdhash size"
sigfs_umount "$M"
[ "$FAILED" -eq 0 ] && ok "the mount follows SOURCE"
finish
