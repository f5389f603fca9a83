#!/bin/bash
# The .sig trees of the mount equal what sigfs-export writes for the same
# SOURCE (both frontends show the core's tree; this checks the FUSE layer:
# names, kinds, sizes, content), and every virtual file's st_size is its
# exact length — but expensive files (verification, bundle walks, audit), whose
# st_size is 0 as in /proc.
. "$(dirname "$0")/lib.sh"
require_fuse
require_export

# A tree with Mach-O files at several depths, odd names, a truncated copy.
T=$WORK/tree
mkdir -p "$T/a/b c" "$T/x"
cp "$CORPUS/files/fsevents-universal/fsevents.node" "$T/a/b c/fse vents.node"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$T/x/libffi.dylib"
cp "$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node" "$T/sharp"
head -c 20000 "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" >"$T/x/truncated.dylib"

# sizes_match DIR: stat size == bytes read, for every file below DIR's .sig trees.
sizes_match() {
	local f n=0 bad=0
	while IFS= read -r -d '' f; do
		n=$((n + 1))
		case ${f##*/} in # expensive files are served as /proc serves its files: st_size 0
		verify | verify-status | checks | page-mismatches | resources | resource-walk | nested | strict | \
			normalization | audit)
			[ "$(stat -c %s "$f")" = 0 ] || { fail "st_size of expensive $f is not 0"; bad=1; }
			continue
			;;
		esac
		if [ "$(stat -c %s "$f")" != "$(wc -c <"$f")" ]; then
			fail "st_size of $f is $(stat -c %s "$f"), content $(wc -c <"$f") bytes"
			bad=1
		fi
	done < <(find "$1" -path '*.sig/*' -type f -print0)
	[ "$n" -gt 0 ] || fail "no virtual files below $1"
	[ $bad -eq 0 ] && ok "st_size == wc -c for $n files below $1"
}

M=$WORK/mnt
n=0
for src in "$CORPUS/bundles/terminal-notifier.app" "$CORPUS/files" "$T" \
	"$CORPUS/files/fsevents-universal/fsevents.node"; do
	for opt in "" "-o arch=x86_64"; do
		n=$((n + 1))
		E=$WORK/export$n
		# shellcheck disable=SC2086
		"$SIGFS_EXPORT" -q $opt "$src" "$E" 2>"$WORK/export.stderr" ||
			{ [ -d "$E" ] || { fail "sigfs-export $opt $src: $(cat "$WORK/export.stderr")"; continue; }; }
		# shellcheck disable=SC2086
		sigfs_mount "$M" $opt "$src" || { fail "mount $opt $src"; continue; }
		if [ -n "$opt" ]; then
			# a file without the slice: the export writes no tree and says so in one line
			while IFS= read -r d; do
				rel=${d#./}
				grep -qF "no such slice in ${rel%.sig} (slices: " "$WORK/export.stderr" ||
					fail "$opt: no $rel in the export and no line saying why"
			done < <(comm -13 <(sig_dirs "$E") <(sig_dirs "$M"))
			bad=0
			while IFS= read -r d; do
				diff -r "$E/$d" "$M/$d" >/dev/null || { fail "$d differs"; bad=1; }
			done < <(sig_dirs "$E")
			[ $bad -eq 0 ] && ok "mount == export for $src $opt (files with the slice)"
		else
			diff_sig_trees "$E" "$M" && ok "mount == export for $src $opt"
		fi
		[ -z "$opt" ] && sizes_match "$M"
		sigfs_umount "$M"
	done
done

# -o sigsuffix=.cs on both sides.
E=$WORK/export-cs
"$SIGFS_EXPORT" -q -o sigsuffix=.cs "$CORPUS/files" "$E" || fail "sigfs-export -o sigsuffix=.cs"
sigfs_mount "$M" -o sigsuffix=.cs "$CORPUS/files" || die "mount -o sigsuffix=.cs"
diff <(sig_dirs "$E" '*.cs') <(sig_dirs "$M" '*.cs') >/dev/null || fail "sigsuffix: different .cs sets"
while IFS= read -r d; do
	diff -r "$E/$d" "$M/$d" >/dev/null || fail "sigsuffix: $d differs"
done < <(sig_dirs "$E" '*.cs')
sigfs_umount "$M"
finish
