#!/bin/bash
# Provisioning profiles and the audit through the mount: P.sig/ beside a
# profile made by tests/unit/data/make-profiles.sh (openssl cms -sign), and
# B.sig/provisioning/ and B.sig/audit of an app made of corpus files that
# embeds it. Expected values: the plist and certificates the script wrote,
# its `openssl x509 -fingerprint -sha256`, tests/corpus/MANIFEST.tsv (libffi:
# Developer ID; sharp: linker-signed; fsevents: x86_64 unsigned) and the
# corpus expectations (libffi's leaf fingerprint and team).
. "$(dirname "$0")/lib.sh"
require_fuse

P=$WORK/profiles
mkdir -p "$P"
sh "$ROOT/tests/unit/data/make-profiles.sh" "$P" >/dev/null 2>&1 || die "make-profiles.sh"

S=$WORK/src
A=$S/A.app/Contents
mkdir -p "$A/MacOS" "$A/Frameworks"
cp "$P/mac.der" "$S/Team.provisionprofile"
cp "$P/mac.der" "$A/embedded.provisionprofile"
cp "$CORPUS/files/codex-libffi-dylib/libffi.8.dylib" "$A/MacOS/A"
cp "$CORPUS/files/sharp-node-arm64/sharp-darwin-arm64.node" "$A/Frameworks/sharp.node"
cp "$CORPUS/files/fsevents-universal/fsevents.node" "$A/Frameworks/fsevents.node"
cat >"$A/Info.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>CFBundleExecutable</key><string>A</string><key>CFBundleIdentifier</key><string>com.example.app</string><key>CFBundlePackageType</key><string>APPL</string></dict></plist>
EOF

M=$WORK/mnt
sigfs_mount "$M" "$S" || die "mount"

# P.sig/
[ "$(ls "$M/Team.provisionprofile.sig" | tr '\n' ' ')" = "certificates.pem entitlements.plist profile.plist summary " ] ||
	fail "P.sig listing: $(ls "$M/Team.provisionprofile.sig" | tr '\n' ' ')"
cmp -s "$M/Team.provisionprofile.sig/profile.plist" "$P/mac.plist" || fail "profile.plist is not the signed plist"
cmp -s "$M/Team.provisionprofile.sig/certificates.pem" "$P/dev.pem" || fail "certificates.pem is not dev.pem"
grep -qx "DeveloperCertificate=$(cat "$P/dev.sha256")" "$M/Team.provisionprofile.sig/summary" ||
	fail "summary: no DeveloperCertificate line: $(cat "$M/Team.provisionprofile.sig/summary")"
# the test CA is no anchor of the mount: the chain is judged like code's
grep -qx "Signature=fail not-anchored" "$M/Team.provisionprofile.sig/summary" || fail "summary: Signature line"
grep -qx "ExpirationDate=2049-01-01T00:00:00Z" "$M/Team.provisionprofile.sig/summary" || fail "summary: ExpirationDate"
ok "P.sig"

# B.sig/provisioning/
[ "$(ls "$M/A.app.sig/provisioning" | tr '\n' ' ')" = \
	"certificates.pem entitlements-check entitlements.plist profile.plist summary " ] ||
	fail "provisioning listing: $(ls "$M/A.app.sig/provisioning" | tr '\n' ' ')"
want="certificate not-in-profile b56f50f76177f32bcd23ef1bf0a2ecde5dcf1ced0e2296b5b20f812926cd8480
expired no 2049-01-01T00:00:00Z
app-id mismatch TEAM1234AB.com.example.app -
team mismatch TEAM1234AB 2DC432GLL2"
[ "$(cat "$M/A.app.sig/provisioning/entitlements-check")" = "$want" ] ||
	fail "entitlements-check: $(cat "$M/A.app.sig/provisioning/entitlements-check")"
ok "B.sig/provisioning"

# audit: expensive (st_size 0), whole content on read
[ "$(stat -c %s "$M/A.app.sig/audit")" = 0 ] || fail "B.sig/audit st_size is not 0"
want='error unsigned-nested A.app/Contents/Frameworks/fsevents.node: an unsigned Mach-O inside the bundle; every Mach-O must be signed, inside out ("The binary is not signed")
error adhoc-nested A.app/Contents/Frameworks/sharp.node: linker-signed inside a signed bundle; sign it with the bundle'"'"'s Developer ID, inside out, before the bundle ("The binary is not signed with a valid Developer ID certificate")
error profile-not-matching A.app/Contents/MacOS/A: signed with a certificate the provisioning profile does not list; sign with one of its DeveloperCertificates or regenerate the profile with this certificate
error profile-not-matching A.app/Contents/embedded.provisionprofile: the provisioning profile'"'"'s signature is not valid (not-anchored); download it again
note not-stapled A.app: no stapled notarization ticket; after notarization run `xcrun stapler staple` so Gatekeeper can check it offline'
[ "$(cat "$M/A.app.sig/audit")" = "$want" ] || fail "B.sig/audit: $(cat "$M/A.app.sig/audit")"
want='error not-developer-id A.app/Contents/Frameworks/sharp.node: linker-signed, not with a Developer ID Application certificate; sign it with one ("The binary is not signed with a valid Developer ID certificate")'
[ "$(cat "$M/A.app/Contents/Frameworks/sharp.node.sig/audit")" = "$want" ] ||
	fail "F.sig/audit: $(cat "$M/A.app/Contents/Frameworks/sharp.node.sig/audit")"
[ -z "$(cat "$M/A.app/Contents/MacOS/A.sig/audit")" ] || fail "libffi's F.sig/audit is not empty"
# a profile replaced deep inside the bundle shows at the next read of audit
cp "$P/expired.der" "$A/embedded.provisionprofile"
grep -qxF "error profile-expired A.app/Contents/embedded.provisionprofile: the provisioning profile expired on 2022-07-23T14:30:34Z; download a current one and re-sign (the app will not launch)" \
	"$M/A.app.sig/audit" || fail "B.sig/audit after the profile expired: $(cat "$M/A.app.sig/audit")"
cp "$P/mac.der" "$A/embedded.provisionprofile"
ok "audit"

# sigfs-audit over the tree (through sigfs-export): a bundle's audit stands
# for everything inside it, so the gate prints the B.sig/audit lines once.
"$ROOT/mountscripts/sigfs-audit" "$S" >"$WORK/gate"
rc=$?
[ $rc -eq 1 ] || fail "sigfs-audit exit $rc"
[ "$(cat "$WORK/gate")" = "$(cat "$M/A.app.sig/audit")" ] || fail "sigfs-audit: $(cat "$WORK/gate")"
ok "sigfs-audit"
finish
