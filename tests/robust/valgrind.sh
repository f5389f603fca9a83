#!/bin/bash
# Scenario 6: the daemon under valgrind (memcheck) over a representative
# subset of the mount tests: export equality (every .sig tree of the corpus,
# several mounts and options), malformed and hostile input, and SOURCE
# changing while mounted. The tests run unchanged with SIGFS_WRAPPER set
# (tests/mount/lib.sh); each checks the daemon's exit status, which is 99 on
# any memcheck error or a leak "definitely lost". The logs are scanned too.
. "$(dirname "$0")/lib.sh"
require_fuse
command -v valgrind >/dev/null || skip "no valgrind"
TESTS=${VALGRIND_TESTS:-export malformed change}

LOGS=$WORK/vg
mkdir -p "$LOGS"
for t in $TESTS; do
	start=$(now_ms)
	SIGFS_WRAPPER="valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
		--error-exitcode=99 --track-fds=no --log-file=$LOGS/$t.%p" \
		bash "$ROOT/tests/mount/$t.sh" >"$WORK/$t.out" 2>&1
	rc=$?
	n=$(find "$LOGS" -name "$t.*" | wc -l)
	echo "figure: tests/mount/$t.sh under valgrind: exit $rc, $n daemon runs, $(secs_since "$start") s"
	[ "$n" -gt 0 ] || fail "tests/mount/$t.sh: the daemon did not run under valgrind"
	[ $rc -eq 0 ] || fail "tests/mount/$t.sh under valgrind: exit $rc: $(grep -h 'FAIL' "$WORK/$t.out" | head -5)"
done
# -q: a clean run leaves an empty log; anything else is a report — but the
# notice that valgrind 3.19 does not know openat2 (syscall 437, which
# fs/tree.c tries first and falls back from on ENOSYS, so valgrind runs the
# fallback path) and its four standard follow-up lines.
for f in "$LOGS"/*; do
	grep -v -e 'unhandled amd64-linux syscall: 437$' -e 'You may be able to write your own handler' \
		-e 'Read the file README_MISSING_SYSCALL_OR_IOCTL' -e 'Nevertheless we consider this a bug' \
		-e 'it at http://valgrind.org/support/bug_reports.html' "$f" | grep -q . || continue
	fail "valgrind report in $(basename "$f"): $(head -30 "$f")"
done
if grep -lq 'definitely lost\|Invalid read\|Invalid write\|uninitialised' "$LOGS"/* 2>/dev/null; then
	fail "memcheck errors or definite leaks (see above)"
fi
[ "$FAILED" -eq 0 ] && ok "no memcheck error, no leak definitely lost in $(find "$LOGS" -type f | wc -l) daemon runs"
finish
