/* sigfs core: code requirements — the decompiler, after Apple's reqdumper.cpp
 * (Security: OSX/libsecurity_codesigning/lib/reqdumper.cpp, requirement.h,
 * reqreader.cpp), and requirement-set parsing.
 *
 * Byte compatibility notes (what Apple's Dumper does, reproduced here):
 * - opcodes are dispatched on (op & ~opFlagMask): flag bits on a known opcode
 *   are ignored; an unknown opcode with opGenericFalse prints
 *   " false / * opcode N * /", with opGenericSkip " / * opcode N * /" (without
 *   the spaces inside the comment markers), otherwise
 *   "OPCODE N NOT UNDERSTOOD (ending print)"; in all three cases only the
 *   opcode word is consumed and printing goes on with the parent expression;
 * - one leading space of the whole text is removed;
 * - Dumper::print formats into a 256-byte buffer, so a bare (unquoted) string
 *   and a "field.<oid>" item are cut at 255 bytes;
 * - a match opcode Apple does not know prints "MATCH OPCODE N NOT UNDERSTOOD";
 * - dates are 64-bit signed integers of seconds since 2001-01-01 UTC
 *   (Reader::getAbsoluteTime), shown as CFDate describes them.
 * Any read past the end of the blob fails the whole requirement (Apple throws
 * errSecCSReqInvalid); so does a requirement of a kind other than exprForm.
 */
#include "sigfs/requirement.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "sigfs/cs_blobs.h"
#include "sigfs/cursor.h"
#include "sigfs/error.h"

#include "reqops.h"

/* Dumper syntax levels */
enum { slPrimary, slAnd, slOr, slTop };

/* Dumper::print's buffer is 256 bytes: one formatted item is at most 255. */
#define PRINT_MAX 255

/* Reserved words that a bare string may not be (reqdumper.cpp keywords:
 * RequirementKeywords.h, then the empty string, so "" is always quoted). */
static const char *const keywords[] = {
    "guest",  "host",	"designated", "library",     "plugin",	  "or",	      "and",	   "always",
    "true",   "never",	"false",      "identifier",  "cdhash",	  "platform", "notarized", "legacy",
    "anchor", "apple",	"generic",    "certificate", "cert",	  "trusted",  "info",	   "entitlement",
    "exists", "absent", "leaf",	      "root",	     "timestamp", "",	      NULL,
};

/* Requirement::typeNames */
static const char *const type_names[] = {"invalid", "host", "guest", "designated", "library", "plugin"};

struct dumper {
	const uint8_t *base; /* start of the requirement blob, for offsets */
	sigfs_cur c;	     /* the unread rest of the blob */
	sigfs_buf *out;
};

static size_t offset_of(const struct dumper *d)
{
	return (size_t)(d->c.p - d->base);
}

static int truncated(const struct dumper *d, const char *what)
{
	return sigfs_error_set(SIGFS_EMALFORMED, "requirement: %s past end at offset %zu", what,
			       offset_of(d));
}

static int get32(struct dumper *d, uint32_t *v, const char *what)
{
	*v = 0;
	if (!sigfs_cur_be32(&d->c, v))
		return truncated(d, what);
	return SIGFS_OK;
}

/* Reader::getData: a length, the bytes, padding to 4. */
static int get_data(struct dumper *d, const uint8_t **p, size_t *n)
{
	uint32_t len;
	sigfs_cur data;
	size_t pad;

	*p = NULL;
	*n = 0;
	if (get32(d, &len, "data length"))
		return SIGFS_EMALFORMED;
	if (!sigfs_cur_sub(&d->c, &data, len))
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "requirement: data of %" PRIu32 " bytes at offset %zu past end", len,
				       offset_of(d));
	pad = (4 - (len & 3)) & 3;
	if (!sigfs_cur_skip(&d->c, pad))
		d->c.len = 0; /* Apple's pc lands past the end: every later read fails */
	*p = data.p;
	*n = data.len;
	return SIGFS_OK;
}

/* The C locale's <ctype.h> classes, independent of setlocale(). */
static int c_isdigit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int c_isalnum(uint8_t c)
{
	return c_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int c_isgraph(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

static int c_isspace(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_keyword(const uint8_t *p, size_t n)
{
	const char *const *k;

	for (k = keywords; *k; k++)
		if (strlen(*k) == n && memcmp(*k, p, n) == 0)
			return 1;
	return 0;
}

enum { isSimple, isPrintable, isBinary };

/* Dumper::data: bare if simple, quoted if printable, else 0x<hex>. */
static void put_string(sigfs_buf *out, const uint8_t *p, size_t n, int dot_ok)
{
	int mode = isSimple;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c_isalnum(p[i]) || (p[i] == '.' && dot_ok)) {
			if (i == 0 && c_isdigit(p[i]))
				mode = isPrintable;
		} else if (c_isgraph(p[i]) || c_isspace(p[i])) {
			mode = isPrintable;
		} else {
			mode = isBinary;
			break;
		}
	}
	if (mode == isSimple && is_keyword(p, n))
		mode = isPrintable;

	switch (mode) {
	case isSimple: sigfs_buf_put(out, p, n > PRINT_MAX ? PRINT_MAX : n); break;
	case isPrintable:
		sigfs_buf_putc(out, '"');
		for (i = 0; i < n; i++) {
			if (p[i] == '"' || p[i] == '\\')
				sigfs_buf_putc(out, '\\');
			sigfs_buf_putc(out, (char)p[i]);
		}
		sigfs_buf_putc(out, '"');
		break;
	default:
		sigfs_buf_puts(out, "0x");
		sigfs_buf_hex(out, p, n);
		break;
	}
}

static int data(struct dumper *d, int dot_ok)
{
	const uint8_t *p;
	size_t n;

	if (get_data(d, &p, &n))
		return SIGFS_EMALFORMED;
	put_string(d->out, p, n, dot_ok);
	return SIGFS_OK;
}

/* Dumper::hashData: H"<hex>", whatever the length. */
static int hash_data(struct dumper *d)
{
	const uint8_t *p;
	size_t n;

	if (get_data(d, &p, &n))
		return SIGFS_EMALFORMED;
	sigfs_buf_puts(d->out, "H\"");
	sigfs_buf_hex(d->out, p, n);
	sigfs_buf_putc(d->out, '"');
	return SIGFS_OK;
}

/* Dumper::certSlot: " leaf", " root" or " <n>". */
static int cert_slot(struct dumper *d)
{
	uint32_t v;

	if (get32(d, &v, "certificate slot"))
		return SIGFS_EMALFORMED;
	if (v == 0)
		sigfs_buf_puts(d->out, " leaf");
	else if (v == 0xffffffffu)
		sigfs_buf_puts(d->out, " root");
	else
		sigfs_buf_printf(d->out, " %" PRId32, (int32_t)v);
	return SIGFS_OK;
}

/* DER OID content bytes as dotted decimal (X.690 8.19). A trailing
 * subidentifier cut short is printed with the bits it has. */
static void put_oid(sigfs_buf *out, const char *prefix, const uint8_t *p, size_t n)
{
	char text[PRINT_MAX + 1];
	size_t len, i;
	uint64_t v = 0;
	int first = 1;

	len = (size_t)snprintf(text, sizeof text, "%s", prefix);
	for (i = 0; i < n && len < PRINT_MAX; i++) {
		v = v << 7 | (p[i] & 0x7f);
		if ((p[i] & 0x80) && i + 1 < n)
			continue;
		if (first) {
			uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
			len += (size_t)snprintf(text + len, sizeof text - len, "%" PRIu64 ".%" PRIu64, a,
						v - 40 * a);
			first = 0;
		} else {
			len += (size_t)snprintf(text + len, sizeof text - len, ".%" PRIu64, v);
		}
		v = 0;
	}
	if (len > PRINT_MAX)
		len = PRINT_MAX;
	sigfs_buf_put(out, text, len);
}

static int oid(struct dumper *d, const char *prefix)
{
	const uint8_t *p;
	size_t n;

	if (get_data(d, &p, &n))
		return SIGFS_EMALFORMED;
	put_oid(d->out, prefix, p, n);
	return SIGFS_OK;
}

/* Dumper::timestamp: <YYYY-MM-DD HH:MM:SS +0000>, seconds since 2001. */
static int timestamp(struct dumper *d)
{
	uint64_t raw;
	struct sigfs_civil c;

	if (!sigfs_cur_be64(&d->c, &raw))
		return truncated(d, "date");
	sigfs_time_civil((int64_t)raw, SIGFS_TIME_2001, &c);
	sigfs_buf_printf(d->out, "<%04" PRId64 "-%02u-%02u %02u:%02u:%02u +0000>", c.year, c.month, c.day,
			 c.hour, c.min, c.sec);
	return SIGFS_OK;
}

/* Dumper::match */
static int match(struct dumper *d)
{
	static const char *const cmp[] = {
	    [matchEqual] = " = ",	  [matchContains] = " ~ ",    [matchEndsWith] = " = *",
	    [matchLessThan] = " < ",	  [matchGreaterThan] = " > ", [matchLessEqual] = " <= ",
	    [matchGreaterEqual] = " >= ",
	};
	static const char *const date_cmp[] = {" = ", " < ", " > ", " <= ", " >= "};
	uint32_t op;

	if (get32(d, &op, "match operator"))
		return SIGFS_EMALFORMED;
	switch (op) {
	case matchExists: sigfs_buf_puts(d->out, " /* exists */"); return SIGFS_OK;
	case matchAbsent: sigfs_buf_puts(d->out, " absent "); return SIGFS_OK;
	case matchBeginsWith:
		sigfs_buf_puts(d->out, " = ");
		if (data(d, 0))
			return SIGFS_EMALFORMED;
		sigfs_buf_putc(d->out, '*');
		return SIGFS_OK;
	case matchEqual:
	case matchContains:
	case matchEndsWith:
	case matchLessThan:
	case matchGreaterThan:
	case matchLessEqual:
	case matchGreaterEqual: sigfs_buf_puts(d->out, cmp[op]); return data(d, 0);
	case matchOn:
	case matchBefore:
	case matchAfter:
	case matchOnOrBefore:
	case matchOnOrAfter: sigfs_buf_puts(d->out, date_cmp[op - matchOn]); return timestamp(d);
	default:
		sigfs_buf_printf(d->out, "MATCH OPCODE %" PRId32 " NOT UNDERSTOOD", (int32_t)op);
		return SIGFS_OK;
	}
}

static int expr(struct dumper *d, int level, unsigned depth);

/* The operands of an opAnd/opOr just read, printed at `level` (slAnd or
 * slOr) without parentheses. Operands that are the same operator print the
 * same way whether nested left or right, so they are flattened here with a
 * counter instead of recursion: a chain of any length costs no depth. */
static int chain(struct dumper *d, uint32_t want, int level, unsigned depth)
{
	const char *sep = want == opAnd ? " and " : " or ";
	size_t need = 2;
	int first = 1;

	while (need > 0) {
		uint32_t op;
		sigfs_cur peek = d->c;

		if (!sigfs_cur_be32(&peek, &op))
			return truncated(d, "opcode");
		if ((op & ~opFlagMask) == want) {
			d->c = peek;
			need++;
			continue;
		}
		if (!first)
			sigfs_buf_puts(d->out, sep);
		first = 0;
		if (expr(d, level, depth + 1))
			return SIGFS_EMALFORMED;
		need--;
	}
	return SIGFS_OK;
}

/* Dumper::expr */
static int expr(struct dumper *d, int level, unsigned depth)
{
	sigfs_buf *out = d->out;
	uint32_t op, v;

	if (depth > SIGFS_REQ_MAX_DEPTH)
		return sigfs_error_set(SIGFS_EMALFORMED, "requirement: nesting deeper than %d at offset %zu",
				       SIGFS_REQ_MAX_DEPTH, offset_of(d));
	if (get32(d, &op, "opcode"))
		return SIGFS_EMALFORMED;
	switch (op & ~opFlagMask) {
	case opFalse: sigfs_buf_puts(out, "never"); return SIGFS_OK;
	case opTrue: sigfs_buf_puts(out, "always"); return SIGFS_OK;
	case opIdent: sigfs_buf_puts(out, "identifier "); return data(d, 0);
	case opAppleAnchor: sigfs_buf_puts(out, "anchor apple"); return SIGFS_OK;
	case opAppleGenericAnchor: sigfs_buf_puts(out, "anchor apple generic"); return SIGFS_OK;
	case opAnchorHash:
		sigfs_buf_puts(out, "certificate");
		if (cert_slot(d))
			return SIGFS_EMALFORMED;
		sigfs_buf_puts(out, " = ");
		return hash_data(d);
	case opInfoKeyValue:
		sigfs_buf_puts(out, "info[");
		if (data(d, 1))
			return SIGFS_EMALFORMED;
		sigfs_buf_puts(out, "] = ");
		return data(d, 0);
	case opAnd:
	case opOr: {
		uint32_t kind = op & ~opFlagMask;
		int sl = kind == opAnd ? slAnd : slOr;

		if (level < sl)
			sigfs_buf_putc(out, '(');
		if (chain(d, kind, sl, depth))
			return SIGFS_EMALFORMED;
		if (level < sl)
			sigfs_buf_putc(out, ')');
		return SIGFS_OK;
	}
	case opNot: sigfs_buf_puts(out, "! "); return expr(d, slPrimary, depth + 1);
	case opCDHash: sigfs_buf_puts(out, "cdhash "); return hash_data(d);
	case opInfoKeyField: sigfs_buf_puts(out, "info["); goto key_match;
	case opEntitlementField: sigfs_buf_puts(out, "entitlement["); goto key_match;
	case opCertField:
		sigfs_buf_puts(out, "certificate");
		if (cert_slot(d))
			return SIGFS_EMALFORMED;
		sigfs_buf_putc(out, '[');
	key_match:
		if (data(d, 1))
			return SIGFS_EMALFORMED;
		sigfs_buf_putc(out, ']');
		return match(d);
	case opCertGeneric:
	case opCertPolicy:
	case opCertFieldDate: {
		uint32_t kind = op & ~opFlagMask;

		sigfs_buf_puts(out, "certificate");
		if (cert_slot(d))
			return SIGFS_EMALFORMED;
		sigfs_buf_putc(out, '[');
		if (oid(d, kind == opCertGeneric  ? "field."
			   : kind == opCertPolicy ? "policy."
						  : "timestamp."))
			return SIGFS_EMALFORMED;
		sigfs_buf_putc(out, ']');
		return match(d);
	}
	case opTrustedCert:
		/* Apple prints no space before "trusted" here. */
		sigfs_buf_puts(out, "certificate");
		if (cert_slot(d))
			return SIGFS_EMALFORMED;
		sigfs_buf_puts(out, "trusted");
		return SIGFS_OK;
	case opTrustedCerts: sigfs_buf_puts(out, "anchor trusted"); return SIGFS_OK;
	case opNamedAnchor: sigfs_buf_puts(out, "anchor apple "); return data(d, 0);
	case opNamedCode:
		sigfs_buf_putc(out, '(');
		if (data(d, 0))
			return SIGFS_EMALFORMED;
		sigfs_buf_putc(out, ')');
		return SIGFS_OK;
	case opPlatform:
		if (get32(d, &v, "platform"))
			return SIGFS_EMALFORMED;
		sigfs_buf_printf(out, "platform = %" PRId32, (int32_t)v);
		return SIGFS_OK;
	case opNotarized: sigfs_buf_puts(out, "notarized"); return SIGFS_OK;
	case opLegacyDevID: sigfs_buf_puts(out, "legacy"); return SIGFS_OK;
	default:
		if (op & opGenericFalse)
			sigfs_buf_printf(out, " false /* opcode %" PRIu32 " */", op & ~opFlagMask);
		else if (op & opGenericSkip)
			sigfs_buf_printf(out, " /* opcode %" PRIu32 " */", op & ~opFlagMask);
		else
			sigfs_buf_printf(out, "OPCODE %" PRIu32 " NOT UNDERSTOOD (ending print)", op);
		return SIGFS_OK;
	}
}

/* A blob's header: magic and a length that fits in the bytes given. */
static int blob_header(sigfs_cur *blob, const uint8_t *p, size_t len, uint32_t magic, size_t min,
		       const char *what)
{
	sigfs_cur c;
	uint32_t m, l;

	sigfs_cur_init(blob, NULL, 0);
	sigfs_cur_init(&c, p, len);
	if (!sigfs_cur_be32(&c, &m) || !sigfs_cur_be32(&c, &l))
		return sigfs_error_set(SIGFS_EMALFORMED, "%s: header of %zu bytes is short", what, len);
	if (m != magic)
		return sigfs_error_set(SIGFS_EMALFORMED, "%s: magic 0x%08" PRIx32 ", expected 0x%08" PRIx32,
				       what, m, magic);
	if (l < min || l > len)
		return sigfs_error_set(SIGFS_EMALFORMED, "%s: length %" PRIu32 " outside %zu..%zu", what, l,
				       min, len);
	sigfs_cur_init(blob, p, l);
	return SIGFS_OK;
}

/* Dumper::dump: drop one leading space of the text appended from `start`. */
static void drop_leading_space(sigfs_buf *out, size_t start)
{
	if (out->ptr && out->len > start && out->ptr[start] == ' ') { /* a sink has no ptr */
		memmove(out->ptr + start, out->ptr + start + 1, out->len - start);
		out->len--;
	}
}

int sigfs_req_decompile(sigfs_buf *out, const uint8_t *blob, size_t len)
{
	struct dumper d;
	uint32_t kind;
	size_t start = out->len;
	int rc;

	if (blob_header(&d.c, blob, len, CSMAGIC_REQUIREMENT, 12, "requirement"))
		return SIGFS_EMALFORMED;
	d.base = blob;
	d.out = out;
	if (!sigfs_cur_skip(&d.c, 8) || !sigfs_cur_be32(&d.c, &kind))
		return truncated(&d, "kind");
	if (kind != REQ_EXPR_FORM)
		return sigfs_error_set(SIGFS_EUNSUPPORTED,
				       "requirement: kind %" PRIu32 " is not an expression", kind);
	rc = expr(&d, slTop, 0);
	if (rc == SIGFS_OK)
		rc = sigfs_buf_status(out);
	if (rc != SIGFS_OK) {
		if (!out->oom && out->ptr) {
			out->len = start;
			out->ptr[start] = '\0';
		}
		return rc;
	}
	drop_leading_space(out, start);
	return SIGFS_OK;
}

int sigfs_req_term_text(sigfs_buf *out, const uint8_t *blob, size_t len, size_t offset)
{
	struct dumper d;
	size_t start = out->len;

	if (blob_header(&d.c, blob, len, CSMAGIC_REQUIREMENT, 12, "requirement") ||
	    !sigfs_cur_skip(&d.c, offset < 12 ? 12 : offset))
		return sigfs_error_set(SIGFS_EMALFORMED, "requirement: no term at offset %zu", offset);
	d.base = blob;
	d.out = out;
	if (expr(&d, slTop, 0) == SIGFS_OK && sigfs_buf_status(out) == SIGFS_OK) {
		drop_leading_space(out, start);
		return SIGFS_OK;
	}
	if (!out->oom && out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	return SIGFS_EMALFORMED;
}

const char *sigfs_req_type_name(uint32_t type)
{
	if (type < sizeof type_names / sizeof type_names[0])
		return type_names[type];
	return NULL;
}

/* Apple's requirement types are 1..5 (host, guest, designated, library,
 * plugin); a set is keyed by type. */
#define REQSET_MAX_ENTRIES 64

/* A requirement set's index, checked as SuperBlob::validateBlob does. */
struct reqset {
	sigfs_cur blob; /* the whole set, bounded by its length field */
	sigfs_cur index;
	uint32_t count;
};

static int reqset_disjoint(const struct reqset *s);

static int reqset_open(struct reqset *s, const uint8_t *set, size_t len)
{
	sigfs_cur c;

	memset(s, 0, sizeof *s);
	if (blob_header(&s->blob, set, len, CSMAGIC_REQUIREMENTS, 12, "requirement set"))
		return SIGFS_EMALFORMED;
	c = s->blob;
	if (!sigfs_cur_skip(&c, 8) || !sigfs_cur_be32(&c, &s->count))
		return sigfs_error_set(SIGFS_EMALFORMED, "requirement set: no count");
	if (s->count > c.len / 8)
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "requirement set: %" PRIu32 " entries do not fit in %zu bytes",
				       s->count, s->blob.len);
	if (s->count > REQSET_MAX_ENTRIES)
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "requirement set: %" PRIu32 " entries exceed the bound of %d",
				       s->count, REQSET_MAX_ENTRIES);
	if (!sigfs_cur_sub(&c, &s->index, (size_t)s->count * 8))
		return SIGFS_EMALFORMED;
	return reqset_disjoint(s);
}

/* Entry i: its type and requirement blob (bounded by its own length). */
static int reqset_entry(const struct reqset *s, uint32_t i, uint32_t *type, sigfs_cur *req)
{
	sigfs_cur ix, at;
	uint32_t off, l;
	size_t ix_end = 12 + (size_t)s->count * 8;

	*type = 0;
	sigfs_cur_init(req, NULL, 0);
	if (!sigfs_cur_at(&s->index, (uint64_t)i * 8, 8, &ix) || !sigfs_cur_be32(&ix, type) ||
	    !sigfs_cur_be32(&ix, &off))
		return sigfs_error_set(SIGFS_EMALFORMED, "requirement set: entry %" PRIu32 " missing", i);
	if (off < ix_end || !sigfs_cur_at(&s->blob, off, 8, &at))
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "requirement set: entry %" PRIu32 " offset 0x%" PRIx32
				       " outside 0x%zx..0x%zx",
				       i, off, ix_end, s->blob.len);
	if (!sigfs_cur_skip(&at, 4) || !sigfs_cur_be32(&at, &l))
		return sigfs_error_set(SIGFS_EMALFORMED, "requirement set: entry %" PRIu32 " truncated", i);
	if (l < 8 || !sigfs_cur_at(&s->blob, off, l, req))
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "requirement set: entry %" PRIu32 " length %" PRIu32 " at 0x%" PRIx32
				       " past end 0x%zx",
				       i, l, off, s->blob.len);
	return SIGFS_OK;
}

/* Every entry in bounds and no two sharing a byte: entries aliasing one
 * requirement would make a small set print a large one many times (issue 8:
 * 1 MB printed 268 MB). Pairwise: count <= REQSET_MAX_ENTRIES. */
static int reqset_disjoint(const struct reqset *s)
{
	uint32_t i, j, t;
	sigfs_cur a, b;

	for (i = 0; i < s->count; i++) {
		if (reqset_entry(s, i, &t, &a))
			return SIGFS_EMALFORMED;
		for (j = 0; j < i; j++) {
			if (reqset_entry(s, j, &t, &b))
				return SIGFS_EMALFORMED;
			if (a.p < b.p + b.len && b.p < a.p + a.len)
				return sigfs_error_set(SIGFS_EMALFORMED,
						       "requirement set: entry %" PRIu32
						       " at 0x%zx overlaps entry %" PRIu32 " at 0x%zx",
						       i, (size_t)(a.p - s->blob.p), j,
						       (size_t)(b.p - s->blob.p));
		}
	}
	return SIGFS_OK;
}

int sigfs_reqset_count(uint32_t *count, const uint8_t *set, size_t len)
{
	struct reqset s;

	if (reqset_open(&s, set, len))
		return SIGFS_EMALFORMED;
	*count = s.count;
	return SIGFS_OK;
}

int sigfs_reqset_find(const uint8_t **req, size_t *req_len, const uint8_t *set, size_t len, uint32_t type)
{
	struct reqset s;
	uint32_t i, t;
	sigfs_cur r;

	if (reqset_open(&s, set, len))
		return SIGFS_EMALFORMED;
	for (i = 0; i < s.count; i++) {
		if (reqset_entry(&s, i, &t, &r))
			return SIGFS_EMALFORMED;
		if (t == type) {
			*req = r.p;
			*req_len = r.len;
			return SIGFS_OK;
		}
	}
	return sigfs_error_set(SIGFS_ENOTFOUND, "requirement set: no requirement of type %" PRIu32, type);
}

int sigfs_reqset_dump(sigfs_buf *out, const uint8_t *set, size_t len)
{
	struct reqset s;
	size_t start = out->len;
	uint32_t i, type;
	sigfs_cur r;
	int rc = SIGFS_OK;

	/* Dumper::dump(const Requirements *) also takes a lone requirement */
	sigfs_cur_init(&r, set, len);
	if (sigfs_cur_be32(&r, &type) && type == CSMAGIC_REQUIREMENT) {
		rc = sigfs_req_decompile(out, set, len);
		if (rc == SIGFS_OK)
			sigfs_buf_putc(out, '\n');
		goto done;
	}
	if (reqset_open(&s, set, len))
		return SIGFS_EMALFORMED;
	for (i = 0; i < s.count && rc == SIGFS_OK; i++) {
		const char *name;

		rc = reqset_entry(&s, i, &type, &r);
		if (rc)
			break;
		name = sigfs_req_type_name(type);
		if (name)
			sigfs_buf_printf(out, "%s => ", name);
		else
			sigfs_buf_printf(out, "/*unknown type*/ %" PRId32 " => ", (int32_t)type);
		rc = sigfs_req_decompile(out, r.p, r.len);
		if (rc == SIGFS_OK)
			sigfs_buf_putc(out, '\n');
	}
done:
	if (rc == SIGFS_OK)
		rc = sigfs_buf_status(out);
	if (rc != SIGFS_OK && !out->oom && out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	return rc;
}
