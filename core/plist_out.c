/* sigfs core: renderings of the plist tree — Apple's XML form, JSON
 * (jansson), codesign's human form. jansson types never leave this file.
 * Formats: plist.c. */
#include "sigfs/plist.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "plist_node.h"

/* codesign's word for integers in its human form; see the header comment. */
#define TEXT_INT_TAG "[Number]" /* SPEC.md names [Number] */

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
		keys = sigfs_pl_sorted_keys(n);
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
