/* sigfs core: certificate fields as Apple's code-signing code reads them
 * (Security: SecCertificate.c SecCertificateCopySubjectAttributeValue,
 * SecCertificateCopyExtensionValue), for drmaker.c and reqeval.c. OIDs are
 * given as their DER content bytes, as requirements store them. Not
 * installed; OpenSSL types stay in the core. */
#ifndef SIGFS_CORE_CERTFIELD_H
#define SIGFS_CORE_CERTFIELD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* The value (the DER inside the OCTET STRING) of the extension `oid`, or
 * NULL when the certificate has none. */
const ASN1_OCTET_STRING *sigfs_cert_ext(const X509 *x, const uint8_t *oid, size_t oid_len);

/* A subject attribute as UTF-8 (free with OPENSSL_free), or NULL when
 * absent or not a string. Like Apple, the last such attribute wins. */
char *sigfs_cert_subject(const X509 *x, const uint8_t *oid, size_t oid_len, size_t *len);

/* DER content bytes of the subject attribute types drmaker.c uses. */
#define SIGFS_OID_CN "\x55\x04\x03"
#define SIGFS_OID_O  "\x55\x04\x0a"
#define SIGFS_OID_OU "\x55\x04\x0b"

#endif
