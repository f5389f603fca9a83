#!/bin/bash
# Replay every fuzz target's committed corpus (fuzz/corpus/<target>/) and
# regression inputs (fuzz/regressions/<target>/) with the standalone driver;
# whole-file targets also replay the test corpus files.
set -u
pass=0 fail=0
for bin in "$@"; do
	t=$(basename "$bin" -replay)
	dirs=()
	for d in "fuzz/corpus/$t" "fuzz/regressions/$t"; do [ -d "$d" ] && dirs+=("$d"); done
	case $t in fuzz_macho | fuzz_render | fuzz_verify) dirs+=(tests/corpus/files/*/) ;; esac
	if [ ${#dirs[@]} -eq 0 ]; then
		echo "FAILED: $t has no corpus"
		fail=$((fail + 1))
		continue
	fi
	if timeout 600 "$bin" "${dirs[@]}"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "fuzz replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
