#!/bin/bash
# Scenario 4: the daemon killed with SIGKILL in the middle of a read load.
# The readers get errors (ENOTCONN), never hang; the dead mount is still in
# the mount table; `fusermount3 -u` (with -z when readers still hold it
# busy) removes it; a fresh sigfs on the same mount point mounts and serves
# content equal to sigfs-export's. Done twice: readers gone before the
# unmount, and readers still holding files open (lazy unmount).
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
require_python
[ "$(uname)" = Linux ] || skip "fusermount3 scenario (Linux)"

S=$WORK/src
mkdir -p "$S"
make_variants "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" 60 "$S/a" m || die "variants"
make_variants "$CORPUS/files/fsevents-universal/fsevents.node" 60 "$S/b" m || die "variants"
E=$WORK/export
"$SIGFS_EXPORT" -q "$S" "$E" || die "sigfs-export"
(cd "$E" && find . -path '*.sig/*' -type f | LC_ALL=C sort) >"$WORK/files"

# forget MNT: the test unmounts it itself.
forget() {
	local m rest=()
	for m in "${MOUNTS[@]}"; do [ "$m" = "$1" ] || rest+=("$m"); done
	MOUNTS=("${rest[@]}")
	unset "PIDS[$1]"
}

M=$WORK/mnt
for mode in gone busy; do
	sigfs_mount "$M" -o cache_mb=1 "$S" || die "mount ($mode)"
	pid=${PIDS[$M]}
	rpids=()
	for r in 1 2 3 4; do
		# Loops until the mount breaks; a broken mount must fail fast.
		timeout 60 python3 "$ROBUST_PY" randread "$M" "$WORK/files" 60 "$r" >"$WORK/reader.$r" 2>&1 &
		rpids+=($!)
	done
	if [ $mode = busy ]; then
		exec 7<"$M/a/m0001.sig/info.txt" # a handle open across the kill
		cat "$M/a/m0001.sig/info.txt" >"$WORK/info.before" || die "read info.txt before the kill"
		cd "$M/b" || die "cd into the mount"
	fi
	sleep 2
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	forget "$M"
	t=$(now_ms)
	rcs=()
	for p in "${rpids[@]}"; do
		wait "$p"
		rcs+=($?)
	done
	echo "killed mid-load ($mode): readers ended in $(secs_since "$t") s, exit codes ${rcs[*]}"
	for rc in "${rcs[@]}"; do
		[ "$rc" = 124 ] && fail "a reader hung after the kill ($mode)"
	done
	grep -q "Transport endpoint is not connected\|Software caused connection abort" "$WORK"/reader.* ||
		fail "readers did not see ENOTCONN/ECONNABORTED: $(tail -2 "$WORK/reader.1")"
	is_mounted "$M" || fail "the dead mount vanished by itself ($mode)"
	err=$(stat "$M" 2>&1 >/dev/null)
	[[ "$err" == *"Transport endpoint is not connected"* ]] || fail "stat of the dead mount: '$err'"
	if [ $mode = gone ]; then
		fusermount3 -u "$M" || fail "fusermount3 -u of the dead mount"
	else
		if fusermount3 -u "$M" 2>/dev/null; then
			echo "note: fusermount3 -u succeeded although busy"
		else
			fusermount3 -uz "$M" && echo "busy dead mount: fusermount3 -u refused, -uz removed it" ||
				fail "fusermount3 -uz of the dead, busy mount"
		fi
		cd "$WORK" || true
		# The kernel may still serve the handle from its page cache (a .sig
		# file of an unchanged F is not direct I/O): then the bytes must be
		# the file's; otherwise the read fails. Never a hang.
		if timeout 10 cat <&7 >"$WORK/info.after" 2>/dev/null; then
			cmp -s "$WORK/info.before" "$WORK/info.after" ||
				fail "the handle open across the kill read other bytes than the file's"
			echo "the handle open across the kill read the file's bytes from the kernel's page cache"
		else
			[ $? = 124 ] && fail "the handle open across the kill hung"
		fi
		exec 7<&-
	fi
	is_mounted "$M" && fail "still mounted after fusermount3 ($mode)"

	# A fresh mount on the same mount point.
	sigfs_mount "$M" "$S" || { fail "fresh mount on $M after the kill ($mode)"; continue; }
	python3 "$ROBUST_PY" compare "$M" "$E" "$WORK/files" 1 9 >"$WORK/compare" ||
		fail "fresh mount ($mode): $(head -3 "$WORK/compare")"
	ok "after SIGKILL ($mode) and fusermount3, a fresh mount serves $(grep -o 'reads=[0-9]*' "$WORK/compare") files equal to the export"
	sigfs_umount "$M"
done
finish
