#!/bin/bash
# Parallel readers: 8 processes read every virtual file repeatedly through
# the multi-threaded daemon; every read equals the sigfs-export output.
# Run with the default cache, a 1 MiB cache (constant eviction) and
# cache=never, each on a fresh mount so loads and renders race.
. "$(dirname "$0")/lib.sh"
require_fuse
require_export

S=$WORK/src
mkdir -p "$S"
cp -r "$CORPUS/bundles/terminal-notifier.app" "$S/"
cp -r "$CORPUS/files" "$S/"
# Several copies, so different files load at once.
for i in 1 2 3; do
	cp "$CORPUS/files/fsevents-universal/fsevents.node" "$S/fsevents-$i.node"
	cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$S/libffi-$i.dylib"
done
E=$WORK/export
"$SIGFS_EXPORT" -q "$S" "$E" || die "sigfs-export"
(cd "$E" && find . -path '*.sig/*' -type f | LC_ALL=C sort) >"$WORK/files"
[ -s "$WORK/files" ] || die "export wrote no files"

# reader ID MOUNT ROUNDS: each round reads all files in a shuffled order with
# one cat; on a mismatch, names the files that differ.
reader() {
	local id=$1 m=$2 r f
	for r in $(seq "$3"); do
		local order=$WORK/order.$id
		shuf "$WORK/files" >"$order" 2>/dev/null || cp "$WORK/files" "$order"
		(cd "$E" && xargs -d '\n' cat <"$order") >"$WORK/want.$id"
		(cd "$m" && xargs -d '\n' cat <"$order") >"$WORK/got.$id" 2>"$WORK/err.$id"
		cmp -s "$WORK/want.$id" "$WORK/got.$id" && continue
		while IFS= read -r f; do
			cmp -s "$E/$f" "$m/$f" || echo "$f"
		done <"$order"
		echo "(round $r: $(head -c 300 "$WORK/err.$id"))"
	done
}

M=$WORK/mnt
for run in "10 " "5 -o cache_mb=1" "2 -o cache=never"; do
	rounds=${run%% *} opts=${run#* }
	# shellcheck disable=SC2086
	sigfs_mount "$M" $opts "$S" || { fail "mount $opts"; continue; }
	pids=()
	for i in $(seq 8); do
		reader "$i" "$M" "$rounds" >"$WORK/bad.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	bad=$(cat "$WORK"/bad.* | LC_ALL=C sort -u)
	if [ -n "$bad" ]; then
		fail "wrong content with '$opts' in: $(head -5 <<<"$bad")"
	else
		ok "8 readers x $rounds rounds x $(wc -l <"$WORK/files") files equal the export ($opts)"
	fi
	rm -f "$WORK"/bad.*
	daemon_alive "$M" || fail "daemon died ($opts)"
	sigfs_umount "$M"
done
finish
