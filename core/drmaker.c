/* sigfs core: implicit designated requirements, as Apple builds them
 * (Security: drmaker.cpp DRMaker::make, SecStaticCode.cpp
 * defaultDesignatedRequirement, reqmaker.cpp Requirement::Maker).
 *
 * The output is a requirement blob (CSMAGIC_REQUIREMENT, exprForm); its text
 * comes from sigfs_req_decompile like any other requirement. OpenSSL types
 * stay in this file. */
#include "sigfs/requirement.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "sigfs/cs_blobs.h"
#include "sigfs/error.h"
#include "sigfs/trust.h"

#include "certfield.h"
#include "reqops.h"

/* DER content of the Apple marker OIDs (drmaker.cpp) */
static const uint8_t adc_sdk_marker[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x01};
static const uint8_t devid_sdk_marker[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06};
static const uint8_t devid_leaf_marker[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x0d};

static void put_str(struct sigfs_reqmaker *m, const char *s)
{
	sigfs_rm_data(m, s ? s : "", s ? strlen(s) : 0);
}

int sigfs_dr_make_adhoc(sigfs_buf *blob, const uint8_t (*cdhashes)[20], size_t n)
{
	struct sigfs_reqmaker m;
	size_t i;

	if (n == 0)
		return sigfs_error_set(SIGFS_ENOTFOUND, "designated requirement: no cdhash");
	/* Maker::Chain(opOr): each added term after the first inserts opOr at
	 * the start, so the or-tree leans left: n-1 opOr words, then the terms. */
	sigfs_rm_begin(&m, blob);
	for (i = 1; i < n; i++)
		sigfs_rm_put32(&m, opOr);
	for (i = 0; i < n; i++) {
		sigfs_rm_put32(&m, opCDHash);
		sigfs_rm_data(&m, cdhashes[i], 20);
	}
	return sigfs_rm_end(&m, SIGFS_OK);
}

/* The chain as DRMaker's Requirement::Context sees it. */
struct chain {
	X509 **certs;
	const uint8_t *const *der;
	const size_t *der_len;
	size_t n;
};

/* Context::cert: negative slots count from the anchor; NULL past either end. */
static X509 *cert_at(const struct chain *c, int slot)
{
	long ix = slot < 0 ? (long)c->n + slot : slot;

	if (ix < 0 || (size_t)ix >= c->n)
		return NULL;
	return c->certs[ix];
}

static int has_extension(X509 *cert, const uint8_t *oid, size_t oid_len)
{
	return sigfs_cert_ext(cert, oid, oid_len) != NULL;
}

/* SecCertificateCopySubjectAttributeValue (the last value), or NULL. */
static char *subject_value(X509 *cert, const char *oid, size_t *len)
{
	return sigfs_cert_subject(cert, (const uint8_t *)oid, strlen(oid), len);
}

static int same_value(X509 *a, X509 *b, const char *oid)
{
	size_t la = 0, lb = 0;
	char *va = subject_value(a, oid, &la), *vb = subject_value(b, oid, &lb);
	int same = va && vb && la == lb && memcmp(va, vb, la) == 0;

	OPENSSL_free(va);
	OPENSSL_free(vb);
	return same;
}

static void put_subject_match(struct sigfs_reqmaker *m, X509 *cert, const char *oid, const char *field)
{
	size_t len = 0;
	char *v = subject_value(cert, oid, &len);

	sigfs_rm_put32(m, opCertField);
	sigfs_rm_put32(m, REQ_LEAF_CERT);
	put_str(m, field);
	sigfs_rm_put32(m, matchEqual);
	sigfs_rm_data(m, v ? v : "", v ? len : 0); /* Apple puts "" when absent */
	OPENSSL_free(v);
}

static void put_cert_generic(struct sigfs_reqmaker *m, int32_t slot, const uint8_t *oid, size_t oid_len)
{
	sigfs_rm_put32(m, opCertGeneric);
	sigfs_rm_put32(m, (uint32_t)slot);
	sigfs_rm_data(m, oid, oid_len);
	sigfs_rm_put32(m, matchExists);
}

/* DRMaker::appleAnchor */
static void apple_anchor(struct sigfs_reqmaker *m, const struct chain *c)
{
	X509 *intermediate = c->n == 3 ? cert_at(c, 1) : NULL;

	if (intermediate && has_extension(intermediate, adc_sdk_marker, sizeof adc_sdk_marker)) {
		/* isIOSSignature: WWDR-issued (development, App Store) */
		sigfs_rm_put32(m, opAnd);
		sigfs_rm_put32(m, opAppleGenericAnchor);
		sigfs_rm_put32(m, opAnd);
		put_subject_match(m, cert_at(c, REQ_LEAF_CERT), SIGFS_OID_CN, "subject.CN");
		put_cert_generic(m, 1, adc_sdk_marker, sizeof adc_sdk_marker);
		return;
	}
	if (intermediate && has_extension(intermediate, devid_sdk_marker, sizeof devid_sdk_marker)) {
		/* isDeveloperIDSignature */
		sigfs_rm_put32(m, opAnd);
		sigfs_rm_put32(m, opAppleGenericAnchor);
		sigfs_rm_put32(m, opAnd);
		put_cert_generic(m, 1, devid_sdk_marker, sizeof devid_sdk_marker);
		sigfs_rm_put32(m, opAnd);
		put_cert_generic(m, REQ_LEAF_CERT, devid_leaf_marker, sizeof devid_leaf_marker);
		put_subject_match(m, cert_at(c, REQ_LEAF_CERT), SIGFS_OID_OU, "subject.OU");
		return;
	}
	sigfs_rm_put32(m, opAppleAnchor); /* Apple proper */
}

/* DRMaker::nonAppleAnchor: pin the highest certificate that still carries
 * the leaf's Organization (the anchor if all do) by its SHA-1. */
static void non_apple_anchor(struct sigfs_reqmaker *m, const struct chain *c)
{
	uint8_t digest[SHA_DIGEST_LENGTH];
	size_t olen = 0;
	char *org = subject_value(cert_at(c, REQ_LEAF_CERT), SIGFS_OID_O, &olen);
	int slot = REQ_LEAF_CERT;
	X509 *ca;

	if (org) {
		while ((ca = cert_at(c, slot + 1)) && same_value(cert_at(c, REQ_LEAF_CERT), ca, SIGFS_OID_O))
			slot++;
		if (slot == (int)c->n - 1)
			slot = REQ_ANCHOR_CERT;
	}
	OPENSSL_free(org);
	{
		long ix = slot < 0 ? (long)c->n + slot : slot;

		SHA1(c->der[ix], c->der_len[ix], digest);
	}
	sigfs_rm_put32(m, opAnchorHash);
	sigfs_rm_put32(m, (uint32_t)slot);
	sigfs_rm_data(m, digest, sizeof digest);
}

int sigfs_dr_make_cert(sigfs_buf *blob, const char *identifier, const uint8_t *const *certs,
		       const size_t *cert_lens, size_t n)
{
	struct chain c = {NULL, certs, cert_lens, n};
	struct sigfs_reqmaker m;
	size_t i;
	int rc = SIGFS_OK;

	if (n == 0)
		return sigfs_error_set(SIGFS_ENOTFOUND, "designated requirement: no certificates");
	if (n > 64)
		return sigfs_error_set(SIGFS_EUNSUPPORTED,
				       "designated requirement: chain of %zu certificates", n);
	c.certs = OPENSSL_zalloc(n * sizeof *c.certs);
	if (!c.certs)
		return sigfs_error_set(SIGFS_ENOMEM, "designated requirement: out of memory");
	for (i = 0; i < n; i++) {
		const unsigned char *p = certs[i];

		if (cert_lens[i] > LONG_MAX || !(c.certs[i] = d2i_X509(NULL, &p, (long)cert_lens[i]))) {
			rc = sigfs_error_set(SIGFS_EMALFORMED,
					     "designated requirement: certificate %zu is not DER X.509", i);
			goto out;
		}
	}
	sigfs_rm_begin(&m, blob);
	sigfs_rm_put32(&m, opAnd);
	sigfs_rm_put32(&m, opIdent);
	put_str(&m, identifier);
	/* DRMaker: isAppleCA(anchor), Apple's own roots only */
	if (sigfs_anchor_is_apple(certs[n - 1], cert_lens[n - 1]))
		apple_anchor(&m, &c);
	else
		non_apple_anchor(&m, &c);
	rc = sigfs_rm_end(&m, SIGFS_OK);
out:
	for (i = 0; i < n; i++)
		X509_free(c.certs[i]);
	OPENSSL_free(c.certs);
	return rc;
}
