#!/bin/bash
# The mount never leaks what SOURCE hides: .sig files carry only the read
# bits of the file they describe (directories: the matching search bits),
# its owner and group; with -o allow_other sigfs turns on
# default_permissions, so the kernel enforces them for other users.
. "$(dirname "$0")/lib.sh"
require_fuse
require_root
command -v setpriv >/dev/null || skip "no setpriv"
NOBODY=$(id -u nobody 2>/dev/null) || skip "no user nobody"
OTHER=1 # daemon: a second unprivileged user

S=$WORK/src
mkdir -p "$S"
LIB=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib
cp "$LIB" "$S/nobody-private"     # 0600 nobody: nobody reads, others do not
cp "$LIB" "$S/root-private"       # 0600 root: nobody does not read
cp "$LIB" "$S/public"             # 0755 root: everyone reads
cp "$LIB" "$S/group-only"         # 0640 root:nogroup
chown nobody "$S/nobody-private"
chmod 0600 "$S/nobody-private" "$S/root-private"
chmod 0755 "$S/public"
chgrp "$(id -g nobody)" "$S/group-only"
chmod 0640 "$S/group-only"

as() { # as UID COMMAND...
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$(id -g "$uid" 2>/dev/null || echo "$uid")" --init-groups "$@" 2>/dev/null ||
		setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
can_read() { as "$1" cat "$2" >/dev/null 2>&1; }

M=$WORK/mnt
sigfs_mount "$M" -o allow_other "$S" || die "mount -o allow_other"
grep -q "$M .*default_permissions" /proc/mounts || fail "allow_other without default_permissions"

# Modes: the read bits of the file; directories add the search bits and the
# owner-write bit of F's directory (SOURCE here: 0755, so u+w).
expect_mode() { # PATH MODE OWNER
	local got
	got=$(stat -c '%a %U' "$M/$1")
	[ "$got" = "$2 $3" ] || fail "$1: mode/owner $got, want $2 $3"
}
expect_mode nobody-private 600 nobody
expect_mode nobody-private.sig 700 nobody
expect_mode nobody-private.sig/status 400 nobody
expect_mode nobody-private.sig/cdhash 400 nobody
expect_mode root-private.sig 700 root
expect_mode root-private.sig/cdhash 400 root
expect_mode public.sig 755 root
expect_mode public.sig/cdhash 444 root
expect_mode group-only.sig 750 root
expect_mode group-only.sig/cdhash 440 root
# No write or exec bits on any virtual file, whatever the source had.
bad=$(find "$M"/*.sig -type f -perm /0333 | head -3)
[ -z "$bad" ] || fail "virtual files with write/exec bits: $bad"

# Access as other users.
can_read "$NOBODY" "$M/nobody-private" && ok "nobody reads its own file" || fail "nobody cannot read its own file"
can_read "$NOBODY" "$M/nobody-private.sig/cdhash" || fail "nobody cannot read its own .sig/cdhash"
can_read "$OTHER" "$M/nobody-private" && fail "uid $OTHER reads nobody's 0600 file"
can_read "$OTHER" "$M/nobody-private.sig/cdhash" && fail "uid $OTHER reads nobody's .sig/cdhash"
as "$OTHER" ls "$M/nobody-private.sig" >/dev/null 2>&1 && fail "uid $OTHER lists nobody's .sig"
can_read "$NOBODY" "$M/root-private" && fail "nobody reads root's 0600 file"
can_read "$NOBODY" "$M/root-private.sig/status" && fail "nobody reads root's .sig/status"
can_read "$NOBODY" "$M/root-private.sig/cdhash" && fail "nobody reads root's .sig/arm64/cdhash"
can_read "$NOBODY" "$M/public.sig/cdhash" || fail "nobody cannot read public.sig/cdhash"
can_read "$OTHER" "$M/public.sig/cdhash" || fail "uid $OTHER cannot read public.sig/cdhash"
can_read "$NOBODY" "$M/group-only.sig/cdhash" || fail "group member cannot read group-only.sig/cdhash"
can_read "$OTHER" "$M/group-only.sig/cdhash" && fail "non-member reads group-only.sig/cdhash"
# Content read by the owner equals what root reads.
[ "$(as "$NOBODY" cat "$M/nobody-private.sig/cdhash")" = "$(cat "$M/nobody-private.sig/cdhash")" ] ||
	fail "nobody reads different content"
sigfs_umount "$M"

# Without allow_other nobody but the mounting user gets in at all (FUSE).
sigfs_mount "$M" "$S" || die "mount"
can_read "$NOBODY" "$M/public" && fail "nobody reads a mount without allow_other"
sigfs_umount "$M"

[ "$FAILED" -eq 0 ] && ok "permissions follow SOURCE"
finish
