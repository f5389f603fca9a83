#!/bin/sh
# Make provisioning profiles for tests/unit/test_profile.c with the openssl
# command line only (OpenSSL 3), as Apple's are made: a CMS SignedData with
# the XML plist attached (TN3125). Usage: make-profiles.sh OUTDIR
#
# Writes into OUTDIR (which must exist):
#   root.pem            test CA (EC P-256), given to the parser as an anchor
#   signer.pem          the profile signer, issued by root
#   other-root.pem other-signer.pem   a second CA nobody trusts, and its signer
#   dev.pem dev.key dev.der dev.sha256   the developer certificate the profiles
#                       list, a Developer ID Application one (Apple's marker
#                       extension 1.2.840.113635.100.6.1.13); dev.sha256:
#                       `openssl x509 -fingerprint -sha256`, hex
#   tsa.pem tsa.key     a time-stamping authority issued by root
#   stranger.pem stranger.sha256 a developer certificate no profile lists
#   mac.plist mac.der   macOS Developer ID style: Platform OSX,
#                       ProvisionsAllDevices, network extension
#                       (-systemextension values), keychain group TEAM.*,
#                       application identifier TEAM1234AB.com.example.app,
#                       expires 2049-01-01
#   ios.plist ios.der   iOS development style: Platform iOS, three devices,
#                       wildcard app id TEAM1234AB.*, keychain groups
#                       TEAM1234AB.*, app groups group.com.example.shared,
#                       get-task-allow true, aps-environment development
#   expired.plist expired.der   as mac, ExpirationDate 2022-07-23T14:30:34Z
#   untrusted.der       mac.plist signed by other-signer (chain ends at
#                       other-root, not an anchor)
#   detached.der        mac.plist signed detached (no attached content)
set -eu

out=${1:?usage: make-profiles.sh OUTDIR}
cd "$out"
ossl=${OPENSSL:-openssl}

key() { $ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
selfca() {
	key "$1"
	$ossl req -new -x509 -key "$1.key" -subj "$2" -days 3650 -out "$1.pem" \
		-addext 'basicConstraints=critical,CA:true' -addext 'keyUsage=critical,keyCertSign'
}
issue() { # name subject issuer [extension lines]
	key "$1"
	$ossl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "${4:-keyUsage=digitalSignature}" >"$1.ext"
	$ossl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -days 3650 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

selfca root "/CN=Test Profile Root CA/O=sigfs tests"
issue signer "/CN=Test Provisioning Profile Signing/O=sigfs tests" root
selfca other-root "/CN=Untrusted Root/O=elsewhere"
issue other-signer "/CN=Untrusted Profile Signing/O=elsewhere" other-root
issue dev "/UID=ABCDEF1234/CN=Developer ID Application: Example Corp (TEAM1234AB)/OU=TEAM1234AB/O=Example Corp" root \
	"$(printf 'extendedKeyUsage=codeSigning\n1.2.840.113635.100.6.1.13=ASN1:NULL')"
issue tsa "/CN=Test Timestamp Authority/O=sigfs tests" root 'extendedKeyUsage=critical,timeStamping'
issue stranger "/CN=Apple Development: Someone Else (ZZZZ999999)/OU=ZZZZ999999/O=Someone Else" root
$ossl x509 -in dev.pem -outform DER -out dev.der
for c in dev stranger; do
	$ossl x509 -in $c.pem -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' >$c.sha256
done
devb64=$(base64 -w0 dev.der)

head='<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>'

mac() { # expiration
	cat <<EOF
$head
	<key>AppIDName</key>
	<string>Example App</string>
	<key>ApplicationIdentifierPrefix</key>
	<array>
		<string>TEAM1234AB</string>
	</array>
	<key>CreationDate</key>
	<date>2021-07-23T14:30:34Z</date>
	<key>DeveloperCertificates</key>
	<array>
		<data>$devb64</data>
	</array>
	<key>Entitlements</key>
	<dict>
		<key>com.apple.application-identifier</key>
		<string>TEAM1234AB.com.example.app</string>
		<key>com.apple.developer.networking.networkextension</key>
		<array>
			<string>packet-tunnel-provider-systemextension</string>
			<string>app-proxy-provider-systemextension</string>
		</array>
		<key>com.apple.developer.team-identifier</key>
		<string>TEAM1234AB</string>
		<key>keychain-access-groups</key>
		<array>
			<string>TEAM1234AB.*</string>
		</array>
	</dict>
	<key>ExpirationDate</key>
	<date>$1</date>
	<key>IsXcodeManaged</key>
	<false/>
	<key>Name</key>
	<string>Example App Developer ID</string>
	<key>Platform</key>
	<array>
		<string>OSX</string>
	</array>
	<key>ProfileDistributionType</key>
	<string>DIRECT</string>
	<key>ProvisionsAllDevices</key>
	<true/>
	<key>TeamIdentifier</key>
	<array>
		<string>TEAM1234AB</string>
	</array>
	<key>TeamName</key>
	<string>Example Corp</string>
	<key>TimeToLive</key>
	<integer>3650</integer>
	<key>UUID</key>
	<string>6f1c4a0e-1111-4222-8333-944455566677</string>
	<key>Version</key>
	<integer>1</integer>
</dict>
</plist>
EOF
}

mac 2049-01-01T00:00:00Z >mac.plist
mac 2022-07-23T14:30:34Z >expired.plist
cat >ios.plist <<EOF
$head
	<key>AppIDName</key>
	<string>Wildcard</string>
	<key>ApplicationIdentifierPrefix</key>
	<array>
		<string>TEAM1234AB</string>
	</array>
	<key>CreationDate</key>
	<date>2024-01-02T03:04:05Z</date>
	<key>DeveloperCertificates</key>
	<array>
		<data>$devb64</data>
	</array>
	<key>Entitlements</key>
	<dict>
		<key>application-identifier</key>
		<string>TEAM1234AB.*</string>
		<key>aps-environment</key>
		<string>development</string>
		<key>com.apple.developer.team-identifier</key>
		<string>TEAM1234AB</string>
		<key>com.apple.security.application-groups</key>
		<array>
			<string>group.com.example.shared</string>
		</array>
		<key>get-task-allow</key>
		<true/>
		<key>keychain-access-groups</key>
		<array>
			<string>TEAM1234AB.*</string>
			<string>com.apple.token</string>
		</array>
	</dict>
	<key>ExpirationDate</key>
	<date>2049-02-03T04:05:06Z</date>
	<key>Name</key>
	<string>iOS Team Provisioning Profile: *</string>
	<key>Platform</key>
	<array>
		<string>iOS</string>
		<string>xrOS</string>
		<string>visionOS</string>
	</array>
	<key>ProvisionedDevices</key>
	<array>
		<string>00008030-001A2B3C4D5E6F70</string>
		<string>00008101-000A1B2C3D4E5F60</string>
		<string>a1b2c3d4e5f60718293a4b5c6d7e8f9012345678</string>
	</array>
	<key>TeamIdentifier</key>
	<array>
		<string>TEAM1234AB</string>
	</array>
	<key>TeamName</key>
	<string>Example Corp</string>
	<key>UUID</key>
	<string>0a9b8c7d-2222-4333-8444-555566667777</string>
</dict>
</plist>
EOF

sign() { # in signer out [extra]
	$ossl cms -sign -binary -nodetach -outform DER -in "$1" -signer "$2.pem" -inkey "$2.key" -md sha256 \
		-certfile "${4:-root}.pem" -out "$3"
}
sign mac.plist signer mac.der
sign ios.plist signer ios.der
sign expired.plist signer expired.der
sign mac.plist other-signer untrusted.der other-root
$ossl cms -sign -binary -outform DER -in mac.plist -signer signer.pem -inkey signer.key -md sha256 -out detached.der
