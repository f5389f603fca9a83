#!/bin/bash
# Scenario 2: hostile shapes of SOURCE.
#   - unreadable files and directories (mode 000): with the daemon as root,
#     root sees everything and nobody (allow_other) gets EACCES on the file,
#     its .sig and the directory; with a daemon that cannot read them (root
#     without CAP_DAC_OVERRIDE/READ_SEARCH: /dev/fuse is 0600 here), the mount shows
#     the names, EACCES on reading, and no .sig for a file it cannot probe;
#   - symlink loops (a -> b -> a, self -> self): readlink gives the stored
#     target, following gives ELOOP, no .sig, find terminates;
#   - a directory of 50,000 entries: readdir complete (every name once, plus
#     the .sig of each Mach-O among them), `find | wc -l` right, in bounded time;
#   - paths near and past PATH_MAX: a Mach-O 15 levels of 250-character
#     names deep reads through a full path; 18 levels deep, the full path
#     gives ENAMETOOLONG cleanly and a walk by directory fds reads its .sig;
#     a 251-character Mach-O name gets NAME.sig (255), a 252-character one
#     cannot and has none;
#   - names with a newline, invalid UTF-8 bytes, NFC and NFD spellings of
#     the same name side by side: all listed, each maps to its own file and
#     its .sig equals sigfs-export's.
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
require_root
require_python
command -v setpriv >/dev/null || skip "no setpriv"
NOBODY=$(id -u nobody 2>/dev/null) || skip "no user nobody"
NOGROUP=$(id -g nobody)
as_nobody() { setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups "$@"; }
# errno_of CMD...: the strerror text of a failing command ("ok" if it worked).
errno_of() {
	local out
	if out=$("$@" 2>&1 >/dev/null); then echo ok; else sed -n '1s/.*: //p' <<<"$out"; fi
}
expect_err() { # WANT DESC CMD...
	local want=$1 desc=$2 got
	shift 2
	got=$(errno_of "$@")
	[ "$got" = "$want" ] || fail "$desc: got '$got', want '$want'"
}

LIB=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib
make_variants "$LIB" 40 "$WORK/var" || die "variants"
var() { echo "$WORK/var/v$(printf %04d "$1")"; }

S=$WORK/src
mkdir -p "$S"
chmod 755 "$S"

# --- unreadable -----------------------------------------------------------------
cp "$(var 0)" "$S/f000"
chmod 000 "$S/f000"
mkdir -p "$S/dir000"
cp "$(var 1)" "$S/dir000/inner.dylib"
chmod 000 "$S/dir000"
cp "$(var 2)" "$S/readable.dylib"
chmod 644 "$S/readable.dylib"

# --- symlink loops ------------------------------------------------------------
mkdir -p "$S/loops"
ln -s b "$S/loops/a"
ln -s a "$S/loops/b"
ln -s self "$S/loops/self"

# --- names -------------------------------------------------------------------------
mkdir -p "$S/names"
NL=$'new\nline.dylib'
BAD=$'bad-\xff\xfe-utf8.dylib'
NFC=$'caf\xc3\xa9.dylib'
NFD=$'cafe\xcc\x81.dylib'
cp "$(var 10)" "$S/names/$NL"
cp "$(var 11)" "$S/names/$BAD"
cp "$(var 12)" "$S/names/$NFC"
cp "$(var 13)" "$S/names/$NFD"

# --- long paths -------------------------------------------------------------------
C250=$(printf 'd%.0s' $(seq 250))
python3 - "$S/deep" "$C250" "$(var 20)" "$(var 21)" <<'PY'
import os, sys, shutil
root, comp, m15, m18 = sys.argv[1:]
os.makedirs(root)
fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
for depth in range(1, 19):
    os.mkdir(comp, dir_fd=fd)
    nfd = os.open(comp, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
    if depth in (15, 18):
        src = m15 if depth == 15 else m18
        out = os.open("f.dylib", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, open(src, "rb").read())
        os.close(out)
PY
mkdir -p "$S/longnames"
N251=$(printf 'n%.0s' $(seq 245)).dylib # 251 characters: NAME.sig has 255
N252=$(printf 'n%.0s' $(seq 246)).dylib # 252: NAME.sig would have 256
cp "$(var 22)" "$S/longnames/$N251"
cp "$(var 23)" "$S/longnames/$N252"

# --- 50,000 entries -------------------------------------------------------------
BIGN=50000
BIGM=20 # Mach-Os among them
t=$(now_ms)
python3 - "$S/big" $BIGN $BIGM "$WORK/var" <<'PY'
import os, sys
d, n, m, var = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(d)
for i in range(n - m):
    open(os.path.join(d, "e%05d.txt" % i), "wb").close()
for i in range(m):
    data = open(os.path.join(var, "v%04d" % (24 + i % 16)), "rb").read()
    open(os.path.join(d, "m%05d.dylib" % i), "wb").write(data)
PY
echo "made $BIGN entries in $(secs_since "$t") s"

# Reference: what sigfs-export writes for the same tree (as root: all of it).
E=$WORK/export
"$SIGFS_EXPORT" -q "$S" "$E" 2>"$WORK/export.stderr"
[ -d "$E/names" ] || die "sigfs-export: $(cat "$WORK/export.stderr")"

M=$WORK/mnt
sigfs_mount "$M" -o allow_other "$S" || die "mount"

# --- unreadable, daemon root ---
[ "$(cat "$M/f000.sig/identifier")" = "$(cat "$E/f000.sig/identifier")" ] ||
	fail "root: f000.sig/identifier"
ls "$M/dir000" | grep -qx inner.dylib.sig || fail "root: dir000 lacks inner.dylib.sig"
expect_err "Permission denied" "nobody: cat f000" as_nobody cat "$M/f000"
expect_err "Permission denied" "nobody: cat f000.sig/status" as_nobody cat "$M/f000.sig/status"
expect_err "Permission denied" "nobody: ls f000.sig" as_nobody ls "$M/f000.sig"
expect_err "Permission denied" "nobody: ls dir000" as_nobody ls "$M/dir000"
expect_err "Permission denied" "nobody: cat dir000/inner.dylib.sig/status" \
	as_nobody cat "$M/dir000/inner.dylib.sig/status"
expect_err ok "nobody: cat readable.dylib.sig/cdhash" as_nobody cat "$M/readable.dylib.sig/cdhash"
[ "$FAILED" -eq 0 ] && ok "mode 000: root reads, nobody gets EACCES (daemon as root)"

# --- symlink loops ---
[ "$(readlink "$M/loops/a")" = b ] && [ "$(readlink "$M/loops/self")" = self ] || fail "readlink of loops"
expect_err "Too many levels of symbolic links" "cat loops/a" cat "$M/loops/a"
expect_err "Too many levels of symbolic links" "cat loops/self" cat "$M/loops/self"
expect_err "No such file or directory" "stat loops/a.sig" stat "$M/loops/a.sig"
n=$(timeout 20 find "$M/loops" | wc -l)
[ "$n" = 4 ] || fail "find loops: $n entries (want 4)"
n=$(timeout 20 find -L "$M/loops" 2>/dev/null | wc -l)
want=$(find -L "$S/loops" 2>/dev/null | wc -l)
[ "$n" = "$want" ] || fail "find -L loops: $n entries (SOURCE: $want)"
ok "symlink loops: readlink exact, ELOOP when followed, find terminates"

# --- names ---
py_names=$(python3 -c 'import os,sys; print(len(os.listdir(os.fsencode(sys.argv[1]))))' "$M/names")
[ "$py_names" = 8 ] || fail "names: $py_names entries listed (want 4 files + 4 .sig)"
for nm in "$NL" "$BAD" "$NFC" "$NFD"; do
	shown=$(printf %q "$nm")
	[ -f "$M/names/$nm" ] && [ -d "$M/names/$nm.sig" ] || { fail "names: $shown or its .sig missing"; continue; }
	cmp -s "$S/names/$nm" "$M/names/$nm" || fail "names: $shown maps to other content"
	diff -r "$E/names/$nm.sig" "$M/names/$nm.sig" >/dev/null 2>&1 || fail "names: $shown.sig differs from export"
done
[ "$(cat "$M/names/$NFC.sig/identifier")" != "$(cat "$M/names/$NFD.sig/identifier")" ] ||
	fail "NFC and NFD names show the same identifier"
[ "$FAILED" -eq 0 ] && ok "names with newline, invalid UTF-8, NFC and NFD: each its own file and .sig"

# --- long paths ---
P15=deep$(printf "/$C250%.0s" $(seq 15))
echo "depth-15 path: ${#P15} characters below the mount (${#M} more above)"
[ "$(cat "$M/$P15/f.dylib.sig/cdhash" 2>&1)" = "$(cat "$E/$P15/f.dylib.sig/cdhash")" ] ||
	fail "depth 15: f.dylib.sig/cdhash through a full path"
P18=deep$(printf "/$C250%.0s" $(seq 18))
expect_err "File name too long" "depth 18 by a full path" cat "$M/$P18/f.dylib.sig/cdhash"
# sigfs-export itself says "path too long" for it: export the file alone.
"$SIGFS_EXPORT" -q "$(var 21)" "$WORK/export21" || fail "export of the depth-18 file"
got=$(python3 - "$M" "$WORK/export21/v0021.sig/cdhash" "$C250" <<'PY'
import os, sys
m, want, comp = sys.argv[1:]
out = []
try:
    fd = os.open(os.path.join(m, "deep"), os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(18):
        nfd = os.open(comp, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    out.append(" ".join(sorted(os.listdir(fd))))
    got = os.read(os.open("f.dylib.sig/cdhash", os.O_RDONLY, dir_fd=fd), 100)
    want = open(want, "rb").read()
    out.append("same" if got == want else "differs: %r %r" % (got, want))
except OSError as x:
    out.append("error: %s" % x)
print("; ".join(out))
PY
)
case $got in
"f.dylib f.dylib.sig; same") ok "depth 18 ($((18 * 251 + 4)) characters): walk by fds lists and reads its .sig" ;;
*"File name too long"*) ok "depth 18: ENAMETOOLONG cleanly ($got)" ;;
*) fail "depth 18 by fds: $got" ;;
esac
n_src=$(find "$S/deep" | wc -l)
n_mnt=$(timeout 60 find "$M/deep" -not -path '*.sig/*' -not -name '*.sig' | wc -l)
[ "$n_src" = "$n_mnt" ] || fail "find deep: $n_mnt entries, SOURCE has $n_src"
[ -d "$M/longnames/$N251.sig" ] && [ "$(cat "$M/longnames/$N251.sig/cdhash")" = "$(cat "$E/longnames/$N251.sig/cdhash")" ] ||
	fail "251-character name: no or wrong .sig"
ls "$M/longnames" | grep -q "^$N252.s" && fail "252-character name lists a .sig"
expect_err "File name too long" "stat 252-character NAME.sig" stat "$M/longnames/$N252.sig"
[ "$(cat "$M/longnames/$N252" | cmp - "$S/longnames/$N252" && echo same)" = same ] || fail "252-character name content"
[ "$FAILED" -eq 0 ] && ok "long paths and names"

# --- 50,000 entries ---
t=$(now_ms)
n=$(ls -f "$M/big" | wc -l)
dt=$(secs_since "$t")
want=$((BIGN + BIGM + 2))
[ "$n" = "$want" ] || fail "big: ls -f listed $n names, want $want"
echo "figure: $BIGN entries (+$BIGM .sig) listed in $dt s (first readdir)"
t=$(now_ms)
diff <(ls -f "$M/big" | grep -v '\.sig$' | LC_ALL=C sort) <(ls -f "$S/big" | LC_ALL=C sort) >/dev/null ||
	fail "big: names differ from SOURCE"
[ "$(ls -f "$M/big" | grep -c '\.dylib\.sig$')" = $BIGM ] || fail "big: not $BIGM .sig entries"
echo "figure: listed twice more in $(secs_since "$t") s"
t=$(now_ms)
n=$(timeout 300 find "$M/big" | wc -l)
want=$((1 + BIGN + $(find "$E/big" -path '*.sig*' | wc -l)))
[ "$n" = "$want" ] || fail "big: find | wc -l = $n, want $want"
dt=$(secs_since "$t")
echo "figure: find over $n paths in $dt s"
[ "${dt%.*}" -lt 120 ] || fail "find in the big directory took $dt s"
[ "$FAILED" -eq 0 ] && ok "50,000 entries: readdir complete, find count right"
daemon_alive "$M" || fail "daemon died"
sigfs_umount "$M"

# --- unreadable, daemon without the DAC bypass ---
# A daemon that cannot read everything: root with CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH dropped from its bounding set (it still opens
# /dev/fuse, mode 600 here, and mounts), so mode 000 stops it as it would
# stop an ordinary user's daemon.
M2=$WORK/mnt-nodac
SIGFS_WRAPPER="setpriv --bounding-set -dac_override,-dac_read_search"
sigfs_mount "$M2" "$S" || die "mount without the DAC capabilities"
SIGFS_WRAPPER=
grep -q '^CapEff:.*' "/proc/${PIDS[$M2]}/status" &&
	[ $((0x$(awk '/^CapEff/ { print $2 }' "/proc/${PIDS[$M2]}/status") & 6)) = 0 ] ||
	fail "the daemon still has CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH"
ls "$M2" | grep -qx f000 || fail "no-DAC daemon: f000 not listed"
ls "$M2" | grep -qx f000.sig && fail "no-DAC daemon: a .sig for a file it cannot read"
expect_err "Permission denied" "no-DAC daemon: cat f000" cat "$M2/f000"
expect_err "No such file or directory" "no-DAC daemon: stat f000.sig" stat "$M2/f000.sig"
expect_err "Permission denied" "no-DAC daemon: ls dir000" ls "$M2/dir000"
expect_err "Permission denied" "no-DAC daemon: cat dir000/inner.dylib.sig/status" \
	cat "$M2/dir000/inner.dylib.sig/status"
[ "$(cat "$M2/readable.dylib.sig/cdhash")" = "$(cat "$E/readable.dylib.sig/cdhash")" ] ||
	fail "no-DAC daemon: readable.dylib.sig/cdhash"
daemon_alive "$M2" || fail "no-DAC daemon died"
sigfs_umount "$M2"
[ "$FAILED" -eq 0 ] && ok "mode 000 with a daemon that cannot read it: listed, EACCES, no .sig"
finish
