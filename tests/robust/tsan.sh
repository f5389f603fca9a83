#!/bin/bash
# Scenario 3: many concurrent readers under ThreadSanitizer. The daemon is
# built with -fsanitize=thread (make OUT=out-tsan TSAN=1 CC=clang) and
# mounted over a tree of a few hundred Mach-O copies with distinct bytes
# (distinct identifiers, so thousands of distinct .sig files); 8 reader
# processes read every virtual file in their own shuffled order, with the
# default cache and with a 1 MiB cache (constant eviction while handles and
# renders are in flight). Every read equals sigfs-export's file; the daemon
# exits 0 and its log has no ThreadSanitizer report (halt_on_error=1,
# exitcode=66).
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
require_python
command -v clang >/dev/null || skip "no clang for the TSan build"
TSAN_OUT=${TSAN_OUT:-out-tsan}
NCOPIES=${TSAN_COPIES:-100} # per corpus file: 3 x 100 Mach-Os
ROUNDS=${TSAN_ROUNDS:-1}

t=$(now_ms)
make -s -C "$ROOT" OUT="$TSAN_OUT" TSAN=1 CC=clang "$TSAN_OUT/sigfs" >"$WORK/build.log" 2>&1 ||
	die "TSan build failed: $(tail -5 "$WORK/build.log")"
SIGFS=$ROOT/$TSAN_OUT/sigfs
echo "TSan build ready in $(secs_since "$t") s"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"

S=$WORK/src
mkdir -p "$S"
i=0
for f in "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$CORPUS/files/fsevents-universal/fsevents.node" \
	"$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node"; do
	i=$((i + 1))
	make_variants "$f" "$NCOPIES" "$S/d$i" "m" || die "variants of $f"
done
E=$WORK/export
"$SIGFS_EXPORT" -q "$S" "$E" || die "sigfs-export"
(cd "$E" && find . -path '*.sig/*' -type f | LC_ALL=C sort) >"$WORK/files"
nm=$(find "$S" -type f | wc -l)
nf=$(wc -l <"$WORK/files")
[ "$nf" -gt 2000 ] || die "only $nf virtual files"
echo "$nm Mach-O files, $nf virtual files"

# The 1 MiB pass reads the .sig trees of 40 copies of each file (under TSan
# a miss costs a few ms: the whole tree would take minutes).
grep '/m00[0-3][0-9]\.sig/' "$WORK/files" >"$WORK/files-small"

M=$WORK/mnt
for run in "files " "files-small -o cache_mb=1"; do
	list=$WORK/${run%% *} opts=${run#* }
	nf=$(wc -l <"$list")
	# shellcheck disable=SC2086
	sigfs_mount "$M" $opts "$S" || { fail "mount $opts: $(tail -20 "$WORK/sigfs.stderr")"; continue; }
	t=$(now_ms)
	pids=()
	for r in $(seq 8); do
		python3 "$ROBUST_PY" compare "$M" "$E" "$list" "$ROUNDS" "$r" >"$WORK/reader.$r" 2>&1 &
		pids+=($!)
	done
	rc=0
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	dt=$(secs_since "$t")
	reads=$(cat "$WORK"/reader.* | grep -o 'reads=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)
	echo "figure: 8 readers, $reads reads of $nf virtual files in $dt s under TSan (${opts:-default cache})"
	if [ $rc -ne 0 ]; then
		fail "readers saw wrong content or errors (${opts:-default}): $(grep -h BAD "$WORK"/reader.* | head -5)"
	else
		ok "every read equals the export (${opts:-default cache})"
	fi
	daemon_alive "$M" || fail "TSan daemon died (${opts:-default}): $(grep -A20 ThreadSanitizer "$WORK/sigfs.stderr" | head -40)"
	sigfs_umount "$M"
done
if grep -q "WARNING: ThreadSanitizer" "$WORK/sigfs.stderr"; then
	fail "ThreadSanitizer report: $(grep -A30 'WARNING: ThreadSanitizer' "$WORK/sigfs.stderr" | head -50)"
else
	ok "no ThreadSanitizer report"
fi
finish
