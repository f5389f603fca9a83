/* sigfs core: property lists — parsing (XML and binary through libplist,
 * Apple's DER encoding through our own strict reader) and rendering (Apple's
 * XML form, JSON, codesign's human form).
 *
 * Every parser converts into one small private tree (struct node,
 * plist_node.h), so the renderers never see libplist or jansson types and
 * all parsers share the same bounds: nesting at most SIGFS_PLIST_MAX_DEPTH
 * containers, at most SIGFS_PLIST_MAX_VALUES values, input at most
 * PLIST_MAX_INPUT bytes. This file holds the tree, key order and the value
 * API; plist_der.c, plist_in.c and plist_out.c the rest (plist_node.h).
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

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plist_node.h"

/* ---- the tree ---------------------------------------------------------- */

void sigfs_pl_free_node(struct node *n)
{
	size_t i;

	if (!n)
		return;
	switch (n->type) {
	case N_DICT:
	case N_ARRAY:
		for (i = 0; i < n->u.c.n; i++) {
			sigfs_pl_free_node(n->u.c.items[i]);
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

int sigfs_pl_wrap(sigfs_plist **out, struct node *root)
{
	*out = calloc(1, sizeof **out);
	if (!*out) {
		sigfs_pl_free_node(root);
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
	}
	(*out)->root = root;
	return SIGFS_OK;
}

struct node *sigfs_pl_new_node(enum ntype type)
{
	struct node *n = calloc(1, sizeof *n);

	if (n)
		n->type = type;
	return n;
}

/* Append item (and key for dicts; both owned by the container on success). */
int sigfs_pl_append(struct node *c, char *key, struct node *item)
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

char *sigfs_pl_memdup0(const void *p, size_t len)
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
size_t sigfs_pl_utf8_bad_at(const uint8_t *p, size_t len)
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

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = key_cmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The entries of a dict sorted as CoreFoundation writes them (caller frees). */
struct keyref *sigfs_pl_sorted_keys(const struct node *dict)
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

int sigfs_pl_check_unique(const struct node *dict, size_t at, const char *what)
{
	struct keyref *r;
	size_t i;
	int rc = SIGFS_OK;

	if (dict->u.c.n < 2)
		return SIGFS_OK;
	r = sigfs_pl_sorted_keys(dict);
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
	sigfs_pl_free_node(pl->root);
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

/* Two dicts of n entries each: both key lists sorted, then walked side by
 * side (O(n log n); a lookup per key would be O(n^2), 4e9 steps at the value
 * bound). Keys are unique (checked at parse); recursion is bounded by the
 * parse depth. An allocation failure compares unequal. */
static int dicts_equal(const struct node *x, const struct node *y)
{
	struct keyref *kx = sigfs_pl_sorted_keys(x), *ky = sigfs_pl_sorted_keys(y);
	size_t i;
	int eq = kx && ky;

	for (i = 0; eq && i < x->u.c.n; i++)
		eq = strcmp(kx[i].key, ky[i].key) == 0 &&
		     sigfs_pv_equal((const sigfs_pv *)x->u.c.items[kx[i].idx],
				    (const sigfs_pv *)y->u.c.items[ky[i].idx]);
	free(kx);
	free(ky);
	return eq;
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
		return dicts_equal(x, y);
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
