#!/bin/bash
# -o anchors=FILE, mount and sigfs-export alike: a binary signed (by the test
# signer mksig) with a certificate from a test root made here with the openssl
# command line. Expected lines from VERIFY-NOTES §2.5/§2.6 and SPEC-VERIFY
# ("Trust": user anchors are treated exactly like Apple's):
#  - without the root as an anchor the signature is intact ("valid on disk")
#    but its designated requirement (`anchor apple generic and …`) is not
#    satisfied: -67050 errSecCSReqFailed, `chain fail not-anchored`;
#  - with -o anchors=root.pem: valid, `chain ok anchor="Test Root CA"`;
#  - a missing or certificate-less FILE: one line, exit 2 (export) / 1 (mount).
. "$(dirname "$0")/lib.sh"
require_fuse
require_export
MKSIG=$ROOT/out/tools/mksig
[ -x "$MKSIG" ] || die "$MKSIG not built"

P=$WORK/pki
mkdir -p "$P" "$WORK/src"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/root.key" -out "$P/root.pem" -subj "/CN=Test Root CA" \
	-days 3650 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null ||
	die "openssl root"
openssl req -newkey rsa:2048 -nodes -keyout "$P/leaf.key" -out "$P/leaf.csr" \
	-subj "/CN=Developer ID Application: Test (TEAM123456)/OU=TEAM123456" 2>/dev/null || die "openssl csr"
printf 'extendedKeyUsage=codeSigning\nbasicConstraints=CA:FALSE\n' >"$P/ext"
openssl x509 -req -in "$P/leaf.csr" -CA "$P/root.pem" -CAkey "$P/root.key" -CAcreateserial -out "$P/leaf.pem" \
	-days 365 -extfile "$P/ext" 2>/dev/null || die "openssl leaf"
"$MKSIG" --id com.example.anchored --team TEAM123456 --dr --key "$P/leaf.key" --cert "$P/leaf.pem" \
	--chain "$P/root.pem" "$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node" "$WORK/src/x" ||
	die "mksig"

expect() { # what file want
	local got
	got=$(cat "$2" 2>&1)
	[ "$got" = "$3" ] || fail "$1: $2: got '$got', want '$3'"
}
unanchored() { # dir-of-x.sig
	expect "$2" "$1/x.sig/verify" "x: valid on disk
x: does not satisfy its designated Requirement"
	expect "$2" "$1/x.sig/verify-status" "invalid -67050 errSecCSReqFailed"
	expect "$2" <(grep '^chain ' "$1/x.sig/checks") "chain fail not-anchored"
}
anchored() {
	expect "$2" "$1/x.sig/verify" "x: valid on disk
x: satisfies its Designated Requirement"
	expect "$2" "$1/x.sig/verify-status" "valid"
	expect "$2" <(grep '^chain ' "$1/x.sig/checks") 'chain ok anchor="Test Root CA"'
}

"$SIGFS_EXPORT" -q "$WORK/src" "$WORK/e1" || fail "export without anchors"
unanchored "$WORK/e1" "export"
"$SIGFS_EXPORT" -q -o anchors="$P/root.pem" "$WORK/src" "$WORK/e2" || fail "export -o anchors"
anchored "$WORK/e2" "export -o anchors"

M=$WORK/mnt
sigfs_mount "$M" "$WORK/src" || die "mount"
unanchored "$M" "mount"
sigfs_umount "$M"
sigfs_mount "$M" -o anchors="$P/root.pem" "$WORK/src" || die "mount -o anchors"
anchored "$M" "mount -o anchors"
sigfs_umount "$M"
ok "a test root counts as an anchor only with -o anchors=, in the mount and the export"

"$SIGFS_EXPORT" -q -o anchors="$WORK/nope.pem" "$WORK/src" "$WORK/e3" 2>"$WORK/err"
[ $? -eq 2 ] || fail "export: missing anchors file did not exit 2"
expect "export: missing FILE" "$WORK/err" \
	"sigfs-export: -o anchors=$WORK/nope.pem: No such file or directory; give a readable PEM file of root certificates"
"$SIGFS_EXPORT" -q -o anchors="$P/ext" "$WORK/src" "$WORK/e4" 2>"$WORK/err"
[ $? -eq 2 ] || fail "export: a FILE without certificates did not exit 2"
"$SIGFS" -f -o anchors="$WORK/nope.pem" "$WORK/src" "$M" 2>"$WORK/err"
[ $? -eq 1 ] || fail "mount: missing anchors file did not exit 1"
expect "mount: missing FILE" "$WORK/err" \
	"sigfs: -o anchors=$WORK/nope.pem: No such file or directory; give a readable PEM file of root certificates"
ok "a bad anchors FILE is one line and no mount"
finish
