#!/bin/bash
# Scenario 1: SOURCE files replaced, truncated, deleted and re-created while
# being read. A writer rewrites four Mach-O "slots" in SOURCE in a loop
# (rename over with version A or B, in-place rewrite with one write(2),
# truncate in place to a page boundary or to 0, delete then re-create) while
# three readers read random .sig files and the mirrored files of the slots.
#   - every generated file read equals that file of one version, as
#     sigfs-export writes it (A, B, or a prefix of A or B cut at a page
#     boundary: the states an in-place write or truncate really passes
#     through) — never a mix of two versions;
#   - every failed read is ENOENT or EIO;
#   - every page of mirrored content is that page of A or B (whole, a prefix
#     or, with an in-place rewrite during the read, pages of both, and a page
#     torn between the two by the write in progress: as when reading SOURCE
#     itself); a known limitation is counted, not failed:
#     zeros past a version's end up to a longer version's size, when the
#     kernel still caches the longer size (mirror-zerofill);
#   - afterwards the mount converges to the final version and the daemon is
#     alive and exits 0.
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
require_python
SECONDS_LOAD=${CHURN_SECONDS:-25}

A=$CORPUS/files/fsevents-universal/fsevents.node    # universal x86_64+arm64
B=$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node # thin arm64

# Every state a slot can be in, exported: A, B and their page-boundary prefixes.
V=$WORK/versions
mkdir -p "$V"
cp "$A" "$V/A"
cp "$B" "$V/B"
for f in A B; do
	size=$(stat -c %s "$V/$f")
	for ((n = 4096; n < size; n += 4096)); do
		head -c $n "$V/$f" >"$V/$f-cut$n"
	done
done
SLOTS=(s0.node s1.node s2.node s3.node)
# Each state under each slot's name (verification files name the file they
# judge): VN/STATE/SLOT, hard links of the states above.
VN=$WORK/named
for f in "$V"/*; do
	for s in "${SLOTS[@]}"; do
		mkdir -p "$VN/${f##*/}" && ln "$f" "$VN/${f##*/}/$s"
	done
done
for d in "$VN"/*; do # one export per state: verification files name the path from SOURCE's root
	"$SIGFS_EXPORT" -q "$d" "$WORK/vexport/${d##*/}" 2>/dev/null
done
[ -d "$WORK/vexport/A/${SLOTS[0]}.sig" ] && [ -d "$WORK/vexport/B/${SLOTS[0]}.sig" ] || die "sigfs-export of the versions"
python3 "$ROBUST_PY" allowed "$WORK/vexport" >"$WORK/allowed" || die "allowed table"
echo "$(ls "$V" | wc -l) versions, $(cut -f1 "$WORK/allowed" | sort -u | wc -l) generated paths," \
	"$(wc -l <"$WORK/allowed") allowed contents"

S=$WORK/src
STAGE=$WORK/stage # same file system as S: rename is atomic
mkdir -p "$S" "$STAGE"
for s in "${SLOTS[@]}"; do cp "$A" "$S/$s"; done

M=$WORK/mnt
sigfs_mount "$M" "$S" || die "mount"

# Regression (fs/ops.c sigfs_op_open): the kernel caches a .sig file's size
# from getattr for attr_timeout; a file replaced within that second must not
# read as the new version cut to the old length. B's `format` is 20 bytes,
# A's 32.
cp "$B" "$STAGE/tmp" && mv -f "$STAGE/tmp" "$S/r.node"
stat "$M/r.node.sig/format" >/dev/null
cp "$A" "$STAGE/tmp" && mv -f "$STAGE/tmp" "$S/r.node"
got=$(cat "$M/r.node.sig/format")
if [ "$got" = "$(cat "$WORK/vexport/A/${SLOTS[0]}.sig/format")" ]; then
	ok "a .sig file replaced within the attribute timeout reads whole: $got"
else
	fail "r.node.sig/format after replacing B by A within 1 s: '$got'"
fi
rm -f "$S/r.node"

writer() {
	local end=$(($(date +%s) + SECONDS_LOAD)) n=0 s v sz
	while [ "$(date +%s)" -lt $end ]; do
		s=$S/${SLOTS[RANDOM % 4]}
		if ((RANDOM % 2)); then v=$A; else v=$B; fi
		case $((RANDOM % 7)) in
		0 | 1) cp "$v" "$STAGE/tmp" && mv -f "$STAGE/tmp" "$s" ;;     # replace by rename
		2) dd if="$v" of="$s" bs=1M status=none 2>/dev/null ;;      # O_TRUNC + one write
		3) # shrink in place to a page boundary (never grow: zeros are no version)
			sz=$(stat -c %s "$s" 2>/dev/null || echo 0)
			[ "$sz" -gt 4096 ] && truncate -s $((4096 * (1 + RANDOM % ((sz - 1) / 4096)))) "$s" ;;
		4) [ -e "$s" ] && : >"$s" ;;                                # truncate to 0
		5) rm -f "$s"; sleep 0.01; cp "$v" "$STAGE/tmp" && mv -f "$STAGE/tmp" "$s" ;;
		6) rm -f "$s" ;;                                             # stays gone a while
		esac
		n=$((n + 1))
		sleep 0.0$((1 + RANDOM % 3)) # at least one timestamp tick between changes
	done
	echo "$n" >"$WORK/writes"
}

t0=$(now_ms)
writer &
wpid=$!
rpids=()
for i in 1 2 3; do
	CHURN_VERSIONS="$A:$B" python3 "$ROBUST_PY" churn "$M" "$WORK/allowed" "$SECONDS_LOAD" "${SLOTS[@]}" \
		>"$WORK/reader.$i" 2>&1 &
	rpids+=($!)
done
rc=0
for p in "${rpids[@]}"; do wait "$p" || rc=1; done
wait $wpid
echo "writer: $(cat "$WORK/writes") changes in $(secs_since "$t0") s"
for i in 1 2 3; do echo "reader $i: $(head -1 "$WORK/reader.$i")"; done
if [ $rc -ne 0 ]; then
	fail "a read saw content of no single version, or an unexpected error: $(grep -h BAD "$WORK"/reader.* | head -10)"
else
	ok "every read equalled one whole version or failed with ENOENT/EIO"
fi
total_ok=$(cat "$WORK"/reader.* | grep -o 'sig-ok=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)
[ "${total_ok:-0}" -gt 100 ] || fail "only ${total_ok:-0} successful .sig reads: the load did not exercise the mount"
daemon_alive "$M" || fail "daemon died under churn"

# Converge: every slot becomes B; after the 1 s attribute timeout the mount
# shows exactly B's export for each.
for s in "${SLOTS[@]}"; do cp "$B" "$STAGE/tmp" && mv -f "$STAGE/tmp" "$S/$s"; done
sleep 1.5
mkdir -p "$WORK/final"
for s in "${SLOTS[@]}"; do
	if ! diff -r "$WORK/vexport/B/$s.sig" "$M/$s.sig" >"$WORK/final.diff" 2>&1; then
		fail "$s.sig after the churn is not B's: $(head -12 "$WORK/final.diff")"
	fi
	cmp -s "$B" "$M/$s" || fail "$s mirrored content after the churn is not B"
done
[ "$FAILED" -eq 0 ] && ok "after the churn every slot shows version B exactly"
daemon_alive "$M" || fail "daemon died"
sigfs_umount "$M" && ok "daemon exited 0"
finish
