#!/bin/bash
# make demo / ./setup.sh demo: mount two real signed samples and show what
# sigfs offers. Builds nothing (make builds out/sigfs first); unmounts in a trap.
set -u
cd "$(dirname "$0")/.."
SIGFS=${SIGFS:-out/sigfs}
[ -x "$SIGFS" ] || { echo "demo: $SIGFS not built (run make)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sigfs-demo.XXXXXX") || exit 1
mounted=()
pids=()
cleanup() {
	for m in "${mounted[@]}"; do mountscripts/sigfs-umount "$m" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mount_one() { # SOURCE MOUNTPOINT
	mkdir -p "$2"
	"$SIGFS" -f "$1" "$2" &
	pids+=($!)
	for _ in $(seq 100); do
		if grep -qF " $2 fuse" /proc/mounts 2>/dev/null || mount | grep -qF " on $2 "; then
			mounted+=("$2")
			return 0
		fi
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "demo: could not mount $1" >&2
	exit 1
}

run() {
	printf '\n$ %s\n' "$*"
	(cd "$tmp" && eval "$@")
}

mount_one "$PWD/tests/corpus/files/codex-libffi-dylib" "$tmp/libffi"
mount_one "$PWD/tests/corpus/bundles/terminal-notifier.app" "$tmp/terminal-notifier.app"
echo "Mounted under $tmp (read-only; unmounted when this script ends)."
run ls -l libffi
run ls -l libffi/libffi.8.dylib.sig
run cat libffi/libffi.8.dylib.sig/cdhash
run cat libffi/libffi.8.dylib.sig/identifier
run cat libffi/libffi.8.dylib.sig/flags
run cat libffi/libffi.8.dylib.sig/requirements.txt
run cat libffi/libffi.8.dylib.sig/info.txt
run cat libffi/libffi.8.dylib.sig/authority
run find terminal-notifier.app -name "'*.sig'"
run cat terminal-notifier.app/Contents/MacOS/terminal-notifier.sig/status
run "find libffi terminal-notifier.app -path '*.sig/status' -exec grep -lx unsigned {} +"

# Synthetic binaries signed here with a test CA (tests/fixtures/make-fixtures.sh:
# clang + ld64.lld + the test signer) show entitlements; skipped without them.
if [ -x out/tools/mksig ] && tests/fixtures/make-fixtures.sh "$tmp/fx" >/dev/null 2>&1; then
	mount_one "$tmp/fx/src" "$tmp/fixtures"
	run "find fixtures -path '*.sig/entitlements.txt' -exec grep -lzP '\\[Key\\] com\\.apple\\.security\\.get-task-allow\\n\\s*\\[Value\\]\\n\\s*\\[Bool\\] true\\n' {} +"
	run cat fixtures/devid-arm64.sig/entitlements.txt
	run cat fixtures/devid-arm64.sig/requirements.txt
fi

printf '\nUnmounting. Next: sudo make install (or use out/sigfs), then "Usage" in README.md; man ./sigfs.1\n'
