#!/bin/bash
# Bad input never takes the mount down: a truncated copy of a signed file
# shows `status` = `malformed: …`; the hand-assembled hostile files of
# tests/crafted/ show their documented status lines; every virtual file of
# all of them can be listed and read (or is cleanly absent), and the daemon
# is still alive and serving afterwards.
. "$(dirname "$0")/lib.sh"
require_fuse

S=$WORK/src
mkdir -p "$S"
LIB=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib
FSE=$CORPUS/files/fsevents-universal/fsevents.node
# Truncations at a few depths: inside the header, the load commands, the
# code, the signature (libffi's signature starts near its end).
size=$(stat -c %s "$LIB")
for n in 8 40 2000 20000 $((size - 5000)) $((size - 1)); do
	head -c "$n" "$LIB" >"$S/libffi-cut-$n.dylib"
done
head -c 5000 "$FSE" >"$S/fsevents-cut.node" # universal: slices past the end
printf '\xca\xfe\xba\xbe\x00\x00\x00\x01garbage' >"$S/fat-garbage"
{ head -c 4096 "$LIB"; head -c 100000 /dev/zero; } >"$S/zeros.dylib"
cp "$LIB" "$S/intact.dylib"
have_crafted=0
if command -v python3 >/dev/null && python3 "$ROOT/tests/crafted/make_crafted.py" "$S/crafted" >/dev/null 2>&1; then
	have_crafted=1
fi

M=$WORK/mnt
sigfs_mount "$M" "$S" || die "mount"

# The signature of a truncated file lies past its end: malformed.
for f in libffi-cut-20000.dylib "libffi-cut-$((size - 5000)).dylib" "libffi-cut-$((size - 1)).dylib" \
	fsevents-cut.node; do
	st=$(head -1 "$M/$f.sig/status" 2>&1)
	[[ "$st" == "malformed: "* ]] && ok "$f: $st" || fail "$f: status '$st' (want malformed: …)"
done
[ "$(cat "$M/intact.dylib.sig/status")" = signed ] || fail "intact.dylib status"

if [ $have_crafted -eq 1 ]; then
	while IFS=$'\t' read -r name want; do
		if [ "$want" = "-" ]; then
			[ -e "$M/crafted/$name.sig" ] && fail "crafted/$name has a .sig"
			continue
		fi
		got=$(head -1 "$M/crafted/$name.sig/status" 2>&1)
		case $want in
		*…) [[ "$got" == "${want%…}"* ]] ;;
		*) [ "$got" = "$want" ] ;;
		esac || fail "crafted/$name: status '$got', want '$want'"
	done <"$S/crafted/EXPECTED"
	ok "crafted files show their documented status"
else
	echo "note: python3 missing, crafted files not checked"
fi

# Read everything: each listed file reads without an I/O error or hang.
errs=$(cd "$M" && timeout 120 find . -path '*.sig/*' -type f -exec cat {} + 2>&1 >/dev/null | head -5)
[ -z "$errs" ] || fail "reading virtual files: $errs"
[ "$(stat -c %s "$M/intact.dylib.sig/cdhash")" = 41 ] || fail "mount no longer serving"
daemon_alive "$M" && ok "daemon alive after reading every file" || fail "daemon died"
sigfs_umount "$M"
finish
