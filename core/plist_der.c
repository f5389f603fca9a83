/* sigfs core: Apple's DER plist encoding (entitlements slot 7, launch
 * constraints), decoded by our own strict reader into the plist tree; also
 * the bare SET layout other signers write for slot 7. Formats: plist.c. */
#include "sigfs/plist.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plist_node.h"
#include "sigfs/cursor.h"

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
	nd = sigfs_pl_new_node(N_INT);
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
		bad = sigfs_pl_utf8_bad_at(body.p, body.len);
		if (bad != body.len)
			return sigfs_error_set(SIGFS_EMALFORMED,
					       "der plist: string at offset %zu has %s at byte %zu", at,
					       body.p[bad] ? "invalid UTF-8" : "a NUL", bad);
	}
	nd = sigfs_pl_new_node(type);
	if (!nd || !(nd->u.s.p = sigfs_pl_memdup0(body.p, body.len))) {
		free(nd);
		return sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
	}
	nd->u.s.len = body.len;
	*out = nd;
	return SIGFS_OK;
}

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
	c = sigfs_pl_new_node(tag == DER_SEQUENCE ? N_ARRAY : N_DICT);
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
			if (sigfs_pl_utf8_bad_at(keycur.p, keycur.len) != keycur.len) {
				rc = sigfs_error_set(
				    SIGFS_EMALFORMED,
				    "der plist: dict key at offset %zu is not UTF-8 without NUL", kat);
				goto fail;
			}
			key = sigfs_pl_memdup0(keycur.p, keycur.len);
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
		if (!sigfs_pl_append(c, key, item)) {
			rc = sigfs_error_set(SIGFS_ENOMEM, "der plist: out of memory");
			goto fail;
		}
		continue;
	fail:
		free(key);
		sigfs_pl_free_node(item);
		sigfs_pl_free_node(c);
		return rc;
	}
	if (c->type == N_DICT) {
		rc = sigfs_pl_check_unique(c, at, "der plist");
		if (rc) {
			sigfs_pl_free_node(c);
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
		nd = sigfs_pl_new_node(N_BOOL);
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
		sigfs_pl_free_node(root);
		return sigfs_error_set(SIGFS_EMALFORMED, "der plist: %zu extra bytes at offset %zu", top.len,
				       der_off(&d, &top));
	}
done:
	return sigfs_pl_wrap(out, root);
}
