#!/bin/sh
# Make synthetic CMS SignedData fixtures for tests/unit/test_cms.c, with the
# openssl command line only (OpenSSL 3). Usage: make-cms.sh OUTDIR
#
# Writes into OUTDIR (which must exist):
#   root.pem int.pem leaf.pem     a CA chain (EC P-256); leaf CN is UTF-8
#   decoy.pem stray.pem           a cert with int's subject but another key
#                                 (fewer extensions, so DER sorts it before
#                                 int in a SET OF), and a self-signed cert
#                                 with no CN
#   data.bin                      the signed content (never embedded)
#   data.sha1 .sha256 .sha384 .sha512   `openssl dgst -binary` of data.bin
#   sha1.der sha224.der sha256.der sha384.der sha512.der
#                                 detached SignedData by leaf, chain given to
#                                 -certfile in the order root, int (sha224 has
#                                 no CS_HASHTYPE_*)
#   keyid.der                     as sha256.der, signer named by SKID (-keyid)
#   noattr.der                    as sha256.der without signed attributes
#   nocerts.der                   as sha256.der without certificates
#   extra.der                     chain plus decoy and stray
#   nosigncert.der                int and root only: the signer's cert is absent
#   loop.der, loopleaf.pem loopx.pem loopy.pem
#                                 leaf issued by X, X by Y, Y by X (a cycle)
#   many64.der many65.der many70.der   SignedData with 64, 65, 70 certificates
#   nosigner.der                  degenerate SignedData: certificates, no signer
#   data.der                      a ContentInfo of type id-data (not SignedData)
#   token.der                     an RFC 3161 time-stamp token (ContentInfo)
#                                 from a TSA cert issued by root; its genTime
#                                 is "now" with millisecond precision
set -eu

out=${1:?usage: make-cms.sh OUTDIR}
cd "$out"
ossl=${OPENSSL:-openssl}

cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[plain]
basicConstraints = critical, CA:false
subjectKeyIdentifier = hash
EOF

key() {
	"$ossl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# selfsigned NAME SUBJECT EXT
selfsigned() {
	key "$1.key"
	"$ossl" req -x509 -new -utf8 -key "$1.key" -subj "$2" -days 3650 -sha256 \
		-config ext.cnf -extensions "$3" -out "$1.pem"
}

# issue NAME SUBJECT EXT CA SERIAL
issue() {
	key "$1.key"
	"$ossl" req -new -utf8 -key "$1.key" -subj "$2" -config ext.cnf -out "$1.csr"
	"$ossl" x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -set_serial "$5" -days 3650 \
		-sha256 -extfile ext.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
}

selfsigned root "/O=sigfs test/CN=sigfs Test Root CA" ca
issue int "/O=sigfs test/CN=sigfs Test Intermediate CA" ca root 2
issue leaf "/O=sigfs test/OU=TEAM123456/CN=sigfs Test Leaf Zoë" leaf int 3
issue decoy "/O=sigfs test/CN=sigfs Test Intermediate CA" plain root 4
selfsigned stray "/O=sigfs stray/OU=no common name" plain
issue tsa "/O=sigfs test/CN=sigfs Test TSA" tsa root 5

printf 'sigfs synthetic CodeDirectory stand-in\n' >data.bin
for md in sha1 sha256 sha384 sha512; do
	"$ossl" dgst "-$md" -binary -out "data.$md" data.bin
done

cat root.pem int.pem >shuffled.pem

# sign OUT.der [extra openssl cms options...]
sign() {
	o=$1
	shift
	"$ossl" cms -sign -binary -in data.bin -signer leaf.pem -inkey leaf.key -outform DER -out "$o" "$@"
}

for md in sha1 sha224 sha256 sha384 sha512; do
	sign "$md.der" -md "$md" -certfile shuffled.pem
done
sign keyid.der -md sha256 -keyid -certfile shuffled.pem
sign noattr.der -md sha256 -noattr -certfile shuffled.pem
sign nocerts.der -md sha256 -nocerts
cat root.pem decoy.pem stray.pem int.pem >extra.pem
sign extra.der -md sha256 -certfile extra.pem
sign nosigncert.der -md sha256 -nocerts -certfile shuffled.pem

# An issuer loop: X issued by Y, Y issued by X (neither self-issued), and a
# leaf issued by X.
key loopx.key
key loopy.key
"$ossl" req -x509 -new -key loopx.key -subj "/CN=sigfs Loop X" -days 3650 -config ext.cnf -extensions ca \
	-out loopx-self.pem
"$ossl" req -x509 -new -key loopy.key -subj "/CN=sigfs Loop Y" -days 3650 -config ext.cnf -extensions ca \
	-out loopy-self.pem
"$ossl" req -new -key loopx.key -subj "/CN=sigfs Loop X" -config ext.cnf -out loopx.csr
"$ossl" x509 -req -in loopx.csr -CA loopy-self.pem -CAkey loopy.key -set_serial 11 -days 3650 \
	-extfile ext.cnf -extensions ca -out loopx.pem 2>/dev/null
"$ossl" req -new -key loopy.key -subj "/CN=sigfs Loop Y" -config ext.cnf -out loopy.csr
"$ossl" x509 -req -in loopy.csr -CA loopx-self.pem -CAkey loopx.key -set_serial 12 -days 3650 \
	-extfile ext.cnf -extensions ca -out loopy.pem 2>/dev/null
issue loopleaf "/CN=sigfs Loop Leaf" leaf loopx 13
cat loopy.pem loopx.pem >loop-certs.pem
"$ossl" cms -sign -binary -in data.bin -signer loopleaf.pem -inkey loopleaf.key -md sha256 \
	-certfile loop-certs.pem -outform DER -out loop.der

# Certificate-count bound: leaf + int + root + N others.
i=1
: >others.pem
while [ "$i" -le 67 ]; do
	selfsigned "x$i" "/O=sigfs filler/CN=filler $i" plain
	cat "x$i.pem" >>others.pem
	i=$((i + 1))
done
# many<N>.der: leaf from -signer, then int, root and the first N-3 fillers.
many() {
	cat int.pem root.pem >"many$1.pem"
	awk -v want="$(($1 - 3))" '
		/-----BEGIN CERTIFICATE-----/ { n++ }
		n <= want { print }
	' others.pem >>"many$1.pem"
	sign "many$1.der" -md sha256 -certfile "many$1.pem"
}
many 64
many 65
many 70

"$ossl" crl2pkcs7 -nocrl -certfile shuffled.pem -outform DER -out nosigner.der
"$ossl" cms -data_create -binary -in data.bin -outform DER -out data.der

cat >tsa.cnf <<'EOF'
[tsa]
default_tsa = tsa1
[tsa1]
serial = tsaserial
crypto_device = builtin
signer_cert = tsa.pem
signer_key = tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
clock_precision_digits = 3
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
echo 01 >tsaserial
"$ossl" ts -query -data data.bin -sha256 -no_nonce -out query.tsq 2>/dev/null
"$ossl" ts -reply -config tsa.cnf -queryfile query.tsq -token_out -out token.der 2>/dev/null
