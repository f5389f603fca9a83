/* sigfs core: the requirement compiler, text to blob, as
 * SecRequirementCreateWithString does (Security: requirements.grammar, the
 * ANTLR grammar of RequirementLexer/RequirementParser, and reqmaker.cpp).
 *
 * The lexer and parser follow the grammar rule by rule: keywords are
 * reserved (a bare `leaf` is never a string), a string escapes only `\"`,
 * numbers are not strings, `and`/`or` chains lean left as Maker::insert
 * builds them, `certificate N[...]` keys need a subject./field./extension./
 * policy./timestamp. prefix. What Apple reads from disk (a certificate file
 * after `=`) is refused. Bounded: text size SIGFS_REQEVAL_MAX_BLOB, nesting
 * SIGFS_REQ_MAX_DEPTH. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sigfs/error.h"
#include "sigfs/reqeval.h"
#include "sigfs/requirement.h"

#include "reqops.h"

enum tok_type {
	T_END,
	T_WORD,	  /* DOTKEY (IDENT included); keywords are told apart by text */
	T_STRING, /* "...", quotes excluded, \" not yet unescaped */
	T_HASH,	  /* H"hex", the hex digits */
	T_HEX,	  /* 0xhex, the hex digits */
	T_INT,
	T_PATH,
	T_ARROW,
	T_SEMI,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_LESS,
	T_GT,
	T_LE,
	T_GE,
	T_COMMA,
	T_EQL,
	T_EQQL,
	T_SUBS,
	T_NEG,
	T_NOT,
	T_STAR,
};

struct tok {
	enum tok_type type;
	size_t at; /* offset in the text, for messages */
	const char *p;
	size_t n;
};

struct compiler {
	const char *text;
	size_t len, pos; /* the lexer's position */
	struct tok t;	 /* the current token */
	struct sigfs_reqmaker m;
};

/* RequirementKeywords.h: the literals of the grammar. */
static const char *const keywords[] = {
    "guest",  "host",	"designated", "library",     "plugin",	  "or",	      "and",	   "always",
    "true",   "never",	"false",      "identifier",  "cdhash",	  "platform", "notarized", "legacy",
    "anchor", "apple",	"generic",    "certificate", "cert",	  "trusted",  "info",	   "entitlement",
    "exists", "absent", "leaf",	      "root",	     "timestamp", NULL,
};

static int fail(struct compiler *c, size_t at, const char *what)
{
	return sigfs_error_set(SIGFS_EMALFORMED, "requirement text: %s at offset %zu", what, at);
}

static int is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_hex(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* charVocabulary '\000'..'\277' | '\302'..'\364' */
static int in_vocabulary(uint8_t b)
{
	return b <= 0xbf || (b >= 0xc2 && b <= 0xf4);
}

/* The next token (RequirementLexer): whitespace and comments skipped. */
static int lex(struct compiler *c)
{
	const char *s = c->text;
	size_t n = c->len, i = c->pos, start;
	struct tok *t = &c->t;

	for (;;) { /* each turn consumes at least one byte */
		if (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) {
			i++;
		} else if (i < n && (s[i] == '#' || (s[i] == '/' && i + 1 < n && s[i + 1] == '/'))) {
			while (i < n && s[i] != '\n')
				i++;
		} else if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			const char *end = NULL;
			size_t k;

			for (k = i + 2; k + 1 < n; k++)
				if (s[k] == '*' && s[k + 1] == '/') {
					end = s + k;
					break;
				}
			if (!end)
				return fail(c, i, "a comment without its end");
			i = (size_t)(end - s) + 2;
		} else {
			break;
		}
	}
	memset(t, 0, sizeof *t);
	t->at = i;
	t->p = s + i;
	if (i >= n) {
		t->type = T_END;
		c->pos = i;
		return SIGFS_OK;
	}
	start = i;
	if (s[i] == 'H' && i + 1 < n && s[i + 1] == '"') {
		i += 2;
		while (i < n && is_hex(s[i]))
			i++;
		if (i == start + 2 || i >= n || s[i] != '"')
			return fail(c, start, "a hash that is not H\"<hex digits>\"");
		t->type = T_HASH;
		t->p = s + start + 2;
		t->n = i - start - 2;
		i++;
	} else if (is_alpha(s[i])) { /* IDENT ( "." ( IDENT | INTEGER ) )* */
		while (i < n && (is_alpha(s[i]) || is_digit(s[i])))
			i++;
		while (i + 1 < n && s[i] == '.' && (is_alpha(s[i + 1]) || is_digit(s[i + 1]))) {
			int ident = is_alpha(s[i + 1]);

			i++;
			while (i < n && (is_digit(s[i]) || (ident && is_alpha(s[i]))))
				i++;
		}
		t->type = T_WORD;
		t->n = i - start;
	} else if (s[i] == '0' && i + 1 < n && s[i + 1] == 'x') {
		i += 2;
		while (i < n && is_hex(s[i]))
			i++;
		if (i == start + 2)
			return fail(c, start, "0x without hex digits");
		t->type = T_HEX;
		t->p = s + start + 2;
		t->n = i - start - 2;
	} else if (is_digit(s[i])) {
		while (i < n && is_digit(s[i]))
			i++;
		t->type = T_INT;
		t->n = i - start;
	} else if (s[i] == '"') {
		for (i++; i < n && s[i] != '"'; i++) {
			if (!in_vocabulary((uint8_t)s[i]))
				return fail(c, i, "a byte outside the language's characters");
			if (s[i] == '\\') {
				if (i + 1 >= n || s[i + 1] != '"')
					return fail(c, i, "a backslash not before a quote");
				i++;
			}
		}
		if (i >= n)
			return fail(c, start, "a string without its closing quote");
		t->type = T_STRING;
		t->p = s + start + 1;
		t->n = i - start - 1;
		i++;
	} else if (s[i] == '/' && i + 1 < n && is_alpha(s[i + 1])) { /* "/" IDENT ( "/" IDENT )+ */
		int parts = 0;

		while (i + 1 < n && s[i] == '/' && is_alpha(s[i + 1])) {
			for (i++; i < n && (is_alpha(s[i]) || is_digit(s[i]));)
				i++;
			parts++;
		}
		if (parts < 2)
			return fail(c, start, "a path of one component");
		t->type = T_PATH;
		t->n = i - start;
	} else {
		static const struct {
			const char *s;
			enum tok_type type;
		} punct[] = {
		    {"=>", T_ARROW}, {"==", T_EQQL},  {"<=", T_LE},    {">=", T_GE},	{";", T_SEMI},
		    {"(", T_LPAREN}, {")", T_RPAREN}, {"[", T_LBRACK}, {"]", T_RBRACK}, {"<", T_LESS},
		    {">", T_GT},     {",", T_COMMA},  {"=", T_EQL},    {"~", T_SUBS},	{"-", T_NEG},
		    {"!", T_NOT},    {"*", T_STAR},
		};
		size_t k;

		for (k = 0; k < sizeof punct / sizeof punct[0]; k++) {
			size_t l = strlen(punct[k].s);

			if (n - i >= l && memcmp(s + i, punct[k].s, l) == 0) {
				t->type = punct[k].type;
				t->n = l;
				i += l;
				break;
			}
		}
		if (k == sizeof punct / sizeof punct[0])
			return fail(c, i, "a character the requirement language does not have");
	}
	c->pos = i;
	return SIGFS_OK;
}

/* The token after the current one, without consuming anything. */
static int peek(struct compiler *c, struct tok *out)
{
	struct tok save = c->t;
	size_t pos = c->pos;
	int rc = lex(c);

	*out = c->t;
	c->t = save;
	c->pos = pos;
	return rc;
}

static int is_keyword_text(const char *p, size_t n)
{
	const char *const *k;

	for (k = keywords; *k; k++)
		if (strlen(*k) == n && memcmp(*k, p, n) == 0)
			return 1;
	return 0;
}

/* The current token is the keyword `kw`. */
static int is_kw(const struct tok *t, const char *kw)
{
	return t->type == T_WORD && strlen(kw) == t->n && memcmp(kw, t->p, t->n) == 0;
}

/* DOTKEY that is not a keyword (keywords are literal tokens in ANTLR). */
static int is_dotkey(const struct tok *t)
{
	return t->type == T_WORD && !is_keyword_text(t->p, t->n);
}

static int expect(struct compiler *c, enum tok_type type, const char *what)
{
	if (c->t.type != type)
		return fail(c, c->t.at, what);
	return lex(c);
}

static int expect_kw(struct compiler *c, const char *kw, const char *what)
{
	if (!is_kw(&c->t, kw))
		return fail(c, c->t.at, what);
	return lex(c);
}

/* stringvalue / identifierString: DOTKEY or STRING, put as data. */
static int put_string(struct compiler *c, const char *what)
{
	const struct tok *t = &c->t;
	char *u;
	size_t i, k = 0;

	if (!is_dotkey(t) && t->type != T_STRING)
		return fail(c, t->at, what);
	u = malloc(t->n + 1); /* t->n < SIGFS_REQEVAL_MAX_BLOB */
	if (!u)
		return sigfs_error_set(SIGFS_ENOMEM, "requirement text: out of memory");
	for (i = 0; i < t->n; i++) {
		if (t->type == T_STRING && t->p[i] == '\\')
			i++; /* the lexer saw a quote next */
		u[k++] = t->p[i];
	}
	sigfs_rm_data(&c->m, u, k);
	free(u);
	return lex(c);
}

static void unhex(const char *p, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		int hi = is_digit(p[i]) ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10;
		int lo = is_digit(p[i + 1]) ? p[i + 1] - '0' : (p[i + 1] | 0x20) - 'a' + 10;

		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
}

/* datavalue: stringvalue or 0x<hex> (an even number of digits). */
static int put_datavalue(struct compiler *c)
{
	uint8_t *bytes;

	if (c->t.type != T_HEX)
		return put_string(c, "a string, a dotted name or 0x<hex>");
	if (c->t.n % 2)
		return fail(c, c->t.at, "an odd number of hex digits");
	bytes = malloc(c->t.n / 2 + 1);
	if (!bytes)
		return sigfs_error_set(SIGFS_ENOMEM, "requirement text: out of memory");
	unhex(c->t.p, c->t.n, bytes);
	sigfs_rm_data(&c->m, bytes, c->t.n / 2);
	free(bytes);
	return lex(c);
}

/* hash: H"<40 hex digits>" as 20 bytes */
static int put_hash(struct compiler *c)
{
	uint8_t digest[20];

	if (c->t.type != T_HASH)
		return fail(c, c->t.at, "a hash H\"...\"");
	if (c->t.n != 2 * sizeof digest)
		return fail(c, c->t.at, "a hash that is not 40 hex digits");
	unhex(c->t.p, c->t.n, digest);
	sigfs_rm_data(&c->m, digest, sizeof digest);
	return lex(c);
}

/* integer: int32_t(atol(text)) */
static int get_integer(struct compiler *c, int32_t *v)
{
	char digits[24];

	if (c->t.type != T_INT)
		return fail(c, c->t.at, "a number");
	if (c->t.n >= sizeof digits)
		return fail(c, c->t.at, "a number too long");
	memcpy(digits, c->t.p, c->t.n);
	digits[c->t.n] = '\0';
	*v = (int32_t)(uint32_t)strtoull(digits, NULL, 10);
	return lex(c);
}

/* eql: "=", "==" or nothing */
static int skip_eql(struct compiler *c)
{
	if (c->t.type == T_EQL || c->t.type == T_EQQL)
		return lex(c);
	return SIGFS_OK;
}

/* CssmData::fromOid: dotted decimal to DER content bytes. */
static int put_oid(struct compiler *c, const char *p, size_t n, size_t at)
{
	uint8_t der[256];
	size_t len = 0, i = 0, arcs = 0;
	uint64_t first = 0;

	while (i < n) {
		uint64_t v = 0;
		uint8_t tmp[10];
		size_t k = 0, digits = 0;

		while (i < n && is_digit(p[i]) && digits < 19) {
			v = v * 10 + (uint64_t)(p[i++] - '0');
			digits++;
		}
		if (digits == 0 || (i < n && p[i] != '.') || (i < n && i + 1 == n))
			return fail(c, at, "an OID that is not dotted decimal");
		if (i < n)
			i++;
		arcs++;
		if (arcs == 1) {
			if (v > 2)
				return fail(c, at, "an OID whose first arc is not 0, 1 or 2");
			first = v;
			continue;
		}
		if (arcs == 2) {
			if (first < 2 && v >= 40)
				return fail(c, at, "an OID whose second arc is 40 or more");
			v += 40 * first;
		}
		do {
			tmp[k++] = (uint8_t)(v & 0x7f);
			v >>= 7;
		} while (v);
		if (len + k > sizeof der)
			return fail(c, at, "an OID too long");
		while (k > 0) {
			k--;
			der[len++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
		}
	}
	if (arcs < 2)
		return fail(c, at, "an OID of fewer than two arcs");
	sigfs_rm_data(&c->m, der, len);
	return SIGFS_OK;
}

/* timestamp: "timestamp" STRING, GeneralizedTime text */
static int put_timestamp(struct compiler *c)
{
	double abs = 0;
	int64_t v;

	if (lex(c)) /* the "timestamp" keyword */
		return SIGFS_EMALFORMED;
	if (c->t.type != T_STRING)
		return fail(c, c->t.at, "a quoted GeneralizedTime after timestamp");
	if (!sigfs_req_gentime((const uint8_t *)c->t.p, c->t.n, &abs))
		abs = 0; /* SecAbsoluteTimeFromDateContent gives 0 */
	v = (int64_t)abs;
	sigfs_rm_put32(&c->m, (uint32_t)((uint64_t)v >> 32));
	sigfs_rm_put32(&c->m, (uint32_t)v);
	return lex(c);
}

/* match_suffix */
static int match_suffix(struct compiler *c)
{
	struct tok next;
	enum tok_type op = c->t.type;

	if (is_kw(&c->t, "exists")) {
		sigfs_rm_put32(&c->m, matchExists);
		return lex(c);
	}
	if (is_kw(&c->t, "absent")) {
		sigfs_rm_put32(&c->m, matchAbsent);
		return lex(c);
	}
	if (op == T_EQL || op == T_EQQL) {
		uint32_t mop = matchEqual;

		if (lex(c))
			return SIGFS_EMALFORMED;
		if (is_kw(&c->t, "timestamp")) {
			sigfs_rm_put32(&c->m, matchOn);
			return put_timestamp(c);
		}
		if (c->t.type == T_STAR) {
			mop = matchEndsWith;
			if (lex(c))
				return SIGFS_EMALFORMED;
		}
		if (peek(c, &next))
			return SIGFS_EMALFORMED;
		if (next.type == T_STAR)
			mop = mop == matchEndsWith ? matchContains : matchBeginsWith;
		sigfs_rm_put32(&c->m, mop);
		if (put_datavalue(c))
			return SIGFS_EMALFORMED;
		return next.type == T_STAR ? lex(c) : SIGFS_OK;
	}
	if (op == T_SUBS || op == T_LESS || op == T_GT || op == T_LE || op == T_GE) {
		static const uint32_t str_op[] = {[T_SUBS] = matchContains,
						  [T_LESS] = matchLessThan,
						  [T_GT] = matchGreaterThan,
						  [T_LE] = matchLessEqual,
						  [T_GE] = matchGreaterEqual};
		static const uint32_t date_op[] = {[T_LESS] = matchBefore,
						   [T_GT] = matchAfter,
						   [T_LE] = matchOnOrBefore,
						   [T_GE] = matchOnOrAfter};

		if (lex(c))
			return SIGFS_EMALFORMED;
		if (op != T_SUBS && is_kw(&c->t, "timestamp")) {
			sigfs_rm_put32(&c->m, date_op[op]);
			return put_timestamp(c);
		}
		sigfs_rm_put32(&c->m, str_op[op]);
		return put_datavalue(c);
	}
	sigfs_rm_put32(&c->m, matchExists); /* empty */
	return SIGFS_OK;
}

/* bracketKey: "[" then a stringvalue, left as the current token */
static int bracket_key(struct compiler *c, const char **key, size_t *n, size_t *at)
{
	if (expect(c, T_LBRACK, "["))
		return SIGFS_EMALFORMED;
	if (!is_dotkey(&c->t) && c->t.type != T_STRING)
		return fail(c, c->t.at, "a key in brackets");
	*key = c->t.p;
	*n = c->t.n;
	*at = c->t.at;
	return SIGFS_OK;
}

static int has_prefix(const char *p, size_t n, const char *prefix)
{
	size_t l = strlen(prefix);

	return n >= l && memcmp(p, prefix, l) == 0;
}

/* certslotspec after `certificate <slot>` or `anchor` */
static int certslotspec(struct compiler *c, int32_t slot)
{
	const char *key;
	size_t n, at;

	if (c->t.type != T_LBRACK) {
		if (skip_eql(c))
			return SIGFS_EMALFORMED;
		if (c->t.type != T_HASH)
			return c->t.type == T_PATH || c->t.type == T_STRING || is_dotkey(&c->t)
				   ? sigfs_error_set(
					 SIGFS_EUNSUPPORTED,
					 "requirement text: a certificate file at offset %zu is not "
					 "read; give its hash as H\"<sha1>\"",
					 c->t.at)
				   : fail(c, c->t.at, "a certificate hash H\"...\" or [field]");
		sigfs_rm_put32(&c->m, opAnchorHash);
		sigfs_rm_put32(&c->m, (uint32_t)slot);
		return put_hash(c);
	}
	if (bracket_key(c, &key, &n, &at))
		return SIGFS_EMALFORMED;
	if (c->t.type == T_STRING && memchr(key, '\\', n))
		return fail(c, at, "an escaped quote in a certificate field name");
	if (has_prefix(key, n, "timestamp.")) {
		sigfs_rm_put32(&c->m, opCertFieldDate);
		sigfs_rm_put32(&c->m, (uint32_t)slot);
		if (put_oid(c, key + 10, n - 10, at))
			return SIGFS_EMALFORMED;
	} else if (has_prefix(key, n, "subject.")) {
		sigfs_rm_put32(&c->m, opCertField);
		sigfs_rm_put32(&c->m, (uint32_t)slot);
		sigfs_rm_data(&c->m, key, n);
	} else if (has_prefix(key, n, "field.") || has_prefix(key, n, "extension.")) {
		size_t skip = key[0] == 'f' ? 6 : 10;

		sigfs_rm_put32(&c->m, opCertGeneric);
		sigfs_rm_put32(&c->m, (uint32_t)slot);
		if (put_oid(c, key + skip, n - skip, at))
			return SIGFS_EMALFORMED;
	} else if (has_prefix(key, n, "policy.")) {
		sigfs_rm_put32(&c->m, opCertPolicy);
		sigfs_rm_put32(&c->m, (uint32_t)slot);
		if (put_oid(c, key + 7, n - 7, at))
			return SIGFS_EMALFORMED;
	} else {
		return fail(c, at, "an unrecognized certificate field");
	}
	if (lex(c) || expect(c, T_RBRACK, "]"))
		return SIGFS_EMALFORMED;
	return match_suffix(c);
}

/* certSlot: INTEGER, "-" INTEGER, "leaf" or "root" */
static int cert_slot(struct compiler *c, int32_t *slot)
{
	if (is_kw(&c->t, "leaf")) {
		*slot = REQ_LEAF_CERT;
		return lex(c);
	}
	if (is_kw(&c->t, "root")) {
		*slot = REQ_ANCHOR_CERT;
		return lex(c);
	}
	if (c->t.type == T_NEG) {
		if (lex(c) || get_integer(c, slot))
			return SIGFS_EMALFORMED;
		*slot = (int32_t)(0u - (uint32_t)*slot);
		return SIGFS_OK;
	}
	return get_integer(c, slot);
}

static int certspec(struct compiler *c)
{
	int anchor = is_kw(&c->t, "anchor");
	int32_t slot;

	if (lex(c))
		return SIGFS_EMALFORMED;
	if (is_kw(&c->t, "trusted")) {
		sigfs_rm_put32(&c->m, opTrustedCerts);
		return lex(c);
	}
	if (anchor && is_kw(&c->t, "apple")) {
		if (lex(c))
			return SIGFS_EMALFORMED;
		if (is_kw(&c->t, "generic")) {
			sigfs_rm_put32(&c->m, opAppleGenericAnchor);
			return lex(c);
		}
		if (is_dotkey(&c->t) || c->t.type == T_STRING) {
			sigfs_rm_put32(&c->m, opNamedAnchor);
			return put_string(c, "an anchor name");
		}
		sigfs_rm_put32(&c->m, opAppleAnchor);
		return SIGFS_OK;
	}
	if (anchor && is_kw(&c->t, "generic")) {
		if (lex(c) || expect_kw(c, "apple", "apple after anchor generic"))
			return SIGFS_EMALFORMED;
		sigfs_rm_put32(&c->m, opAppleGenericAnchor);
		return SIGFS_OK;
	}
	if (anchor)
		return certslotspec(c, REQ_ANCHOR_CERT);
	if (cert_slot(c, &slot))
		return SIGFS_EMALFORMED;
	if (is_kw(&c->t, "trusted")) {
		sigfs_rm_put32(&c->m, opTrustedCert);
		sigfs_rm_put32(&c->m, (uint32_t)slot);
		return lex(c);
	}
	return certslotspec(c, slot);
}

static int expr(struct compiler *c, unsigned depth);

/* info[key] and entitlement[key] */
static int dictspec(struct compiler *c, uint32_t op)
{
	const char *key;
	size_t n, at;

	if (lex(c) || bracket_key(c, &key, &n, &at))
		return SIGFS_EMALFORMED;
	sigfs_rm_put32(&c->m, op);
	if (put_string(c, "a key") || expect(c, T_RBRACK, "]"))
		return SIGFS_EMALFORMED;
	return match_suffix(c);
}

static int primary(struct compiler *c, unsigned depth)
{
	struct tok *t = &c->t, next;
	int32_t v;

	if (depth > SIGFS_REQ_MAX_DEPTH)
		return fail(c, t->at, "nesting too deep");
	if (t->type == T_LPAREN) {
		if (peek(c, &next))
			return SIGFS_EMALFORMED;
		if (is_dotkey(&next) || next.type == T_STRING) { /* (name): named code */
			sigfs_rm_put32(&c->m, opNamedCode);
			if (lex(c) || put_string(c, "a name"))
				return SIGFS_EMALFORMED;
			return expect(c, T_RPAREN, ")");
		}
		int rc = lex(c);

		if (rc == SIGFS_OK)
			rc = expr(c, depth + 1);
		return rc ? rc : expect(c, T_RPAREN, ")");
	}
	if (t->type == T_NOT) {
		sigfs_rm_put32(&c->m, opNot);
		if (lex(c))
			return SIGFS_EMALFORMED;
		return primary(c, depth + 1);
	}
	if (is_kw(t, "always") || is_kw(t, "true")) {
		sigfs_rm_put32(&c->m, opTrue);
		return lex(c);
	}
	if (is_kw(t, "never") || is_kw(t, "false")) {
		sigfs_rm_put32(&c->m, opFalse);
		return lex(c);
	}
	if (is_kw(t, "anchor") || is_kw(t, "certificate") || is_kw(t, "cert"))
		return certspec(c);
	if (is_kw(t, "info"))
		return dictspec(c, opInfoKeyField);
	if (is_kw(t, "entitlement"))
		return dictspec(c, opEntitlementField);
	if (is_kw(t, "identifier")) {
		sigfs_rm_put32(&c->m, opIdent);
		if (lex(c) || skip_eql(c))
			return SIGFS_EMALFORMED;
		return put_string(c, "an identifier");
	}
	if (is_kw(t, "cdhash")) {
		sigfs_rm_put32(&c->m, opCDHash);
		if (lex(c) || skip_eql(c))
			return SIGFS_EMALFORMED;
		return put_hash(c);
	}
	if (is_kw(t, "platform")) {
		if (lex(c) || skip_eql(c) || get_integer(c, &v))
			return SIGFS_EMALFORMED;
		sigfs_rm_put32(&c->m, opPlatform);
		sigfs_rm_put32(&c->m, (uint32_t)v);
		return SIGFS_OK;
	}
	if (is_kw(t, "notarized")) {
		sigfs_rm_put32(&c->m, opNotarized);
		return lex(c);
	}
	if (is_kw(t, "legacy")) {
		sigfs_rm_put32(&c->m, opLegacyDevID);
		return lex(c);
	}
	return fail(c, t->at, "a requirement term");
}

/* term: primary ("and" primary)*; expr: term ("or" term)*. Each operator
 * is inserted before the chain so far (Maker::insert at the label). */
static int chain(struct compiler *c, unsigned depth, int is_or)
{
	size_t label = sigfs_rm_pos(&c->m);
	const char *kw = is_or ? "or" : "and";
	int rc = is_or ? chain(c, depth, 0) : primary(c, depth);

	while (rc == SIGFS_OK && is_kw(&c->t, kw)) { /* each turn consumes a token */
		sigfs_rm_insert32(&c->m, label, is_or ? opOr : opAnd);
		rc = lex(c);
		if (rc == SIGFS_OK)
			rc = is_or ? chain(c, depth, 0) : primary(c, depth);
	}
	return rc;
}

static int expr(struct compiler *c, unsigned depth)
{
	return chain(c, depth, 1);
}

int sigfs_req_compile(sigfs_buf *blob, const char *text, size_t len)
{
	struct compiler c;
	int rc;

	if (len > SIGFS_REQEVAL_MAX_BLOB)
		return sigfs_error_set(SIGFS_EUNSUPPORTED,
				       "requirement text: %zu bytes is more than sigfs reads", len);
	memset(&c, 0, sizeof c);
	c.text = text;
	c.len = len;
	sigfs_rm_begin(&c.m, blob);
	rc = lex(&c);
	if (rc == SIGFS_OK)
		rc = expr(&c, 0);
	while (rc == SIGFS_OK && c.t.type == T_SEMI) /* fluff */
		rc = lex(&c);
	if (rc == SIGFS_OK && c.t.type != T_END)
		rc = fail(&c, c.t.at, "the end of the requirement");
	if (rc != SIGFS_OK && rc != SIGFS_ENOMEM && rc != SIGFS_EUNSUPPORTED)
		rc = SIGFS_EMALFORMED;
	return sigfs_rm_end(&c.m, rc);
}
