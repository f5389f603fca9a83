#!/bin/bash
# The README's Usage block runs as typed after `make install`: the block is
# read from README.md and run line by line with the installed programs first
# on PATH, in a directory holding MyApp.app (a bundle whose executable is the
# corpus's Developer ID signed libffi) and old/ and new/ releases of it.
# Expected values: libffi's cdhash from tests/corpus/expected (independent
# parser); the two releases differ in their cdhash lines.
. "$(dirname "$0")/lib.sh"
require_fuse
LIBFFI=d2a44a005a3c1e6821d0c975c796aabda6f4ca18 # codex-libffi-dylib.json
FSEV=8c4bc119d234ef99eb186d1f92dc1882732fda60   # fsevents-universal.json (arm64)

make -C "$ROOT" -s --no-print-directory install DESTDIR="$WORK/stage" PREFIX=/usr/local >"$WORK/install.log" 2>&1 ||
	die "make install: $(tail -3 "$WORK/install.log")"
H=$WORK/home
mkdir -p "$H/MyApp.app/Contents/MacOS" "$H/old/MyApp.app/Contents/MacOS" "$H/new/MyApp.app/Contents/MacOS"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$H/MyApp.app/Contents/MacOS/MyApp"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$H/old/MyApp.app/Contents/MacOS/MyApp"
cp "$CORPUS/files/fsevents-universal/fsevents.node" "$H/new/MyApp.app/Contents/MacOS/MyApp"

awk '/^## Usage/ { u = 1 } u && /^```sh/ { b = 1; next } b && /^```/ { exit } b' "$ROOT/README.md" >"$WORK/usage"
[ "$(grep -c . "$WORK/usage")" -ge 7 ] || die "README.md: no Usage block found"
MOUNTS+=("$H/mnt/app") # unmounted by cleanup if a line fails
n=0
while IFS= read -r line; do
	[ -n "$line" ] || continue
	n=$((n + 1))
	(cd "$H" && HOME=$H PATH="$WORK/stage/usr/local/bin:$PATH" bash -c "$line") >"$WORK/out.$n" 2>&1
	rc=$?
	case $line in
	sigfs-diff*) [ $rc -eq 1 ] || fail "'$line' exited $rc, want 1 (different): $(head -3 "$WORK/out.$n")" ;;
	*) [ $rc -eq 0 ] || fail "'$line' exited $rc: $(head -3 "$WORK/out.$n")" ;;
	esac
	case $line in
	"cat ~/mnt/app/Contents/MacOS/MyApp.sig/cdhash"*)
		[ "$(cat "$WORK/out.$n")" = $LIBFFI ] || fail "cdhash through the mount: $(cat "$WORK/out.$n")" ;;
	"cat ~/mnt/app/Contents/MacOS/MyApp.sig/requirements.txt"*)
		grep -q '^designated => ' "$WORK/out.$n" || fail "requirements.txt: $(head -3 "$WORK/out.$n")" ;;
	sigfs-export*)
		[ "$(cat "$H/myapp-sigs/Contents/MacOS/MyApp.sig/cdhash")" = $LIBFFI ] || fail "export's cdhash" ;;
	sigfs-diff*)
		grep -q "^< $LIBFFI" "$WORK/out.$n" && grep -q "^> $FSEV" "$WORK/out.$n" ||
			fail "sigfs-diff output: $(head -5 "$WORK/out.$n")" ;;
	esac
done <"$WORK/usage"
is_mounted "$H/mnt/app" && fail "still mounted after sigfs-umount"
[ $n -ge 7 ] && ok "README Usage block: $n lines as typed after make install"
finish
