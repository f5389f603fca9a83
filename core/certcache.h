/* sigfs core: certificates decoded once per process, and the SignedData
 * decoders that take their certificates from that cache (core/certcache.c).
 * Core-internal: the only header besides OpenSSL's own that names OpenSSL
 * types, for core/cms.c and core/cms_verify.c. */
#ifndef SIGFS_CORE_CERTCACHE_H
#define SIGFS_CORE_CERTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

/* Entries kept, least recently used first out: a bundle's binaries share
 * one chain (3 certificates) and one time-stamp chain (2-3), so a few
 * dozen cover any tree. Certificates of more than SIGFS_CERTCACHE_MAX_DER
 * bytes (Apple's are 1-2 KiB) are decoded but not kept, so the cache holds
 * at most 256 x 16 KiB of DER copies, their X509 objects and one issuer's
 * X509 each (sigfs_certcache_signed_by). */
#define SIGFS_CERTCACHE_MAX	0x100
#define SIGFS_CERTCACHE_MAX_DER ((size_t)16 << 10)

/* The decoded certificate of exactly these DER bytes (d2i_X509 consuming
 * all of them), keyed by the bytes themselves; a new reference the caller
 * frees with X509_free. NULL when the bytes do not decode (not cached) or memory
 * runs out. Thread-safe. */
X509 *sigfs_certcache_get(const uint8_t *der, size_t len);

/* 1 when `issuer` signed `x`: x's issuer name is issuer's subject and x's
 * signature verifies with issuer's key. The answer is kept with x's entry
 * (for the last issuer asked) when x came from the cache: a bundle's
 * binaries share their chain's links, an RSA verification each. */
int sigfs_certcache_signed_by(X509 *x, X509 *issuer);

struct sigfs_certcache_stats {
	size_t entries, hits, misses, link_hits;
};
void sigfs_certcache_stats(struct sigfs_certcache_stats *st);
/* Free every entry (also done at exit). */
void sigfs_certcache_clear(void);

/* d2i_CMS_ContentInfo / d2i_PKCS7 of der[0..len), with the same result:
 * *used is how many bytes the ContentInfo took (the caller judges trailing
 * data). The certificates of a SignedData come from the cache instead of
 * being decoded again: OpenSSL 3 decodes every certificate's public key in
 * d2i (about 1 M instructions each). Input of any other shape is decoded
 * by OpenSSL as a whole, so answers and error queues are OpenSSL's own. */
CMS_ContentInfo *sigfs_cms_d2i(const uint8_t *der, size_t len, size_t *used);
/* The PKCS7 decoder of a time-stamp token; certificates are checked to
 * decode (through the cache) and left out of the result. */
PKCS7 *sigfs_pkcs7_d2i_nocerts(const uint8_t *der, size_t len, size_t *used);

#endif
