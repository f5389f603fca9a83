#!/bin/bash
# Run tests/<group>/*.sh (but lib*.sh and make-*.sh helpers); each script exits 0 (pass), 77 (skip) or else (fail).
group=$1
pass=0 fail=0 skip=0
for t in tests/"$group"/*.sh; do
	[ -e "$t" ] || continue
	case $(basename "$t") in lib*.sh | make-*.sh) continue ;; esac # helpers, not tests
	echo "== $t"
	bash "$t"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)); echo "SKIPPED: $t" ;;
	*) fail=$((fail + 1)); echo "FAILED: $t (exit $rc)" ;;
	esac
done
echo "$group: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
