#!/bin/bash
# The fuzz corpora (fuzz/corpus, fuzz/regressions) replayed under valgrind
# memcheck with a build without sanitizers: no invalid reads or writes, no
# uninitialised values, nothing definitely lost. (MSan would need an
# instrumented OpenSSL and libplist; valgrind sees through them.)
set -u
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
rc=0
for bin in out/fuzz/*-replay; do
	t=$(basename "$bin" -replay)
	dirs=()
	for d in "fuzz/corpus/$t" "fuzz/regressions/$t"; do [ -d "$d" ] && dirs+=("$d"); done
	[ ${#dirs[@]} -gt 0 ] || continue
	if ! out=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$bin" "${dirs[@]}" 2>&1); then
		echo "FAIL $t under valgrind:"
		echo "$out" | head -30
		rc=1
	else
		echo "$t: $(echo "$out" | tail -1)"
	fi
done
exit $rc
