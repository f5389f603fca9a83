#!/bin/bash
# Shared helpers of the robustness tests (tests/robust/*.sh): the mount
# tests' lib.sh (mount/unmount in a trap, daemon exit status checked) plus a
# few things the fault scenarios share. Each test exits 0, 77 (skip) or 1.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "lib.sh: helpers for the other tests, nothing to run"
	exit 77
fi
. "$(dirname "${BASH_SOURCE[0]}")/../mount/lib.sh"
ROBUST_PY=$ROOT/tests/robust/robust.py

require_python() {
	command -v python3 >/dev/null || skip "no python3"
}

# now_ms: milliseconds since the epoch (for printed figures).
now_ms() {
	date +%s%3N
}

# ms_since START_MS: "1.234" seconds elapsed.
secs_since() {
	local d=$(($(now_ms) - $1))
	printf '%d.%03d' $((d / 1000)) $((d % 1000))
}

# vmrss_kb PID: the resident set of PID in KiB (0 if gone).
vmrss_kb() {
	awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# identifier_of MACHO: its CodeDirectory identifier (through sigfs-export).
identifier_of() {
	local d
	d=$(mktemp -d "$WORK/ident.XXXXXX")
	"$SIGFS_EXPORT" -q "$1" "$d/e" >/dev/null 2>&1
	cat "$d/e/$(basename "$1").sig/identifier"
	rm -rf "$d"
}

# make_variants MACHO N DEST [PREFIX]: N copies with distinct identifiers
# (so distinct bytes, cdhashes and .sig content).
make_variants() {
	python3 "$ROBUST_PY" variants "$1" "$(identifier_of "$1")" "$2" "$3" "${4:-v}"
}
