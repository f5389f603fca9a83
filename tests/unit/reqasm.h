/* Unit-test helper: Apple's requirement opcodes written out independently
 * of core/reqops.h (Security: requirement.h), and a tiny assembler for
 * requirement blobs. Included by the requirement tests; all static. */
#ifndef SIGFS_TEST_REQASM_H
#define SIGFS_TEST_REQASM_H

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <stdio.h>

#include "sigfs/cs_blobs.h"

/* Opcodes and match operators (Security: requirement.h), spelled out. */
enum {
	opFalse,
	opTrue,
	opIdent,
	opAppleAnchor,
	opAnchorHash,
	opInfoKeyValue,
	opAnd,
	opOr,
	opCDHash,
	opNot,
	opInfoKeyField,
	opCertField,
	opTrustedCert,
	opTrustedCerts,
	opCertGeneric,
	opAppleGenericAnchor,
	opEntitlementField,
	opCertPolicy,
	opNamedAnchor,
	opNamedCode,
	opPlatform,
	opNotarized,
	opCertFieldDate,
	opLegacyDevID,
};
enum {
	matchExists,
	matchEqual,
	matchContains,
	matchBeginsWith,
	matchEndsWith,
	matchLessThan,
	matchGreaterThan,
	matchLessEqual,
	matchGreaterEqual,
	matchOn,
	matchBefore,
	matchAfter,
	matchOnOrBefore,
	matchOnOrAfter,
	matchAbsent,
};

/* ---- a tiny assembler ------------------------------------------------ */

typedef struct {
	uint8_t *p;
	size_t n, cap;
} bytes;

static void b_put(bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void b_w32(bytes *b, uint32_t v)
{
	uint8_t w[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	b_put(b, w, 4);
}

static void b_data(bytes *b, const void *p, size_t n)
{
	static const uint8_t zero[4];
	b_w32(b, (uint32_t)n);
	b_put(b, p, n);
	b_put(b, zero, (4 - n % 4) % 4);
}

static void b_set32(bytes *b, size_t at, uint32_t v)
{
	b->p[at] = (uint8_t)(v >> 24);
	b->p[at + 1] = (uint8_t)(v >> 16);
	b->p[at + 2] = (uint8_t)(v >> 8);
	b->p[at + 3] = (uint8_t)v;
}

/* Assemble expression tokens. Spec letters, one per argument:
 *   w  uint32 word           s  C string as data      h  20-byte hash, all bytes = arg
 *   d  (ptr, len) as data    q  int64 (two words)      o  (ptr, len) OID as data */
static void assemble(bytes *b, const char *spec, va_list ap)
{
	for (; *spec; spec++) {
		switch (*spec) {
		case 'w': b_w32(b, va_arg(ap, uint32_t)); break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			b_data(b, s, strlen(s));
			break;
		}
		case 'h': {
			uint8_t h[20];
			memset(h, va_arg(ap, int), sizeof h);
			b_data(b, h, sizeof h);
			break;
		}
		case 'd':
		case 'o': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			b_data(b, p, n);
			break;
		}
		case 'q': {
			int64_t v = va_arg(ap, int64_t);
			b_w32(b, (uint32_t)((uint64_t)v >> 32));
			b_w32(b, (uint32_t)v);
			break;
		}
		case ' ': break;
		default: fail_msg("bad spec letter %c", *spec);
		}
	}
}

/* A requirement blob: magic, length, exprForm, then the tokens. */
static bytes req(const char *spec, ...)
{
	bytes b = {0};
	va_list ap;

	b_w32(&b, CSMAGIC_REQUIREMENT);
	b_w32(&b, 0);
	b_w32(&b, 1);
	va_start(ap, spec);
	assemble(&b, spec, ap);
	va_end(ap);
	b_set32(&b, 4, (uint32_t)b.n);
	return b;
}

/* ---- the corpus expectations (an independent parser's output) ------- */

/* tests/corpus/expected/<id>.json; run the tests from the repository root. */
static json_t *load_expected(const char *id)
{
	char path[256];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof path, "tests/corpus/expected/%s.json", id);
	j = json_load_file(path, 0, &err);
	if (!j)
		fail_msg("%s: %s (run the test from the repository root)", path, err.text);
	return j;
}

/* Hex text to bytes. */
static bytes unhex(const char *hex)
{
	bytes b = {0};
	size_t i, n = strlen(hex);

	for (i = 0; i + 1 < n; i += 2) {
		unsigned v;
		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		uint8_t c = (uint8_t)v;
		b_put(&b, &c, 1);
	}
	return b;
}

#endif
