/* sigfs core: property lists — parsing (XML and binary through libplist,
 * Apple's DER encoding through our own strict reader) and rendering (Apple's
 * XML form, JSON, codesign's human form).
 *
 * Every parser converts into one small private tree (struct node), so the
 * renderers never see libplist or jansson types and both parsers share the
 * same bounds: nesting at most SIGFS_PLIST_MAX_DEPTH containers, input at
 * most PLIST_MAX_INPUT bytes.
 *
 * Sources for the formats:
 *  - DER: indygreg/apple-platform-rs apple-codesign/src/plist_der.rs (its
 *    test vectors were produced by Apple's codesign) and CoreEntitlements'
 *    CCDER_ENTITLEMENTS = APPLICATION | CONSTRUCTED | 16 (tag 0x70). Layout:
 *      70 len { 02 01 01 (version 1), value }
 *    value: 01 BOOLEAN (00/ff), 02 INTEGER, 0c UTF8String, 04 OCTET STRING
 *    (data, used by cdhash facts of constraints), 30 SEQUENCE (array),
 *    b0 [CONTEXT 16] constructed (dict) of 30 { 0c key, value }.
 *  - XML: CoreFoundation CFPropertyList.c (_CFAppendXML0,
 *    _XMLPlistAppendDataUsingBase64, _appendEscapedString): keys sorted by
 *    CFStringCompare, tabs, <dict/> and <array/> when empty, & < > escaped,
 *    base64 lines of at most 76 - 8 * indent characters indented by
 *    min(indent, 8) tabs, dates %04d-%02d-%02dT%02d:%02d:%02dZ, reals as
 *    CFNumber's "%.17g" ("0.0", "nan", "+infinity", "-infinity").
 *  - Text: codesign -d --entitlements - on macOS 12+. Followed captures:
 *    "[Dict]\n\t[Key] com.apple.security.get-task-allow\n\t[Value]\n\t\t[Bool] true\n"
 *    (quoted in several public test fixtures of tools that parse codesign),
 *    the array capture "[Key] com.apple.security.temporary-exception.sbpl /
 *    [Value] / [Array] / [String] (deny file-write* ..." (HackTricks macOS
 *    sandbox page), and for integers and data the constraint dumps of
 *    codesign -d -vvvvvv ("[Int] 0", "[Data] <hash>") quoted in test
 *    fixtures of codesign wrappers; SPEC.md names integers [Number], which we
 *    follow (the constraint dumps' [Int] is noted in README). Reals and dates have no codesign form
 *    (CoreEntitlements cannot hold them); sigfs prints [Real] and [Date]. */
#include "sigfs/plist.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <plist/plist.h>

#include "internal.h"
#include "sigfs/cursor.h"
#include "sigfs/error.h"

/* No plist sigfs reads (entitlements, constraints, __info_plist) comes near. */
#define PLIST_MAX_INPUT ((size_t)16 << 20)
/* Bound of the expanded size of a binary plist (objects can be shared). */
#define BPLIST_MAX_WEIGHT ((uint64_t)64 << 20)

/* Seconds between 1970-01-01 and 2001-01-01 (CFAbsoluteTime's epoch). */
#define MAC_EPOCH_OFFSET 978307200.0

/* codesign's word for integers in its human form; see the header comment. */
#define TEXT_INT_TAG "[Number]" /* SPEC.md names [Number] */

enum ntype { N_DICT, N_ARRAY, N_STRING, N_BOOL, N_INT, N_REAL, N_DATA, N_DATE };

struct node {
	enum ntype type;
	union {
		struct {
			struct node **items;
			char **keys; /* N_DICT only; parallel to items */
			size_t n, cap;
		} c;
		struct {
			char *p; /* NUL-terminated for strings */
			size_t len;
		} s;
		int b;
		struct {
			uint64_t v;
			int neg; /* value is (int64_t)v, which is < 0 */
		} i;
		double r; /* N_REAL, and N_DATE as seconds since 2001-01-01 UTC */
	} u;
};

struct sigfs_plist {
	struct node *root;
};

/* ---- the tree ---------------------------------------------------------- */

static void node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	switch (n->type) {
	case N_DICT:
	case N_ARRAY:
		for (i = 0; i < n->u.c.n; i++) {
			node_free(n->u.c.items[i]);
			if (n->u.c.keys)
				free(n->u.c.keys[i]);
		}
		free(n->u.c.items);
		free(n->u.c.keys);
		break;
	case N_STRING:
	case N_DATA: free(n->u.s.p); break;
	default: break;
	}
	free(n);
}

static struct node *node_new(enum ntype type)
{
	struct node *n = calloc(1, sizeof *n);

	if (n)
		n->type = type;
	return n;
}

/* Append item (and key for dicts; both owned by the container on success). */
static int node_append(struct node *c, char *key, struct node *item)
{
	if (c->u.c.n == c->u.c.cap) {
		size_t cap = c->u.c.cap ? c->u.c.cap * 2 : 8;
		struct node **items;

		if (cap > SIZE_MAX / sizeof(void *))
			return 0;
		items = realloc(c->u.c.items, cap * sizeof *items);
		if (!items)
			return 0;
		c->u.c.items = items;
		if (c->type == N_DICT) {
			char **keys = realloc(c->u.c.keys, cap * sizeof *keys);

			if (!keys)
				return 0;
			c->u.c.keys = keys;
		}
		c->u.c.cap = cap;
	}
	c->u.c.items[c->u.c.n] = item;
	if (c->type == N_DICT)
		c->u.c.keys[c->u.c.n] = key;
	c->u.c.n++;
	return 1;
}

static char *memdup0(const void *p, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* Length of the well-formed UTF-8 sequence at p (1..4), or 0. Rejects
 * overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_seq(const uint8_t *p, size_t len, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Offset of the first byte that is not valid UTF-8 or is NUL, or len. */
static size_t utf8_bad_at(const uint8_t *p, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (p[i] == 0)
			return i;
		n = utf8_seq(p + i, len - i, &cp);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

/* ---- DER --------------------------------------------------------------- */

#define DER_BOOLEAN  0x01
#define DER_INTEGER  0x02
#define DER_OCTETS   0x04
#define DER_UTF8     0x0c
#define DER_SEQUENCE 0x30
#define DER_DICT     0xb0 /* [CONTEXT 16] constructed */
#define DER_PLIST    0x70 /* [APPLICATION 16] constructed: CCDER_ENTITLEMENTS */
#define DER_SET	     0x31 /* a dict in the bare layout other signers write */

struct der {
	const uint8_t *base;
	size_t len;
	size_t values; /* decoded so far, <= SIGFS_PLIST_MAX_VALUES */
	int bare;      /* the bare layout: dicts are SETs (DER_SET) */
};

static size_t der_off(struct der *d, const sigfs_cur *c)
{
	return (size_t)(c->p - d->base);
}

/* Read one TLV: tag, then a definite, minimal length within the remaining
 * bytes; `body` receives the contents. `at` receives the offset of the tag. */
static int der_tlv(struct der *d, sigfs_cur *c, uint8_t *tag, sigfs_cur *body, size_t *at)
{
	sigfs_cur save = *c;
	uint8_t t, l, b;
	size_t len = 0, tag_off = der_off(d, c), len_off, i, nbytes;

	*at = tag_off;
	if (!sigfs_cur_u8(c, &t))
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: missing tag at offset %zu (end %zu)",
				       tag_off, d->len);
	if ((t & 0x1f) == 0x1f) {
		*c = save;
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: multi-byte tag 0x%02x at offset %zu", t,
				       tag_off);
	}
	len_off = der_off(d, c);
	if (!sigfs_cur_u8(c, &l)) {
		*c = save;
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: missing length at offset %zu (end %zu)",
				       len_off, d->len);
	}
	if (l == 0x80) {
		*c = save;
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: indefinite length at offset %zu",
				       len_off);
	}
	if (l < 0x80) {
		len = l;
	} else {
		nbytes = l & 0x7f;
		if (nbytes > sizeof(uint32_t)) {
			*c = save;
			return sigfs_error_set(SIGFS_EMALFORMED,
					       "der plist: length of %zu bytes at offset %zu too large",
					       nbytes, len_off);
		}
		for (i = 0; i < nbytes; i++) {
			if (!sigfs_cur_u8(c, &b)) {
				*c = save;
				return sigfs_error_set(SIGFS_EMALFORMED,
						       "der plist: length at offset %zu truncated (end %zu)",
						       len_off, d->len);
			}
			if (i == 0 && b == 0) {
				*c = save;
				return sigfs_error_set(
				    SIGFS_EMALFORMED, "der plist: non-minimal length at offset %zu", len_off);
			}
			len = len << 8 | b;
		}
		if (len < 0x80) {
			*c = save;
			return sigfs_error_set(SIGFS_EMALFORMED,
					       "der plist: non-minimal length at offset %zu", len_off);
		}
	}
	if (!sigfs_cur_sub(c, body, len)) {
		*c = save;
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: length 0x%zx at offset %zu past end %zu",
				       len, len_off, d->len);
	}
	*tag = t;
	return SIGFS_OK;
}

static int der_value(struct der *d, uint8_t tag, sigfs_cur body, size_t at, int depth, struct node **out);

static int der_integer(sigfs_cur body, size_t at, struct node **out)
{
	const uint8_t *p = body.p;
	size_t n = body.len, i;
	uint64_t v = 0;
	int neg;
	struct node *nd;

	if (n == 0)
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: empty integer at offset %zu", at);
	if (n > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80))))
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: non-minimal integer at offset %zu", at);
	neg = p[0] & 0x80;
	if (n > 9 || (n == 9 && p[0] != 0x00))
		return sigfs_error_set(
		    SIGFS_EMALFORMED, "der plist: integer of %zu bytes at offset %zu exceeds 64 bits", n, at);
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (neg && n < 8)
		v |= ~(uint64_t)0 << (8 * n); /* sign-extend */
	nd = node_new(N_INT);
	if (!nd)
		return sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
	nd->u.i.v = v;
	nd->u.i.neg = neg != 0;
	*out = nd;
	return SIGFS_OK;
}

static int der_bytes(sigfs_cur body, size_t at, enum ntype type, struct node **out)
{
	struct node *nd;
	size_t bad;

	if (type == N_STRING) {
		bad = utf8_bad_at(body.p, body.len);
		if (bad != body.len)
			return sigfs_error_set(SIGFS_EMALFORMED,
					       "der plist: string at offset %zu has %s at byte %zu", at,
					       body.p[bad] ? "invalid UTF-8" : "a NUL", bad);
	}
	nd = node_new(type);
	if (!nd || !(nd->u.s.p = memdup0(body.p, body.len))) {
		free(nd);
		return sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
	}
	nd->u.s.len = body.len;
	*out = nd;
	return SIGFS_OK;
}

static int dict_check_unique(const struct node *dict, size_t at, const char *what);

static int der_container(struct der *d, uint8_t tag, sigfs_cur body, size_t at, int depth, struct node **out)
{
	struct node *c, *item;
	sigfs_cur entry, keycur, *src;
	uint8_t t, kt, vt;
	size_t eat, kat, vat;
	char *key;
	int rc;

	if (depth > SIGFS_PLIST_MAX_DEPTH)
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: nesting deeper than %d at offset %zu",
				       SIGFS_PLIST_MAX_DEPTH, at);
	c = node_new(tag == DER_SEQUENCE ? N_ARRAY : N_DICT);
	if (!c)
		return sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
	while (body.len) {
		item = NULL;
		key = NULL;
		rc = der_tlv(d, &body, &t, &entry, &eat);
		if (rc)
			goto fail;
		if (tag == DER_SEQUENCE) {
			rc = der_value(d, t, entry, eat, depth, &item);
			if (rc)
				goto fail;
		} else {
			if (t != DER_SEQUENCE) {
				rc = sigfs_error_set(
				    SIGFS_EMALFORMED,
				    "der plist: dict entry tag 0x%02x at offset %zu, expected 0x30", t, eat);
				goto fail;
			}
			src = &entry;
			rc = der_tlv(d, src, &kt, &keycur, &kat);
			if (rc)
				goto fail;
			if (kt != DER_UTF8) {
				rc = sigfs_error_set(
				    SIGFS_EMALFORMED,
				    "der plist: dict key tag 0x%02x at offset %zu, expected 0x0c", kt, kat);
				goto fail;
			}
			if (utf8_bad_at(keycur.p, keycur.len) != keycur.len) {
				rc = sigfs_error_set(
				    SIGFS_EMALFORMED,
				    "der plist: dict key at offset %zu is not UTF-8 without NUL", kat);
				goto fail;
			}
			key = memdup0(keycur.p, keycur.len);
			if (!key) {
				rc = sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
				goto fail;
			}
			rc = der_tlv(d, src, &vt, &keycur, &vat);
			if (rc)
				goto fail;
			rc = der_value(d, vt, keycur, vat, depth, &item);
			if (rc)
				goto fail;
			if (src->len) {
				rc = sigfs_error_set(SIGFS_EMALFORMED,
						     "der plist: %zu extra bytes in dict entry at offset %zu",
						     src->len, eat);
				goto fail;
			}
		}
		if (!node_append(c, key, item)) {
			rc = sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
			goto fail;
		}
		continue;
	fail:
		free(key);
		node_free(item);
		node_free(c);
		return rc;
	}
	if (c->type == N_DICT) {
		rc = dict_check_unique(c, at, "der plist");
		if (rc) {
			node_free(c);
			return rc;
		}
	}
	*out = c;
	return SIGFS_OK;
}

static int der_value(struct der *d, uint8_t tag, sigfs_cur body, size_t at, int depth, struct node **out)
{
	struct node *nd;

	if (++d->values > SIGFS_PLIST_MAX_VALUES)
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: more than %d values at offset %zu",
				       SIGFS_PLIST_MAX_VALUES, at);
	switch (tag) {
	case DER_BOOLEAN:
		if (body.len != 1 || (body.p[0] != 0x00 && body.p[0] != 0xff))
			return sigfs_error_set(SIGFS_EMALFORMED, "der plist: bad boolean at offset %zu", at);
		nd = node_new(N_BOOL);
		if (!nd)
			return sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
		nd->u.b = body.p[0] != 0;
		*out = nd;
		return SIGFS_OK;
	case DER_INTEGER: return der_integer(body, at, out);
	case DER_UTF8: return der_bytes(body, at, N_STRING, out);
	case DER_OCTETS: return der_bytes(body, at, N_DATA, out);
	case DER_SET:
		if (!d->bare)
			break;
		/* fall through */
	case DER_SEQUENCE:
	case DER_DICT: return der_container(d, tag, body, at, depth + 1, out);
	}
	return sigfs_error_set(SIGFS_EMALFORMED, "der plist: unexpected tag 0x%02x at offset %zu", tag, at);
}

int sigfs_plist_from_der(sigfs_plist **out, const uint8_t *der, size_t len)
{
	struct der d = {der, len, 0, 0};
	sigfs_cur c, top, ver;
	uint8_t tag;
	size_t at, vat;
	struct node *root = NULL;
	int rc;

	*out = NULL;
	if (!der || len == 0)
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: empty input");
	if (len > PLIST_MAX_INPUT)
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: %zu bytes exceeds the bound of %zu", len,
				       PLIST_MAX_INPUT);
	sigfs_cur_init(&c, der, len);
	rc = der_tlv(&d, &c, &tag, &top, &at);
	if (rc)
		return rc;
	if (tag != DER_PLIST && tag != DER_SET)
		return sigfs_error_set(
		    SIGFS_EMALFORMED,
		    "der plist: tag 0x%02x at offset 0, expected 0x70 (or a bare SET, 0x31)", tag);
	if (c.len)
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: %zu trailing bytes at offset %zu", c.len,
				       der_off(&d, &c));
	if (tag == DER_SET) {
		/* The bare layout some signers write for slot 7: the root dict
		 * as a SET of SEQUENCE {UTF8String, value}, dicts inside also
		 * SETs, without Apple's [APPLICATION 16] wrapper and version. A
		 * SET means nothing else in either layout, so reading it is
		 * unambiguous. */
		d.bare = 1;
		rc = der_value(&d, tag, top, at, 0, &root);
		if (rc)
			return rc;
		goto done;
	}
	rc = der_tlv(&d, &top, &tag, &ver, &vat);
	if (rc)
		return rc;
	if (tag != DER_INTEGER)
		return sigfs_error_set(
		    SIGFS_EMALFORMED, "der plist: version tag 0x%02x at offset %zu, expected 0x02", tag, vat);
	if (ver.len != 1 || ver.p[0] != 1)
		return sigfs_error_set(SIGFS_EUNSUPPORTED, "der plist: unsupported version at offset %zu",
				       vat);
	rc = der_tlv(&d, &top, &tag, &ver, &vat);
	if (rc)
		return rc;
	if (tag != DER_DICT)
		return sigfs_error_set(SIGFS_EMALFORMED,
				       "der plist: root tag 0x%02x at offset %zu, expected 0xb0", tag, vat);
	rc = der_value(&d, tag, ver, vat, 0, &root);
	if (rc)
		return rc;
	if (top.len) {
		node_free(root);
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: %zu extra bytes at offset %zu", top.len,
				       der_off(&d, &top));
	}
done:
	*out = calloc(1, sizeof **out);
	if (!*out) {
		node_free(root);
		return sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
	}
	(*out)->root = root;
	return SIGFS_OK;
}

/* ---- XML and binary through libplist ------------------------------------ */

/* libplist 2.2's parsers recurse once per nesting level (and the binary one
 * scans all enclosing levels at each), and build a node of some 100 bytes per
 * value, so nesting and the number of values are bounded before libplist
 * sees the bytes. For XML: count open <dict>/<array> elements and the
 * elements that are values (all but <plist> and <key>), skipping comments,
 * CDATA and declarations. One pass over the bytes. */
enum { XML_OK, XML_TOO_DEEP, XML_TOO_MANY };

/* The tag name at `name` (up to `end`, the '>') is `want`; with `prefix`,
 * any name starting with `want` (counting more nesting is the safe side). */
static int tag_is(const char *name, const char *end, const char *want, int prefix)
{
	size_t n = strlen(want);
	char c;

	if ((size_t)(end - name) < n || memcmp(name, want, n) != 0)
		return 0;
	if (prefix || (size_t)(end - name) == n)
		return 1;
	c = name[n];
	return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		 c == ':' || c == '.' || c == '-');
}

static int xml_shape(const char *s, size_t len)
{
	size_t i = 0, depth = 0, values = 0, nl;
	const char *e, *end = s + len;

	while (i < len) {
		const char *p = memchr(s + i, '<', len - i);

		if (!p)
			break;
		i = (size_t)(p - s);
		if (len - i >= 4 && !memcmp(p, "<!--", 4)) {
			e = strstr(p + 4, "-->");
			if (!e)
				break;
			i = (size_t)(e - s) + 3;
			continue;
		}
		if (len - i >= 9 && !memcmp(p, "<![CDATA[", 9)) {
			e = strstr(p + 9, "]]>");
			if (!e)
				break;
			i = (size_t)(e - s) + 3;
			continue;
		}
		e = memchr(p, '>', (size_t)(end - p));
		if (!e)
			break;
		i = (size_t)(e - s) + 1;
		if (p[1] == '?' || p[1] == '!')
			continue;
		if (p[1] == '/') {
			/* only an exact </dict> or </array> closes (closing less is
			 * the safe side) */
			nl = (size_t)(e - p) - 2;
			if (depth && ((nl == 4 && !memcmp(p + 2, "dict", 4)) ||
				      (nl == 5 && !memcmp(p + 2, "array", 5))))
				depth--;
			continue;
		}
		if (tag_is(p + 1, e, "plist", 0) || tag_is(p + 1, e, "key", 0))
			continue;
		if (++values > SIGFS_PLIST_MAX_VALUES)
			return XML_TOO_MANY;
		if (e[-1] == '/')
			continue;
		if ((tag_is(p + 1, e, "dict", 1) || tag_is(p + 1, e, "array", 1)) &&
		    ++depth > SIGFS_PLIST_MAX_DEPTH)
			return XML_TOO_DEEP;
	}
	return XML_OK;
}

static uint64_t be_n(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

struct bpl {
	const uint8_t *p;
	size_t len;
	unsigned offsize, refsize;
	uint64_t nobj, ottab;
};

/* Offset of object idx, checked to lie between the header and the offset
 * table. */
static int bpl_obj(const struct bpl *b, uint64_t idx, uint64_t *off)
{
	uint64_t o = be_n(b->p + b->ottab + idx * b->offsize, b->offsize);

	if (o < 8 || o >= b->ottab)
		return 0;
	*off = o;
	return 1;
}

/* Decode the marker at off: container kind ('A' array/set, 'D' dict, 0 for
 * a leaf), its count, where its refs start and the leaf payload size. */
static int bpl_marker(const struct bpl *b, uint64_t off, int *kind, uint64_t *count, uint64_t *refs,
		      uint64_t *payload)
{
	uint8_t m = b->p[off], type = m >> 4, lo = m & 15;
	uint64_t pos = off + 1, cnt = lo;

	*kind = 0;
	*payload = 16;
	if (type == 0x4 || type == 0x5 || type == 0x6 || type == 0x7 || type == 0xa || type == 0xb ||
	    type == 0xc || type == 0xd) {
		if (lo == 15) {
			uint8_t im, n;

			if (pos >= b->ottab)
				return 0;
			im = b->p[pos++];
			if ((im >> 4) != 1 || (im & 15) > 3)
				return 0;
			n = (uint8_t)(1u << (im & 15));
			if (b->ottab - pos < n)
				return 0;
			cnt = be_n(b->p + pos, n);
			pos += n;
		}
	}
	if (type == 0xa || type == 0xc || type == 0xd) {
		uint64_t per = (type == 0xd ? 2u : 1u) * b->refsize;

		if (cnt > (b->ottab - pos) / per)
			return 0;
		*kind = type == 0xd ? 'D' : 'A';
		*count = type == 0xd ? cnt * 2 : cnt;
		*refs = pos;
		return 1;
	}
	if (type == 0x4 || type == 0x5 || type == 0x7)
		*payload = cnt;
	else if (type == 0x6)
		*payload = cnt * 2;
	return 1;
}

/* Walk the object graph of a binary plist without recursion, memoising per
 * object its nesting height, its expanded size in bytes and in objects
 * (objects can be shared, so libplist's tree can be far larger than the
 * file). Bounds: nesting, 2 * SIGFS_PLIST_MAX_VALUES objects (keys are
 * objects too) both in the file and expanded, BPLIST_MAX_WEIGHT bytes. */
#define BPLIST_MAX_OBJECTS (2 * (uint64_t)SIGFS_PLIST_MAX_VALUES)

struct bpl_size {
	uint64_t bytes, objects;
};

/* Add `add` to *to; 0 when the sum passes a bound. */
static int bpl_grow(struct bpl_size *to, struct bpl_size add)
{
	to->bytes += add.bytes;
	to->objects += add.objects;
	return to->bytes <= BPLIST_MAX_WEIGHT && to->objects <= BPLIST_MAX_OBJECTS;
}

static int bplist_ok(const uint8_t *p, size_t len)
{
	struct bpl b = {p, len, 0, 0, 0, 0};
	const uint8_t *tr;
	uint64_t top;
	struct frame {
		uint64_t idx, refs, count, next;
		struct bpl_size size;
		unsigned height;
	} st[SIGFS_PLIST_MAX_DEPTH + 1];
	uint8_t *height = NULL; /* 0 unvisited, 1 on the stack, 2 + height done */
	struct bpl_size *size = NULL, one = {1, 1};
	int sp = 0, ok = 0, kind;
	uint64_t off = 0, cnt = 0, refs = 0, pay = 0;

	if (len < 8 + 32)
		return 0;
	tr = p + len - 32;
	b.offsize = tr[6];
	b.refsize = tr[7];
	b.nobj = be_n(tr + 8, 8);
	top = be_n(tr + 16, 8);
	b.ottab = be_n(tr + 24, 8);
	if (b.offsize < 1 || b.offsize > 8 || b.refsize < 1 || b.refsize > 8 || b.nobj == 0 || top >= b.nobj)
		return 0;
	if (b.ottab < 9 || b.ottab > len - 32 || b.nobj > (len - 32 - b.ottab) / b.offsize)
		return 0;
	if (b.nobj > BPLIST_MAX_OBJECTS) /* bounds the two arrays below */
		return 0;
	height = calloc((size_t)b.nobj, 1);
	size = calloc((size_t)b.nobj, sizeof *size);
	if (!height || !size)
		goto out;

	if (!bpl_obj(&b, top, &off) || !bpl_marker(&b, off, &kind, &cnt, &refs, &pay))
		goto out;
	if (!kind) {
		ok = pay <= BPLIST_MAX_WEIGHT;
		goto out;
	}
	st[0] = (struct frame){top, refs, cnt, 0, one, 1};
	height[top] = 1;
	sp = 1;
	/* each step consumes one reference of a container on the stack: at
	 * most BPLIST_MAX_OBJECTS steps before the expanded count fails */
	while (sp) {
		struct frame *f = &st[sp - 1];
		uint64_t child;
		struct bpl_size leaf;

		if (f->next == f->count) {
			height[f->idx] = (uint8_t)(2 + f->height);
			size[f->idx] = f->size;
			sp--;
			if (sp) {
				struct frame *pf = &st[sp - 1];

				if (f->height + 1 > pf->height)
					pf->height = f->height + 1;
				if (!bpl_grow(&pf->size, f->size))
					goto out;
			}
			continue;
		}
		child = be_n(p + f->refs + f->next * b.refsize, b.refsize);
		f->next++;
		if (child >= b.nobj || height[child] == 1)
			goto out; /* bad reference or a cycle */
		if (height[child] >= 2) {
			if ((unsigned)sp + height[child] - 2 > SIGFS_PLIST_MAX_DEPTH)
				goto out;
			if (height[child] - 2 + 1u > f->height)
				f->height = height[child] - 2 + 1u;
			if (!bpl_grow(&f->size, size[child]))
				goto out;
			continue;
		}
		if (!bpl_obj(&b, child, &off) || !bpl_marker(&b, off, &kind, &cnt, &refs, &pay))
			goto out;
		if (!kind) {
			leaf = (struct bpl_size){1 + pay, 1};
			height[child] = 2;
			size[child] = leaf;
			if (!bpl_grow(&f->size, leaf))
				goto out;
			continue;
		}
		if (sp >= SIGFS_PLIST_MAX_DEPTH)
			goto out;
		height[child] = 1;
		st[sp++] = (struct frame){child, refs, cnt, 0, one, 1};
	}
	ok = 1;
out:
	free(height);
	free(size);
	return ok;
}

static int from_libplist(plist_t pn, int depth, struct node **out);

static int lp_container(plist_t pn, int depth, struct node **out)
{
	struct node *c, *item = NULL;
	char *key = NULL;
	int rc;

	if (depth > SIGFS_PLIST_MAX_DEPTH)
		return sigfs_error_set(SIGFS_EMALFORMED, "plist: nesting deeper than %d",
				       SIGFS_PLIST_MAX_DEPTH);
	c = node_new(plist_get_node_type(pn) == PLIST_DICT ? N_DICT : N_ARRAY);
	if (!c)
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
	if (c->type == N_ARRAY) {
		uint32_t i, n = plist_array_get_size(pn);

		for (i = 0; i < n; i++) {
			rc = from_libplist(plist_array_get_item(pn, i), depth, &item);
			if (rc)
				goto fail;
			if (!node_append(c, NULL, item))
				goto oom;
			item = NULL;
		}
	} else {
		plist_dict_iter it = NULL;
		plist_t val = NULL;

		plist_dict_new_iter(pn, &it);
		if (!it)
			goto oom;
		for (;;) {
			key = NULL;
			val = NULL;
			plist_dict_next_item(pn, it, &key, &val);
			if (!key || !val)
				break;
			if (utf8_bad_at((const uint8_t *)key, strlen(key)) != strlen(key)) {
				free(it);
				rc = sigfs_error_set(SIGFS_EMALFORMED, "plist: dict key is not UTF-8");
				goto fail;
			}
			rc = from_libplist(val, depth, &item);
			if (rc) {
				free(it);
				goto fail;
			}
			if (!node_append(c, key, item)) {
				free(it);
				goto oom;
			}
			item = NULL;
		}
		free(key);
		key = NULL;
		free(it);
	}
	*out = c;
	return SIGFS_OK;
oom:
	rc = sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
fail:
	free(key);
	node_free(item);
	node_free(c);
	return rc;
}

static int from_libplist(plist_t pn, int depth, struct node **out)
{
	struct node *nd = NULL;
	plist_type t = plist_get_node_type(pn);

	switch (t) {
	case PLIST_DICT:
	case PLIST_ARRAY: return lp_container(pn, depth + 1, out);
	case PLIST_BOOLEAN: {
		uint8_t b = 0;

		plist_get_bool_val(pn, &b);
		if ((nd = node_new(N_BOOL)))
			nd->u.b = b != 0;
		break;
	}
	case PLIST_UINT: {
		uint64_t v = 0;
		plist_t probe;

		plist_get_uint_val(pn, &v);
		/* libplist 2.2 keeps the sign only in a private length field
		 * (8: signed 64-bit, 16: unsigned past INT64_MAX); a node made
		 * by plist_new_uint has length 8, so equality means signed. */
		probe = plist_new_uint(v);
		if (!probe)
			break;
		if ((nd = node_new(N_INT))) {
			nd->u.i.v = v;
			nd->u.i.neg = plist_compare_node_value(pn, probe) && (int64_t)v < 0;
		}
		plist_free(probe);
		break;
	}
	case PLIST_UID: {
		/* Apple writes a UID as <dict><key>CF$UID</key><integer>… */
		uint64_t v = 0;
		struct node *num;
		char *k;

		plist_get_uid_val(pn, &v);
		nd = node_new(N_DICT);
		num = node_new(N_INT);
		k = memdup0("CF$UID", 6);
		if (!nd || !num || !k || !node_append(nd, k, num)) {
			free(k);
			free(num);
			node_free(nd);
			nd = NULL;
			break;
		}
		num->u.i.v = v;
		break;
	}
	case PLIST_REAL:
		if ((nd = node_new(N_REAL)))
			plist_get_real_val(pn, &nd->u.r);
		break;
	case PLIST_DATE: {
		int32_t sec = 0, usec = 0;

		plist_get_date_val(pn, &sec, &usec);
		if ((nd = node_new(N_DATE)))
			nd->u.r = (double)sec + (double)usec / 1e6;
		break;
	}
	case PLIST_STRING:
	case PLIST_KEY: {
		char *s = NULL;
		size_t n;

		plist_get_string_val(pn, &s);
		if (!s)
			break;
		n = strlen(s);
		if (utf8_bad_at((const uint8_t *)s, n) != n) {
			free(s);
			return sigfs_error_set(SIGFS_EMALFORMED, "plist: string is not UTF-8");
		}
		if (!(nd = node_new(N_STRING))) {
			free(s);
			break;
		}
		nd->u.s.p = s;
		nd->u.s.len = n;
		break;
	}
	case PLIST_DATA: {
		char *d = NULL;
		uint64_t n = 0;

		plist_get_data_val(pn, &d, &n);
		if (!(nd = node_new(N_DATA))) {
			free(d);
			break;
		}
		if (!d)
			d = memdup0("", 0);
		if (!d) {
			free(nd);
			nd = NULL;
			break;
		}
		nd->u.s.p = d;
		nd->u.s.len = (size_t)n;
		break;
	}
	default: return sigfs_error_set(SIGFS_EMALFORMED, "plist: unsupported node type %d", (int)t);
	}
	if (!nd)
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
	*out = nd;
	return SIGFS_OK;
}

int sigfs_plist_from_xml(sigfs_plist **out, const uint8_t *data, size_t len)
{
	static const char bmagic[8] = {'b', 'p', 'l', 'i', 's', 't', '0', '0'};
	char *copy;
	const char *nul;
	plist_t pl = NULL;
	struct node *root = NULL;
	int binary, rc;

	*out = NULL;
	if (!data || len == 0)
		return sigfs_error_set(SIGFS_EMALFORMED, "plist: empty input");
	if (len > PLIST_MAX_INPUT)
		return sigfs_error_set(SIGFS_EMALFORMED, "plist: %zu bytes exceeds the bound of %zu", len,
				       PLIST_MAX_INPUT);
	binary = len >= sizeof bmagic && !memcmp(data, bmagic, sizeof bmagic);
	/* Our own NUL-terminated copy: libplist never reads past len + 1. */
	copy = memdup0(data, len);
	if (!copy)
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
	if (binary) {
		if (!bplist_ok((const uint8_t *)copy, len)) {
			free(copy);
			return sigfs_error_set(
			    SIGFS_EMALFORMED,
			    "binary plist: bad trailer, references, cycle, nesting deeper than "
			    "%d or expanded size too large (%zu bytes)",
			    SIGFS_PLIST_MAX_DEPTH, len);
		}
		plist_from_bin(copy, (uint32_t)len, &pl);
	} else {
		nul = memchr(copy, '\0', len);
		if (nul) {
			rc = sigfs_error_set(SIGFS_EMALFORMED, "xml plist: NUL byte at offset %zu of %zu",
					     (size_t)(nul - copy), len);
			free(copy);
			return rc;
		}
		if (!memchr(copy, '<', len)) {
			free(copy);
			return sigfs_error_set(SIGFS_EMALFORMED, "xml plist: no markup in %zu bytes", len);
		}
		switch (xml_shape(copy, len)) {
		case XML_TOO_DEEP:
			free(copy);
			return sigfs_error_set(SIGFS_EMALFORMED, "xml plist: nesting deeper than %d",
					       SIGFS_PLIST_MAX_DEPTH);
		case XML_TOO_MANY:
			free(copy);
			return sigfs_error_set(SIGFS_EMALFORMED, "xml plist: more than %d values",
					       SIGFS_PLIST_MAX_VALUES);
		}
		plist_from_xml(copy, (uint32_t)len, &pl);
	}
	free(copy);
	if (!pl)
		return sigfs_error_set(SIGFS_EMALFORMED, "%s plist: not a property list (%zu bytes)",
				       binary ? "binary" : "xml", len);
	rc = from_libplist(pl, 0, &root);
	plist_free(pl);
	if (rc)
		return rc;
	*out = calloc(1, sizeof **out);
	if (!*out) {
		node_free(root);
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
	}
	(*out)->root = root;
	return SIGFS_OK;
}

/* ---- key order --------------------------------------------------------- */

/* Next UTF-16 code unit of a UTF-8 string (keys are validated UTF-8);
 * *pend holds a pending low surrogate. Returns -1 at the end. */
static long utf16_next(const char **s, unsigned *pend)
{
	uint32_t cp;
	size_t n;

	if (*pend) {
		long u = (long)*pend;

		*pend = 0;
		return u;
	}
	if (!**s)
		return -1;
	n = utf8_seq((const uint8_t *)*s, strlen(*s), &cp);
	if (!n) {
		cp = (uint8_t) * *s;
		n = 1;
	}
	*s += n;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*pend = 0xdc00 | (cp & 0x3ff);
		return 0xd800 | (long)(cp >> 10);
	}
	return (long)cp;
}

/* CFStringCompare(a, b, 0) for our purposes: UTF-16 code unit order (the
 * same as byte order for ASCII keys, which all real entitlements use). */
static int key_cmp(const char *a, const char *b)
{
	unsigned pa = 0, pb = 0;
	long ua, ub;

	for (;;) {
		ua = utf16_next(&a, &pa);
		ub = utf16_next(&b, &pb);
		if (ua != ub)
			return ua < ub ? -1 : 1;
		if (ua < 0)
			return 0;
	}
}

struct keyref {
	const char *key;
	size_t idx;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = key_cmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The entries of a dict sorted as CoreFoundation writes them (caller frees). */
static struct keyref *sorted_keys(const struct node *dict)
{
	struct keyref *r;
	size_t i, n = dict->u.c.n;

	r = malloc((n ? n : 1) * sizeof *r);
	if (!r)
		return NULL;
	for (i = 0; i < n; i++) {
		r[i].key = dict->u.c.keys[i];
		r[i].idx = i;
	}
	qsort(r, n, sizeof *r, keyref_cmp);
	return r;
}

static int dict_check_unique(const struct node *dict, size_t at, const char *what)
{
	struct keyref *r;
	size_t i;
	int rc = SIGFS_OK;

	if (dict->u.c.n < 2)
		return SIGFS_OK;
	r = sorted_keys(dict);
	if (!r)
		return sigfs_error_set(SIGFS_ENOMEM, "%s: out of memory", what);
	for (i = 1; i < dict->u.c.n; i++) {
		if (!strcmp(r[i - 1].key, r[i].key)) {
			rc = sigfs_error_set(SIGFS_EMALFORMED,
					     "%s: duplicate key \"%.64s\" in dict at offset %zu", what,
					     r[i].key, at);
			break;
		}
	}
	free(r);
	return rc;
}

/* ---- shared formatting ------------------------------------------------- */

static void put_int(sigfs_buf *b, const struct node *n)
{
	if (n->u.i.neg)
		sigfs_buf_printf(b, "%" PRId64, (int64_t)n->u.i.v);
	else
		sigfs_buf_printf(b, "%" PRIu64, n->u.i.v);
}

/* CFNumber's description of a float64 (__CFNumberCopyFormattingDescriptionAsFloat64). */
static void put_real(sigfs_buf *b, double d)
{
	if (isnan(d))
		sigfs_buf_puts(b, "nan");
	else if (isinf(d))
		sigfs_buf_puts(b, d > 0 ? "+infinity" : "-infinity");
	else if (d == 0.0)
		sigfs_buf_puts(b, "0.0");
	else
		sigfs_buf_printf(b, "%.17g", d);
}

/* ISO 8601 UTC, whole seconds rounded down, as CoreFoundation writes <date>. */
static void put_date(sigfs_buf *b, double since2001)
{
	double unix_s = since2001 + MAC_EPOCH_OFFSET, whole = floor(unix_s);

	/* years 1..9999 (the range also keeps the cast defined) */
	if (!(unix_s > -62135596800.0 && unix_s < 253402300800.0) || !sigfs_time_iso8601(b, (int64_t)whole))
		sigfs_buf_puts(b, "0000-00-00T00:00:00Z");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_tabs(sigfs_buf *b, int n)
{
	while (n-- > 0)
		sigfs_buf_putc(b, '\t');
}

/* ---- XML --------------------------------------------------------------- */

static void xml_escaped(sigfs_buf *b, const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		const char *rep = s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : s[i] == '&' ? "&amp;" : NULL;

		if (!rep)
			continue;
		sigfs_buf_put(b, s + start, i - start);
		sigfs_buf_puts(b, rep);
		start = i + 1;
	}
	sigfs_buf_put(b, s + start, len - start);
}

/* _XMLPlistAppendDataUsingBase64: a line is flushed as soon as it holds
 * 76 - 8 * indent characters or more; indent is capped at 8. */
static void xml_base64(sigfs_buf *b, const uint8_t *p, size_t len, int indent)
{
	char line[76 + 8];
	size_t i, pos = 0;

	if (indent > 8)
		indent = 8;
	for (i = 0; i < len; i++) {
		switch (i % 3) {
		case 0: line[pos++] = b64[(p[i] >> 2) & 0x3f]; break;
		case 1: line[pos++] = b64[((p[i - 1] << 8 | p[i]) >> 4) & 0x3f]; break;
		case 2:
			line[pos++] = b64[((p[i - 1] << 8 | p[i]) >> 6) & 0x3f];
			line[pos++] = b64[p[i] & 0x3f];
			break;
		}
		if (pos >= (size_t)(76 - 8 * indent)) {
			put_tabs(b, indent);
			sigfs_buf_put(b, line, pos);
			sigfs_buf_putc(b, '\n');
			pos = 0;
		}
	}
	switch (len % 3) {
	case 1:
		line[pos++] = b64[(p[len - 1] << 4) & 0x30];
		line[pos++] = '=';
		line[pos++] = '=';
		break;
	case 2:
		line[pos++] = b64[(p[len - 1] << 2) & 0x3c];
		line[pos++] = '=';
		break;
	}
	if (pos) {
		put_tabs(b, indent);
		sigfs_buf_put(b, line, pos);
		sigfs_buf_putc(b, '\n');
	}
}

static int xml_node(sigfs_buf *b, const struct node *n, int indent)
{
	struct keyref *keys;
	size_t i;

	put_tabs(b, indent);
	switch (n->type) {
	case N_STRING:
		sigfs_buf_puts(b, "<string>");
		xml_escaped(b, n->u.s.p, n->u.s.len);
		sigfs_buf_puts(b, "</string>\n");
		break;
	case N_ARRAY:
		if (!n->u.c.n) {
			sigfs_buf_puts(b, "<array/>\n");
			break;
		}
		sigfs_buf_puts(b, "<array>\n");
		for (i = 0; i < n->u.c.n; i++)
			if (xml_node(b, n->u.c.items[i], indent + 1))
				return SIGFS_ENOMEM;
		put_tabs(b, indent);
		sigfs_buf_puts(b, "</array>\n");
		break;
	case N_DICT:
		if (!n->u.c.n) {
			sigfs_buf_puts(b, "<dict/>\n");
			break;
		}
		keys = sorted_keys(n);
		if (!keys)
			return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
		sigfs_buf_puts(b, "<dict>\n");
		for (i = 0; i < n->u.c.n; i++) {
			put_tabs(b, indent + 1);
			sigfs_buf_puts(b, "<key>");
			xml_escaped(b, keys[i].key, strlen(keys[i].key));
			sigfs_buf_puts(b, "</key>\n");
			if (xml_node(b, n->u.c.items[keys[i].idx], indent + 1)) {
				free(keys);
				return SIGFS_ENOMEM;
			}
		}
		free(keys);
		put_tabs(b, indent);
		sigfs_buf_puts(b, "</dict>\n");
		break;
	case N_DATA:
		sigfs_buf_puts(b, "<data>\n");
		xml_base64(b, (const uint8_t *)n->u.s.p, n->u.s.len, indent);
		put_tabs(b, indent);
		sigfs_buf_puts(b, "</data>\n");
		break;
	case N_DATE:
		sigfs_buf_puts(b, "<date>");
		put_date(b, n->u.r);
		sigfs_buf_puts(b, "</date>\n");
		break;
	case N_REAL:
		sigfs_buf_puts(b, "<real>");
		put_real(b, n->u.r);
		sigfs_buf_puts(b, "</real>\n");
		break;
	case N_INT:
		sigfs_buf_puts(b, "<integer>");
		put_int(b, n);
		sigfs_buf_puts(b, "</integer>\n");
		break;
	case N_BOOL: sigfs_buf_puts(b, n->u.b ? "<true/>\n" : "<false/>\n"); break;
	}
	return SIGFS_OK;
}

int sigfs_plist_to_xml(sigfs_buf *out, const sigfs_plist *pl)
{
	if (!pl || !pl->root)
		return sigfs_error_set(SIGFS_ENOTFOUND, "plist: nothing to render");
	return sigfs_pv_to_xml(out, sigfs_plist_root(pl));
}

int sigfs_pv_to_xml(sigfs_buf *out, const sigfs_pv *v)
{
	const struct node *n = (const struct node *)v;

	if (!n)
		return sigfs_error_set(SIGFS_ENOTFOUND, "plist: nothing to render");
	sigfs_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
			    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
			    "<plist version=\"1.0\">\n");
	if (xml_node(out, n, 0))
		return SIGFS_ENOMEM;
	sigfs_buf_puts(out, "</plist>\n");
	return sigfs_buf_status(out);
}

/* ---- JSON -------------------------------------------------------------- */

static json_t *json_base64(const uint8_t *p, size_t len)
{
	size_t olen = (len + 2) / 3 * 4, i, o = 0;
	char *s;
	json_t *j;

	if (len > SIZE_MAX / 2)
		return NULL;
	s = malloc(olen + 1);
	if (!s)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		s[o++] = b64[p[i] >> 2];
		s[o++] = b64[(p[i] & 3) << 4 | p[i + 1] >> 4];
		s[o++] = b64[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		s[o++] = b64[p[i + 2] & 63];
	}
	if (len - i == 1) {
		s[o++] = b64[p[i] >> 2];
		s[o++] = b64[(p[i] & 3) << 4];
		s[o++] = '=';
		s[o++] = '=';
	} else if (len - i == 2) {
		s[o++] = b64[p[i] >> 2];
		s[o++] = b64[(p[i] & 3) << 4 | p[i + 1] >> 4];
		s[o++] = b64[(p[i + 1] & 15) << 2];
		s[o++] = '=';
	}
	j = json_stringn(s, o);
	free(s);
	return j;
}

static json_t *json_node(const struct node *n)
{
	sigfs_buf tmp = SIGFS_BUF_INIT;
	json_t *j = NULL, *item;
	size_t i;

	switch (n->type) {
	case N_DICT:
		j = json_object();
		for (i = 0; j && i < n->u.c.n; i++) {
			item = json_node(n->u.c.items[i]);
			if (!item || json_object_set_new(j, n->u.c.keys[i], item)) {
				json_decref(j);
				j = NULL;
			}
		}
		return j;
	case N_ARRAY:
		j = json_array();
		for (i = 0; j && i < n->u.c.n; i++) {
			item = json_node(n->u.c.items[i]);
			if (!item || json_array_append_new(j, item)) {
				json_decref(j);
				j = NULL;
			}
		}
		return j;
	case N_STRING: return json_stringn(n->u.s.p, n->u.s.len);
	case N_BOOL: return json_boolean(n->u.b);
	case N_INT:
		if (n->u.i.neg || n->u.i.v <= INT64_MAX)
			return json_integer((json_int_t)(int64_t)n->u.i.v);
		/* Past INT64_MAX jansson has no exact number: keep the digits. */
		put_int(&tmp, n);
		break;
	case N_REAL:
		if (isfinite(n->u.r))
			return json_real(n->u.r);
		put_real(&tmp, n->u.r);
		break;
	case N_DATA: return json_base64((const uint8_t *)n->u.s.p, n->u.s.len);
	case N_DATE: put_date(&tmp, n->u.r); break;
	}
	if (!sigfs_buf_status(&tmp) && tmp.ptr)
		j = json_stringn(tmp.ptr, tmp.len);
	sigfs_buf_free(&tmp);
	return j;
}

int sigfs_plist_to_json(sigfs_buf *out, const sigfs_plist *pl)
{
	json_t *j;
	char *s;

	if (!pl || !pl->root)
		return sigfs_error_set(SIGFS_ENOTFOUND, "plist: nothing to render");
	j = json_node(pl->root);
	if (!j)
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory building JSON");
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	if (!s)
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory writing JSON");
	sigfs_buf_puts(out, s);
	sigfs_buf_putc(out, '\n');
	free(s);
	return sigfs_buf_status(out);
}

/* ---- codesign's human form --------------------------------------------- */

static void text_node(sigfs_buf *b, const struct node *n, int indent)
{
	size_t i;

	put_tabs(b, indent);
	switch (n->type) {
	case N_DICT:
		sigfs_buf_puts(b, "[Dict]\n");
		for (i = 0; i < n->u.c.n; i++) {
			put_tabs(b, indent + 1);
			sigfs_buf_puts(b, "[Key] ");
			sigfs_buf_puts(b, n->u.c.keys[i]);
			sigfs_buf_putc(b, '\n');
			put_tabs(b, indent + 1);
			sigfs_buf_puts(b, "[Value]\n");
			text_node(b, n->u.c.items[i], indent + 2);
		}
		break;
	case N_ARRAY:
		sigfs_buf_puts(b, "[Array]\n");
		for (i = 0; i < n->u.c.n; i++)
			text_node(b, n->u.c.items[i], indent + 1);
		break;
	case N_STRING:
		sigfs_buf_puts(b, "[String] ");
		sigfs_buf_put(b, n->u.s.p, n->u.s.len);
		sigfs_buf_putc(b, '\n');
		break;
	case N_BOOL: sigfs_buf_puts(b, n->u.b ? "[Bool] true\n" : "[Bool] false\n"); break;
	case N_INT:
		sigfs_buf_puts(b, TEXT_INT_TAG " ");
		put_int(b, n);
		sigfs_buf_putc(b, '\n');
		break;
	case N_REAL:
		sigfs_buf_puts(b, "[Real] ");
		put_real(b, n->u.r);
		sigfs_buf_putc(b, '\n');
		break;
	case N_DATA:
		sigfs_buf_puts(b, "[Data] ");
		sigfs_buf_hex(b, (const uint8_t *)n->u.s.p, n->u.s.len);
		sigfs_buf_putc(b, '\n');
		break;
	case N_DATE:
		sigfs_buf_puts(b, "[Date] ");
		put_date(b, n->u.r);
		sigfs_buf_putc(b, '\n');
		break;
	}
}

int sigfs_plist_to_text(sigfs_buf *out, const sigfs_plist *pl)
{
	if (!pl || !pl->root)
		return sigfs_error_set(SIGFS_ENOTFOUND, "plist: nothing to render");
	text_node(out, pl->root, 0);
	return sigfs_buf_status(out);
}

/* ---- misc -------------------------------------------------------------- */

size_t sigfs_plist_dict_count(const sigfs_plist *pl)
{
	if (!pl || !pl->root || pl->root->type != N_DICT)
		return 0;
	return pl->root->u.c.n;
}

void sigfs_plist_free(sigfs_plist *pl)
{
	if (!pl)
		return;
	node_free(pl->root);
	free(pl);
}

/* ---- reading values ------------------------------------------------------ */

/* A sigfs_pv is a struct node; the public type only hides its layout. */
#define PV(v) ((const struct node *)(v))

const sigfs_pv *sigfs_plist_root(const sigfs_plist *pl)
{
	return pl ? (const sigfs_pv *)pl->root : NULL;
}

int sigfs_pv_type(const sigfs_pv *v)
{
	static const int map[] = {
	    [N_DICT] = SIGFS_PV_DICT, [N_ARRAY] = SIGFS_PV_ARRAY, [N_STRING] = SIGFS_PV_STRING,
	    [N_BOOL] = SIGFS_PV_BOOL, [N_INT] = SIGFS_PV_INT,	  [N_REAL] = SIGFS_PV_REAL,
	    [N_DATA] = SIGFS_PV_DATA, [N_DATE] = SIGFS_PV_DATE,
	};

	return v ? map[PV(v)->type] : SIGFS_PV_NONE;
}

size_t sigfs_pv_count(const sigfs_pv *v)
{
	return v && (PV(v)->type == N_DICT || PV(v)->type == N_ARRAY) ? PV(v)->u.c.n : 0;
}

const sigfs_pv *sigfs_pv_at(const sigfs_pv *v, size_t i, const char **key)
{
	if (i >= sigfs_pv_count(v))
		return NULL;
	if (key)
		*key = PV(v)->type == N_DICT ? PV(v)->u.c.keys[i] : NULL;
	return (const sigfs_pv *)PV(v)->u.c.items[i];
}

const sigfs_pv *sigfs_pv_get(const sigfs_pv *v, const char *key)
{
	size_t i;

	if (!v || PV(v)->type != N_DICT)
		return NULL;
	for (i = 0; i < PV(v)->u.c.n; i++) /* keys are unique (checked at parse) */
		if (strcmp(PV(v)->u.c.keys[i], key) == 0)
			return (const sigfs_pv *)PV(v)->u.c.items[i];
	return NULL;
}

const char *sigfs_pv_bytes(const sigfs_pv *v, size_t *len)
{
	if (!v || (PV(v)->type != N_STRING && PV(v)->type != N_DATA))
		return NULL;
	if (len)
		*len = PV(v)->u.s.len;
	return PV(v)->u.s.p;
}

int sigfs_pv_true(const sigfs_pv *v)
{
	return v && PV(v)->type == N_BOOL && PV(v)->u.b;
}

int sigfs_pv_int(const sigfs_pv *v, int64_t *out)
{
	if (!v || PV(v)->type != N_INT || (!PV(v)->u.i.neg && PV(v)->u.i.v > (uint64_t)INT64_MAX))
		return SIGFS_ENOTFOUND;
	*out = (int64_t)PV(v)->u.i.v;
	return SIGFS_OK;
}

int sigfs_pv_number(const sigfs_pv *v, double *out)
{
	if (v && PV(v)->type == N_REAL) {
		*out = PV(v)->u.r;
		return SIGFS_OK;
	}
	if (!v || PV(v)->type != N_INT)
		return SIGFS_ENOTFOUND;
	*out = PV(v)->u.i.neg ? (double)(int64_t)PV(v)->u.i.v : (double)PV(v)->u.i.v;
	return SIGFS_OK;
}

int sigfs_pv_date(const sigfs_pv *v, int64_t *unix_s)
{
	double d;

	if (!v || PV(v)->type != N_DATE)
		return SIGFS_ENOTFOUND;
	d = PV(v)->u.r + MAC_EPOCH_OFFSET;
	if (!(d > -62135596800.0 && d < 253402300800.0)) /* years 1..9999 */
		return SIGFS_ENOTFOUND;
	*unix_s = (int64_t)d;
	if ((double)*unix_s > d)
		(*unix_s)--;
	return SIGFS_OK;
}

int sigfs_pv_equal(const sigfs_pv *a, const sigfs_pv *b)
{
	const struct node *x = PV(a), *y = PV(b);
	size_t i;

	if (!x || !y)
		return x == y;
	if (x->type != y->type)
		return 0;
	switch (x->type) {
	case N_DICT:
		if (x->u.c.n != y->u.c.n)
			return 0;
		for (i = 0; i < x->u.c.n; i++) /* recursion bounded by the parse depth */
			if (!sigfs_pv_equal((const sigfs_pv *)x->u.c.items[i],
					    sigfs_pv_get((const sigfs_pv *)y, x->u.c.keys[i])))
				return 0;
		return 1;
	case N_ARRAY:
		if (x->u.c.n != y->u.c.n)
			return 0;
		for (i = 0; i < x->u.c.n; i++)
			if (!sigfs_pv_equal((const sigfs_pv *)x->u.c.items[i],
					    (const sigfs_pv *)y->u.c.items[i]))
				return 0;
		return 1;
	case N_STRING:
	case N_DATA: return x->u.s.len == y->u.s.len && memcmp(x->u.s.p, y->u.s.p, x->u.s.len) == 0;
	case N_BOOL: return !x->u.b == !y->u.b;
	case N_INT: return x->u.i.v == y->u.i.v && x->u.i.neg == y->u.i.neg;
	case N_REAL:
	case N_DATE: return x->u.r == y->u.r;
	}
	return 0;
}
