#!/bin/bash
# Identity and metadata (issue 11): mirrored entries keep SOURCE's inode
# numbers, stable across the kernel dropping its caches, so hard links stay
# hard links (du counts them once, tar stores one copy); virtual entries
# have stable numbers of their own that never equal a mirrored one;
# directory link counts are 2 + subdirectories, the .sig directories the
# mount adds included; extended attributes of SOURCE are mirrored read-only
# and virtual entries have none; virtual directories take the owner-write
# bit of F's directory, so a cp -a copy of them can be deleted. Expected
# values come from SOURCE itself (stat, getfattr) and from counting.
. "$(dirname "$0")/lib.sh"
require_fuse

S=$WORK/src
mkdir -p "$S/d/sub" "$S/ro"
LIB=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib
FSEV=$CORPUS/files/fsevents-universal/fsevents.node
cp "$LIB" "$S/d/F"
ln "$S/d/F" "$S/d/H"
cp "$FSEV" "$S/d/U"
cp "$LIB" "$S/ro/R"
chmod 0555 "$S/ro"
printf 'text\n' >"$S/d/t.txt"
xattrs=1
setfattr -n user.com.apple.quarantine -v '0081;5f0e3a1c;Safari;' "$S/d/F" 2>/dev/null || xattrs=0
setfattr -n user.note -v dir "$S/d" 2>/dev/null || xattrs=0

M=$WORK/mnt
sigfs_mount "$M" -o allow_other "$S" || die "mount" # allow_other: nobody copies below

# stat of F.sig reads no signature: before anything listed it, its link
# count is 1 ("not counted"); loaded, it would be 2 + subdirectories.
[ "$(stat -c %h "$M/d/U.sig")" = 1 ] || fail "stat of d/U.sig loaded its signature (link count $(stat -c %h "$M/d/U.sig"))"

# Inode numbers: SOURCE's, also after the kernel forgets (drop_caches).
for p in d d/F d/H d/U d/t.txt d/sub; do
	[ "$(stat -c %i "$S/$p")" = "$(stat -c %i "$M/$p")" ] || fail "inode of $p: $(stat -c %i "$M/$p"), SOURCE $(stat -c %i "$S/$p")"
done
[ "$(stat -c %h "$M/d/F")" = 2 ] || fail "link count of a hard-linked file: $(stat -c %h "$M/d/F")"
before=$(stat -c %i "$M/d/F.sig/cdhash" "$M/d/U.sig/arm64")
sync
echo 2 >/proc/sys/vm/drop_caches 2>/dev/null || true
[ "$(stat -c %i "$M/d/F.sig/cdhash" "$M/d/U.sig/arm64")" = "$before" ] || fail "virtual inode numbers changed"
[ "$(stat -c %i "$M/d/F")" = "$(stat -c %i "$S/d/F")" ] || fail "inode of d/F after drop_caches"
# du counts the two names of one file once; tar stores a hard link.
[ "$(du -sk "$M/d/F" "$M/d/H" | awk '{s += $1} END {print s}')" = "$(du -sk "$S/d/F" "$S/d/H" | awk '{s += $1} END {print s}')" ] ||
	fail "du counts hard links twice"
tar cf - -C "$M" d/F d/H 2>/dev/null | tar tvf - | grep -q '^h.* d/H link to d/F' || fail "tar did not store d/H as a hard link"
ok "inode numbers and hard links"

# Virtual numbers: distinct from each other and from every mirrored one.
all=$(find "$M" -printf '%i %p\n' | sort)
dups=$(awk '{print $1}' <<<"$all" | sort | uniq -d)
for i in $dups; do # only the two names of one hard-linked file (and their .sig trees) may share
	names=$(awk -v i="$i" '$1 "" == i "" {print $2}' <<<"$all" | sed -E "s#^$M/##; s#(^|/)d/[FH](\.sig|$)#\1d/X\2#" | sort -u | wc -l)
	[ "$names" = 1 ] || fail "inode $i shared by $(awk -v i="$i" '$1 "" == i "" {print $2}' <<<"$all" | tr '\n' ' ')"
done
ok "no inode number collides"

# Link counts: 2 + subdirectories, as find counts them in the mount. F.sig/
# says 1 ("not counted") until its signature is loaded (stat never loads
# it), so wait out the attributes the walks above cached; find's listing
# below loads it.
sleep 1.2
for p in "" d d/sub ro d/F.sig d/U.sig d/U.sig/arm64; do
	want=$((2 + $(find "$M/$p" -mindepth 1 -maxdepth 1 -type d | wc -l)))
	got=$(stat -c %h "$M/$p")
	[ "$got" = "$want" ] || fail "link count of '/$p': $got, want $want"
done
ok "directory link counts"

# Extended attributes: SOURCE's, read-only; none on virtual entries.
if [ $xattrs = 1 ]; then
	[ "$(getfattr --absolute-names -d "$M/d/F" | tail -n +2)" = "$(getfattr --absolute-names -d "$S/d/F" | tail -n +2)" ] ||
		fail "xattrs of d/F: $(getfattr --absolute-names -d "$M/d/F")"
	[ "$(getfattr --absolute-names --only-values -n user.note "$M/d")" = dir ] || fail "xattr of a directory"
	[ -z "$(getfattr --absolute-names -d "$M/d/F.sig/cdhash" "$M/d/F.sig" 2>&1)" ] || fail "virtual entries have xattrs"
	getfattr -n user.com.apple.quarantine "$M/d/F.sig/cdhash" >/dev/null 2>&1 && fail "getxattr on a virtual file"
	setfattr -n user.x -v 1 "$M/d/F" 2>/dev/null && fail "setxattr succeeded"
	ok "extended attributes"
else
	echo "note: $S does not take user xattrs; xattrs not checked"
fi

# Owner-write bit of virtual directories: from F's directory.
[ "$(stat -c %A "$M/d/F.sig")" = drwxr-xr-x ] || fail "d/F.sig mode $(stat -c %A "$M/d/F.sig") (d is writable)"
[ "$(stat -c %A "$M/ro/R.sig")" = dr-xr-xr-x ] || fail "ro/R.sig mode $(stat -c %A "$M/ro/R.sig") (ro is not)"
[ "$(stat -c %A "$M/d/F.sig/cdhash")" = -r--r--r-- ] || fail "cdhash mode $(stat -c %A "$M/d/F.sig/cdhash")"
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	C=$WORK/copy
	mkdir -p "$C" && chown nobody "$C" && chmod 755 "$WORK"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups sh -c "cp -a '$M/d/F.sig' '$C/' && rm -r '$C/F.sig'" ||
		fail "a cp -a copy of d/F.sig cannot be deleted by its owner"
fi
ok "owner-write bit of virtual directories"

sigfs_umount "$M"
finish
