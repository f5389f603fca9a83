#!/bin/bash
# A Developer ID app built and signed here the way Apple's tools do it, inside
# out, with an embedded provisioning profile: the executable by clang-14 and
# ld64.lld-14, CodeResources by tests/tools/mkresources.py, the signature by
# tests/tools/mksig (hardened runtime, timestamp, XML and DER entitlements,
# Info.plist and CodeResources bound), the profile and certificates by
# tests/unit/data/make-profiles.sh. Checked through the mount: the
# entitlements-check and audit lines for a build whose entitlements the
# profile allows, and for one with the Mac App Store spelling of the network
# extension. Expected lines follow from what was signed (the entitlements
# below, the profile's, openssl's fingerprint); none comes from sigfs.
. "$(dirname "$0")/lib.sh"
require_fuse
CLANG=${CLANG:-clang-14}
LD64=${LD64:-ld64.lld-14}
MKSIG=$ROOT/out/tools/mksig
for t in "$CLANG" "$LD64" python3; do command -v "$t" >/dev/null || skip "$t not found"; done
[ -x "$MKSIG" ] || skip "build out/tools/mksig first"

P=$WORK/profiles
mkdir -p "$P"
sh "$ROOT/tests/unit/data/make-profiles.sh" "$P" >/dev/null 2>&1 || die "make-profiles.sh"
printf 'int main(void) { return 0; }\n' >"$WORK/main.c"
"$CLANG" -target arm64-apple-macos11 -c "$WORK/main.c" -o "$WORK/main.o" || die "clang"
"$LD64" -arch arm64 -platform_version macos 11.0 11.0 -execute "$WORK/main.o" "$ROOT/tests/fixtures/libSystem.tbd" \
	-o "$WORK/exe" || die "ld64.lld"

# build NAME NETWORK-EXTENSION-VALUE: SOURCE/NAME/A.app, signed
build() {
	local A=$WORK/src/$1/A.app
	mkdir -p "$A/Contents/MacOS"
	cat >"$A/Contents/Info.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>A</string>
	<key>CFBundleIdentifier</key>
	<string>com.example.app</string>
	<key>CFBundlePackageType</key>
	<string>APPL</string>
</dict>
</plist>
EOF
	cat >"$WORK/$1.entitlements" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>com.apple.application-identifier</key>
	<string>TEAM1234AB.com.example.app</string>
	<key>com.apple.developer.networking.networkextension</key>
	<array>
		<string>$2</string>
	</array>
	<key>com.apple.developer.team-identifier</key>
	<string>TEAM1234AB</string>
	<key>com.apple.security.app-sandbox</key>
	<true/>
	<key>keychain-access-groups</key>
	<array>
		<string>TEAM1234AB.com.example.shared</string>
	</array>
</dict>
</plist>
EOF
	cp "$P/mac.der" "$A/Contents/embedded.provisionprofile"
	cp "$WORK/exe" "$A/Contents/MacOS/A"
	python3 "$ROOT/tests/tools/mkresources.py" "$A" MacOS/A || die "mkresources"
	"$MKSIG" --id com.example.app --team TEAM1234AB --flags 0x10000 --runtime 0x0e0000 \
		--ent-xml "$WORK/$1.entitlements" --ent-der --info-plist "$A/Contents/Info.plist" \
		--resources "$A/Contents/_CodeSignature/CodeResources" --key "$P/dev.key" --cert "$P/dev.pem" \
		--chain "$P/root.pem" --time 2024-01-02T03:04:05Z --tsa-key "$P/tsa.key" --tsa-cert "$P/tsa.pem" \
		"$WORK/exe" "$A/Contents/MacOS/A.signed" || die "mksig"
	mv "$A/Contents/MacOS/A.signed" "$A/Contents/MacOS/A"
}
build good packet-tunnel-provider-systemextension
build mas packet-tunnel-provider
# a stapled ticket for the good build (outside the seal, as stapler writes it)
printf 's8ch test ticket' >"$WORK/src/good/A.app/Contents/CodeResources"

M=$WORK/mnt
sigfs_mount "$M" "$WORK/src" || die "mount"

check="allowed com.apple.application-identifier
allowed com.apple.developer.networking.networkextension
allowed com.apple.developer.team-identifier
exempt com.apple.security.app-sandbox
allowed keychain-access-groups
certificate in-profile $(cat "$P/dev.sha256")
expired no 2049-01-01T00:00:00Z
app-id ok TEAM1234AB.com.example.app TEAM1234AB.com.example.app
team ok TEAM1234AB TEAM1234AB"
got=$(cat "$M/good/A.app.sig/provisioning/entitlements-check")
[ "$got" = "$check" ] || fail "good: entitlements-check: $got"
# the mount has no -o anchors= yet, so the test CA's profile signature is not
# trusted: that is the only finding of the good build
want="error profile-not-matching good/A.app/Contents/embedded.provisionprofile: the provisioning profile's signature is not valid (not-anchored); download it again"
got=$(cat "$M/good/A.app.sig/audit")
[ "$got" = "$want" ] || fail "good: audit: $got"
ok "a Developer ID app its profile allows"

got=$(cat "$M/mas/A.app.sig/provisioning/entitlements-check")
[ "$got" = "${check/allowed com.apple.developer.networking.networkextension/not-allowed com.apple.developer.networking.networkextension packet-tunnel-provider}" ] ||
	fail "mas: entitlements-check: $got"
want="error needs-systemextension-suffix mas/A.app/Contents/MacOS/A: com.apple.developer.networking.networkextension has packet-tunnel-provider, the Mac App Store spelling; a Developer ID build needs packet-tunnel-provider-systemextension
error entitlement-not-in-profile mas/A.app/Contents/MacOS/A: entitlement com.apple.developer.networking.networkextension is not allowed by mas/A.app/Contents/embedded.provisionprofile; add the capability to the App ID and regenerate the profile (else the app is killed at launch)
error profile-not-matching mas/A.app/Contents/embedded.provisionprofile: the provisioning profile's signature is not valid (not-anchored); download it again
note not-stapled mas/A.app: no stapled notarization ticket; after notarization run \`xcrun stapler staple\` so Gatekeeper can check it offline"
got=$(cat "$M/mas/A.app.sig/audit")
[ "$got" = "$want" ] || fail "mas: audit: $got"
ok "the Mac App Store spelling in a Developer ID build"
finish
