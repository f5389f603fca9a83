/* sigfs core: XML and binary property lists through libplist, bounded
 * (nesting, values, expanded size) before libplist sees the bytes, and
 * converted into the plist tree. libplist types never leave this file. */
#include "sigfs/plist.h"

#include <stdlib.h>
#include <string.h>

#include <plist/plist.h>

#include "internal.h"
#include "plist_node.h"

/* Bound of the expanded size of a binary plist (objects can be shared). */
#define BPLIST_MAX_WEIGHT ((uint64_t)64 << 20)

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
	c = sigfs_pl_new_node(plist_get_node_type(pn) == PLIST_DICT ? N_DICT : N_ARRAY);
	if (!c)
		return sigfs_error_set(SIGFS_ENOMEM, "plist: out of memory");
	if (c->type == N_ARRAY) {
		uint32_t i, n = plist_array_get_size(pn);

		for (i = 0; i < n; i++) {
			rc = from_libplist(plist_array_get_item(pn, i), depth, &item);
			if (rc)
				goto fail;
			if (!sigfs_pl_append(c, NULL, item))
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
			if (sigfs_pl_utf8_bad_at((const uint8_t *)key, strlen(key)) != strlen(key)) {
				free(it);
				rc = sigfs_error_set(SIGFS_EMALFORMED, "plist: dict key is not UTF-8");
				goto fail;
			}
			rc = from_libplist(val, depth, &item);
			if (rc) {
				free(it);
				goto fail;
			}
			if (!sigfs_pl_append(c, key, item)) {
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
	sigfs_pl_free_node(item);
	sigfs_pl_free_node(c);
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
		if ((nd = sigfs_pl_new_node(N_BOOL)))
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
		if ((nd = sigfs_pl_new_node(N_INT))) {
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
		nd = sigfs_pl_new_node(N_DICT);
		num = sigfs_pl_new_node(N_INT);
		k = sigfs_pl_memdup0("CF$UID", 6);
		if (!nd || !num || !k || !sigfs_pl_append(nd, k, num)) {
			free(k);
			free(num);
			sigfs_pl_free_node(nd);
			nd = NULL;
			break;
		}
		num->u.i.v = v;
		break;
	}
	case PLIST_REAL:
		if ((nd = sigfs_pl_new_node(N_REAL)))
			plist_get_real_val(pn, &nd->u.r);
		break;
	case PLIST_DATE: {
		int32_t sec = 0, usec = 0;

		plist_get_date_val(pn, &sec, &usec);
		if ((nd = sigfs_pl_new_node(N_DATE)))
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
		if (sigfs_pl_utf8_bad_at((const uint8_t *)s, n) != n) {
			free(s);
			return sigfs_error_set(SIGFS_EMALFORMED, "plist: string is not UTF-8");
		}
		if (!(nd = sigfs_pl_new_node(N_STRING))) {
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
		if (!(nd = sigfs_pl_new_node(N_DATA))) {
			free(d);
			break;
		}
		if (!d)
			d = sigfs_pl_memdup0("", 0);
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
	copy = sigfs_pl_memdup0(data, len);
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
	return sigfs_pl_wrap(out, root);
}
