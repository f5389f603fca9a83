#!/bin/bash
# Never a wrong byte after SOURCE changes (issue 11): a binary F and a text
# file T are rebuilt (replaced by rename, as build tools do) every 30 ms
# while tar, rsync and cp copy the mount again and again. Every copied
# member — mirrored files and every F.sig/ file — must equal one of the two
# versions whole, unless the client said it changed while read (tar: "file
# changed as we read it", "shrank"), as on an ordinary directory: no wrong
# byte with a clean exit, for every client. (Linux sends a reader's fstat
# as a GETATTR without its file handle; the mount answers it with the
# version that process has open, fs/opened.h, so a client that reads
# st_size bytes reads one whole version.) The two versions' .sig trees come
# from sigfs-export of each version alone; F's two versions are corpus files.
. "$(dirname "$0")/lib.sh" # tests/robust/lib.sh: the mount helpers and more
require_fuse
require_export

A=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib     # 136,768 bytes
B=$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node # 262,296 bytes
V=$WORK/versions
for v in a b; do
	mkdir -p "$V/$v/src"
	cp "$([ $v = a ] && echo "$A" || echo "$B")" "$V/$v/src/F"
	if [ $v = a ]; then head -c 100 /dev/zero | tr '\0' a; else head -c 5000 /dev/zero | tr '\0' b; fi >"$V/$v/src/T"
	"$SIGFS_EXPORT" -q "$V/$v/src" "$V/$v/exp" || die "export of version $v"
done

S=$WORK/src
mkdir -p "$S"
cp "$V/a/src/"* "$S/"
M=$WORK/mnt
sigfs_mount "$M" "$S" || die "mount"

rebuild() { # until killed
	local v=a
	while :; do
		v=$([ $v = a ] && echo b || echo a)
		for f in F T; do cp "$V/$v/src/$f" "$S/.$f.tmp" && mv -f "$S/.$f.tmp" "$S/$f"; done
		sleep 0.03
	done
}

# check DIR: every member below DIR equals version a or b of itself.
checked=0 wrong=0 warned=0
check() {
	local f rel
	while IFS= read -r -d '' f; do
		rel=${f#"$1"/}
		case $rel in .*) continue ;; esac
		checked=$((checked + 1))
		# tar stored it as a hard link: with several names on its command line
		# tar links any two files of one (dev, ino), and ext4 hands a freed inode
		# number (F's old version) to the next new file (T's) — the same on
		# SOURCE itself now that the mount shows SOURCE's inode numbers
		[ "$client" = tar ] && tar tvf "$WORK/x.tar" | grep -q "^h.* $rel link to " && { warned=$((warned + 1)); continue; }
		# tar said so: the member is flagged, as on any file system
		grep -qF "$rel: file changed as we read it" "$WORK/tar.err" 2>/dev/null && { warned=$((warned + 1)); continue; }
		grep -qF "$rel: File shrank by" "$WORK/tar.err" 2>/dev/null && { warned=$((warned + 1)); continue; }
		if [[ $rel == *.sig/* ]]; then
			case ${rel##*/} in # expensive files: st_size 0 as in /proc, so tar and rsync copy
			verify | verify-status | checks | page-mismatches | audit) # 0 bytes (documented)
				[ -s "$f" ] || continue
				;;
			esac
			cmp -s "$f" "$V/a/exp/$rel" || cmp -s "$f" "$V/b/exp/$rel" || {
				[ -e "$V/a/exp/$rel" ] || [ -e "$V/b/exp/$rel" ] || continue # a name of one version only
				wrong=$((wrong + 1))
				echo "wrong: $client $rel ($(wc -c <"$f") bytes)" >>"$WORK/wrong"
				[ -z "${REBUILD_KEEP:-}" ] || cp "$f" "$REBUILD_KEEP/$(date +%s%N).${rel##*/}"
			}
		else
			cmp -s "$f" "$V/a/src/$rel" || cmp -s "$f" "$V/b/src/$rel" || {
				[ "$client" = tar ] && tar tvf "$WORK/x.tar" | grep " $rel\( \|$\)" >>"$WORK/wrong" # how it was stored
				wrong=$((wrong + 1))
				echo "wrong: $client $rel ($(wc -c <"$f") bytes)" >>"$WORK/wrong"
			}
		fi
	done < <(find "$1" -type f -print0)
}

rebuild &
builder=$!
clients=(tar cp)
command -v rsync >/dev/null && clients+=(rsync) || echo "rsync not installed: only tar and cp tried"
for client in "${clients[@]}"; do
	end=$((SECONDS + 5))
	while [ $SECONDS -lt $end ]; do
		D=$WORK/copy
		rm -rf "$D" "$WORK/tar.err"
		mkdir -p "$D"
		case $client in
		tar)
			(cd "$M" && tar cf - F F.sig T 2>"$WORK/tar.err") >"$WORK/x.tar"
			tar xf "$WORK/x.tar" -C "$D"
			;;
		cp) cp -r "$M/F" "$M/F.sig" "$M/T" "$D/" 2>/dev/null ;;
		rsync) rsync -r "$M/F" "$M/F.sig" "$M/T" "$D/" 2>/dev/null ;;
		esac
		check "$D"
	done
done
kill $builder
wait $builder 2>/dev/null
[ "$checked" -gt 100 ] || fail "only $checked members checked"
[ "$wrong" -eq 0 ] || fail "$wrong of $checked members match neither version: $(sort "$WORK/wrong" | uniq -c | sort -rn | head -8)"
daemon_alive "$M" || fail "sigfs died"
sigfs_umount "$M"
[ "$FAILED" -eq 0 ] && ok "$checked members copied by ${clients[*]} under rebuilds: each one whole version, or flagged by tar ($warned)"
finish
