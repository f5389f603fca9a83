#!/bin/bash
# mountscripts/: sigfs-umount unmounts, sigfs-diff compares two builds, sigfs-audit gates a tree,
# demo.sh runs to the end and unmounts what it mounted.
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
export SIGFS_EXPORT
# cdhashes from tests/corpus/expected/*.json (an independent parser):
FSEV=8c4bc119d234ef99eb186d1f92dc1882732fda60  # fsevents-universal, arm64
SHARP=f855800aae562fa9848ddb36b7f4eeb0d7086740 # sharp-node-arm64
LIBFFI=d2a44a005a3c1e6821d0c975c796aabda6f4ca18 # codex-libffi-dylib

M=$WORK/mnt
sigfs_mount "$M" "$CORPUS/files" || die "mount"
"$ROOT/mountscripts/sigfs-umount" "$M" || fail "sigfs-umount"
is_mounted "$M" && fail "still mounted after sigfs-umount"
wait "${PIDS[$M]}" || fail "daemon exit status $?"
MOUNTS=()
ok "sigfs-umount"

mkdir -p "$WORK/a" "$WORK/b"
cp "$CORPUS/files/fsevents-universal/fsevents.node" "$WORK/a/x.node"
cp "$CORPUS/files/fsevents-universal/fsevents.node" "$WORK/b/x.node"
"$ROOT/mountscripts/sigfs-diff" "$WORK/a" "$WORK/b" >"$WORK/out" || fail "sigfs-diff of equal builds: $(head "$WORK/out")"
cp "$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node" "$WORK/b/x.node"
"$ROOT/mountscripts/sigfs-diff" "$WORK/a" "$WORK/b" >"$WORK/out"
[ $? -eq 1 ] || fail "sigfs-diff of different builds did not exit 1"
grep -q "^< $FSEV" "$WORK/out" && grep -q "^> $SHARP" "$WORK/out" || fail "sigfs-diff output: $(head "$WORK/out")"
"$ROOT/mountscripts/sigfs-diff" /nonexistent "$WORK/b" >/dev/null 2>&1
[ $? -eq 2 ] || fail "sigfs-diff of a missing path did not exit 2"
ok "sigfs-diff"

# sigfs-audit: MANIFEST.tsv says sharp is linker-signed and libffi Developer ID
# signed with runtime and timestamp (notarizable, no entitlements).
mkdir -p "$WORK/c/clean"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$WORK/c/clean/"
cp "$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node" "$WORK/c/"
"$ROOT/mountscripts/sigfs-audit" "$WORK/c/clean" >"$WORK/out" || fail "sigfs-audit of a notarizable dylib did not exit 0"
[ -s "$WORK/out" ] && fail "sigfs-audit of a notarizable dylib: $(head -3 "$WORK/out")"
"$ROOT/mountscripts/sigfs-audit" "$WORK/c" >"$WORK/out"
[ $? -eq 1 ] || fail "sigfs-audit of a linker-signed file did not exit 1"
[ "$(grep -c '^error not-developer-id .*linker-signed, not with a Developer ID Application certificate' "$WORK/out")" = 1 ] ||
	fail "sigfs-audit output: $(head -3 "$WORK/out")"
"$ROOT/mountscripts/sigfs-audit" /nonexistent >/dev/null 2>&1
[ $? -eq 2 ] || fail "sigfs-audit of a missing path did not exit 2"
ok "sigfs-audit"

SIGFS=$SIGFS TMPDIR=$WORK bash "$ROOT/mountscripts/demo.sh" >"$WORK/demo.out" 2>&1 || fail "demo.sh: $(tail -5 "$WORK/demo.out")"
grep -qx "$LIBFFI" "$WORK/demo.out" || fail "demo.sh did not show the libffi cdhash"
awk -v w="$WORK/sigfs-demo." 'index($2, w) == 1' /proc/mounts | grep -q . && fail "demo.sh left a mount behind"
ok "demo.sh"
finish
