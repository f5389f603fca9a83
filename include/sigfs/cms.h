/* sigfs core: the CMS SignedData of an embedded signature (slot 0x10000
 * payload), through OpenSSL. No network access, no trust evaluation.
 *
 * sigfs_cms_parse borrows nothing: it copies what it keeps. OpenSSL types
 * never leave core/cms.c. */
#ifndef SIGFS_CMS_H
#define SIGFS_CMS_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"

typedef struct sigfs_cms sigfs_cms;

/* Bound on certificates kept from one CMS; more is SIGFS_EMALFORMED. */
#define SIGFS_CMS_MAX_CERTS 64
/* Bound on the DER handed to OpenSSL; more is SIGFS_EMALFORMED. OpenSSL 3
 * decodes every certificate's key when it decodes a certificate (about
 * 1 ms each; core/certcache.c does it once per distinct certificate): a 60 MiB
 * SignedData of 170,000 certificates took 211 s and 818 MB before the
 * certificate count could be checked. Apple's signatures are near 9 KiB. */
#define SIGFS_CMS_MAX_SIZE ((size_t)128 << 10)

/* Parse DER CMS SignedData. SIGFS_EMALFORMED with a message on garbage. */
int sigfs_cms_parse(sigfs_cms **out, const uint8_t *der, size_t len) SIGFS_WUR;
void sigfs_cms_free(sigfs_cms *cms);
/* How many times sigfs_cms_parse ran in this process (tests use it to show
 * what does and does not parse a CMS). */
unsigned long sigfs_cms_parse_count(void);

/* Certificates ordered leaf → intermediates → root by issuer links. */
size_t sigfs_cms_cert_count(const sigfs_cms *cms);
/* DER of certificate i of that order, owned by cms. */
int sigfs_cms_cert_der(const sigfs_cms *cms, size_t i, const uint8_t **der, size_t *len) SIGFS_WUR;
/* Subject common name of certificate i (UTF-8); SIGFS_ENOTFOUND if none. */
int sigfs_cms_cert_cn(const sigfs_cms *cms, size_t i, sigfs_buf *out) SIGFS_WUR;
/* All certificates as PEM, in that order. */
int sigfs_cms_chain_pem(const sigfs_cms *cms, sigfs_buf *out) SIGFS_WUR;

/* The signer's signing-time attribute, seconds since the epoch (UTC). */
int sigfs_cms_signing_time(const sigfs_cms *cms, int64_t *t) SIGFS_WUR;
/* genTime of the RFC 3161 time-stamp token (unsigned attribute
 * id-aa-timeStampToken), seconds since the epoch (UTC). */
int sigfs_cms_timestamp_time(const sigfs_cms *cms, int64_t *t) SIGFS_WUR;
/* The signer's messageDigest attribute and its digest algorithm as a
 * CS_HASHTYPE_* number (codesign's CMSDigest= and CMSDigestType=). */
int sigfs_cms_message_digest(const sigfs_cms *cms, const uint8_t **digest, size_t *len,
			     uint32_t *cs_hashtype) SIGFS_WUR;

/* 1 when the signer has the signed attribute CDHashes
 * (1.2.840.113635.100.9.1), or with v2 CDHashes2 (…100.9.2). */
int sigfs_cms_has_cdhashes(const sigfs_cms *cms, int v2);

#endif
