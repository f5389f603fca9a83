#!/bin/bash
# Scenario 5: memory stays within cache_mb under a long random-read load.
# A tree of 600 Mach-O copies with distinct bytes (its loaded files and
# generated content add up to many times the budget) is mounted with
# -o cache_mb=4; 4 readers read random virtual files for MEM_SECONDS (60).
# The daemon's VmRSS, sampled every second, must stay below
#   baseline (right after mount, after one pass over a few files)
#   + cache_mb
#   + slack (16 MiB: what is in flight outside the cache — up to one loaded
#     file and one rendered blob per FUSE worker thread and per open handle,
#     the worker threads' stacks as they are touched, and glibc's per-thread
#     malloc arenas holding freed memory).
# For scale the same load runs for MEM_SECONDS/4 with cache_mb=256 (no
# eviction): its RSS growth shows what the 4 MiB bound saves.
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
require_python
SECS=${MEM_SECONDS:-60}
CACHE_MB=4
SLACK_MB=16

S=$WORK/src
mkdir -p "$S"
i=0
for f in "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$CORPUS/files/fsevents-universal/fsevents.node" \
	"$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node"; do
	i=$((i + 1))
	make_variants "$f" 200 "$S/d$i" m || die "variants of $f"
done
E=$WORK/export
"$SIGFS_EXPORT" -q "$S" "$E" || die "sigfs-export"
(cd "$E" && find . -path '*.sig/*' -type f | LC_ALL=C sort) >"$WORK/files"
echo "$(find "$S" -type f | wc -l) Mach-O files, $(wc -l <"$WORK/files") virtual files," \
	"$(($(find "$E" -type f -printf '%s\n' | paste -sd+ | bc) / 1048576)) MiB of generated content"

# run_load CACHE_MB SECONDS: sets BASE PEAK (KiB), NSAMPLES, READS.
run_load() {
	local mb=$1 secs=$2 M=$WORK/mnt pid base peak=0 n=0 r
	sigfs_mount "$M" -o cache_mb="$mb" "$S" || return 1
	pid=${PIDS[$M]}
	head -20 "$WORK/files" | (cd "$M" && xargs -d '\n' cat) >/dev/null
	base=$(vmrss_kb "$pid")
	local rpids=()
	for r in 1 2 3 4; do
		python3 "$ROBUST_PY" randread "$M" "$WORK/files" "$secs" "$r" >"$WORK/reader.$r" 2>&1 &
		rpids+=($!)
	done
	local end=$(($(date +%s) + secs))
	while [ "$(date +%s)" -lt $end ]; do
		r=$(vmrss_kb "$pid")
		[ "$r" -gt $peak ] && peak=$r
		n=$((n + 1))
		echo "$r" >>"$WORK/rss.$mb"
		sleep 1
	done
	local rc=0
	for r in "${rpids[@]}"; do wait "$r" || rc=1; done
	[ $rc -eq 0 ] || fail "random reads failed (cache_mb=$mb): $(tail -3 "$WORK"/reader.*)"
	r=$(vmrss_kb "$pid")
	[ "$r" -gt $peak ] && peak=$r
	daemon_alive "$M" || fail "daemon died (cache_mb=$mb)"
	sigfs_umount "$M"
	BASE=$base PEAK=$peak NSAMPLES=$n
	READS=$(cat "$WORK"/reader.* | grep -o 'reads=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)
}

run_load $CACHE_MB "$SECS" || die "mount"
base=$BASE peak=$PEAK n=$NSAMPLES reads=$READS
bound=$((base + (CACHE_MB + SLACK_MB) * 1024))
echo "figure: cache_mb=$CACHE_MB: RSS baseline $((base / 1024)) MiB, peak $((peak / 1024)) MiB over $n samples," \
	"$reads random reads in $SECS s; bound $((bound / 1024)) MiB (baseline + $CACHE_MB + $SLACK_MB slack)"
if [ "$peak" -le "$bound" ]; then
	ok "RSS peak $((peak / 1024)) MiB <= $((bound / 1024)) MiB with cache_mb=$CACHE_MB"
else
	fail "RSS peak $peak KiB above the bound $bound KiB with cache_mb=$CACHE_MB"
fi

run_load 256 $((SECS / 4)) || die "mount cache_mb=256"
base2=$BASE peak2=$PEAK reads2=$READS
echo "figure: cache_mb=256 (for scale): RSS baseline $((base2 / 1024)) MiB, peak $((peak2 / 1024)) MiB," \
	"$reads2 reads in $((SECS / 4)) s"
finish
