#!/bin/sh
# Regenerates the certificates used by tests/unit/test_drmaker.c (run from
# this directory; needs the openssl command, 3.x). The keys are thrown away:
# DRMaker only reads subjects, extensions and hashes, never signatures.
# Expected SHA-1 fingerprints are printed at the end; the test holds them as
# literals (from `openssl x509 -fingerprint -sha1`, not from sigfs).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=7300
key() { openssl genrsa -out "$tmp/$1.key" 2048 2>/dev/null; }
selfsigned() { # name subject [extra -addext ...]
	n=$1 s=$2; shift 2
	key "$n"
	openssl req -new -x509 -key "$tmp/$n.key" -subj "$s" -days $days -sha256 \
		-set_serial 1 "$@" -out "req-$n.pem"
}
issued() { # name subject issuer [extfile-lines]
	n=$1 s=$2 ca=$3 ext=${4:-}
	key "$n"
	openssl req -new -key "$tmp/$n.key" -subj "$s" -out "$tmp/$n.csr"
	printf '%s\n' "$ext" >"$tmp/$n.ext"
	openssl x509 -req -in "$tmp/$n.csr" -CA "req-$ca.pem" -CAkey "$tmp/$ca.key" -set_serial 2 \
		-days $days -sha256 -extfile "$tmp/$n.ext" -out "req-$n.pem" 2>/dev/null
}

# Apple-anchored chains: leaf and intermediate are made here; the root is the
# real "Apple Root CA" certificate taken from tests/corpus/expected/codex-libffi-dylib.json.
selfsigned wwdr "/CN=Apple Worldwide Developer Relations Certification Authority/OU=G3/O=Apple Inc./C=US" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "1.2.840.113635.100.6.2.1=DER:0500"
issued dev-leaf "/UID=ABCDE12345/CN=Apple Development: Jane Doe (ABCDE12345)/OU=ABCDE12345/O=Jane Doe/C=US" wwdr \
	"1.2.840.113635.100.6.1.12=DER:0500"
selfsigned plain-inter "/CN=Apple Code Signing Certification Authority/OU=Apple Certification Authority/O=Apple Inc./C=US" \
	-addext "basicConstraints=critical,CA:TRUE"
issued plain-leaf "/CN=Software Signing/OU=Apple Software/O=Apple Inc./C=US" plain-inter

# Non-Apple chains.
selfsigned acme-root "/CN=Acme Root CA/O=Acme Corp/C=US" -addext "basicConstraints=critical,CA:TRUE"
issued acme-inter "/CN=Acme Code Signing CA/O=Acme Corp/C=US" acme-root "basicConstraints=critical,CA:TRUE"
issued acme-leaf "/CN=Acme Signer/O=Acme Corp/C=US" acme-inter
selfsigned other-root "/CN=Other Trust Root/O=Other Trust/C=US" -addext "basicConstraints=critical,CA:TRUE"
issued other-inter "/CN=Acme Code Signing CA 2/O=Acme Corp/C=US" other-root "basicConstraints=critical,CA:TRUE"
issued other-leaf "/CN=Acme Signer 2/O=Acme Corp/C=US" other-inter
issued noorg-leaf "/CN=Nobody In Particular" acme-inter
selfsigned self-org "/CN=Self Signer/O=Self Org"
selfsigned self-noorg "/CN=Self Signer Without Org"

for f in req-*.pem; do
	printf '%s ' "$f"
	openssl x509 -in "$f" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f
done
