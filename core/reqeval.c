/* sigfs core: the requirement interpreter (include/sigfs/reqeval.h), after
 * Apple's Requirement::Interpreter (Security: reqinterp.cpp, reqreader.cpp,
 * requirement.cpp Context::cert, csutilities.cpp, legacydevid.cpp).
 *
 * Reading follows Requirement::Reader: every read is checked against the
 * blob's own length (errSecCSReqInvalid past it); data is a length, the
 * bytes and padding to 4. Evaluation follows Interpreter::eval opcode by
 * opcode, including what it does not read (identifier and cdhash without a
 * CodeDirectory), and Match: its operand strings are C strings (cut at the
 * first NUL) that must be UTF-8, as makeCFString wants. OpenSSL types stay in
 * this file. */
#include "sigfs/reqeval.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sigfs/buf.h"
#include "sigfs/cs_blobs.h"
#include "sigfs/cursor.h"
#include "sigfs/error.h"

#include "certfield.h"
#include "internal.h"
#include "reqops.h"

#define F SIGFS_REQ_FALSE
#define T SIGFS_REQ_TRUE
#define U SIGFS_REQ_UNVERIFIABLE

/* 2001-01-01 (CFAbsoluteTime 0) in Unix seconds */
#define CF_EPOCH 978307200

/* legacydevid.cpp: April 7 and June 1, 2019, as CFAbsoluteTime */
#define LEGACY_ACCOUNT_CUTOFF	576374400.0
#define LEGACY_TIMESTAMP_CUTOFF 581040000.0

/* reqinterp.cpp magic certificate features */
static const char apple_cs_ca_cn[] = "Apple Code Signing Certification Authority";
static const char apple_cs_ca_o[] = "Apple Inc.";
static const uint8_t macos_sw_signing_marker[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 22};
/* SecCertificateGetDeveloperIDDate: 1.2.840.113635.100.6.1.33 */
static const uint8_t devid_date_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x21};
/* pkcs9 emailAddress */
static const uint8_t email_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};

/* certFieldValue's table: "certificate N[subject.X]" keys and their OIDs */
static const struct {
	const char *name;
	const char *oid; /* DER content bytes */
} cert_fields[] = {
    {"subject.C", "\x55\x04\x06"},
    {"subject.CN", "\x55\x04\x03"},
    {"subject.D", "\x55\x04\x0d"},
    {"subject.L", "\x55\x04\x07"},
    {"subject.O", "\x55\x04\x0a"},
    {"subject.C-O", "\x55\x04\x0a\x01"},
    {"subject.OU", "\x55\x04\x0b"},
    {"subject.C-OU", "\x55\x04\x0b\x01"},
    {"subject.ST", "\x55\x04\x08"},
    {"subject.C-ST", "\x55\x04\x08\x01"},
    {"subject.STREET", "\x55\x04\x09"},
    {"subject.C-STREET", "\x55\x04\x09\x01"},
    {"subject.UID", "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01"},
};

/* Why a term came out false or unverifiable: where it starts, and a detail. */
struct why {
	size_t off;
	char detail[96];
};

struct interp {
	const uint8_t *base; /* the requirement blob */
	size_t len;	     /* its own length field */
	sigfs_cur c;	     /* the unread rest */
	const sigfs_req_context *ctx;
	X509 *certs[SIGFS_REQEVAL_MAX_CERTS];
	uint8_t tried[SIGFS_REQEVAL_MAX_CERTS];
	uint64_t work; /* opcodes plus bytes compared, <= SIGFS_REQEVAL_MAX_WORK */
	int32_t osstatus;
};

static size_t pc(const struct interp *in)
{
	return (size_t)(in->c.p - in->base);
}

static void say(struct why *w, size_t off, const char *fmt, ...) SIGFS_PRINTF(3, 4);
static void say(struct why *w, size_t off, const char *fmt, ...)
{
	va_list ap;

	w->off = off;
	va_start(ap, fmt);
	vsnprintf(w->detail, sizeof w->detail, fmt, ap);
	va_end(ap);
}

/* errSecCSReqInvalid */
static int invalid(struct interp *in, const char *what)
{
	in->osstatus = -67052;
	return sigfs_error_set(SIGFS_EMALFORMED, "requirement: %s at offset %zu; the requirement is invalid",
			       what, pc(in));
}

static int spend(struct interp *in, uint64_t n)
{
	in->work += n;
	if (in->work <= SIGFS_REQEVAL_MAX_WORK)
		return SIGFS_OK;
	in->osstatus = -67052;
	return sigfs_error_set(SIGFS_EUNSUPPORTED,
			       "requirement: evaluation needs more than %" PRIu64
			       " steps; not evaluated (a pathological requirement or Info.plist)",
			       SIGFS_REQEVAL_MAX_WORK);
}

/* ---- Requirement::Reader ---------------------------------------------- */

static int get32(struct interp *in, uint32_t *v)
{
	*v = 0;
	if (!sigfs_cur_be32(&in->c, v))
		return invalid(in, "a word past the end");
	return SIGFS_OK;
}

static int get_data(struct interp *in, const uint8_t **p, size_t *n)
{
	uint32_t len;
	sigfs_cur d;

	if (get32(in, &len))
		return SIGFS_EMALFORMED;
	if (!sigfs_cur_sub(&in->c, &d, len))
		return invalid(in, "data past the end");
	if (!sigfs_cur_skip(&in->c, (4 - (len & 3)) & 3))
		in->c.len = 0; /* the pc lands past the end: every later read fails */
	*p = d.p;
	*n = d.len;
	return SIGFS_OK;
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b = p[i];
		size_t k, need;
		uint32_t cp;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			need = 1, cp = b & 0x1f;
		else if (b >= 0xe0 && b <= 0xef)
			need = 2, cp = b & 0x0f;
		else if (b >= 0xf0 && b <= 0xf4)
			need = 3, cp = b & 0x07;
		else
			return 0;
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* makeCFString(getString()): the bytes up to the first NUL, as UTF-8. */
static int get_cfstring(struct interp *in, const uint8_t **p, size_t *n)
{
	const uint8_t *nul;

	if (get_data(in, p, n))
		return SIGFS_EMALFORMED;
	nul = memchr(*p, 0, *n);
	if (nul)
		*n = (size_t)(nul - *p);
	if (!utf8_valid(*p, *n))
		return invalid(in, "a string that is not UTF-8");
	return SIGFS_OK;
}

/* ---- values a match is applied to ------------------------------------- */

enum cand_kind {
	C_ABSENT, /* kCFNull: a missing key or field */
	C_PV,	  /* a plist value */
	C_STRING, /* a CFString from a certificate */
	C_TRUE,	  /* kCFBooleanTrue: an extension or policy is present */
	C_DATE,	  /* a CFDate from a certificate */
	C_STRINGS /* a CFArray of CFStrings (email addresses) */
};

struct cand {
	enum cand_kind kind;
	const sigfs_pv *pv;
	const uint8_t *s;
	size_t n;
	double date;			       /* CFAbsoluteTime */
	const STACK_OF(OPENSSL_STRING) * strs; /* C_STRINGS */
};

/* Requirement::Interpreter::Match */
struct match {
	uint32_t op;
	const uint8_t *s; /* string operand */
	size_t n;
	double date; /* date operand, CFAbsoluteTime */
};

static int match_read(struct interp *in, struct match *m)
{
	memset(m, 0, sizeof *m);
	if (get32(in, &m->op))
		return SIGFS_EMALFORMED;
	switch (m->op) {
	case matchAbsent:
	case matchExists: return SIGFS_OK;
	case matchEqual:
	case matchContains:
	case matchBeginsWith:
	case matchEndsWith:
	case matchLessThan:
	case matchGreaterThan:
	case matchLessEqual:
	case matchGreaterEqual: return get_cfstring(in, &m->s, &m->n);
	case matchOn:
	case matchBefore:
	case matchAfter:
	case matchOnOrBefore:
	case matchOnOrAfter: {
		uint64_t raw;

		if (!sigfs_cur_be64(&in->c, &raw))
			return invalid(in, "a date past the end");
		m->date = (double)(int64_t)raw;
		return SIGFS_OK;
	}
	default: /* Apple assumes one data operand, and discards it */ return get_data(in, &m->s, &m->n);
	}
}

/* UTF-16 code units of valid UTF-8, one at a time (what CFString holds). */
struct u16 {
	const uint8_t *p;
	size_t n, i;
	uint16_t low; /* a pending low surrogate, or 0 */
};

static int u16_next(struct u16 *it, uint16_t *u)
{
	uint32_t cp;
	uint8_t b;

	if (it->low) {
		*u = it->low;
		it->low = 0;
		return 1;
	}
	if (it->i >= it->n)
		return 0;
	b = it->p[it->i];
	if (b < 0x80) {
		cp = b;
		it->i++;
	} else if (b < 0xe0 && it->i + 1 < it->n) {
		cp = (uint32_t)(b & 0x1f) << 6 | (it->p[it->i + 1] & 0x3f);
		it->i += 2;
	} else if (b < 0xf0 && it->i + 2 < it->n) {
		cp = (uint32_t)(b & 0x0f) << 12 | (uint32_t)(it->p[it->i + 1] & 0x3f) << 6 |
		     (it->p[it->i + 2] & 0x3f);
		it->i += 3;
	} else if (it->i + 3 < it->n) {
		cp = (uint32_t)(b & 0x07) << 18 | (uint32_t)(it->p[it->i + 1] & 0x3f) << 12 |
		     (uint32_t)(it->p[it->i + 2] & 0x3f) << 6 | (it->p[it->i + 3] & 0x3f);
		it->i += 4;
	} else {
		cp = 0xfffd; /* cannot happen on validated input */
		it->i = it->n;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*u = (uint16_t)(0xd800 + (cp >> 10));
		it->low = (uint16_t)(0xdc00 + (cp & 0x3ff));
	} else {
		*u = (uint16_t)cp;
	}
	return 1;
}

static int is_digit16(uint16_t u)
{
	return u >= '0' && u <= '9';
}

/* CFStringCompare(a, b, kCFCompareNumerically) without a locale: UTF-16
 * units in order, except that where both strings have an ASCII digit the
 * two runs of digits compare by value (uint64, wrapping as CF's does). */
static int cf_compare_numeric(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	struct u16 x = {a, an, 0, 0}, y = {b, bn, 0, 0};
	uint16_t c1 = 0, c2 = 0;
	int h1 = u16_next(&x, &c1), h2 = u16_next(&y, &c2);

	while (h1 && h2) { /* each turn consumes at least one unit of each */
		if (is_digit16(c1) && is_digit16(c2)) {
			uint64_t v1 = 0, v2 = 0;

			do {
				v1 = v1 * 10 + (uint64_t)(c1 - '0');
				h1 = u16_next(&x, &c1);
			} while (h1 && is_digit16(c1));
			do {
				v2 = v2 * 10 + (uint64_t)(c2 - '0');
				h2 = u16_next(&y, &c2);
			} while (h2 && is_digit16(c2));
			if (v1 != v2)
				return v1 < v2 ? -1 : 1;
			continue;
		}
		if (c1 != c2)
			return c1 < c2 ? -1 : 1;
		h1 = u16_next(&x, &c1);
		h2 = u16_next(&y, &c2);
	}
	return h1 ? 1 : h2 ? -1 : 0;
}

/* CFStringFindWithOptions over [from, from+len) of hay, literal: never
 * finds an empty needle. Valid UTF-8 on both sides, so bytes suffice. */
static int find_in(const uint8_t *hay, size_t from, size_t len, const uint8_t *needle, size_t n)
{
	size_t i;

	if (n == 0 || n > len)
		return 0;
	for (i = from; i + n <= from + len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Match::operator() on a string candidate, cost counted. */
static int match_string(struct interp *in, const struct match *m, const uint8_t *s, size_t n, int *out)
{
	int r;

	if (spend(in, (uint64_t)n + m->n))
		return SIGFS_EUNSUPPORTED;
	switch (m->op) {
	case matchAbsent: *out = 0; break;
	case matchExists: *out = 1; break;
	case matchEqual: *out = n == m->n && memcmp(s, m->s, n) == 0; break;
	case matchContains: *out = find_in(s, 0, n, m->s, m->n); break;
	case matchBeginsWith: *out = m->n <= n && find_in(s, 0, m->n, m->s, m->n); break;
	case matchEndsWith: *out = m->n <= n && find_in(s, n - m->n, m->n, m->s, m->n); break;
	case matchLessThan:
	case matchGreaterThan:
	case matchLessEqual:
	case matchGreaterEqual:
		r = cf_compare_numeric(s, n, m->s, m->n);
		*out = m->op == matchLessThan	   ? r < 0
		       : m->op == matchGreaterThan ? r > 0
		       : m->op == matchLessEqual   ? r <= 0
						   : r >= 0;
		break;
	default: *out = 0; break; /* date and unknown operators want other types */
	}
	return SIGFS_OK;
}

static int match_date(const struct match *m, double d)
{
	switch (m->op) {
	case matchOn: return d == m->date;
	case matchBefore: return d < m->date;
	case matchAfter: return d > m->date;
	case matchOnOrBefore: return d <= m->date;
	case matchOnOrAfter: return d >= m->date;
	case matchExists: return 1;
	default: return 0;
	}
}

/* Match::operator() on a plist value (arrays: any element, then the array
 * itself); recursion bounded by SIGFS_PLIST_MAX_DEPTH. */
static int match_pv(struct interp *in, const struct match *m, const sigfs_pv *v, int *out)
{
	const char *s;
	size_t n, i;
	int64_t t;

	*out = 0;
	if (spend(in, 1))
		return SIGFS_EUNSUPPORTED;
	switch (sigfs_pv_type(v)) {
	case SIGFS_PV_NONE: *out = m->op == matchAbsent; return SIGFS_OK;
	case SIGFS_PV_ARRAY:
		for (i = 0; i < sigfs_pv_count(v); i++) {
			if (match_pv(in, m, sigfs_pv_at(v, i, NULL), out))
				return SIGFS_EUNSUPPORTED;
			if (*out)
				return SIGFS_OK;
		}
		*out = m->op == matchExists;
		return SIGFS_OK;
	case SIGFS_PV_STRING:
		s = sigfs_pv_bytes(v, &n);
		return match_string(in, m, (const uint8_t *)s, n, out);
	case SIGFS_PV_BOOL: *out = m->op == matchExists && sigfs_pv_true(v); return SIGFS_OK;
	case SIGFS_PV_DATE:
		*out = sigfs_pv_date(v, &t) == SIGFS_OK && match_date(m, (double)(t - CF_EPOCH));
		return SIGFS_OK;
	default: /* dict, number, data: only "exists" holds */ *out = m->op == matchExists; return SIGFS_OK;
	}
}

static int match_cand(struct interp *in, const struct match *m, const struct cand *c, int *out)
{
	int i, count;

	*out = 0;
	switch (c->kind) {
	case C_ABSENT: *out = m->op == matchAbsent; return SIGFS_OK;
	case C_PV: return match_pv(in, m, c->pv, out);
	case C_STRING: return match_string(in, m, c->s, c->n, out);
	case C_TRUE: *out = m->op == matchExists; return SIGFS_OK;
	case C_DATE: *out = match_date(m, c->date); return SIGFS_OK;
	case C_STRINGS:
		count = sk_OPENSSL_STRING_num(c->strs);
		for (i = 0; i < count; i++) { /* bounded by the certificate */
			const char *s = sk_OPENSSL_STRING_value(c->strs, i);

			if (match_string(in, m, (const uint8_t *)s, strlen(s), out))
				return SIGFS_EUNSUPPORTED;
			if (*out)
				return SIGFS_OK;
		}
		*out = m->op == matchExists;
		return SIGFS_OK;
	}
	return SIGFS_OK;
}

/* A short description of a candidate, for the why of a false match. */
static void describe(const struct cand *c, char *buf, size_t cap)
{
	const uint8_t *s = NULL;
	size_t n = 0;
	int type;

	switch (c->kind) {
	case C_ABSENT: snprintf(buf, cap, "absent"); return;
	case C_TRUE: snprintf(buf, cap, "present"); return;
	case C_DATE: snprintf(buf, cap, "a date"); return;
	case C_STRINGS: snprintf(buf, cap, "%d addresses", sk_OPENSSL_STRING_num(c->strs)); return;
	case C_STRING:
		s = c->s;
		n = c->n;
		break;
	case C_PV:
		type = sigfs_pv_type(c->pv);
		if (type == SIGFS_PV_STRING) {
			s = (const uint8_t *)sigfs_pv_bytes(c->pv, &n);
			break;
		}
		snprintf(buf, cap, "%s",
			 type == SIGFS_PV_BOOL	  ? (sigfs_pv_true(c->pv) ? "true" : "false")
			 : type == SIGFS_PV_ARRAY ? "an array"
			 : type == SIGFS_PV_DICT  ? "a dictionary"
			 : type == SIGFS_PV_DATE  ? "a date"
			 : type == SIGFS_PV_DATA  ? "data"
						  : "a number");
		return;
	}
	if (n > 40) { /* cut at a character boundary */
		size_t k = 40;

		while (k > 0 && (s[k] & 0xc0) == 0x80)
			k--;
		snprintf(buf, cap, "\"%.*s...\"", (int)k, (const char *)s);
	} else {
		snprintf(buf, cap, "\"%.*s\"", (int)n, (const char *)s);
	}
}

/* ---- the certificate chain --------------------------------------------- */

/* Context::cert: negative slots count back from the anchor; NULL outside. */
static X509 *cert_at(struct interp *in, int32_t slot)
{
	int64_t ix = slot < 0 ? (int64_t)in->ctx->ncerts + slot : slot;
	const unsigned char *p;

	if (ix < 0 || ix >= (int64_t)in->ctx->ncerts)
		return NULL;
	if (!in->tried[ix]) {
		in->tried[ix] = 1;
		p = in->ctx->certs[ix];
		if (p && in->ctx->cert_lens[ix] <= LONG_MAX)
			in->certs[ix] = d2i_X509(NULL, &p, (long)in->ctx->cert_lens[ix]);
	}
	return in->certs[ix];
}

static int64_t slot_index(const struct interp *in, int32_t slot)
{
	return slot < 0 ? (int64_t)in->ctx->ncerts + slot : slot;
}

/* appleAnchored(): the anchor is Apple's, or a user's treated as Apple's */
static int anchored(struct interp *in)
{
	size_t n = in->ctx->ncerts;

	return n > 0 && cert_at(in, REQ_ANCHOR_CERT) &&
	       sigfs_anchor_find(in->ctx->anchors, in->ctx->certs[n - 1], in->ctx->cert_lens[n - 1], NULL);
}

/* A subject attribute equals s exactly (certFieldValue with matchEqual). */
static int subject_is(X509 *x, const char *oid, const char *s)
{
	size_t n = 0;
	char *v = sigfs_cert_subject(x, (const uint8_t *)oid, strlen(oid), &n);
	int same = v && n == strlen(s) && memcmp(v, s, n) == 0;

	OPENSSL_free(v);
	return same;
}

int sigfs_req_gentime(const uint8_t *s, size_t n, double *abs)
{
	ASN1_GENERALIZEDTIME *g;
	char text[64];
	struct tm tm;
	int ok = 0;

	if (n == 0 || n >= sizeof text || memchr(s, 0, n))
		return 0;
	memcpy(text, s, n);
	text[n] = '\0';
	g = ASN1_GENERALIZEDTIME_new();
	if (g && ASN1_GENERALIZEDTIME_set_string(g, text) && ASN1_TIME_to_tm(g, &tm)) {
		int64_t days = sigfs_time_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
							  (unsigned)tm.tm_mday);

		*abs = (double)(days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - CF_EPOCH);
		ok = 1;
	}
	ASN1_GENERALIZEDTIME_free(g);
	return ok;
}

/* A UTF8String holding GeneralizedTime text, as CFAbsoluteTime
 * (certificateCopyFieldDate, SecCertificateGetDeveloperIDDate). */
static int utf8_gentime(const ASN1_OCTET_STRING *value, double *abs)
{
	const unsigned char *p = ASN1_STRING_get0_data(value);
	ASN1_UTF8STRING *u = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(value));
	int ok = u && sigfs_req_gentime(ASN1_STRING_get0_data(u), (size_t)ASN1_STRING_length(u), abs);

	ASN1_UTF8STRING_free(u);
	return ok;
}

/* SecPolicyCheckCertCertificatePolicy: a certificatePolicies entry. */
static int has_policy(X509 *x, const uint8_t *oid, size_t oid_len)
{
	CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	int i, found = 0;

	for (i = 0; pol && i < sk_POLICYINFO_num(pol) && !found; i++) { /* bounded by the certificate */
		const ASN1_OBJECT *id = sk_POLICYINFO_value(pol, i)->policyid;
		const unsigned char *d = id ? OBJ_get0_data(id) : NULL;

		found = d && oid_len > 0 && (size_t)OBJ_length(id) == oid_len && memcmp(d, oid, oid_len) == 0;
	}
	CERTIFICATEPOLICIES_free(pol);
	return found;
}

/* SecCertificateCopyEmailAddresses: the subjectAltName rfc822Names, then
 * subject emailAddress values; an empty array when there are none (so
 * `certificate leaf[email] exists` holds for any certificate, as on a Mac).
 * NULL only when out of memory. */
static STACK_OF(OPENSSL_STRING) * emails(X509 *x)
{
	STACK_OF(OPENSSL_STRING) *list = sk_OPENSSL_STRING_new_null();
	const X509_NAME *name = X509_get_subject_name(x);
	GENERAL_NAMES *alt = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i;

	for (i = 0; list && name && i < X509_NAME_entry_count(name); i++) { /* bounded by the certificate */
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *o = X509_NAME_ENTRY_get_object(e);
		unsigned char *utf8 = NULL;

		if ((size_t)OBJ_length(o) == sizeof email_oid &&
		    memcmp(OBJ_get0_data(o), email_oid, sizeof email_oid) == 0 &&
		    ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e)) >= 0) {
			if (!sk_OPENSSL_STRING_push(list, (char *)utf8))
				OPENSSL_free(utf8);
		}
	}
	for (i = 0; list && alt && i < sk_GENERAL_NAME_num(alt); i++) { /* bounded by the certificate */
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(alt, i);
		unsigned char *utf8 = NULL;

		if (g->type == GEN_EMAIL && ASN1_STRING_to_UTF8(&utf8, g->d.rfc822Name) >= 0) {
			if (!sk_OPENSSL_STRING_push(list, (char *)utf8))
				OPENSSL_free(utf8);
		}
	}
	GENERAL_NAMES_free(alt);
	return list;
}

static void free_string(char *s)
{
	OPENSSL_free(s);
}

/* ---- the opcodes ------------------------------------------------------- */

/* Apply a parsed match to a candidate and explain a false result. */
static int judge(struct interp *in, const struct match *m, const struct cand *c, size_t at, struct why *w)
{
	char what[64];
	int ok;

	if (match_cand(in, m, c, &ok))
		return SIGFS_EUNSUPPORTED;
	if (ok)
		return T;
	describe(c, what, sizeof what);
	say(w, at, "the value is %s", what);
	return F;
}

/* CFDictionaryGetValue(dict, CFTempString(key)): the key is a C string
 * that must be UTF-8; a missing key is kCFNull. */
static int dict_lookup(struct interp *in, const sigfs_pv *dict, const uint8_t *key, size_t klen,
		       struct cand *c)
{
	const uint8_t *nul = memchr(key, 0, klen);
	char *k;

	if (nul)
		klen = (size_t)(nul - key);
	if (!utf8_valid(key, klen))
		return invalid(in, "a key that is not UTF-8");
	if (spend(in, (uint64_t)klen * (sigfs_pv_count(dict) + 1)))
		return SIGFS_EUNSUPPORTED;
	k = malloc(klen + 1); /* klen < SIGFS_REQEVAL_MAX_BLOB */
	if (!k)
		return sigfs_error_set(SIGFS_ENOMEM, "requirement: out of memory");
	memcpy(k, key, klen);
	k[klen] = '\0';
	c->pv = sigfs_pv_get(dict, k);
	c->kind = c->pv ? C_PV : C_ABSENT;
	free(k);
	return SIGFS_OK;
}

/* info[key] and entitlement[key]: the dictionary's value, else kCFNull. */
static int dict_field(struct interp *in, const sigfs_pv *dict, const char *name, size_t at, struct why *w)
{
	const uint8_t *key;
	size_t klen;
	struct match m;
	struct cand c = {C_ABSENT, NULL, NULL, 0, 0, NULL};

	if (get_data(in, &key, &klen) || match_read(in, &m))
		return SIGFS_EMALFORMED;
	if (!dict) {
		if (m.op == matchAbsent)
			return T;
		say(w, at, "the code has no %s", name);
		return F;
	}
	if (dict_lookup(in, dict, key, klen, &c))
		return in->osstatus == -67052 ? SIGFS_EMALFORMED : SIGFS_ENOMEM;
	return judge(in, &m, &c, at, w);
}

static int read_slot(struct interp *in, int32_t *slot)
{
	uint32_t v;

	if (get32(in, &v))
		return SIGFS_EMALFORMED;
	*slot = (int32_t)v;
	return SIGFS_OK;
}

static int cert_field(struct interp *in, size_t at, struct why *w)
{
	const uint8_t *key;
	size_t klen, i, n = 0;
	int32_t slot;
	struct match m;
	struct cand c = {C_STRING, NULL, NULL, 0, 0, NULL};
	X509 *x;
	char *v;
	int r;

	if (read_slot(in, &slot) || get_data(in, &key, &klen) || match_read(in, &m))
		return SIGFS_EMALFORMED;
	x = cert_at(in, slot);
	if (!x) {
		say(w, at, "there is no such certificate");
		return F;
	}
	for (i = 0; i < sizeof cert_fields / sizeof cert_fields[0]; i++) {
		if (strlen(cert_fields[i].name) != klen || memcmp(cert_fields[i].name, key, klen) != 0)
			continue;
		v = sigfs_cert_subject(x, (const uint8_t *)cert_fields[i].oid, strlen(cert_fields[i].oid),
				       &n);
		if (!v || !utf8_valid((const uint8_t *)v, n)) {
			OPENSSL_free(v);
			say(w, at, "the certificate has no %s", cert_fields[i].name);
			return F;
		}
		c.s = (const uint8_t *)v;
		c.n = n;
		r = judge(in, &m, &c, at, w);
		OPENSSL_free(v);
		return r;
	}
	if (klen == 5 && memcmp(key, "email", 5) == 0) {
		c.kind = C_STRINGS;
		c.strs = emails(x);
		if (!c.strs) {
			in->osstatus = -67052;
			return sigfs_error_set(SIGFS_ENOMEM, "requirement: out of memory");
		}
		r = judge(in, &m, &c, at, w);
		sk_OPENSSL_STRING_pop_free((STACK_OF(OPENSSL_STRING) *)c.strs, free_string);
		return r;
	}
	say(w, at, "Apple knows no such certificate field");
	return F;
}

/* certificate N[field.OID], [policy.OID], [timestamp.OID] */
static int cert_oid(struct interp *in, uint32_t op, size_t at, struct why *w)
{
	const uint8_t *oid;
	size_t olen;
	int32_t slot;
	struct match m;
	struct cand c = {C_ABSENT, NULL, NULL, 0, 0, NULL};
	X509 *x;

	if (read_slot(in, &slot) || get_data(in, &oid, &olen) || match_read(in, &m))
		return SIGFS_EMALFORMED;
	x = cert_at(in, slot);
	if (op == opCertFieldDate) { /* no certificate is kCFNull here */
		const ASN1_OCTET_STRING *value = x ? sigfs_cert_ext(x, oid, olen) : NULL;

		if (value && utf8_gentime(value, &c.date) && c.date != 0.0)
			c.kind = C_DATE;
		return judge(in, &m, &c, at, w);
	}
	if (!x) {
		say(w, at, "there is no such certificate");
		return F;
	}
	if (op == opCertGeneric ? sigfs_cert_ext(x, oid, olen) != NULL : has_policy(x, oid, olen))
		c.kind = C_TRUE;
	return judge(in, &m, &c, at, w);
}

/* meetsDeveloperIDLegacyAllowedPolicy, offline */
static int legacy(struct interp *in, size_t at, struct why *w)
{
	const sigfs_req_context *ctx = in->ctx;
	X509 *leaf = cert_at(in, REQ_LEAF_CERT);
	const ASN1_OCTET_STRING *date;
	double created;

	if (!leaf) {
		say(w, at, "there is no leaf certificate");
		return F;
	}
	date = sigfs_cert_ext(leaf, devid_date_oid, sizeof devid_date_oid);
	if (date) {
		if (!utf8_gentime(date, &created)) {
			say(w, at, "the leaf's Developer ID date does not decode");
			return F;
		}
		if (created >= LEGACY_ACCOUNT_CUTOFF) {
			say(w, at, "the Developer ID account was created after 2019-04-07");
			return F;
		}
	}
	if (ctx->has_timestamp && (double)(ctx->timestamp - CF_EPOCH) < LEGACY_TIMESTAMP_CUTOFF)
		return T;
	if (!ctx->identifier) {
		say(w, at, "there is no CodeDirectory");
		return F;
	}
	say(w, at, "Apple's legacy list is unverifiable (offline)");
	return U;
}

static int eval(struct interp *in, int depth, struct why *w);

/* and/or: both operands are evaluated, as Apple's interpreter does. */
static int both(struct interp *in, uint32_t op, int depth, size_t at, struct why *w)
{
	struct why wr;
	int l, r;

	l = eval(in, depth, w);
	if (l < 0)
		return l;
	r = eval(in, depth, &wr);
	if (r < 0)
		return r;
	if (op == opAnd) { /* false wins, then unverifiable; the left explains first */
		if (l == F)
			return F;
		if (r == F) {
			*w = wr;
			return F;
		}
		if (l == U)
			return U;
		if (r == U)
			*w = wr;
		return r;
	}
	if (l == T || r == T) /* true wins, then unverifiable */
		return T;
	if (l == U)
		return U;
	if (r == U) {
		*w = wr;
		return U;
	}
	say(w, at, "no alternative holds");
	return F;
}

/* Requirement::Interpreter::eval: a verdict (F, T, U) or an error (< 0). */
static int eval(struct interp *in, int depth, struct why *w)
{
	const sigfs_req_context *ctx = in->ctx;
	size_t at = pc(in), n;
	const uint8_t *p;
	uint32_t op, v;
	int32_t slot;
	int r;

	if (--depth <= 0)
		return invalid(in, "nesting deeper than Apple's limit");
	if (spend(in, 1))
		return SIGFS_EUNSUPPORTED;
	if (get32(in, &op))
		return SIGFS_EMALFORMED;
	switch (op & ~opFlagMask) {
	case opFalse: say(w, at, "never holds"); return F;
	case opTrue: return T;
	case opIdent:
		if (!ctx->identifier) { /* Apple reads no operand then */
			say(w, at, "there is no CodeDirectory");
			return F;
		}
		if (get_data(in, &p, &n))
			return SIGFS_EMALFORMED;
		if (strlen(ctx->identifier) == n && memcmp(ctx->identifier, p, n) == 0)
			return T;
		say(w, at, "the identifier is \"%.60s\"", ctx->identifier);
		return F;
	case opAppleAnchor: {
		X509 *inter = cert_at(in, -2), *leaf = cert_at(in, REQ_LEAF_CERT);

		if (!anchored(in)) {
			say(w, at,
			    ctx->ncerts ? "the anchor is not Apple's" : "the code has no certificates");
			return F;
		}
		if (!inter || !leaf || !subject_is(inter, SIGFS_OID_CN, apple_cs_ca_cn) ||
		    !subject_is(inter, SIGFS_OID_O, apple_cs_ca_o)) {
			say(w, at, "not issued by Apple Code Signing Certification Authority");
			return F;
		}
		if (!sigfs_cert_ext(leaf, macos_sw_signing_marker, sizeof macos_sw_signing_marker)) {
			say(w, at, "the leaf lacks Apple's software-signing marker");
			return F;
		}
		return T;
	}
	case opAppleGenericAnchor:
		if (anchored(in))
			return T;
		say(w, at, ctx->ncerts ? "the anchor is not Apple's" : "the code has no certificates");
		return F;
	case opAnchorHash: {
		uint8_t digest[SHA_DIGEST_LENGTH];
		X509 *x;

		if (read_slot(in, &slot) || get_data(in, &p, &n))
			return SIGFS_EMALFORMED;
		if (n != SHA_DIGEST_LENGTH)
			return invalid(in, "a certificate hash that is not SHA-1");
		x = cert_at(in, slot);
		if (!x) {
			say(w, at, "there is no such certificate");
			return F;
		}
		SHA1(ctx->certs[slot_index(in, slot)], ctx->cert_lens[slot_index(in, slot)], digest);
		if (memcmp(digest, p, sizeof digest) == 0)
			return T;
		say(w, at, "the certificate's SHA-1 differs");
		return F;
	}
	case opInfoKeyValue: {
		const uint8_t *key;
		size_t klen;
		struct match m = {matchEqual, NULL, 0, 0};
		struct cand c = {C_ABSENT, NULL, NULL, 0, 0, NULL};

		if (get_data(in, &key, &klen) || get_cfstring(in, &m.s, &m.n))
			return SIGFS_EMALFORMED;
		if (ctx->info && dict_lookup(in, ctx->info, key, klen, &c))
			return in->osstatus == -67052 ? SIGFS_EMALFORMED : SIGFS_ENOMEM;
		return judge(in, &m, &c, at, w);
	}
	case opAnd:
	case opOr: return both(in, op & ~opFlagMask, depth, at, w);
	case opCDHash:
		if (!ctx->identifier) {
			say(w, at, "there is no CodeDirectory");
			return F;
		}
		if (get_data(in, &p, &n))
			return SIGFS_EMALFORMED;
		if (n == sizeof ctx->cdhash && memcmp(p, ctx->cdhash, n) == 0)
			return T;
		say(w, at, "the cdhash is another");
		return F;
	case opNot:
		r = eval(in, depth, w);
		if (r == T) {
			say(w, at, "the negated term holds");
			return F;
		}
		return r == F ? T : r;
	case opInfoKeyField: return dict_field(in, ctx->info, "Info.plist", at, w);
	case opEntitlementField: return dict_field(in, ctx->entitlements, "entitlements", at, w);
	case opCertField: return cert_field(in, at, w);
	case opCertGeneric:
	case opCertFieldDate:
	case opCertPolicy: return cert_oid(in, op & ~opFlagMask, at, w);
	case opTrustedCert: {
		int64_t ix;

		if (read_slot(in, &slot))
			return SIGFS_EMALFORMED;
		ix = slot_index(in, slot);
		if (!cert_at(in, slot)) {
			say(w, at, "there is no such certificate");
			return F;
		}
		if ((slot == REQ_ANCHOR_CERT || ix == (int64_t)ctx->ncerts - 1) &&
		    sigfs_anchor_find(ctx->anchors, ctx->certs[ix], ctx->cert_lens[ix], NULL))
			return T;
		say(w, at, "the Mac's trust settings are unverifiable (offline)");
		return U;
	}
	case opTrustedCerts: /* trustedCerts(): leaf to anchor */
		for (n = 0; n < ctx->ncerts; n++) {
			if (!cert_at(in, (int32_t)n)) {
				say(w, at, "certificate %zu does not decode", n);
				return F;
			}
		}
		if (anchored(in))
			return T;
		if (ctx->ncerts == 0) {
			say(w, at, "the code has no certificates");
			return F;
		}
		say(w, at, "the Mac's trust settings are unverifiable (offline)");
		return U;
	case opNamedAnchor:
	case opNamedCode:
		if (get_data(in, &p, &n))
			return SIGFS_EMALFORMED;
		say(w, at, "named requirements live in Security.framework: unverifiable (offline)");
		return U;
	case opPlatform:
		if (get32(in, &v))
			return SIGFS_EMALFORMED;
		if (ctx->identifier && (int32_t)ctx->platform == (int32_t)v)
			return T;
		if (ctx->identifier)
			say(w, at, "the platform is %u", (unsigned)ctx->platform);
		else
			say(w, at, "there is no CodeDirectory");
		return F;
	case opNotarized:
		if (!ctx->identifier) {
			say(w, at, "there is no CodeDirectory");
			return F;
		}
		say(w, at, "notarization is unverifiable (offline)");
		return U;
	case opLegacyDevID: return legacy(in, at, w);
	default:
		if (op & (opGenericFalse | opGenericSkip)) {
			if (get32(in, &v))
				return SIGFS_EMALFORMED;
			if (!sigfs_cur_skip(&in->c, v))
				return invalid(in, "an unknown opcode's operand past the end");
			if (op & opGenericFalse) {
				say(w, at, "opcode %" PRIu32 " is unknown and defaults to false",
				    op & ~opFlagMask);
				return F;
			}
			return eval(in, depth, w);
		}
		in->osstatus = -67072; /* errSecCSUnimplemented */
		return sigfs_error_set(SIGFS_EUNSUPPORTED,
				       "requirement: opcode %" PRIu32
				       " at offset %zu is unknown and cannot be "
				       "skipped; the requirement cannot be evaluated",
				       op, at);
	}
}

/* "<term>: <detail>" into res->why, cut at a character boundary. */
static void explain(sigfs_req_result *res, const uint8_t *blob, size_t len, const struct why *w)
{
	sigfs_buf b = SIGFS_BUF_INIT;
	size_t n;

	if (sigfs_req_term_text(&b, blob, len, w->off) != SIGFS_OK)
		sigfs_buf_printf(&b, "the term at offset %zu", w->off);
	sigfs_buf_printf(&b, ": %s", w->detail);
	n = b.len;
	if (!b.oom && b.ptr) {
		if (n >= sizeof res->why) {
			n = sizeof res->why - 1;
			while (n > 0 && ((uint8_t)b.ptr[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(res->why, b.ptr, n);
		res->why[n] = '\0';
	} else {
		snprintf(res->why, sizeof res->why, "%s", w->detail);
	}
	/* one line: control characters from names and values become '?' */
	for (n = 0; res->why[n]; n++)
		if ((uint8_t)res->why[n] < 0x20 || res->why[n] == 0x7f)
			res->why[n] = '?';
	sigfs_buf_free(&b);
}

int sigfs_req_evaluate(sigfs_req_result *res, const uint8_t *blob, size_t len, const sigfs_req_context *ctx)
{
	struct interp in;
	struct why w = {0, ""};
	sigfs_cur c;
	uint32_t magic = 0, l = 0, kind = 0;
	size_t i;
	int r;

	memset(res, 0, sizeof *res);
	memset(&in, 0, sizeof in);
	in.ctx = ctx;
	sigfs_cur_init(&c, blob, len);
	if (!sigfs_cur_be32(&c, &magic) || !sigfs_cur_be32(&c, &l) || magic != CSMAGIC_REQUIREMENT ||
	    l < 12 || l > len) {
		res->osstatus = -67052;
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "requirement: not a requirement blob (magic 0x%08" PRIx32
				       ", length %" PRIu32 " of %zu bytes)",
				       magic, l, len);
	}
	if (l > SIGFS_REQEVAL_MAX_BLOB || ctx->ncerts > SIGFS_REQEVAL_MAX_CERTS) {
		res->osstatus = -67052;
		return sigfs_error_set(SIGFS_EUNSUPPORTED,
				       "requirement: %" PRIu32
				       " bytes and %zu certificates exceed sigfs's bounds "
				       "(%zu, %d); not evaluated",
				       l, ctx->ncerts, SIGFS_REQEVAL_MAX_BLOB, SIGFS_REQEVAL_MAX_CERTS);
	}
	if (!sigfs_cur_be32(&c, &kind) || kind != REQ_EXPR_FORM) {
		res->osstatus = -67051; /* errSecCSReqUnsupported */
		return sigfs_error_set(SIGFS_EUNSUPPORTED,
				       "requirement: kind %" PRIu32 " is not an expression; not evaluated",
				       kind);
	}
	in.base = blob;
	in.len = l;
	sigfs_cur_init(&in.c, blob + 12, l - 12);
	r = eval(&in, SIGFS_REQEVAL_MAX_DEPTH + 1, &w);
	for (i = 0; i < SIGFS_REQEVAL_MAX_CERTS; i++)
		X509_free(in.certs[i]);
	if (r < 0) {
		res->osstatus = in.osstatus ? in.osstatus : -67052;
		return r;
	}
	res->verdict = r;
	if (r != T)
		explain(res, blob, l, &w);
	return SIGFS_OK;
}
