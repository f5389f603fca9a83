/* sigfs core: provisioning profiles (Apple TN3125) through OpenSSL 3.
 *
 * sigfs_profile_parse decodes the CMS once: it copies the attached content
 * (the XML plist), verifies the signer's signature over it, judges the
 * signer's chain, parses the plist and hashes every DeveloperCertificates
 * entry; every OpenSSL object is freed before it returns. */
#include "sigfs/profile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "internal.h"
#include "sigfs/trust.h"

struct sigfs_profile {
	uint8_t *payload;
	size_t payload_len;
	sigfs_plist *pl;
	const sigfs_pv *root;
	int sig_ok;
	char sig_why[160];
	uint8_t (*cert_sha)[32]; /* SHA-256 of each DeveloperCertificates entry */
	size_t ncert_sha;
};

/* ---------------------------------------------------------------- the CMS */

/* The signer's certificate, then its issuers, each link's signature
 * verified, until an anchor: "ok anchor=…", or why not. Validity is judged
 * at the signingTime when the CMS has one (expiry without one is tolerated,
 * as codesign tolerates it). At most SIGFS_CMS_MAX_CERTS links. */
static void judge_chain(sigfs_profile *p, CMS_ContentInfo *ci, CMS_SignerInfo *si,
			const sigfs_anchors *anchors)
{
	STACK_OF(X509) *sk = CMS_get1_certs(ci);
	unsigned char used[SIGFS_CMS_MAX_CERTS] = {0};
	int n = sk ? sk_X509_num(sk) : 0, i, links = 0;
	X509 *cur = NULL;
	time_t at = 0;
	int have_at = 0;
	int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);

	if (idx >= 0) {
		ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
		struct tm tm;

		if (v && (v->type == V_ASN1_UTCTIME || v->type == V_ASN1_GENERALIZEDTIME) &&
		    ASN1_TIME_to_tm(v->value.asn1_string, &tm) == 1) {
			at = timegm(&tm);
			have_at = 1;
		}
	}
	if (n > SIGFS_CMS_MAX_CERTS) {
		snprintf(p->sig_why, sizeof p->sig_why, "too-many-certificates %d", n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(sk, i)) == 0)
			break;
	}
	if (i == n) {
		snprintf(p->sig_why, sizeof p->sig_why, "no-signer-certificate");
		goto out;
	}
	for (;;) { /* each pass marks one more certificate used: at most n passes */
		unsigned char *der = NULL;
		const char *name = NULL;
		int len, anchor;

		cur = sk_X509_value(sk, i);
		used[i] = 1;
		if (have_at && (X509_cmp_time(X509_get0_notBefore(cur), &at) > 0 ||
				X509_cmp_time(X509_get0_notAfter(cur), &at) < 0)) {
			snprintf(p->sig_why, sizeof p->sig_why, "not-valid-at-signing %d", links);
			goto out;
		}
		len = i2d_X509(cur, &der);
		anchor = len > 0 && sigfs_anchor_find(anchors, der, (size_t)len, &name);
		OPENSSL_free(der);
		if (anchor) {
			p->sig_ok = 1;
			snprintf(p->sig_why, sizeof p->sig_why, "ok anchor=\"%s\"", name ? name : "");
			goto out;
		}
		for (i = 0; i < n; i++) {
			X509 *c = sk_X509_value(sk, i);

			if (!used[i] && X509_check_issued(c, cur) == X509_V_OK)
				break;
		}
		if (i == n) {
			snprintf(p->sig_why, sizeof p->sig_why, "not-anchored");
			goto out;
		}
		links++;
		if (X509_verify(cur, X509_get0_pubkey(sk_X509_value(sk, i))) != 1) {
			snprintf(p->sig_why, sizeof p->sig_why, "broken-link %d", links);
			goto out;
		}
	}
out:
	sk_X509_pop_free(sk, X509_free);
}

/* Copy the attached content; check the signature over it. */
static int unwrap(sigfs_profile *p, const uint8_t *der, size_t len, const sigfs_anchors *anchors)
{
	const unsigned char *q = der;
	CMS_ContentInfo *ci = d2i_CMS_ContentInfo(NULL, &q, (long)len);
	STACK_OF(CMS_SignerInfo) * sis;
	ASN1_OCTET_STRING **content;
	BIO *sink = NULL;
	int rc = SIGFS_OK;

	if (!ci || (size_t)(q - der) != len || OBJ_obj2nid(CMS_get0_type(ci)) != NID_pkcs7_signed) {
		rc = sigfs_error_set(
		    SIGFS_EMALFORMED,
		    "profile: not a DER CMS SignedData (%zu bytes); a provisioning profile is "
		    "one, as `openssl cms -cmsout -inform DER -print` shows",
		    len);
		goto out;
	}
	content = CMS_get0_content(ci);
	if (!content || !*content) {
		rc = sigfs_error_set(SIGFS_EMALFORMED, "profile: the CMS SignedData has no attached content");
		goto out;
	}
	p->payload_len = (size_t)ASN1_STRING_length(*content);
	p->payload = malloc(p->payload_len + 1);
	if (!p->payload) {
		rc = sigfs_error_set(SIGFS_ENOMEM, "profile: out of memory for a %zu-byte payload",
				     p->payload_len);
		goto out;
	}
	memcpy(p->payload, ASN1_STRING_get0_data(*content), p->payload_len);
	p->payload[p->payload_len] = 0;

	sis = CMS_get0_SignerInfos(ci);
	if (!sis || sk_CMS_SignerInfo_num(sis) != 1) {
		snprintf(p->sig_why, sizeof p->sig_why, "signer-count %d",
			 sis ? sk_CMS_SignerInfo_num(sis) : 0);
		goto out;
	}
	/* Signature and content digest only; the chain is judged below. The
	 * output goes nowhere: the content was copied above. */
	sink = BIO_new(BIO_s_null());
	if (!sink) {
		rc = sigfs_error_set(SIGFS_ENOMEM, "profile: out of memory");
		goto out;
	}
	if (CMS_verify(ci, NULL, NULL, NULL, sink, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		snprintf(p->sig_why, sizeof p->sig_why, "bad-signature");
		goto out;
	}
	judge_chain(p, ci, sk_CMS_SignerInfo_value(sis, 0), anchors);
out:
	BIO_free(sink);
	CMS_ContentInfo_free(ci);
	ERR_clear_error();
	return rc;
}

static int hash_certificates(sigfs_profile *p)
{
	const sigfs_pv *a = sigfs_pv_get(p->root, "DeveloperCertificates");
	size_t n = sigfs_pv_count(a), i, len, hl;

	if (n > SIGFS_PROFILE_MAX_CERTS)
		return sigfs_error_set(SIGFS_EMALFORMED, "profile: %zu DeveloperCertificates, more than %d",
				       n, SIGFS_PROFILE_MAX_CERTS);
	if (n == 0)
		return SIGFS_OK;
	p->cert_sha = calloc(n, sizeof *p->cert_sha);
	if (!p->cert_sha)
		return sigfs_error_set(SIGFS_ENOMEM, "profile: out of memory for %zu certificates", n);
	for (i = 0; i < n; i++) {
		const sigfs_pv *v = sigfs_pv_at(a, i, NULL);
		const char *der;
		uint8_t md[CS_HASH_MAX_SIZE];

		if (sigfs_pv_type(v) != SIGFS_PV_DATA)
			continue;
		der = sigfs_pv_bytes(v, &len);
		if (sigfs_hash(CS_HASHTYPE_SHA256, (const uint8_t *)der, len, md, &hl))
			return SIGFS_ENOMEM;
		memcpy(p->cert_sha[p->ncert_sha++], md, 32);
	}
	return SIGFS_OK;
}

int sigfs_profile_parse(sigfs_profile **out, const uint8_t *der, size_t len, const sigfs_anchors *anchors)
{
	sigfs_profile *p;
	int rc;

	*out = NULL;
	ERR_clear_error();
	if (!der || len == 0 || len > SIGFS_PROFILE_MAX_SIZE)
		return sigfs_error_set(SIGFS_EMALFORMED, "profile: %zu bytes; a profile is 1 to %zu bytes",
				       len, SIGFS_PROFILE_MAX_SIZE);
	p = calloc(1, sizeof *p);
	if (!p)
		return sigfs_error_set(SIGFS_ENOMEM, "profile: out of memory");
	snprintf(p->sig_why, sizeof p->sig_why, "unchecked");
	rc = unwrap(p, der, len, anchors);
	if (rc == SIGFS_OK) {
		rc = sigfs_plist_from_xml(&p->pl, p->payload, p->payload_len);
		if (rc == SIGFS_EMALFORMED)
			rc = sigfs_error_set(SIGFS_EMALFORMED, "profile: the CMS content is no plist (%s)",
					     sigfs_error_last());
	}
	if (rc == SIGFS_OK) {
		p->root = sigfs_plist_root(p->pl);
		if (sigfs_pv_type(p->root) != SIGFS_PV_DICT)
			rc = sigfs_error_set(SIGFS_EMALFORMED,
					     "profile: the CMS content is no plist dictionary");
	}
	if (rc == SIGFS_OK)
		rc = hash_certificates(p);
	if (rc) {
		sigfs_profile_free(p);
		return rc;
	}
	*out = p;
	return SIGFS_OK;
}

void sigfs_profile_free(sigfs_profile *p)
{
	if (!p)
		return;
	free(p->payload);
	sigfs_plist_free(p->pl);
	free(p->cert_sha);
	free(p);
}

/* ---------------------------------------------------------------- facts */

const uint8_t *sigfs_profile_payload(const sigfs_profile *p, size_t *len)
{
	*len = p->payload_len;
	return p->payload;
}

const sigfs_pv *sigfs_profile_get(const sigfs_profile *p, const char *key)
{
	return sigfs_pv_get(p->root, key);
}

int sigfs_profile_signature_ok(const sigfs_profile *p, const char **why)
{
	if (why)
		*why = p->sig_why;
	return p->sig_ok;
}

static int array_has_string(const sigfs_pv *a, const char *s)
{
	size_t i, n = sigfs_pv_count(a);

	for (i = 0; i < n; i++) {
		const char *e = sigfs_pv_bytes(sigfs_pv_at(a, i, NULL), NULL);

		if (sigfs_pv_type(sigfs_pv_at(a, i, NULL)) == SIGFS_PV_STRING && strcmp(e, s) == 0)
			return 1;
	}
	return 0;
}

int sigfs_profile_is_macos(const sigfs_profile *p)
{
	return array_has_string(sigfs_profile_get(p, "Platform"), "OSX");
}

int sigfs_profile_expiration(const sigfs_profile *p, int64_t *t)
{
	return sigfs_pv_date(sigfs_profile_get(p, "ExpirationDate"), t);
}

int sigfs_profile_has_certificate(const sigfs_profile *p, const uint8_t sha256[32])
{
	size_t i;

	for (i = 0; i < p->ncert_sha; i++) {
		if (memcmp(p->cert_sha[i], sha256, 32) == 0)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- text */

static void put_clean(sigfs_buf *b, const char *s, size_t len, size_t max)
{
	size_t i;

	for (i = 0; i < len && i < max; i++)
		sigfs_buf_putc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	if (len > max)
		sigfs_buf_puts(b, "…");
}

void sigfs_pv_summary(sigfs_buf *out, const sigfs_pv *v, size_t max)
{
	size_t len, i, n, start = out->len;
	const char *s;
	int64_t x;

	switch (sigfs_pv_type(v)) {
	case SIGFS_PV_STRING:
		s = sigfs_pv_bytes(v, &len);
		put_clean(out, s, len, max);
		return;
	case SIGFS_PV_BOOL: sigfs_buf_puts(out, sigfs_pv_true(v) ? "true" : "false"); return;
	case SIGFS_PV_INT:
		if (sigfs_pv_int(v, &x) == SIGFS_OK)
			sigfs_buf_printf(out, "%lld", (long long)x);
		else
			sigfs_buf_puts(out, "(integer)");
		return;
	case SIGFS_PV_DATE:
		if (sigfs_pv_date(v, &x) == SIGFS_OK)
			sigfs_buf_time(out, x);
		return;
	case SIGFS_PV_ARRAY:
		n = sigfs_pv_count(v);
		for (i = 0; i < n && out->len - start < max; i++) {
			if (i)
				sigfs_buf_putc(out, ',');
			sigfs_pv_summary(out, sigfs_pv_at(v, i, NULL), max - (out->len - start));
		}
		if (i < n)
			sigfs_buf_puts(out, "…");
		return;
	case SIGFS_PV_DICT: sigfs_buf_printf(out, "(dictionary of %zu)", sigfs_pv_count(v)); return;
	case SIGFS_PV_DATA:
		sigfs_pv_bytes(v, &len);
		sigfs_buf_printf(out, "(%zu bytes)", len);
		return;
	case SIGFS_PV_REAL: sigfs_buf_puts(out, "(real)"); return;
	default: sigfs_buf_puts(out, "(none)"); return;
	}
}

#define SUMMARY_MAX 1024 /* bytes of one value in `summary` */

int sigfs_profile_summary(sigfs_buf *out, const sigfs_profile *p)
{
	static const char *const keys[] = {
	    "Name",	      "UUID",
	    "TeamIdentifier", "TeamName",
	    "AppIDName",      "ApplicationIdentifierPrefix",
	    "Platform",	      "ProfileDistributionType",
	};
	static const char *const dates[] = {"CreationDate", "ExpirationDate"};
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const sigfs_pv *v = sigfs_profile_get(p, keys[i]);

		if (!v)
			continue;
		sigfs_buf_printf(out, "%s=", keys[i]);
		sigfs_pv_summary(out, v, SUMMARY_MAX);
		sigfs_buf_putc(out, '\n');
	}
	for (i = 0; i < 2; i++) {
		const sigfs_pv *v = sigfs_profile_get(p, dates[i]);

		if (sigfs_pv_type(v) != SIGFS_PV_DATE)
			continue;
		sigfs_buf_printf(out, "%s=", dates[i]);
		sigfs_pv_summary(out, v, SUMMARY_MAX);
		sigfs_buf_putc(out, '\n');
	}
	if (sigfs_pv_true(sigfs_profile_get(p, "ProvisionsAllDevices")))
		sigfs_buf_puts(out, "ProvisionsAllDevices=true\n");
	else
		sigfs_buf_printf(out, "ProvisionedDevices=%zu\n",
				 sigfs_pv_count(sigfs_profile_get(p, "ProvisionedDevices")));
	for (i = 0; i < p->ncert_sha; i++) {
		sigfs_buf_puts(out, "DeveloperCertificate=");
		sigfs_buf_hex(out, p->cert_sha[i], 32);
		sigfs_buf_putc(out, '\n');
	}
	if (p->sig_ok)
		sigfs_buf_puts(out, "Signature=ok\n");
	else
		sigfs_buf_printf(out, "Signature=fail %s\n", p->sig_why);
	return sigfs_buf_status(out);
}

int sigfs_profile_entitlements_xml(sigfs_buf *out, const sigfs_profile *p)
{
	const sigfs_pv *e = sigfs_profile_get(p, "Entitlements");

	if (sigfs_pv_type(e) != SIGFS_PV_DICT)
		return sigfs_error_set(SIGFS_ENOTFOUND, "profile: no Entitlements dictionary");
	return sigfs_pv_to_xml(out, e);
}

int sigfs_profile_certificates_pem(sigfs_buf *out, const sigfs_profile *p)
{
	const sigfs_pv *a = sigfs_profile_get(p, "DeveloperCertificates");
	size_t i, n = sigfs_pv_count(a), len;

	for (i = 0; i < n; i++) {
		const sigfs_pv *v = sigfs_pv_at(a, i, NULL);
		const char *der;

		if (sigfs_pv_type(v) != SIGFS_PV_DATA)
			continue;
		der = sigfs_pv_bytes(v, &len);
		sigfs_buf_pem(out, "CERTIFICATE", (const uint8_t *)der, len);
	}
	return sigfs_buf_status(out);
}

/* ---------------------------------------------------------------- TN3125 */

/* A profile string allows a claimed string when equal, or when it ends in
 * '*' and the claim starts with the text before it. */
static int string_allows(const sigfs_pv *pv, const sigfs_pv *cv)
{
	size_t pl, cl;
	const char *p = sigfs_pv_bytes(pv, &pl), *c = sigfs_pv_bytes(cv, &cl);

	if (sigfs_pv_type(pv) != SIGFS_PV_STRING || sigfs_pv_type(cv) != SIGFS_PV_STRING)
		return 0;
	if (pl > 0 && p[pl - 1] == '*')
		return cl >= pl - 1 && memcmp(p, c, pl - 1) == 0;
	return pl == cl && memcmp(p, c, pl) == 0;
}

/* Comparisons one judgement may make: a claimed array of n values against a
 * profile array of m is n * m comparisons; past this it is not allowed. */
#define JUDGE_BUDGET ((size_t)1 << 20)

/* One claimed scalar against a profile value (a scalar or an array of
 * allowed values). *budget counts comparisons down. */
static int scalar_allowed(const sigfs_pv *pv, const sigfs_pv *cv, size_t *budget)
{
	size_t i, n;

	if (sigfs_pv_type(pv) == SIGFS_PV_ARRAY) {
		n = sigfs_pv_count(pv);
		for (i = 0; i < n && *budget; i++) { /* bounded by *budget */
			if (scalar_allowed(sigfs_pv_at(pv, i, NULL), cv, budget))
				return 1;
		}
		return 0;
	}
	if (!*budget)
		return 0;
	(*budget)--;
	return string_allows(pv, cv) || sigfs_pv_equal(pv, cv);
}

static int value_allowed(const sigfs_pv *pv, const sigfs_pv *cv)
{
	size_t i, n, budget = JUDGE_BUDGET;

	if (!pv)
		return 0;
	if (sigfs_pv_type(cv) != SIGFS_PV_ARRAY)
		return scalar_allowed(pv, cv, &budget);
	if (sigfs_pv_equal(pv, cv))
		return 1;
	n = sigfs_pv_count(cv);
	for (i = 0; i < n; i++) { /* each pass spends budget; none left: not allowed */
		if (!scalar_allowed(pv, sigfs_pv_at(cv, i, NULL), &budget))
			return 0;
	}
	return 1;
}

int sigfs_profile_judge(const sigfs_profile *p, const char *key, const sigfs_pv *claimed)
{
	if (sigfs_profile_is_macos(p) && strncmp(key, "com.apple.security.", 19) == 0)
		return SIGFS_ENT_EXEMPT;
	if (value_allowed(sigfs_pv_get(sigfs_profile_get(p, "Entitlements"), key), claimed))
		return SIGFS_ENT_ALLOWED;
	return SIGFS_ENT_NOT_ALLOWED;
}

/* The claimed elements the profile does not allow (all of a scalar), at
 * most SUMMARY_MAX bytes of them. */
static void put_not_allowed(sigfs_buf *out, const sigfs_pv *pv, const sigfs_pv *cv)
{
	size_t i, n, k = 0, budget = JUDGE_BUDGET, start = out->len;

	if (sigfs_pv_type(cv) != SIGFS_PV_ARRAY || !pv) {
		sigfs_pv_summary(out, cv, SUMMARY_MAX);
		return;
	}
	n = sigfs_pv_count(cv);
	for (i = 0; i < n; i++) { /* n: entries of a plist in memory; output bounded below */
		const sigfs_pv *e = sigfs_pv_at(cv, i, NULL);

		if (scalar_allowed(pv, e, &budget))
			continue;
		if (out->len - start >= SUMMARY_MAX) {
			sigfs_buf_puts(out, ",…");
			return;
		}
		if (k++)
			sigfs_buf_putc(out, ',');
		sigfs_pv_summary(out, e, SUMMARY_MAX);
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const sigfs_pv *app_id(const sigfs_pv *ents)
{
	const sigfs_pv *v = sigfs_pv_get(ents, "com.apple.application-identifier");

	return v ? v : sigfs_pv_get(ents, "application-identifier");
}

int sigfs_profile_check(sigfs_buf *out, const sigfs_profile *p, const struct sigfs_profile_claim *c)
{
	const sigfs_pv *pents = sigfs_profile_get(p, "Entitlements");
	size_t i, n = sigfs_pv_count(c->entitlements);
	const char **keys = NULL;
	const sigfs_pv *pa, *ca, *pteam;
	int64_t exp;

	if (n) {
		keys = calloc(n, sizeof *keys); /* n: entries of a parsed plist, already in memory */
		if (!keys)
			return sigfs_error_set(SIGFS_ENOMEM, "profile: out of memory for %zu keys", n);
		for (i = 0; i < n; i++)
			(void)sigfs_pv_at(c->entitlements, i, &keys[i]);
		qsort(keys, n, sizeof *keys, key_cmp);
	}
	for (i = 0; i < n; i++) {
		const sigfs_pv *cv = sigfs_pv_get(c->entitlements, keys[i]);

		switch (sigfs_profile_judge(p, keys[i], cv)) {
		case SIGFS_ENT_EXEMPT: sigfs_buf_printf(out, "exempt %s\n", keys[i]); break;
		case SIGFS_ENT_ALLOWED: sigfs_buf_printf(out, "allowed %s\n", keys[i]); break;
		default:
			sigfs_buf_printf(out, "not-allowed %s ", keys[i]);
			put_not_allowed(out, sigfs_pv_get(pents, keys[i]), cv);
			sigfs_buf_putc(out, '\n');
		}
	}
	free(keys);
	if (c->leaf_sha256) {
		sigfs_buf_printf(out, "certificate %s ",
				 sigfs_profile_has_certificate(p, c->leaf_sha256) ? "in-profile"
										  : "not-in-profile");
		sigfs_buf_hex(out, c->leaf_sha256, 32);
		sigfs_buf_putc(out, '\n');
	}
	if (sigfs_profile_expiration(p, &exp) == SIGFS_OK) {
		sigfs_buf_printf(out, "expired %s ", exp <= c->now ? "yes" : "no");
		sigfs_buf_time(out, exp);
		sigfs_buf_putc(out, '\n');
	}
	pa = app_id(pents);
	if (pa) {
		ca = app_id(c->entitlements);
		sigfs_buf_printf(out, "app-id %s ", ca && string_allows(pa, ca) ? "ok" : "mismatch");
		sigfs_pv_summary(out, pa, SUMMARY_MAX);
		sigfs_buf_putc(out, ' ');
		if (ca)
			sigfs_pv_summary(out, ca, SUMMARY_MAX);
		else
			sigfs_buf_putc(out, '-');
		sigfs_buf_putc(out, '\n');
	}
	pteam = sigfs_pv_at(sigfs_profile_get(p, "TeamIdentifier"), 0, NULL);
	if (pteam) {
		const char *pt = sigfs_pv_bytes(pteam, NULL);
		int ok = pt && c->team_id && sigfs_pv_type(pteam) == SIGFS_PV_STRING &&
			 strcmp(pt, c->team_id) == 0;

		sigfs_buf_printf(out, "team %s ", ok ? "ok" : "mismatch");
		sigfs_pv_summary(out, pteam, SUMMARY_MAX);
		sigfs_buf_putc(out, ' ');
		put_clean(out, c->team_id ? c->team_id : "-", strlen(c->team_id ? c->team_id : "-"),
			  SUMMARY_MAX);
		sigfs_buf_putc(out, '\n');
	}
	return sigfs_buf_status(out);
}
