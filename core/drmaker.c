/* sigfs core: implicit designated requirements, as Apple builds them
 * (Security: drmaker.cpp DRMaker::make, SecStaticCode.cpp
 * defaultDesignatedRequirement, reqmaker.cpp Requirement::Maker).
 *
 * The output is a requirement blob (CSMAGIC_REQUIREMENT, exprForm); its text
 * comes from sigfs_req_decompile like any other requirement. OpenSSL types
 * stay in this file. */
#include "sigfs/requirement.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Requirement::Maker over a sigfs_buf: big-endian words and padded data. */
struct maker {
	sigfs_buf *b;
	size_t start;
};

static void put32(struct maker *m, uint32_t v)
{
	uint8_t w[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	sigfs_buf_put(m->b, w, 4);
}

static void put_data(struct maker *m, const void *p, size_t n)
{
	static const uint8_t zero[4];

	if (n > UINT32_MAX) {
		m->b->oom = 1;
		return;
	}
	put32(m, (uint32_t)n);
	sigfs_buf_put(m->b, p, n);
	sigfs_buf_put(m->b, zero, (4 - (n & 3)) & 3);
}

static void put_str(struct maker *m, const char *s)
{
	put_data(m, s ? s : "", s ? strlen(s) : 0);
}

static void maker_begin(struct maker *m, sigfs_buf *b)
{
	m->b = b;
	m->start = b->len;
	put32(m, CSMAGIC_REQUIREMENT);
	put32(m, 0); /* length, set by maker_end */
	put32(m, REQ_EXPR_FORM);
}

static int maker_end(struct maker *m, int rc)
{
	size_t len = m->b->len - m->start;

	if (rc == SIGFS_OK && !m->b->oom && len > UINT32_MAX)
		rc = sigfs_error_set(SIGFS_ENOMEM, "requirement: %zu bytes is too long", len);
	if (rc == SIGFS_OK)
		rc = sigfs_buf_status(m->b);
	if (rc != SIGFS_OK) {
		if (!m->b->oom && m->b->ptr) {
			m->b->len = m->start;
			m->b->ptr[m->start] = '\0';
		}
		return rc;
	}
	m->b->ptr[m->start + 4] = (char)(len >> 24);
	m->b->ptr[m->start + 5] = (char)(len >> 16);
	m->b->ptr[m->start + 6] = (char)(len >> 8);
	m->b->ptr[m->start + 7] = (char)len;
	return SIGFS_OK;
}

int sigfs_dr_make_adhoc(sigfs_buf *blob, const uint8_t (*cdhashes)[20], size_t n)
{
	struct maker m;
	size_t i;

	if (n == 0)
		return sigfs_error_set(SIGFS_ENOTFOUND, "designated requirement: no cdhash");
	/* Maker::Chain(opOr): each added term after the first inserts opOr at
	 * the start, so the or-tree leans left: n-1 opOr words, then the terms. */
	maker_begin(&m, blob);
	for (i = 1; i < n; i++)
		put32(&m, opOr);
	for (i = 0; i < n; i++) {
		put32(&m, opCDHash);
		put_data(&m, cdhashes[i], 20);
	}
	return maker_end(&m, SIGFS_OK);
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

static void put_subject_match(struct maker *m, X509 *cert, const char *oid, const char *field)
{
	size_t len = 0;
	char *v = subject_value(cert, oid, &len);

	put32(m, opCertField);
	put32(m, REQ_LEAF_CERT);
	put_str(m, field);
	put32(m, matchEqual);
	put_data(m, v ? v : "", v ? len : 0); /* Apple puts "" when absent */
	OPENSSL_free(v);
}

static void put_cert_generic(struct maker *m, int32_t slot, const uint8_t *oid, size_t oid_len)
{
	put32(m, opCertGeneric);
	put32(m, (uint32_t)slot);
	put_data(m, oid, oid_len);
	put32(m, matchExists);
}

/* DRMaker::appleAnchor */
static void apple_anchor(struct maker *m, const struct chain *c)
{
	X509 *intermediate = c->n == 3 ? cert_at(c, 1) : NULL;

	if (intermediate && has_extension(intermediate, adc_sdk_marker, sizeof adc_sdk_marker)) {
		/* isIOSSignature: WWDR-issued (development, App Store) */
		put32(m, opAnd);
		put32(m, opAppleGenericAnchor);
		put32(m, opAnd);
		put_subject_match(m, cert_at(c, REQ_LEAF_CERT), SIGFS_OID_CN, "subject.CN");
		put_cert_generic(m, 1, adc_sdk_marker, sizeof adc_sdk_marker);
		return;
	}
	if (intermediate && has_extension(intermediate, devid_sdk_marker, sizeof devid_sdk_marker)) {
		/* isDeveloperIDSignature */
		put32(m, opAnd);
		put32(m, opAppleGenericAnchor);
		put32(m, opAnd);
		put_cert_generic(m, 1, devid_sdk_marker, sizeof devid_sdk_marker);
		put32(m, opAnd);
		put_cert_generic(m, REQ_LEAF_CERT, devid_leaf_marker, sizeof devid_leaf_marker);
		put_subject_match(m, cert_at(c, REQ_LEAF_CERT), SIGFS_OID_OU, "subject.OU");
		return;
	}
	put32(m, opAppleAnchor); /* Apple proper */
}

/* DRMaker::nonAppleAnchor: pin the highest certificate that still carries
 * the leaf's Organization (the anchor if all do) by its SHA-1. */
static void non_apple_anchor(struct maker *m, const struct chain *c)
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
	put32(m, opAnchorHash);
	put32(m, (uint32_t)slot);
	put_data(m, digest, sizeof digest);
}

int sigfs_dr_make_cert(sigfs_buf *blob, const char *identifier, const uint8_t *const *certs,
		       const size_t *cert_lens, size_t n)
{
	struct chain c = {NULL, certs, cert_lens, n};
	struct maker m;
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
	maker_begin(&m, blob);
	put32(&m, opAnd);
	put32(&m, opIdent);
	put_str(&m, identifier);
	/* DRMaker: isAppleCA(anchor), Apple's own roots only */
	if (sigfs_anchor_is_apple(certs[n - 1], cert_lens[n - 1]))
		apple_anchor(&m, &c);
	else
		non_apple_anchor(&m, &c);
	rc = maker_end(&m, SIGFS_OK);
out:
	for (i = 0; i < n; i++)
		X509_free(c.certs[i]);
	OPENSSL_free(c.certs);
	return rc;
}

/* ------------------------------------------------------------ from text */

/* SecRequirementCreateWithString for the language codesign writes into
 * CodeResources (`requirement` of nested code): Apple's grammar
 * (reqparser.g) for identifier, cdhash, anchor apple [generic], anchor
 * H"…", certificate <slot> [ [subject.X | field.OID | policy.OID] <match> |
 * = H"…" | trusted ], info[…], entitlement[…], platform, notarized, legacy,
 * always/never, !, and/or (and binds tighter), parentheses, comments. */
struct lex {
	const char *p;
	int depth;
};

static void skip_space(struct lex *x)
{
	for (;;) { /* each pass consumes input: bounded by its length */
		while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
			x->p++;
		if (x->p[0] == '/' && x->p[1] == '*') {
			const char *e = strstr(x->p + 2, "*/");

			x->p = e ? e + 2 : x->p + strlen(x->p);
			continue;
		}
		return;
	}
}

/* The next word (letters, digits, '.', '_', '-') if it is `w`. */
static int word(struct lex *x, const char *w)
{
	size_t n = strlen(w);
	char c;

	skip_space(x);
	if (strncmp(x->p, w, n) != 0)
		return 0;
	c = x->p[n];
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	    c == '_' || c == '-')
		return 0;
	x->p += n;
	return 1;
}

static int punct(struct lex *x, const char *s)
{
	skip_space(x);
	if (strncmp(x->p, s, strlen(s)) != 0)
		return 0;
	x->p += strlen(s);
	return 1;
}

/* A quoted string (\-escapes) or a bare dotted word, into buf. */
static int string_val(struct lex *x, char *buf, size_t cap)
{
	size_t n = 0;

	skip_space(x);
	if (*x->p == '"') {
		for (x->p++; *x->p && *x->p != '"'; x->p++) {
			if (*x->p == '\\' && x->p[1])
				x->p++;
			if (n + 1 >= cap)
				return -1;
			buf[n++] = *x->p;
		}
		if (*x->p != '"')
			return -1;
		x->p++;
	} else {
		while ((*x->p >= 'a' && *x->p <= 'z') || (*x->p >= 'A' && *x->p <= 'Z') ||
		       (*x->p >= '0' && *x->p <= '9') || *x->p == '.' || *x->p == '_' || *x->p == '-' ||
		       *x->p == '*') {
			if (n + 1 >= cap)
				return -1;
			buf[n++] = *x->p++;
		}
		if (n == 0)
			return -1;
	}
	buf[n] = '\0';
	return 0;
}

/* H"hex" into out (at most cap bytes). */
static int hash_val(struct lex *x, uint8_t *out, size_t cap, size_t *len)
{
	skip_space(x);
	*len = 0;
	if (x->p[0] != 'H' || x->p[1] != '"')
		return -1;
	for (x->p += 2; *x->p != '"'; x->p += 2) {
		unsigned v;

		if (!isxdigit((unsigned char)x->p[0]) || !isxdigit((unsigned char)x->p[1]) || *len >= cap ||
		    sscanf(x->p, "%2x", &v) != 1)
			return -1;
		out[(*len)++] = (uint8_t)v;
	}
	x->p++;
	return 0;
}

/* An OID in dotted form as DER content bytes. */
static int oid_der(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(s, 1);
	int n = o ? i2d_ASN1_OBJECT(o, NULL) : -1;
	uint8_t tmp[128], *p = tmp;

	if (n < 2 || n > (int)sizeof tmp || (size_t)n - 2 > cap || i2d_ASN1_OBJECT(o, &p) != n ||
	    tmp[1] >= 0x80) {
		ASN1_OBJECT_free(o);
		return -1;
	}
	memcpy(out, tmp + 2, (size_t)n - 2);
	*len = (size_t)n - 2;
	ASN1_OBJECT_free(o);
	return 0;
}

/* A match suffix: nothing / `exists` / `absent` / <op> value, with
 * wildcards of `=` turned into contains / begins / ends. */
static int match_suffix(struct lex *x, struct maker *m)
{
	static const struct {
		const char *op;
		uint32_t code;
	} ops[] = {{"<=", matchLessEqual},  {">=", matchGreaterEqual}, {"<", matchLessThan},
		   {">", matchGreaterThan}, {"~", matchContains},      {"=", matchEqual}};
	char v[1024];

	if (word(x, "exists")) {
		put32(m, matchExists);
		return 0;
	}
	if (word(x, "absent")) {
		put32(m, matchAbsent);
		return 0;
	}
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n;
		uint32_t code = ops[i].code;
		const char *s = v;

		if (!punct(x, ops[i].op))
			continue;
		if (string_val(x, v, sizeof v))
			return -1;
		n = strlen(v);
		if (code == matchEqual && n >= 2 && v[0] == '*' && v[n - 1] == '*') {
			code = matchContains, s = v + 1, v[n - 1] = '\0';
		} else if (code == matchEqual && n >= 1 && v[n - 1] == '*') {
			code = matchBeginsWith, v[n - 1] = '\0';
		} else if (code == matchEqual && n >= 1 && v[0] == '*') {
			code = matchEndsWith, s = v + 1;
		}
		put32(m, code);
		put_str(m, s);
		return 0;
	}
	put32(m, matchExists); /* `certificate 1[field.…]` alone: exists */
	return 0;
}

static int cert_slot_val(struct lex *x, int32_t *slot)
{
	char buf[32];

	if (word(x, "leaf")) {
		*slot = REQ_LEAF_CERT;
		return 0;
	}
	if (word(x, "root") || word(x, "anchor")) {
		*slot = REQ_ANCHOR_CERT;
		return 0;
	}
	skip_space(x);
	if (string_val(x, buf, sizeof buf))
		return -1;
	*slot = (int32_t)strtol(buf, NULL, 10);
	return 0;
}

static int binary(struct lex *x, struct maker *m, int level);

static int primary(struct lex *x, struct maker *m)
{
	char s[1024];
	uint8_t h[64];
	size_t hl;

	if (++x->depth > SIGFS_REQ_MAX_DEPTH)
		return -1;
	if (punct(x, "!")) {
		put32(m, opNot);
		return primary(x, m);
	}
	if (punct(x, "(")) {
		int rc = binary(x, m, 1);

		return rc || !punct(x, ")") ? -1 : 0;
	}
	if (word(x, "always") || word(x, "true")) {
		put32(m, opTrue);
		return 0;
	}
	if (word(x, "never") || word(x, "false")) {
		put32(m, opFalse);
		return 0;
	}
	if (word(x, "identifier")) {
		punct(x, "=");
		if (string_val(x, s, sizeof s))
			return -1;
		put32(m, opIdent);
		put_str(m, s);
		return 0;
	}
	if (word(x, "cdhash")) {
		punct(x, "=");
		if (hash_val(x, h, sizeof h, &hl))
			return -1;
		put32(m, opCDHash);
		put_data(m, h, hl);
		return 0;
	}
	if (word(x, "platform")) {
		punct(x, "=");
		if (string_val(x, s, sizeof s))
			return -1;
		put32(m, opPlatform);
		put32(m, (uint32_t)strtoul(s, NULL, 0));
		return 0;
	}
	if (word(x, "notarized")) {
		put32(m, opNotarized);
		return 0;
	}
	if (word(x, "legacy")) {
		put32(m, opLegacyDevID);
		return 0;
	}
	if (word(x, "anchor")) {
		if (word(x, "apple")) {
			put32(m, word(x, "generic") ? opAppleGenericAnchor : opAppleAnchor);
			return 0;
		}
		punct(x, "=");
		if (hash_val(x, h, sizeof h, &hl))
			return -1;
		put32(m, opAnchorHash);
		put32(m, (uint32_t)REQ_ANCHOR_CERT);
		put_data(m, h, hl);
		return 0;
	}
	if (word(x, "info") || word(x, "entitlement")) {
		uint32_t op = x->p[-1] == 'o' ? opInfoKeyField : opEntitlementField; /* info, entitlement */

		if (!punct(x, "[") || string_val(x, s, sizeof s) || !punct(x, "]"))
			return -1;
		put32(m, op);
		put_str(m, s);
		return match_suffix(x, m);
	}
	if (word(x, "certificate") || word(x, "cert")) {
		int32_t slot;

		if (cert_slot_val(x, &slot))
			return -1;
		if (word(x, "trusted")) {
			put32(m, opTrustedCert);
			put32(m, (uint32_t)slot);
			return 0;
		}
		if (punct(x, "[")) {
			if (string_val(x, s, sizeof s) || !punct(x, "]"))
				return -1;
			if (strncmp(s, "field.", 6) == 0 || strncmp(s, "policy.", 7) == 0) {
				int policy = s[0] == 'p';

				if (oid_der(s + (policy ? 7 : 6), h, sizeof h, &hl))
					return -1;
				put32(m, policy ? opCertPolicy : opCertGeneric);
				put32(m, (uint32_t)slot);
				put_data(m, h, hl);
			} else {
				put32(m, opCertField);
				put32(m, (uint32_t)slot);
				put_str(m, s);
			}
			return match_suffix(x, m);
		}
		punct(x, "=");
		if (hash_val(x, h, sizeof h, &hl))
			return -1;
		put32(m, opAnchorHash);
		put32(m, (uint32_t)slot);
		put_data(m, h, hl);
		return 0;
	}
	return -1;
}

/* Put `op` in front of the operand that starts at `at` (Maker::insert). */
static int insert_op(struct maker *m, size_t at, uint32_t op)
{
	put32(m, op);
	if (m->b->oom)
		return -1;
	memmove(m->b->ptr + at + 4, m->b->ptr + at, m->b->len - 4 - at);
	m->b->ptr[at] = (char)(op >> 24);
	m->b->ptr[at + 1] = (char)(op >> 16);
	m->b->ptr[at + 2] = (char)(op >> 8);
	m->b->ptr[at + 3] = (char)op;
	return 0;
}

/* `and` (level 0) binds tighter than `or` (level 1); Apple's parser nests
 * both to the right: a and b and c is and(a, and(b, c)) (the corpus blobs
 * show it). */
static int binary(struct lex *x, struct maker *m, int level)
{
	size_t at = m->b->len;

	if (level ? binary(x, m, 0) : primary(x, m))
		return -1;
	if (!word(x, level ? "or" : "and"))
		return 0;
	return insert_op(m, at, level ? opOr : opAnd) || binary(x, m, level) ? -1 : 0;
}

int sigfs_req_compile(sigfs_buf *blob, const char *text)
{
	struct maker m;
	struct lex x = {text, 0};
	int rc;

	if (strlen(text) > SIGFS_REQ_MAX_TEXT)
		return sigfs_error_set(SIGFS_EMALFORMED, "requirement: text longer than %d bytes",
				       SIGFS_REQ_MAX_TEXT);
	maker_begin(&m, blob);
	rc = binary(&x, &m, 1);
	skip_space(&x);
	if (rc || *x.p)
		rc = sigfs_error_set(SIGFS_EMALFORMED, "requirement: cannot compile at \"%.40s\"", x.p);
	return maker_end(&m, rc);
}
