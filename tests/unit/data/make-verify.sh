#!/bin/sh
# make-verify.sh DIR — signed Mach-O files for test_verify.c, made at test time
# with the openssl command line, clang-14 / ld64.lld-14 / llvm-lipo-14 and the
# project's independent test signer (out/tools/mksig, tests/tools/mksig.c).
# Exit 77 when the toolchain is missing (the test then skips these cases).
#
#   pki/root.pem            "Verify Test Root" (self-signed): the -o anchors= file
#   devid                   leaf (OU VTEAM12345, Developer ID Application marker
#                           1.2.840.113635.100.6.1.13) <- inter (marker .6.2.6) <- root,
#                           team VTEAM12345, sha256, entitlements, RFC 3161 timestamp now
#   devid-notime            the same without a timestamp
#   devid-badteam           CodeDirectory team OTHER99999, leaf OU VTEAM12345
#   devid-nointer           the intermediate left out of the CMS
#   devid-late-ts           a timestamp in 2045, after the leaf expired (3650 days)
#   adhoc-badder            ad-hoc, slot 7 holding 4 bytes that are no DER plist (30 05 02 01), bound
#   slots                   ad-hoc with requirements (slot 2), XML and DER entitlements (5, 7) and a
#                           launch constraint (8), to flip a byte of each payload
#   dual                    sha1 + sha256 CodeDirectories, CDHashes and CDHashes2 (mksig --cdhashes)
#   uni-same                universal: both slices ad-hoc, team AAAAAAAAAA
#   uni-teams               universal: x86_64 ad-hoc team BBBBBBBBBB, arm64 ad-hoc team AAAAAAAAAA
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
CLANG=${CLANG:-clang-14}
LD64=${LD64:-ld64.lld-14}
LIPO=${LIPO:-llvm-lipo-14}
ossl=${OPENSSL:-openssl}
MKSIG=${MKSIG:-$root/out/tools/mksig}
for t in "$CLANG" "$LD64" "$LIPO" "$ossl"; do
	command -v "$t" >/dev/null 2>&1 || exit 77
done
[ -x "$MKSIG" ] || exit 77
mkdir -p "$out/pki" "$out/work"
pki=$out/pki
work=$out/work

# ---- PKI: root -> inter -> leaf, and a TSA under the root
cat >"$pki/ext.cnf" <<'EOF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[inter]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
1.2.840.113635.100.6.2.6=critical,DER:05:00
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
1.2.840.113635.100.6.1.13=critical,DER:05:00
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
EOF
key() { "$ossl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/$1.key" 2>/dev/null; }
key root
key inter
key leaf
key tsa
"$ossl" req -x509 -new -key "$pki/root.key" -subj "/O=Verify Test/CN=Verify Test Root" -days 7300 \
	-config "$pki/ext.cnf" -extensions ca -out "$pki/root.pem" 2>/dev/null
sign() { # name subject issuer section
	"$ossl" req -new -key "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
	"$ossl" x509 -req -in "$pki/$1.csr" -CA "$pki/$3.pem" -CAkey "$pki/$3.key" -days 3650 \
		-set_serial "0x$(printf %s "$1" | "$ossl" dgst -sha1 -r | cut -c1-16)" \
		-extfile "$pki/ext.cnf" -extensions "$4" -out "$pki/$1.pem" 2>/dev/null
}
sign inter "/O=Verify Test/CN=Verify Test Developer ID CA" root inter
sign leaf "/UID=VTEAM12345/CN=Developer ID Application: Verify Test (VTEAM12345)/OU=VTEAM12345/O=Verify Test/C=US" inter leaf
sign tsa "/O=Verify Test/CN=Verify Test Timestamps" root tsa

# ---- code
cat >"$work/hello.c" <<'EOF'
int puts(const char *);
int main(void) { return puts("hello from sigfs verify tests") < 0; }
EOF
cat >"$work/ents.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>com.apple.security.cs.allow-jit</key>
	<true/>
</dict>
</plist>
EOF
TBD=$root/tests/fixtures/libSystem.tbd
"$CLANG" -target arm64-apple-macos11 -c "$work/hello.c" -o "$work/hello-arm64.o"
"$CLANG" -target x86_64-apple-macos10.15 -c "$work/hello.c" -o "$work/hello-x86_64.o"
"$LD64" -arch arm64 -platform_version macos 11.0 11.0 -execute "$work/hello-arm64.o" "$TBD" -o "$work/arm64"
"$LD64" -arch x86_64 -platform_version macos 10.15 11.0 -adhoc_codesign -execute "$work/hello-x86_64.o" "$TBD" \
	-o "$work/x86_64"

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
devid() { # out extra-args...
	o=$1
	shift
	"$MKSIG" --id com.example.verify --hash sha256 --flags 0x10000 --runtime 0x0e0000 --dr \
		--ent-xml "$work/ents.plist" --key "$pki/leaf.key" --cert "$pki/leaf.pem" --time "$now" "$@" \
		"$work/arm64" "$out/$o"
}
TS="--tsa-key $pki/tsa.key --tsa-cert $pki/tsa.pem"
devid devid --team VTEAM12345 --chain "$pki/inter.pem" --chain "$pki/root.pem" $TS
devid devid-notime --team VTEAM12345 --chain "$pki/inter.pem" --chain "$pki/root.pem"
devid devid-badteam --team OTHER99999 --chain "$pki/inter.pem" --chain "$pki/root.pem" $TS
devid devid-nointer --team VTEAM12345 --chain "$pki/root.pem" $TS
devid devid-late-ts --team VTEAM12345 --chain "$pki/inter.pem" --chain "$pki/root.pem" $TS \
	--tsa-time 2045-01-01T00:00:00Z
"$MKSIG" --id com.example.dual --hash sha1,sha256 --cdhashes --key "$pki/leaf.key" --cert "$pki/leaf.pem" \
	--team VTEAM12345 --chain "$pki/inter.pem" --chain "$pki/root.pem" --time "$now" "$work/arm64" "$out/dual"
cat >"$work/lc.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>ccat</key>
	<integer>0</integer>
	<key>comp</key>
	<integer>1</integer>
	<key>vers</key>
	<integer>1</integer>
</dict>
</plist>
EOF
"$MKSIG" --der-from-xml "$work/lc.plist" "$work/lc.der"
"$MKSIG" --id com.example.slots --adhoc --team SLOTS12345 --dr --ent-xml "$work/ents.plist" --ent-der --launch-self "$work/lc.der" \
	"$work/arm64" "$out/slots"
printf '\060\005\002\001' >"$work/bad.der"
"$MKSIG" --id com.example.badder --adhoc --ent-der-file "$work/bad.der" "$work/arm64" "$out/adhoc-badder"
"$MKSIG" --id com.example.a --adhoc --team AAAAAAAAAA "$work/arm64" "$work/uni-a"
"$MKSIG" --id com.example.b --adhoc --team BBBBBBBBBB "$work/x86_64" "$work/uni-b"
"$LIPO" -create "$work/uni-b" "$work/uni-a" -output "$out/uni-teams"
"$MKSIG" --id com.example.b --adhoc --team AAAAAAAAAA "$work/x86_64" "$work/uni-c"
"$LIPO" -create "$work/uni-c" "$work/uni-a" -output "$out/uni-same"
