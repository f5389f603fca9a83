/* sigfs core: the CMS SignedData of an embedded signature, through OpenSSL 3.
 *
 * sigfs_cms_parse decodes the DER once, copies out everything sigfs shows
 * (certificate DER in chain order with their common names, signingTime,
 * the time-stamp token's genTime, messageDigest and its algorithm) and frees
 * every OpenSSL object it made before it returns; certificates, the costly
 * part, come decoded from the process's cache (core/certcache.c). The
 * getters then only read plain C data, so a parsed sigfs_cms can be shared
 * between threads. No signature is
 * verified, no trust store is consulted, nothing touches the network.
 *
 * A per-attribute problem (a signingTime that is not a time, a time-stamp
 * token that does not decode, an unknown digest algorithm) does not fail the
 * parse: it is recorded and returned by that attribute's getter, so the
 * certificates stay visible. Only the SignedData structure itself, more
 * than SIGFS_CMS_MAX_CERTS certificates or more than SIGFS_CMS_MAX_SIZE
 * bytes, fails the parse.
 *
 * OpenSSL's thread-local error queue is emptied before and after each parse,
 * so no OpenSSL state but the cached certificates outlives a call. */
#include "sigfs/cms.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcache.h"
#include "internal.h"
#include "sigfs/cs_blobs.h"

static unsigned long parses; /* sigfs_cms_parse calls, for tests */

unsigned long sigfs_cms_parse_count(void)
{
	return __atomic_load_n(&parses, __ATOMIC_RELAXED);
}

/* The outcome of looking something up at parse time, replayed by the getter
 * on the caller's thread (sigfs error messages are thread-local). */
struct answer {
	int code; /* SIGFS_OK, SIGFS_ENOTFOUND, SIGFS_EMALFORMED, SIGFS_EUNSUPPORTED */
	char msg[192];
};

struct cert {
	uint8_t *der;
	size_t len;
	char *cn; /* NUL-terminated UTF-8, or NULL (see cn_ans) */
	struct answer cn_ans;
};

struct sigfs_cms {
	struct cert *certs;
	size_t ncerts;

	struct answer signing_ans;
	int64_t signing_time;

	struct answer ts_ans;
	int64_t ts_time;

	int has_cdhashes, has_cdhashes2; /* signed attributes 100.9.1, 100.9.2 */

	struct answer digest_ans;
	uint8_t *digest;
	size_t digest_len;
	uint32_t hashtype;
};

static void answer_set(struct answer *a, int code, const char *fmt, ...) SIGFS_PRINTF(3, 4);

static void answer_set(struct answer *a, int code, const char *fmt, ...)
{
	va_list ap;

	a->code = code;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
}

static int answer_replay(const struct answer *a)
{
	if (a->code == SIGFS_OK || a->code == SIGFS_ENOTFOUND)
		return a->code;
	return sigfs_error_set(a->code, "%s", a->msg);
}

/* Turn OpenSSL's error queue after a failed d2i into one line: the reason of
 * the innermost error, then the Field=/Type= notes that locate it, innermost
 * first. Empties the queue. */
static int asn1_fail(const char *what, size_t len)
{
	char reason[96] = "", where[224] = "";
	size_t wl = 0;
	unsigned long e;
	const char *data;
	int flags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if (!reason[0]) {
			const char *r = ERR_reason_error_string(e);

			snprintf(reason, sizeof reason, "%s", r ? r : "decode error");
		}
		if ((flags & ERR_TXT_STRING) && data && data[0] && wl < sizeof where - 1) {
			int n = snprintf(where + wl, sizeof where - wl, "%s%s", wl ? " < " : "", data);

			if (n > 0)
				wl += (size_t)n < sizeof where - wl ? (size_t)n : sizeof where - 1 - wl;
		}
	}
	if (!reason[0])
		snprintf(reason, sizeof reason, "decode error");
	return sigfs_error_set(SIGFS_EMALFORMED, "cms: %s (%zu bytes): ASN.1 error: %s%s%s%s", what, len,
			       reason, where[0] ? " (at " : "", where, where[0] ? ")" : "");
}

/* UTCTime or GeneralizedTime to seconds since the epoch (UTC). OpenSSL checks
 * the syntax, applies any +hhmm offset and drops fractional seconds. */
static int asn1_time_epoch(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (!t)
		return 0;
	memset(&tm, 0, sizeof tm);
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	*out = sigfs_time_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
					  (unsigned)tm.tm_mday) *
		   86400 +
	       (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return 1;
}

/* The one value of attribute `nid` among the signer's signed (or unsigned)
 * attributes. Absent → SIGFS_ENOTFOUND; repeated or not single-valued, which
 * RFC 5652 §11 forbids for the attributes read here → SIGFS_EMALFORMED. */
static int single_attr(const CMS_SignerInfo *si, int nid, int is_signed, const char *name, ASN1_TYPE **val,
		       struct answer *a)
{
	X509_ATTRIBUTE *at;
	int i, j, n;

	i = is_signed ? CMS_signed_get_attr_by_NID(si, nid, -1) : CMS_unsigned_get_attr_by_NID(si, nid, -1);
	if (i < 0) {
		answer_set(a, SIGFS_ENOTFOUND, "cms: no %s attribute", name);
		return a->code;
	}
	j = is_signed ? CMS_signed_get_attr_by_NID(si, nid, i) : CMS_unsigned_get_attr_by_NID(si, nid, i);
	if (j >= 0) {
		answer_set(a, SIGFS_EMALFORMED, "cms: %s attribute repeated (%s attributes %d and %d)", name,
			   is_signed ? "signed" : "unsigned", i, j);
		return a->code;
	}
	at = is_signed ? CMS_signed_get_attr(si, i) : CMS_unsigned_get_attr(si, i);
	n = at ? X509_ATTRIBUTE_count(at) : 0;
	*val = n == 1 ? X509_ATTRIBUTE_get0_type(at, 0) : NULL;
	if (!*val) {
		answer_set(a, SIGFS_EMALFORMED, "cms: %s attribute has %d values, expected 1", name, n);
		return a->code;
	}
	a->code = SIGFS_OK;
	return SIGFS_OK;
}

static void read_signing_time(sigfs_cms *cms, const CMS_SignerInfo *si)
{
	struct answer *a = &cms->signing_ans;
	ASN1_TYPE *v;
	int type;

	if (single_attr(si, NID_pkcs9_signingTime, 1, "signingTime", &v, a) != SIGFS_OK)
		return;
	type = ASN1_TYPE_get(v);
	if (type != V_ASN1_UTCTIME && type != V_ASN1_GENERALIZEDTIME) {
		answer_set(a, SIGFS_EMALFORMED, "cms: signingTime attribute is ASN.1 type %d, not a time",
			   type);
		return;
	}
	if (!asn1_time_epoch(v->value.asn1_string, &cms->signing_time))
		answer_set(a, SIGFS_EMALFORMED, "cms: signingTime attribute is not a valid %s (%d bytes)",
			   type == V_ASN1_UTCTIME ? "UTCTime" : "GeneralizedTime",
			   v->value.asn1_string->length);
}

/* id-aa-timeStampToken (RFC 3161 appendix A): a ContentInfo holding a
 * SignedData whose eContent is a TSTInfo; its genTime is the time shown. */
static void read_timestamp(sigfs_cms *cms, const CMS_SignerInfo *si)
{
	struct answer *a = &cms->ts_ans;
	const ASN1_GENERALIZEDTIME *gt;
	TS_TST_INFO *tst = NULL;
	PKCS7 *p7 = NULL;
	ASN1_TYPE *v;
	size_t used = 0;
	long n;

	if (single_attr(si, NID_id_smime_aa_timeStampToken, 0, "timeStampToken", &v, a) != SIGFS_OK)
		return;
	if (ASN1_TYPE_get(v) != V_ASN1_SEQUENCE) {
		answer_set(a, SIGFS_EMALFORMED,
			   "cms: timeStampToken attribute is ASN.1 type %d, not a SEQUENCE",
			   ASN1_TYPE_get(v));
		return;
	}
	/* An ASN1_ANY SEQUENCE keeps its whole encoding, tag and length included. */
	n = v->value.sequence->length;
	p7 = n > 0 ? sigfs_pkcs7_d2i_nocerts(v->value.sequence->data, (size_t)n, &used) : NULL;
	if (!p7 || used != (size_t)n) {
		answer_set(a, SIGFS_EMALFORMED, "cms: timeStampToken (%ld bytes) is not a ContentInfo", n);
		goto out;
	}
	tst = PKCS7_to_TS_TST_INFO(p7);
	if (!tst) {
		answer_set(a, SIGFS_EMALFORMED, "cms: timeStampToken (%ld bytes) holds no TSTInfo", n);
		goto out;
	}
	gt = TS_TST_INFO_get_time(tst);
	if (!asn1_time_epoch(gt, &cms->ts_time)) {
		answer_set(a, SIGFS_EMALFORMED, "cms: timeStampToken genTime is not a valid GeneralizedTime");
		goto out;
	}
	a->code = SIGFS_OK;
out:
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
}

static int read_digest(sigfs_cms *cms, CMS_SignerInfo *si)
{
	struct answer *a = &cms->digest_ans;
	const ASN1_OBJECT *obj = NULL;
	X509_ALGOR *alg = NULL;
	const ASN1_STRING *s;
	ASN1_TYPE *v;
	char oid[80];

	if (single_attr(si, NID_pkcs9_messageDigest, 1, "messageDigest", &v, a) != SIGFS_OK)
		return SIGFS_OK;
	if (ASN1_TYPE_get(v) != V_ASN1_OCTET_STRING) {
		answer_set(a, SIGFS_EMALFORMED,
			   "cms: messageDigest attribute is ASN.1 type %d, not an OCTET STRING",
			   ASN1_TYPE_get(v));
		return SIGFS_OK;
	}
	s = v->value.octet_string;
	cms->digest_len = (size_t)ASN1_STRING_length(s);
	cms->digest = malloc(cms->digest_len + 1);
	if (!cms->digest)
		return sigfs_error_set(SIGFS_ENOMEM, "cms: out of memory copying a %zu-byte messageDigest",
				       cms->digest_len);
	if (cms->digest_len)
		memcpy(cms->digest, ASN1_STRING_get0_data(s), cms->digest_len);

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &alg, NULL);
	if (alg)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	switch (obj ? OBJ_obj2nid(obj) : NID_undef) {
	case NID_sha1: cms->hashtype = CS_HASHTYPE_SHA1; break;
	case NID_sha256: cms->hashtype = CS_HASHTYPE_SHA256; break;
	case NID_sha384: cms->hashtype = CS_HASHTYPE_SHA384; break;
	case NID_sha512: cms->hashtype = CS_HASHTYPE_SHA512; break;
	default:
		if (!obj || OBJ_obj2txt(oid, sizeof oid, obj, 1) <= 0)
			snprintf(oid, sizeof oid, "(none)");
		answer_set(a, SIGFS_EUNSUPPORTED,
			   "cms: signer digest algorithm %s is not sha1, sha256, sha384 or sha512", oid);
	}
	return SIGFS_OK;
}

/* The subject's common name as UTF-8. With several CN entries the last, most
 * specific one is taken (as OpenSSL's host-name check does). Control
 * characters become '?', so a CN always fits on one line of `authority`. */
static int read_cn(X509 *x, size_t idx, struct cert *c)
{
	const X509_NAME *name = X509_get_subject_name(x);
	unsigned char *utf8 = NULL;
	int i = -1, last = -1, n, k;

	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0) {
		answer_set(&c->cn_ans, SIGFS_ENOTFOUND, "cms: certificate %zu has no subject CN", idx);
		return SIGFS_OK;
	}
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)));
	if (n < 0) {
		answer_set(&c->cn_ans, SIGFS_EMALFORMED,
			   "cms: certificate %zu subject CN is not a valid string", idx);
		return SIGFS_OK;
	}
	c->cn = malloc((size_t)n + 1);
	if (!c->cn) {
		OPENSSL_free(utf8);
		return sigfs_error_set(SIGFS_ENOMEM, "cms: out of memory copying certificate %zu CN", idx);
	}
	for (k = 0; k < n; k++)
		c->cn[k] = utf8[k] < 0x20 || utf8[k] == 0x7f ? '?' : (char)utf8[k];
	c->cn[n] = '\0';
	OPENSSL_free(utf8);
	c->cn_ans.code = SIGFS_OK;
	return SIGFS_OK;
}

static int self_issued(X509 *x)
{
	return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
}

/* The unused certificate whose subject is cur's issuer; among several, the
 * first (CMS order) whose key identifiers also match cur. -1 if none. */
static int find_issuer(STACK_OF(X509) * sk, const unsigned char *used, X509 *cur)
{
	const X509_NAME *want = X509_get_issuer_name(cur);
	int i, by_name = -1;

	for (i = 0; i < sk_X509_num(sk); i++) {
		X509 *c = sk_X509_value(sk, i);

		if (used[i] || X509_NAME_cmp(X509_get_subject_name(c), want) != 0)
			continue;
		if (X509_check_issued(c, cur) == X509_V_OK)
			return i;
		if (by_name < 0)
			by_name = i;
	}
	return by_name;
}

/* Order: the signer's certificate (matched by the SignerInfo's issuer and
 * serial, or subject key identifier), then its issuer, and so on until a
 * self-issued certificate or a missing issuer; each certificate is used at
 * most once, so a cycle ends the walk. Certificates not on that chain follow
 * in CMS order (DER sorts a SET OF by encoding, so that order says little).
 * If no certificate is the signer's, all are in CMS order. */
static int read_certs(sigfs_cms *cms, CMS_ContentInfo *ci, CMS_SignerInfo *si)
{
	unsigned char used[SIGFS_CMS_MAX_CERTS] = {0};
	int order[SIGFS_CMS_MAX_CERTS];
	STACK_OF(X509) *sk = CMS_get1_certs(ci);
	int n = sk ? sk_X509_num(sk) : 0, k = 0, i, rc = SIGFS_OK;

	if (n > SIGFS_CMS_MAX_CERTS) {
		rc = sigfs_error_set(SIGFS_EMALFORMED, "cms: SignedData holds %d certificates, more than %d",
				     n, SIGFS_CMS_MAX_CERTS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(sk, i)) == 0)
			break;
	}
	while (i >= 0 && i < n) {
		X509 *cur = sk_X509_value(sk, i);

		used[i] = 1;
		order[k++] = i;
		if (self_issued(cur))
			break;
		i = find_issuer(sk, used, cur);
	}
	for (i = 0; i < n; i++) {
		if (!used[i])
			order[k++] = i;
	}

	if (n == 0)
		goto out;
	cms->certs = calloc((size_t)n, sizeof *cms->certs);
	if (!cms->certs) {
		rc = sigfs_error_set(SIGFS_ENOMEM, "cms: out of memory for %d certificates", n);
		goto out;
	}
	for (k = 0; k < n; k++) {
		X509 *x = sk_X509_value(sk, order[k]);
		struct cert *c = &cms->certs[k];
		unsigned char *p;
		int len = i2d_X509(x, NULL);

		cms->ncerts = (size_t)k + 1;
		if (len <= 0) {
			rc = sigfs_error_set(SIGFS_EMALFORMED, "cms: certificate %d does not re-encode",
					     order[k]);
			goto out;
		}
		c->der = malloc((size_t)len);
		if (!c->der) {
			rc = sigfs_error_set(SIGFS_ENOMEM, "cms: out of memory for a %d-byte certificate",
					     len);
			goto out;
		}
		p = c->der;
		c->len = (size_t)i2d_X509(x, &p);
		rc = read_cn(x, (size_t)k, c);
		if (rc)
			goto out;
	}
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int has_signed_attr(const CMS_SignerInfo *si, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int r = o && CMS_signed_get_attr_by_OBJ(si, o, -1) >= 0;

	ASN1_OBJECT_free(o);
	return r;
}

int sigfs_cms_parse(sigfs_cms **out, const uint8_t *der, size_t len)
{
	CMS_ContentInfo *ci = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	CMS_SignerInfo *si;
	sigfs_cms *cms = NULL;
	size_t used = 0;
	char oid[80];
	int rc;

	*out = NULL;
	ERR_clear_error();
	if (!der || len == 0)
		return sigfs_error_set(SIGFS_EMALFORMED, "cms: empty SignedData (0 bytes)");
	if (len > SIGFS_CMS_MAX_SIZE)
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "cms: SignedData of %zu bytes exceeds the bound of %zu", len,
				       SIGFS_CMS_MAX_SIZE);

	__atomic_add_fetch(&parses, 1, __ATOMIC_RELAXED);
	ci = sigfs_cms_d2i(der, len, &used);
	if (!ci) {
		rc = asn1_fail("not a DER CMS ContentInfo", len);
		goto out;
	}
	if (used != len) {
		rc = sigfs_error_set(SIGFS_EMALFORMED,
				     "cms: %zu bytes of trailing data after the ContentInfo at offset %zu",
				     len - used, used);
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(ci)) != NID_pkcs7_signed) {
		if (OBJ_obj2txt(oid, sizeof oid, CMS_get0_type(ci), 1) <= 0)
			snprintf(oid, sizeof oid, "(none)");
		rc = sigfs_error_set(SIGFS_EMALFORMED,
				     "cms: content type %s is not SignedData (1.2.840.113549.1.7.2)", oid);
		goto out;
	}
	sis = CMS_get0_SignerInfos(ci);
	if (!sis || sk_CMS_SignerInfo_num(sis) < 1) {
		rc = sigfs_error_set(SIGFS_EMALFORMED, "cms: SignedData has no SignerInfo");
		goto out;
	}
	/* Apple signs with exactly one SignerInfo; any further ones are ignored. */
	si = sk_CMS_SignerInfo_value(sis, 0);

	cms = calloc(1, sizeof *cms);
	if (!cms) {
		rc = sigfs_error_set(SIGFS_ENOMEM, "cms: out of memory");
		goto out;
	}
	rc = read_certs(cms, ci, si);
	if (rc)
		goto out;
	read_signing_time(cms, si);
	read_timestamp(cms, si);
	cms->has_cdhashes = has_signed_attr(si, "1.2.840.113635.100.9.1");
	cms->has_cdhashes2 = has_signed_attr(si, "1.2.840.113635.100.9.2");
	rc = read_digest(cms, si);
out:
	CMS_ContentInfo_free(ci);
	ERR_clear_error();
	if (rc) {
		sigfs_cms_free(cms);
		return rc;
	}
	*out = cms;
	return SIGFS_OK;
}

void sigfs_cms_free(sigfs_cms *cms)
{
	size_t i;

	if (!cms)
		return;
	for (i = 0; i < cms->ncerts; i++) {
		free(cms->certs[i].der);
		free(cms->certs[i].cn);
	}
	free(cms->certs);
	free(cms->digest);
	free(cms);
}

size_t sigfs_cms_cert_count(const sigfs_cms *cms)
{
	return cms->ncerts;
}

static int check_index(const sigfs_cms *cms, size_t i)
{
	if (i >= cms->ncerts)
		return sigfs_error_set(SIGFS_ENOTFOUND, "cms: no certificate %zu (there are %zu)", i,
				       cms->ncerts);
	return SIGFS_OK;
}

int sigfs_cms_cert_der(const sigfs_cms *cms, size_t i, const uint8_t **der, size_t *len)
{
	int rc = check_index(cms, i);

	if (rc)
		return rc;
	*der = cms->certs[i].der;
	*len = cms->certs[i].len;
	return SIGFS_OK;
}

int sigfs_cms_cert_cn(const sigfs_cms *cms, size_t i, sigfs_buf *out)
{
	int rc = check_index(cms, i);

	if (rc)
		return rc;
	rc = answer_replay(&cms->certs[i].cn_ans);
	if (rc)
		return rc;
	sigfs_buf_puts(out, cms->certs[i].cn);
	return sigfs_buf_status(out);
}

int sigfs_cms_chain_pem(const sigfs_cms *cms, sigfs_buf *out)
{
	size_t i;

	for (i = 0; i < cms->ncerts; i++)
		sigfs_buf_pem(out, "CERTIFICATE", cms->certs[i].der, cms->certs[i].len);
	return sigfs_buf_status(out);
}

int sigfs_cms_signing_time(const sigfs_cms *cms, int64_t *t)
{
	int rc = answer_replay(&cms->signing_ans);

	if (rc == SIGFS_OK)
		*t = cms->signing_time;
	return rc;
}

int sigfs_cms_timestamp_time(const sigfs_cms *cms, int64_t *t)
{
	int rc = answer_replay(&cms->ts_ans);

	if (rc == SIGFS_OK)
		*t = cms->ts_time;
	return rc;
}

int sigfs_cms_message_digest(const sigfs_cms *cms, const uint8_t **digest, size_t *len, uint32_t *cs_hashtype)
{
	int rc = answer_replay(&cms->digest_ans);

	if (rc == SIGFS_OK) {
		*digest = cms->digest;
		*len = cms->digest_len;
		*cs_hashtype = cms->hashtype;
	}
	return rc;
}

int sigfs_cms_has_cdhashes(const sigfs_cms *cms, int v2)
{
	return cms && (v2 ? cms->has_cdhashes2 : cms->has_cdhashes);
}
