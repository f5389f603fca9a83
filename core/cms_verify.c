/* sigfs core: the CMS signature over a CodeDirectory, verified offline as
 * Security's SecStaticCode::verifySignature does (StaticCode.cpp;
 * VERIFY-NOTES §3.4-3.5), with OpenSSL 3.
 *
 * The DER is decoded again from the slice's signature bytes (core/cms.c keeps
 * only copies, so parsed slices stay shareable between threads), its
 * certificates taken from the process's cache (core/certcache.c); every
 * other OpenSSL object lives only during one call. Order of the checks and of the
 * errors, as Apple's: the signer (signed attributes, messageDigest over the
 * slot-0 CodeDirectory, the signature with the signer's key), the CDHashes
 * attributes, the time-stamp token, the chain and the team identifier, trust,
 * validity, then the time-stamp chain policy. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
#include "sigfs/cursor.h"
#include "sigfs/plist.h"
#include "verdict.h"

/* ---------------------------------------------------------------- attributes */

int sigfs_cdhashes_plist_check(const uint8_t *plist, size_t len, const uint8_t (*want)[CS_CDHASH_LEN],
			       size_t nwant)
{
	sigfs_plist *pl = NULL;
	const sigfs_pv *arr;
	size_t i, n;
	int err, same;

	err = sigfs_plist_from_xml(&pl, plist, len);
	if (err)
		return err == SIGFS_ENOMEM ? err : SIGFS_EMALFORMED;
	arr = sigfs_pv_get(sigfs_plist_root(pl), "cdhashes");
	if (sigfs_pv_type(arr) != SIGFS_PV_ARRAY) {
		sigfs_plist_free(pl);
		return sigfs_error_set(SIGFS_EMALFORMED, "cms: CDHashes plist has no cdhashes array");
	}
	n = sigfs_pv_count(arr);
	same = n == nwant;
	for (i = 0; same && i < n; i++) {
		const sigfs_pv *e = sigfs_pv_at(arr, i, NULL);
		size_t el = 0;
		const char *b = sigfs_pv_type(e) == SIGFS_PV_DATA ? sigfs_pv_bytes(e, &el) : NULL;

		/* CFEqual of two CFData: same length and bytes */
		same = b && el == CS_CDHASH_LEN && memcmp(b, want[i], CS_CDHASH_LEN) == 0;
	}
	sigfs_plist_free(pl);
	return same;
}

/* One DER TLV with a definite length of at most 4 bytes: *tag, content. */
static int der_tlv(sigfs_cur *c, uint8_t *tag, sigfs_cur *content)
{
	uint8_t l0, b;
	size_t len = 0;
	int i;

	if (!sigfs_cur_u8(c, tag) || !sigfs_cur_u8(c, &l0))
		return 0;
	if (l0 < 0x80)
		len = l0;
	else {
		if (l0 == 0x80 || l0 > 0x84) /* indefinite or over 4 length bytes */
			return 0;
		for (i = 0; i < (l0 & 0x7f); i++) {
			if (!sigfs_cur_u8(c, &b))
				return 0;
			len = len << 8 | b;
		}
	}
	return sigfs_cur_sub(c, content, len);
}

int sigfs_cdhash2_parse(const uint8_t *der, size_t len, struct sigfs_cdhash2 *out)
{
	/* DER content octets of the digest OIDs (RFC 3279, RFC 5758 / NIST) */
	static const struct {
		const char *name;
		uint8_t n;
		uint8_t oid[9];
	} algs[] = {
	    {"sha1", 5, {0x2b, 0x0e, 0x03, 0x02, 0x1a}},
	    {"sha256", 9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}},
	    {"sha384", 9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}},
	    {"sha512", 9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}},
	};
	sigfs_cur c, seq, oid, h;
	uint8_t tag;
	size_t i;

	memset(out, 0, sizeof *out);
	sigfs_cur_init(&c, der, len);
	if (!der_tlv(&c, &tag, &seq) || tag != 0x30 || c.len != 0)
		return sigfs_error_set(SIGFS_EMALFORMED, "cms: CDHashes2 value is not one DER SEQUENCE");
	if (!der_tlv(&seq, &tag, &oid) || tag != 0x06 || oid.len == 0)
		return sigfs_error_set(SIGFS_EMALFORMED, "cms: CDHashes2 value does not start with an OID");
	if (!der_tlv(&seq, &tag, &h) || tag != 0x04 || seq.len != 0)
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "cms: CDHashes2 value has no single OCTET STRING after its OID");
	if (h.len > sizeof out->hash)
		return sigfs_error_set(SIGFS_EMALFORMED, "cms: CDHashes2 hash of %zu bytes (at most %zu)",
				       h.len, sizeof out->hash);
	for (i = 0; i < sizeof algs / sizeof algs[0]; i++)
		if (oid.len == algs[i].n && memcmp(oid.p, algs[i].oid, algs[i].n) == 0)
			break;
	if (i < sizeof algs / sizeof algs[0])
		snprintf(out->alg, sizeof out->alg, "%s", algs[i].name);
	else {
		/* dotted form, truncated to fit: the first two arcs, then base-128 */
		size_t k, w = 0;
		uint64_t v = 0;

		for (k = 0; k < oid.len && w < sizeof out->alg - 1; k++) {
			v = v << 7 | (oid.p[k] & 0x7f);
			if (oid.p[k] & 0x80) {
				if (v >> 56)
					return sigfs_error_set(SIGFS_EMALFORMED,
							       "cms: CDHashes2 OID arc too large");
				continue;
			}
			if (w == 0) {
				unsigned first = v < 40 ? 0 : v < 80 ? 1 : 2;

				w += (size_t)snprintf(out->alg, sizeof out->alg, "%u.%llu", first,
						      (unsigned long long)(v - 40u * first));
			} else
				w += (size_t)snprintf(out->alg + w, sizeof out->alg - w, ".%llu",
						      (unsigned long long)v);
			if (w >= sizeof out->alg)
				w = sizeof out->alg - 1;
			v = 0;
		}
	}
	memcpy(out->hash, h.p, h.len);
	out->len = (uint8_t)h.len;
	return SIGFS_OK;
}

/* ---------------------------------------------------------------- chain */

static void put_iso(char *dst, size_t n, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm))
		snprintf(dst, n, "invalid-time");
	else
		snprintf(dst, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int x509_der(X509 *x, uint8_t **der, size_t *len)
{
	int n = i2d_X509(x, NULL);
	unsigned char *p;

	*der = NULL;
	if (n <= 0)
		return 0;
	*der = malloc((size_t)n);
	if (!*der)
		return -1;
	p = *der;
	*len = (size_t)i2d_X509(x, &p);
	return 1;
}

/* 1 (with its name) when x is a trust anchor: Apple's, or one of `a`. */
static int is_anchor(const sigfs_anchors *a, X509 *x, const char **name, int *apple)
{
	uint8_t *der;
	size_t len = 0;
	int r = x509_der(x, &der, &len), found = 0;

	if (r < 0)
		return -1;
	if (r > 0) {
		found = sigfs_anchor_find(a, der, len, name);
		if (apple)
			*apple = found && sigfs_anchor_is_apple(der, len);
	}
	free(der);
	return found;
}

enum chain_end { CHAIN_ANCHORED, CHAIN_ROOT, CHAIN_BROKEN };

struct chain {
	X509 *c[SIGFS_CMS_MAX_CERTS + 1];
	size_t n;
	int end;	    /* enum chain_end */
	size_t broken_at;   /* CHAIN_BROKEN: index of the certificate without a verified issuer */
	const char *anchor; /* CHAIN_ANCHORED: its name */
	int apple;	    /* CHAIN_ANCHORED at one of Apple's roots */
};

/* Build leaf → … from the bag (then `more`: a time-stamp token's chain may
 * end in the signature's certificates) by issuer links, each signature verified,
 * until an anchor (Apple's or a user's), a self-signed root, or a missing
 * link (an anchor must be in the bag: the offline verifier has no store). At most
 * SIGFS_CMS_MAX_CERTS + 1 certificates; a cycle ends as a missing link. */
static int build_chain(struct chain *ch, X509 *leaf, STACK_OF(X509) * bag, STACK_OF(X509) * more,
		       const sigfs_anchors *anchors)
{
	/* sk_X509_num(NULL) is -1 */
	size_t i, nbag = bag ? (size_t)sk_X509_num(bag) : 0, nmore = more ? (size_t)sk_X509_num(more) : 0;
	int r;

	memset(ch, 0, sizeof *ch);
	ch->c[ch->n++] = leaf;
	for (;;) {
		X509 *cur = ch->c[ch->n - 1], *next = NULL;

		r = is_anchor(anchors, cur, &ch->anchor, &ch->apple);
		if (r < 0)
			return SIGFS_ENOMEM;
		if (r) {
			ch->end = CHAIN_ANCHORED;
			return SIGFS_OK;
		}
		if (X509_NAME_cmp(X509_get_subject_name(cur), X509_get_issuer_name(cur)) == 0 &&
		    sigfs_certcache_signed_by(cur, cur)) {
			ch->end = CHAIN_ROOT;
			return SIGFS_OK;
		}
		for (i = 0; !next && i < nbag + nmore; i++) {
			X509 *cand =
			    i < nbag ? sk_X509_value(bag, (int)i) : sk_X509_value(more, (int)(i - nbag));
			size_t k;
			int seen = 0;

			for (k = 0; k < ch->n; k++)
				seen |= X509_cmp(ch->c[k], cand) == 0;
			if (!seen && sigfs_certcache_signed_by(cur, cand))
				next = cand;
		}
		if (!next) {
			ch->end = CHAIN_BROKEN;
			ch->broken_at = ch->n - 1;
			return SIGFS_OK;
		}
		if (ch->n >= sizeof ch->c / sizeof ch->c[0]) {
			ch->end = CHAIN_BROKEN;
			ch->broken_at = ch->n - 1;
			return SIGFS_OK;
		}
		ch->c[ch->n++] = next;
	}
}

/* 0 when every certificate of the chain is valid at t, else the CSSM error
 * of the first that is not. */
static int chain_validity(const struct chain *ch, int64_t t)
{
	size_t i;
	time_t tt = (time_t)t;

	for (i = 0; i < ch->n; i++) {
		if (X509_cmp_time(X509_get0_notBefore(ch->c[i]), &tt) >= 0)
			return CSSMERR_TP_CERT_NOT_VALID_YET;
		if (X509_cmp_time(X509_get0_notAfter(ch->c[i]), &tt) <= 0)
			return CSSMERR_TP_CERT_EXPIRED;
	}
	return 0;
}

static int has_ext(X509 *x, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int r = o && X509_get_ext_by_OBJ(x, o, -1) >= 0;

	ASN1_OBJECT_free(o);
	return r;
}

/* SecStaticCode::isAppleDeveloperCert: anchor apple generic and a leaf
 * marker of an Apple developer certificate (Apple Development, Mac
 * Developer, Mac App Store, iPhone Distribution), or the Developer ID
 * intermediate marker with the Developer ID Application leaf marker. */
static int apple_developer_chain(const struct chain *ch)
{
	X509 *leaf = ch->c[0];

	if (ch->end != CHAIN_ANCHORED)
		return 0;
	if (has_ext(leaf, "1.2.840.113635.100.6.1.2") || has_ext(leaf, "1.2.840.113635.100.6.1.12") ||
	    has_ext(leaf, "1.2.840.113635.100.6.1.7") || has_ext(leaf, "1.2.840.113635.100.6.1.4"))
		return 1;
	return ch->n > 1 && has_ext(ch->c[1], "1.2.840.113635.100.6.2.6") &&
	       has_ext(leaf, "1.2.840.113635.100.6.1.13");
}

/* The leaf's first subject OU, UTF-8, into dst; 0 when it has none. */
static int first_ou(X509 *x, char *dst, size_t n)
{
	const X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
	unsigned char *utf8 = NULL;
	int len;

	if (i < 0)
		return 0;
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (len < 0)
		return 0;
	snprintf(dst, n, "%.*s", len, (const char *)utf8);
	OPENSSL_free(utf8);
	return 1;
}

/* ---------------------------------------------------------------- verify */

struct ctx {
	struct sigfs_slice_verdict *sv;
	const struct sigfs_slice *s;
	const sigfs_anchors *anchors;
	int status;
};

static void fail(struct ctx *c, int status)
{
	if (!c->status)
		c->status = status;
}

static const EVP_MD *md_of_nid(int nid, uint32_t *cs_type)
{
	switch (nid) {
	case NID_sha1: *cs_type = CS_HASHTYPE_SHA1; return EVP_sha1();
	case NID_sha256: *cs_type = CS_HASHTYPE_SHA256; return EVP_sha256();
	case NID_sha384: *cs_type = CS_HASHTYPE_SHA384; return EVP_sha384();
	case NID_sha512: *cs_type = CS_HASHTYPE_SHA512; return EVP_sha512();
	}
	return NULL;
}

/* The one value of signed attribute `obj` (NULL + SIGFS_ENOTFOUND when
 * absent; SIGFS_EMALFORMED when repeated or not single-valued). */
static int signed_attr(CMS_SignerInfo *si, const ASN1_OBJECT *obj, X509_ATTRIBUTE **at)
{
	int i = CMS_signed_get_attr_by_OBJ(si, obj, -1);

	*at = NULL;
	if (i < 0)
		return SIGFS_ENOTFOUND;
	if (CMS_signed_get_attr_by_OBJ(si, obj, i) >= 0)
		return SIGFS_EMALFORMED;
	*at = CMS_signed_get_attr(si, i);
	return *at ? SIGFS_OK : SIGFS_EMALFORMED;
}

/* Signer: signed attributes, contentType, messageDigest, the signature. */
static int check_signer(struct ctx *c, CMS_ContentInfo *ci, CMS_SignerInfo *si, STACK_OF(X509) * certs,
			X509 **signer)
{
	const struct sigfs_cd *cd0 = &c->s->cds[0]; /* slot 0 (cds are in slot order) */
	X509_ALGOR *dalg = NULL;
	const ASN1_OBJECT *obj = NULL;
	const EVP_MD *md;
	uint32_t cs_type = 0;
	uint8_t dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int i, n, type;
	ASN1_TYPE *v;

	*signer = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dalg, NULL);
	if (dalg)
		X509_ALGOR_get0(&obj, NULL, NULL, dalg);
	md = md_of_nid(obj ? OBJ_obj2nid(obj) : NID_undef, &cs_type);
	if (!md) {
		sigfs_check_add(c->sv, "cms", SIGFS_CHECK_FAIL, "digest-algorithm");
		return 0;
	}
	if (CMS_signed_get_attr_count(si) <= 0) {
		sigfs_check_add(c->sv, "cms", SIGFS_CHECK_FAIL, "no-signed-attributes");
		return 0;
	}
	i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1);
	v = i >= 0 ? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0) : NULL;
	if (!v || ASN1_TYPE_get(v) != V_ASN1_OBJECT || OBJ_obj2nid(v->value.object) != NID_pkcs7_data) {
		sigfs_check_add(c->sv, "cms", SIGFS_CHECK_FAIL, "contentType");
		return 0;
	}
	i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1);
	n = i >= 0 ? X509_ATTRIBUTE_count(CMS_signed_get_attr(si, i)) : 0;
	v = n == 1 && CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, i) < 0
		? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0)
		: NULL;
	type = v ? ASN1_TYPE_get(v) : -1;
	if (!EVP_Digest(cd0->p, cd0->len, dig, &dlen, md, NULL))
		return SIGFS_ENOMEM;
	if (type != V_ASN1_OCTET_STRING || (unsigned)ASN1_STRING_length(v->value.octet_string) != dlen ||
	    memcmp(ASN1_STRING_get0_data(v->value.octet_string), dig, dlen) != 0) {
		sigfs_check_add(c->sv, "cms", SIGFS_CHECK_FAIL, "messageDigest");
		return 0;
	}
	for (i = 0; certs && i < sk_X509_num(certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0) {
			*signer = sk_X509_value(certs, i);
			break;
		}
	if (!*signer) {
		sigfs_check_add(c->sv, "cms", SIGFS_CHECK_FAIL, "no-signer-certificate");
		return 0;
	}
	CMS_SignerInfo_set1_signer_cert(si, *signer);
	if (CMS_SignerInfo_verify(si) != 1) {
		ERR_clear_error();
		sigfs_check_add(c->sv, "cms", SIGFS_CHECK_FAIL, "signature");
		*signer = NULL;
		return 0;
	}
	(void)ci;
	sigfs_check_add(c->sv, "cms", SIGFS_CHECK_OK, "digest=%s", sigfs_hash_name(cs_type));
	return 1;
}

/* CDHashes (100.9.1): the plist, compared with the truncated cdhashes of
 * every CodeDirectory by ascending hash type. */
static int check_cdhashes(struct ctx *c, CMS_SignerInfo *si)
{
	const struct sigfs_slice *s = c->s;
	uint8_t want[SIGFS_MAX_CDS][CS_CDHASH_LEN];
	ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113635.100.9.1", 1);
	X509_ATTRIBUTE *at;
	ASN1_TYPE *v;
	size_t i, j, k = 0;
	int r;

	if (!obj)
		return SIGFS_ENOMEM;
	r = signed_attr(si, obj, &at);
	ASN1_OBJECT_free(obj);
	if (r == SIGFS_ENOTFOUND) {
		sigfs_check_add(c->sv, "cms-cdhashes", SIGFS_CHECK_ABSENT, NULL);
		return SIGFS_OK;
	}
	v = r == SIGFS_OK && X509_ATTRIBUTE_count(at) == 1 ? X509_ATTRIBUTE_get0_type(at, 0) : NULL;
	if (!v || ASN1_TYPE_get(v) != V_ASN1_OCTET_STRING) {
		sigfs_check_add(c->sv, "cms-cdhashes", SIGFS_CHECK_FAIL, "malformed");
		fail(c, errSecCSSignatureFailed);
		return SIGFS_OK;
	}
	c->sv->cdhashes_plist_len = (size_t)ASN1_STRING_length(v->value.octet_string);
	c->sv->cdhashes_plist = malloc(c->sv->cdhashes_plist_len + 1);
	if (!c->sv->cdhashes_plist)
		return SIGFS_ENOMEM;
	memcpy(c->sv->cdhashes_plist, ASN1_STRING_get0_data(v->value.octet_string),
	       c->sv->cdhashes_plist_len);
	/* ascending hash type: CodeDirectory slots are not in hash-type order */
	for (j = 1; j <= 255; j++)
		for (i = 0; i < s->ncds; i++)
			if (s->cds[i].hash_type == j)
				memcpy(want[k++], s->cds[i].cdhash, CS_CDHASH_LEN);
	r = sigfs_cdhashes_plist_check(c->sv->cdhashes_plist, c->sv->cdhashes_plist_len,
				       (const uint8_t(*)[CS_CDHASH_LEN])want, k);
	if (r == SIGFS_ENOMEM)
		return r;
	if (r == 1) {
		sigfs_check_add(c->sv, "cms-cdhashes", SIGFS_CHECK_OK, NULL);
		return SIGFS_OK;
	}
	sigfs_check_add(c->sv, "cms-cdhashes", SIGFS_CHECK_FAIL, r == 0 ? "mismatch" : "malformed");
	fail(c, errSecCSSignatureFailed);
	return SIGFS_OK;
}

static const char *cdhash2_alg(uint32_t hash_type)
{
	switch (hash_type) {
	case CS_HASHTYPE_SHA1: return "sha1";
	case CS_HASHTYPE_SHA256:
	case CS_HASHTYPE_SHA256_TRUNCATED: return "sha256";
	case CS_HASHTYPE_SHA384: return "sha384";
	case CS_HASHTYPE_SHA512: return "sha512";
	}
	return NULL;
}

/* CDHashes2 (100.9.2): as many distinct algorithms as CodeDirectories,
 * every known CodeDirectory's full cdhash under its algorithm, the primary
 * one among them. Apple reads the values into a dictionary keyed by
 * algorithm: a repeated algorithm keeps the last value. */
static int check_cdhashes2(struct ctx *c, CMS_SignerInfo *si)
{
	struct sigfs_slice_verdict *sv = c->sv;
	const struct sigfs_slice *s = c->s;
	ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113635.100.9.2", 1);
	X509_ATTRIBUTE *at;
	size_t i, j, distinct = 0;
	int r, n, bad = 0, found_primary = 0;

	if (!obj)
		return SIGFS_ENOMEM;
	r = signed_attr(si, obj, &at);
	ASN1_OBJECT_free(obj);
	if (r == SIGFS_ENOTFOUND) {
		sigfs_check_add(sv, "cms-cdhashes2", SIGFS_CHECK_ABSENT, NULL);
		return SIGFS_OK;
	}
	n = r == SIGFS_OK ? X509_ATTRIBUTE_count(at) : -1;
	if (n < 0 || (size_t)n > SIGFS_MAX_CDHASHES2)
		bad = 1;
	sv->has_cdhashes2 = 1;
	for (i = 0; !bad && i < (size_t)n; i++) {
		ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(at, (int)i);

		if (!v || ASN1_TYPE_get(v) != V_ASN1_SEQUENCE ||
		    sigfs_cdhash2_parse(v->value.sequence->data, (size_t)v->value.sequence->length,
					&sv->cdhashes2[i]) != SIGFS_OK) {
			bad = 1;
			break;
		}
		sv->ncdhashes2 = i + 1;
	}
	if (bad) {
		sigfs_check_add(sv, "cms-cdhashes2", SIGFS_CHECK_FAIL, "malformed");
		fail(c, errSecCSSignatureFailed);
		return SIGFS_OK;
	}
	for (i = 0; i < sv->ncdhashes2; i++) {
		for (j = i + 1; j < sv->ncdhashes2; j++)
			if (strcmp(sv->cdhashes2[i].alg, sv->cdhashes2[j].alg) == 0)
				break;
		distinct += j == sv->ncdhashes2;
	}
	bad = distinct != s->ncds;
	for (i = 0; !bad && i < s->ncds; i++) {
		const struct sigfs_cd *cd = &s->cds[i];
		const char *alg = cdhash2_alg(cd->hash_type);
		const struct sigfs_cdhash2 *e = NULL;

		if (!alg)
			continue;
		for (j = 0; j < sv->ncdhashes2; j++) /* the last value of alg */
			if (strcmp(sv->cdhashes2[j].alg, alg) == 0)
				e = &sv->cdhashes2[j];
		if (!e || e->len != cd->cdhash_len || memcmp(e->hash, cd->cdhash, cd->cdhash_len) != 0)
			bad = 1;
		if (i == s->primary)
			found_primary = 1;
	}
	if (bad || !found_primary) {
		sigfs_check_add(sv, "cms-cdhashes2", SIGFS_CHECK_FAIL, "mismatch");
		fail(c, errSecCSSignatureFailed);
		return SIGFS_OK;
	}
	sigfs_check_add(sv, "cms-cdhashes2", SIGFS_CHECK_OK, NULL);
	return SIGFS_OK;
}

/* The RFC 3161 token (unsigned attribute id-aa-timeStampToken): its
 * signature, its messageImprint over the signer's signature value, its
 * genTime and its certificates (the chain is judged by the caller). 1 with a
 * time, 0 when absent, -1 when present and bad. */
static int read_timestamp(struct ctx *c, CMS_SignerInfo *si, int64_t *when, CMS_ContentInfo **tsout)
{
	int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
	ASN1_TYPE *v;
	size_t used;
	CMS_ContentInfo *ts = NULL;
	BIO *out = NULL;
	TS_TST_INFO *tst = NULL;
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	int ok = -1;

	*tsout = NULL;
	if (i < 0)
		return 0;
	v = X509_ATTRIBUTE_count(CMS_unsigned_get_attr(si, i)) == 1
		? X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, i), 0)
		: NULL;
	if (!v || ASN1_TYPE_get(v) != V_ASN1_SEQUENCE)
		return -1;
	if (v->value.sequence->length > 0)
		ts = sigfs_cms_d2i(v->value.sequence->data, (size_t)v->value.sequence->length, &used);
	out = BIO_new(BIO_s_mem());
	if (!ts || !out)
		goto done;
	/* the token's own signature (its chain is built and judged below) */
	if (CMS_verify(ts, NULL, NULL, NULL, out, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1)
		goto done;
	{
		BUF_MEM *bm = NULL;
		const unsigned char *q;
		X509_ALGOR *alg;
		ASN1_OCTET_STRING *imprint;
		const ASN1_OBJECT *aobj = NULL;
		const EVP_MD *md;
		uint32_t t;
		uint8_t d[EVP_MAX_MD_SIZE];
		unsigned int dl = 0;

		BIO_get_mem_ptr(out, &bm);
		q = (const unsigned char *)bm->data;
		tst = d2i_TS_TST_INFO(NULL, &q, (long)bm->length);
		if (!tst)
			goto done;
		alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
		imprint = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
		X509_ALGOR_get0(&aobj, NULL, NULL, alg);
		md = md_of_nid(OBJ_obj2nid(aobj), &t);
		if (!md || !sig || !EVP_Digest(sig->data, (size_t)sig->length, d, &dl, md, NULL) ||
		    (unsigned)imprint->length != dl || memcmp(imprint->data, d, dl) != 0)
			goto done;
		{
			struct tm tm;
			memset(&tm, 0, sizeof tm);
			if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) != 1)
				goto done;
			*when = (int64_t)timegm(&tm);
		}
	}
	ok = 1;
	*tsout = ts;
	ts = NULL;
done:
	ERR_clear_error();
	TS_TST_INFO_free(tst);
	BIO_free(out);
	CMS_ContentInfo_free(ts);
	return ok;
}

int sigfs_cms_verify(struct sigfs_slice_verdict *sv, const struct sigfs_slice *s,
		     const sigfs_anchors *anchors, int64_t now, int *status)
{
	const struct sigfs_blob *b = sigfs_slice_blob(s, CSSLOT_SIGNATURESLOT);
	const struct sigfs_cd *cd = &s->cds[s->primary];
	struct ctx c = {sv, s, anchors, 0};
	CMS_ContentInfo *ci = NULL, *ts = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	STACK_OF(X509) *certs = NULL, *tscerts = NULL;
	CMS_SignerInfo *si;
	X509 *signer = NULL;
	struct chain ch, tch;
	size_t used;
	int64_t ts_time = 0;
	int rc = SIGFS_OK, r, tsr, trust = 0, expired = 0;
	char iso[80];

	ERR_clear_error();
	if (!b || b->len <= 8 || b->len - 8 > LONG_MAX) {
		/* no CMS in a signature that is not ad-hoc: CMSDecoder fails */
		sigfs_check_add(sv, "cms", SIGFS_CHECK_FAIL, "absent");
		*status = errSecCSSignatureFailed;
		return SIGFS_OK;
	}
	ci = sigfs_cms_d2i(b->p + 8, b->len - 8, &used);
	sis = ci && OBJ_obj2nid(CMS_get0_type(ci)) == NID_pkcs7_signed ? CMS_get0_SignerInfos(ci) : NULL;
	if (!sis || sk_CMS_SignerInfo_num(sis) < 1) {
		sigfs_check_add(sv, "cms", SIGFS_CHECK_FAIL, "decode");
		fail(&c, errSecCSSignatureFailed);
		goto out;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	certs = CMS_get1_certs(ci);
	if (certs && sk_X509_num(certs) > SIGFS_CMS_MAX_CERTS) {
		sigfs_check_add(sv, "cms", SIGFS_CHECK_FAIL, "too-many-certificates");
		fail(&c, errSecCSSignatureFailed);
		goto out;
	}
	r = check_signer(&c, ci, si, certs, &signer);
	if (r < 0) {
		rc = r;
		goto out;
	}
	if (!r) {
		fail(&c, errSecCSSignatureFailed);
		goto out;
	}
	if ((rc = check_cdhashes(&c, si)) != SIGFS_OK || (rc = check_cdhashes2(&c, si)) != SIGFS_OK)
		goto out;

	tsr = read_timestamp(&c, si, &ts_time, &ts);
	if (tsr < 0)
		fail(&c, errSecCSSignatureFailed);

	rc = build_chain(&ch, signer, certs, NULL, anchors);
	if (rc)
		goto out;
	for (size_t k = 0; k < ch.n && k < SIGFS_VERIFY_MAX_CHAIN; k++) {
		r = x509_der(ch.c[k], &sv->chain[k], &sv->chain_len[k]);
		if (r < 0) {
			rc = SIGFS_ENOMEM;
			goto out;
		}
		sv->nchain = k + 1;
	}
	switch (ch.end) {
	case CHAIN_ANCHORED: sigfs_check_add(sv, "chain", SIGFS_CHECK_OK, "anchor=\"%s\"", ch.anchor); break;
	case CHAIN_ROOT:
		/* codesign evaluates with implicit anchors: a self-signed root
		 * ends the chain; only requirements ask for Apple's */
		sigfs_check_add(sv, "chain", SIGFS_CHECK_FAIL, "not-anchored");
		break;
	default:
		sigfs_check_add(sv, "chain", SIGFS_CHECK_FAIL, "broken-link %zu", ch.broken_at);
		trust = CSSMERR_TP_NOT_TRUSTED;
	}

	/* the team identifier, before the trust result (verifySignature) */
	if (!cd->team)
		sigfs_check_add(sv, "team-id", SIGFS_CHECK_ABSENT, NULL);
	else if (!apple_developer_chain(&ch))
		sigfs_check_add(sv, "team-id", SIGFS_CHECK_SKIPPED, "%s not-apple-developer-chain", cd->team);
	else {
		char ou[128];

		if (!first_ou(ch.c[0], ou, sizeof ou))
			sigfs_check_add(sv, "team-id", SIGFS_CHECK_SKIPPED, "%s no-certificate-ou", cd->team);
		else if (strcmp(ou, cd->team) != 0) {
			sigfs_check_add(sv, "team-id", SIGFS_CHECK_FAIL, "cd=%s cert=%s", cd->team, ou);
			fail(&c, errSecCSBadTeamIdentifier);
		} else
			sigfs_check_add(sv, "team-id", SIGFS_CHECK_OK, "%s", cd->team);
	}

	/* validity: at the timestamp when there is one; else now, where
	 * expiry is tolerated (codesign retries allowing expired) unless the
	 * CodeDirectory asks for expiration checks */
	if (tsr > 0) {
		sv->has_timestamp = 1;
		sv->timestamp = ts_time;
		put_iso(iso, sizeof iso, ts_time);
		expired = chain_validity(&ch, ts_time);
		sigfs_check_add(sv, "validity", expired ? SIGFS_CHECK_FAIL : SIGFS_CHECK_OK,
				"%sat=timestamp %s",
				expired == CSSMERR_TP_CERT_EXPIRED	   ? "expired "
				: expired == CSSMERR_TP_CERT_NOT_VALID_YET ? "not-yet-valid "
									   : "",
				iso);
		if (expired && !trust)
			trust = expired;
	} else {
		expired = chain_validity(&ch, now);
		if (!expired)
			sigfs_check_add(sv, "validity", SIGFS_CHECK_OK, "at=now");
		else if (cd->flags & CS_CHECK_EXPIRATION) {
			sigfs_check_add(sv, "validity", SIGFS_CHECK_FAIL, "expired at=now (expires flag)");
			if (!trust)
				trust = CSSMERR_TP_CERT_EXPIRED;
		} else
			sigfs_check_add(sv, "validity", SIGFS_CHECK_WARN, "%s at=now tolerated",
					expired == CSSMERR_TP_CERT_EXPIRED ? "expired" : "not-yet-valid");
	}
	if (trust)
		fail(&c, trust);

	/* the time-stamp token: its chain must reach an anchor when the
	 * signature's does (Apple's "draws to Apple" policy) */
	if (tsr == 0)
		sigfs_check_add(sv, "timestamp", SIGFS_CHECK_ABSENT, NULL);
	else if (tsr < 0)
		sigfs_check_add(sv, "timestamp", SIGFS_CHECK_FAIL, "token");
	else {
		STACK_OF(CMS_SignerInfo) *tsis = CMS_get0_SignerInfos(ts);
		X509 *tsigner = NULL;
		int i;

		tscerts = CMS_get1_certs(ts);
		for (i = 0; tscerts && tsis && i < sk_X509_num(tscerts) && i < SIGFS_CMS_MAX_CERTS; i++)
			if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(tsis, 0),
						    sk_X509_value(tscerts, i)) == 0)
				tsigner = sk_X509_value(tscerts, i);
		if (!tsigner) {
			sigfs_check_add(sv, "timestamp", SIGFS_CHECK_FAIL, "no-signer-certificate");
			fail(&c, errSecCSSignatureFailed);
		} else {
			rc = build_chain(&tch, tsigner, tscerts, certs, anchors);
			if (rc)
				goto out;
			if (tch.end == CHAIN_ANCHORED)
				sigfs_check_add(sv, "timestamp", SIGFS_CHECK_OK, "anchor=\"%s\"", tch.anchor);
			else if (ch.end == CHAIN_ANCHORED) {
				sigfs_check_add(sv, "timestamp", SIGFS_CHECK_FAIL, "not-anchored");
				fail(&c, CSSMERR_TP_NOT_TRUSTED);
			} else
				sigfs_check_add(sv, "timestamp", SIGFS_CHECK_WARN, "not-anchored");
		}
	}
out:
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(tscerts, X509_free);
	CMS_ContentInfo_free(ts);
	CMS_ContentInfo_free(ci);
	ERR_clear_error();
	if (rc)
		return rc;
	*status = c.status;
	return SIGFS_OK;
}
