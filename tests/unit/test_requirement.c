/* Unit tests: the requirement decompiler and requirement sets.
 *
 * Every blob is assembled by hand here (big-endian words, padded data) and
 * every expected text is written out from Apple's requirement grammar and
 * reqdumper rules, never produced by sigfs. The corpus cases decode
 * `requirements[].blob_hex` from tests/corpus/expected/ID.json (an independent
 * parser's output) and compare with its `text`. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "sigfs/buf.h"
#include "sigfs/cs_blobs.h"
#include "sigfs/error.h"
#include "sigfs/requirement.h"

#include "reqasm.h"

#define EXPECT(text, ...)                                                                                    \
	do {                                                                                                 \
		bytes b_ = req(__VA_ARGS__);                                                                 \
		expect_text(&b_, text);                                                                      \
	} while (0)

static void expect_text(bytes *b, const char *text)
{
	sigfs_buf out = SIGFS_BUF_INIT;
	int rc = sigfs_req_decompile(&out, b->p, b->n);

	if (rc != SIGFS_OK)
		fail_msg("decompile failed (%d): %s; expected %s", rc, sigfs_error_last(), text);
	assert_string_equal(out.len ? out.ptr : "", text);
	assert_int_equal(out.len, strlen(text));
	sigfs_buf_free(&out);
	free(b->p);
}

static void expect_error(bytes *b, int code)
{
	sigfs_buf out = SIGFS_BUF_INIT;

	sigfs_buf_puts(&out, "keep");
	assert_int_equal(sigfs_req_decompile(&out, b->p, b->n), code);
	assert_true(sigfs_error_last()[0] != '\0');
	assert_string_equal(out.ptr, "keep"); /* nothing half-written is left */
	sigfs_buf_free(&out);
	free(b->p);
}

static const uint8_t oid_devid_inter[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06};
static const uint8_t oid_apple_policy[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x05, 0x01};
static const uint8_t oid_ts[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x21};

#define H20(c) "H\"" c c c c c c c c c c c c c c c c c c c c "\""

/* ---- every opcode ---------------------------------------------------- */

static void test_opcodes(void **state)
{
	(void)state;
	EXPECT("never", "w", opFalse);
	EXPECT("always", "w", opTrue);
	EXPECT("identifier \"com.apple.Safari\"", "ws", opIdent, "com.apple.Safari");
	EXPECT("anchor apple", "w", opAppleAnchor);
	EXPECT("certificate root = " H20("ab"), "wwh", opAnchorHash, (uint32_t)-1, 0xab);
	EXPECT("certificate leaf = " H20("01"), "wwh", opAnchorHash, 0u, 0x01);
	EXPECT("certificate 2 = " H20("ff"), "wwh", opAnchorHash, 2u, 0xff);
	EXPECT("certificate -2 = " H20("00"), "wwh", opAnchorHash, (uint32_t)-2, 0x00);
	EXPECT("info[CFBundleVersion] = \"1.0\"", "wss", opInfoKeyValue, "CFBundleVersion", "1.0");
	EXPECT("always and never", "www", opAnd, opTrue, opFalse);
	EXPECT("always or never", "www", opOr, opTrue, opFalse);
	EXPECT("cdhash " H20("1a"), "wh", opCDHash, 0x1a);
	EXPECT("! always", "ww", opNot, opTrue);
	EXPECT("info[CFBundleShortVersionString] >= \"1.2\"", "wsws", opInfoKeyField,
	       "CFBundleShortVersionString", matchGreaterEqual, "1.2");
	EXPECT("certificate leaf[subject.CN] = \"Apple Development: X\"", "wwsws", opCertField, 0u,
	       "subject.CN", matchEqual, "Apple Development: X");
	EXPECT("certificate leaf[subject.OU] = HX7739G8FX", "wwsws", opCertField, 0u, "subject.OU",
	       matchEqual, "HX7739G8FX");
	/* reqdumper prints "trusted" straight after the slot */
	EXPECT("certificate 1trusted", "ww", opTrustedCert, 1u);
	EXPECT("certificate roottrusted", "ww", opTrustedCert, (uint32_t)-1);
	EXPECT("anchor trusted", "w", opTrustedCerts);
	EXPECT("certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */", "wwow", opCertGeneric, 1u,
	       oid_devid_inter, sizeof oid_devid_inter, matchExists);
	EXPECT("anchor apple generic", "w", opAppleGenericAnchor);
	EXPECT("entitlement[\"com.apple.security.app-sandbox\"] = \"true\"", "wsws", opEntitlementField,
	       "com.apple.security.app-sandbox", matchEqual, "true");
	EXPECT("entitlement[com.apple.foo] /* exists */", "wsw", opEntitlementField, "com.apple.foo",
	       matchExists);
	EXPECT("certificate leaf[policy.1.2.840.113635.100.5.1] /* exists */", "wwow", opCertPolicy, 0u,
	       oid_apple_policy, sizeof oid_apple_policy, matchExists);
	EXPECT("anchor apple foo", "ws", opNamedAnchor, "foo");
	EXPECT("anchor apple \"generic\"", "ws", opNamedAnchor, "generic");
	EXPECT("(Mail)", "ws", opNamedCode, "Mail");
	EXPECT("(\"com.apple.Mail\")", "ws", opNamedCode, "com.apple.Mail");
	EXPECT("platform = 2", "ww", opPlatform, 2u);
	EXPECT("platform = -1", "ww", opPlatform, (uint32_t)-1);
	EXPECT("notarized", "w", opNotarized);
	/* 2019-09-12 15:10:53 UTC is 589993853 s after 2001-01-01 */
	EXPECT("certificate leaf[timestamp.1.2.840.113635.100.6.1.33] < <2019-09-12 15:10:53 +0000>", "wwowq",
	       opCertFieldDate, 0u, oid_ts, sizeof oid_ts, matchBefore, (int64_t)589993853);
	EXPECT("legacy", "w", opLegacyDevID);
}

/* ---- every match operator -------------------------------------------- */

static void test_match_ops(void **state)
{
	(void)state;
	EXPECT("info[K] /* exists */", "wsw", opInfoKeyField, "K", matchExists);
	EXPECT("info[K] = v", "wsws", opInfoKeyField, "K", matchEqual, "v");
	EXPECT("info[K] ~ v", "wsws", opInfoKeyField, "K", matchContains, "v");
	EXPECT("info[K] = v*", "wsws", opInfoKeyField, "K", matchBeginsWith, "v");
	EXPECT("info[K] = *v", "wsws", opInfoKeyField, "K", matchEndsWith, "v");
	EXPECT("info[K] < v", "wsws", opInfoKeyField, "K", matchLessThan, "v");
	EXPECT("info[K] > v", "wsws", opInfoKeyField, "K", matchGreaterThan, "v");
	EXPECT("info[K] <= v", "wsws", opInfoKeyField, "K", matchLessEqual, "v");
	EXPECT("info[K] >= v", "wsws", opInfoKeyField, "K", matchGreaterEqual, "v");
	EXPECT("info[K] = <2001-01-01 00:00:00 +0000>", "wswq", opInfoKeyField, "K", matchOn, (int64_t)0);
	EXPECT("info[K] < <2000-12-31 23:59:59 +0000>", "wswq", opInfoKeyField, "K", matchBefore,
	       (int64_t)-1);
	EXPECT("info[K] > <2019-09-12 15:10:53 +0000>", "wswq", opInfoKeyField, "K", matchAfter,
	       (int64_t)589993853);
	/* 2038-01-19 03:14:08 UTC = 2^31 s after 1970 */
	EXPECT("info[K] <= <2038-01-19 03:14:08 +0000>", "wswq", opInfoKeyField, "K", matchOnOrBefore,
	       (int64_t)2147483648 - 978307200);
	/* 2000-02-29 12:00:00 UTC, a leap day */
	EXPECT("info[K] >= <2000-02-29 12:00:00 +0000>", "wswq", opInfoKeyField, "K", matchOnOrAfter,
	       (int64_t)951825600 - 978307200);
	EXPECT("info[K] absent ", "wsw", opInfoKeyField, "K", matchAbsent);
	EXPECT("info[K]MATCH OPCODE 99 NOT UNDERSTOOD", "wsw", opInfoKeyField, "K", 99u);
	EXPECT("info[K]MATCH OPCODE -1 NOT UNDERSTOOD and always", "wwsww", opAnd, opInfoKeyField, "K",
	       0xffffffffu, opTrue);
}

/* ---- quoting ----------------------------------------------------------- */

static void test_quoting(void **state)
{
	char longname[301], expect[300];

	(void)state;
	EXPECT("identifier bun", "ws", opIdent, "bun");
	EXPECT("identifier \"term-size\"", "ws", opIdent, "term-size");
	EXPECT("identifier \"2DC432GLL2\"", "ws", opIdent, "2DC432GLL2");
	EXPECT("identifier A2DC432GLL2", "ws", opIdent, "A2DC432GLL2");
	EXPECT("identifier \"a.b\"", "ws", opIdent, "a.b"); /* dots are bare only in [keys] */
	EXPECT("info[a.b.c] /* exists */", "wsw", opInfoKeyField, "a.b.c", matchExists);
	EXPECT("info[\"1abc\"] /* exists */", "wsw", opInfoKeyField, "1abc", matchExists);
	EXPECT("info[.5] /* exists */", "wsw", opInfoKeyField, ".5",
	       matchExists); /* only digits can't lead */
	EXPECT("identifier \"hello world\"", "ws", opIdent, "hello world");
	EXPECT("identifier \"tab\there\"", "ws", opIdent, "tab\there");
	EXPECT("identifier \"a\\\"b\\\\c\"", "ws", opIdent, "a\"b\\c");
	EXPECT("identifier 0x0102", "wd", opIdent, "\x01\x02", (size_t)2);
	EXPECT("identifier 0x61c3a9", "ws", opIdent, "a\xc3\xa9");
	EXPECT("identifier 0x6100", "wd", opIdent, "a", (size_t)2);
	/* reqdumper.cpp's keyword table ends with "": the empty string is a
	 * reserved word, so it is always quoted (issue 9) */
	EXPECT("identifier \"\"", "ws", opIdent, "");
	EXPECT("certificate leaf[subject.CN] = \"\"", "wwsws", opCertField, 0u, "subject.CN", matchEqual, "");
	EXPECT("info[\"\"] = \"\"", "wss", opInfoKeyValue, "", "");
	/* reserved words are quoted */
	EXPECT("identifier \"and\"", "ws", opIdent, "and");
	EXPECT("identifier \"leaf\"", "ws", opIdent, "leaf");
	EXPECT("identifier \"timestamp\"", "ws", opIdent, "timestamp");
	EXPECT("identifier \"exists\"", "ws", opIdent, "exists");
	EXPECT("identifier \"designated\"", "ws", opIdent, "designated");
	EXPECT("identifier \"notarized\"", "ws", opIdent, "notarized");
	EXPECT("identifier And", "ws", opIdent, "And"); /* case matters */
	EXPECT("info[\"info\"] = \"true\"", "wsws", opInfoKeyField, "info", matchEqual, "true");
	/* Dumper::print's 256-byte buffer cuts a bare string at 255 bytes */
	memset(longname, 'x', 300);
	longname[300] = '\0';
	memcpy(expect, "identifier ", 11);
	memset(expect + 11, 'x', 255);
	expect[266] = '\0';
	EXPECT(expect, "ws", opIdent, longname);
	longname[0] = '-'; /* quoted strings are printed a character at a time: not cut */
	{
		bytes b = req("ws", opIdent, longname);
		sigfs_buf out = SIGFS_BUF_INIT;
		assert_int_equal(sigfs_req_decompile(&out, b.p, b.n), SIGFS_OK);
		assert_int_equal(out.len, 11 + 302);
		sigfs_buf_free(&out);
		free(b.p);
	}
}

/* ---- parentheses (Apple's syntax levels) -------------------------------- */

static void test_parens(void **state)
{
	(void)state;
	EXPECT("(always or never) and anchor apple", "wwwww", opAnd, opOr, opTrue, opFalse, opAppleAnchor);
	EXPECT("anchor apple and (always or never)", "wwwww", opAnd, opAppleAnchor, opOr, opTrue, opFalse);
	EXPECT("always and never or anchor apple", "wwwww", opOr, opAnd, opTrue, opFalse, opAppleAnchor);
	EXPECT("anchor apple or always and never", "wwwww", opOr, opAppleAnchor, opAnd, opTrue, opFalse);
	EXPECT("! (always and never)", "wwww", opNot, opAnd, opTrue, opFalse);
	EXPECT("! (always or never)", "wwww", opNot, opOr, opTrue, opFalse);
	EXPECT("! ! always", "www", opNot, opNot, opTrue);
	EXPECT("! (always or never) and legacy", "wwwwww", opAnd, opNot, opOr, opTrue, opFalse,
	       opLegacyDevID);
	EXPECT("always and never and legacy", "wwwww", opAnd, opAnd, opTrue, opFalse, opLegacyDevID);
	EXPECT("always and never and legacy", "wwwww", opAnd, opTrue, opAnd, opFalse, opLegacyDevID);
	EXPECT("always or never or legacy", "wwwww", opOr, opOr, opTrue, opFalse, opLegacyDevID);
	EXPECT("always or never or legacy", "wwwww", opOr, opTrue, opOr, opFalse, opLegacyDevID);
	EXPECT("always and never and legacy and notarized", "wwwwwww", opAnd, opAnd, opTrue, opFalse, opAnd,
	       opLegacyDevID, opNotarized);
	EXPECT("(always or never and notarized) and legacy", "wwwwwwww", opAnd, opOr, opTrue, opAnd, opFalse,
	       opNotarized, opLegacyDevID);
	EXPECT("((always or never) and notarized or legacy) and anchor apple", "wwwwwwwwww", opAnd, opOr,
	       opAnd, opOr, opTrue, opFalse, opNotarized, opLegacyDevID, opAppleAnchor);
	/* the real Developer ID shape: right-nested ands */
	EXPECT("identifier bun and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] /* "
	       "exists "
	       "*/",
	       "wwswwwwow", opAnd, opIdent, "bun", opAnd, opAppleGenericAnchor, opCertGeneric, 1u,
	       oid_devid_inter, sizeof oid_devid_inter, matchExists);
}

/* ---- unknown and flagged opcodes ------------------------------------- */

static void test_unknown_opcodes(void **state)
{
	(void)state;
	EXPECT("OPCODE 153 NOT UNDERSTOOD (ending print)", "w", 0x99u);
	/* only the opcode word is consumed; the parent goes on */
	EXPECT("OPCODE 153 NOT UNDERSTOOD (ending print) and always", "www", opAnd, 0x99u, opTrue);
	EXPECT("OPCODE 16777369 NOT UNDERSTOOD (ending print)", "w", 0x01000099u);
	/* generic-false: leading space (dropped at the very start), no skip */
	EXPECT("false /* opcode 153 */", "w", 0x80000099u);
	EXPECT("always and  false /* opcode 99 */", "www", opAnd, opTrue, 0x80000063u);
	EXPECT("/* opcode 99 */", "www", 0x40000063u, 4u, 0u);
	EXPECT("always or  /* opcode 16777215 */", "www", opOr, opTrue, 0x40ffffffu);
	EXPECT("/* opcode 99 */ and never", "wwww", opAnd, 0x40000063u, opFalse, opTrue);
	/* flag bits on a known opcode are ignored */
	EXPECT("always", "w", 0x01000001u);
	EXPECT("always", "w", 0x80000001u);
	EXPECT("always and never", "www", 0x40000006u, opTrue, opFalse);
}

/* ---- bad blobs ---------------------------------------------------------- */

static void test_malformed(void **state)
{
	bytes b;
	sigfs_buf out = SIGFS_BUF_INIT;

	(void)state;
	b = req("");
	expect_error(&b, SIGFS_EMALFORMED); /* no opcode */
	b = req("w", opAnd);
	expect_error(&b, SIGFS_EMALFORMED);
	b = req("ww", opAnd, opTrue);
	expect_error(&b, SIGFS_EMALFORMED); /* second operand missing */
	b = req("ww", opIdent, 100u);
	expect_error(&b, SIGFS_EMALFORMED); /* data past end */
	b = req("wwww", opIdent, 0xffffffffu, 0u, 0u);
	expect_error(&b, SIGFS_EMALFORMED); /* length that wraps */
	b = req("ww", opIdent, 0xfffffffdu);
	expect_error(&b, SIGFS_EMALFORMED);
	b = req("w", opAnchorHash);
	expect_error(&b, SIGFS_EMALFORMED); /* no slot */
	b = req("wsww", opInfoKeyField, "K", matchOn, 0u);
	expect_error(&b, SIGFS_EMALFORMED); /* half a date */
	b = req("ws", opInfoKeyField, "K");
	expect_error(&b, SIGFS_EMALFORMED); /* no match op */
	b = req("w", opPlatform);
	expect_error(&b, SIGFS_EMALFORMED);
	b = req("w", opNot);
	expect_error(&b, SIGFS_EMALFORMED);

	/* data padding past the end fails the next read, not this one */
	b = req("ws", opIdent, "abcde");
	b.n -= 3;
	b_set32(&b, 4, (uint32_t)b.n);
	expect_text(&b, "identifier abcde");
	b = req("wwsw", opAnd, opIdent, "abcde", opTrue);
	memmove(b.p + b.n - 7, b.p + b.n - 4, 4); /* drop the padding */
	b.n -= 3;
	b_set32(&b, 4, (uint32_t)b.n);
	expect_error(&b, SIGFS_EMALFORMED);

	/* header problems */
	b = req("w", opTrue);
	b_set32(&b, 4, (uint32_t)b.n + 1); /* length beyond the bytes */
	expect_error(&b, SIGFS_EMALFORMED);
	b = req("w", opTrue);
	b_set32(&b, 4, 8); /* length shorter than a header */
	expect_error(&b, SIGFS_EMALFORMED);
	b = req("w", opTrue);
	b_set32(&b, 0, CSMAGIC_REQUIREMENTS);
	expect_error(&b, SIGFS_EMALFORMED);
	b = req("w", opTrue);
	b_set32(&b, 8, 2); /* lwcrForm */
	expect_error(&b, SIGFS_EUNSUPPORTED);
	b = req("w", opTrue);
	b.n = 6;
	expect_error(&b, SIGFS_EMALFORMED);
	assert_int_equal(sigfs_req_decompile(&out, NULL, 0), SIGFS_EMALFORMED);

	/* the length field bounds the reads, not the buffer */
	b = req("ww", opAnd, opTrue);
	b_w32(&b, opFalse);
	expect_error(&b, SIGFS_EMALFORMED);
	sigfs_buf_free(&out);
}

/* ---- depth and work bounds --------------------------------------------- */

static bytes repeated(uint32_t op, size_t count, const char *tail, uint32_t tail_op)
{
	bytes b = req("");
	size_t i;

	for (i = 0; i < count; i++)
		b_w32(&b, op);
	if (tail)
		b_w32(&b, tail_op);
	b_set32(&b, 4, (uint32_t)b.n);
	return b;
}

static void test_depth(void **state)
{
	bytes b;
	clock_t t0 = clock();
	sigfs_buf out = SIGFS_BUF_INIT;
	size_t i;

	(void)state;
	b = repeated(opNot, 1000000, "tail", opTrue);
	expect_error(&b, SIGFS_EMALFORMED);
	b = repeated(opNot, 1000000, NULL, 0);
	expect_error(&b, SIGFS_EMALFORMED);
	b = repeated(opAnd, 1000000, NULL, 0);
	expect_error(&b, SIGFS_EMALFORMED);
	b = repeated(opOr, 1000000, NULL, 0);
	expect_error(&b, SIGFS_EMALFORMED);
	/* alternating and / or / not nest for real */
	b = req("");
	for (i = 0; i < 1000000; i++)
		b_w32(&b, i % 3 == 0 ? opAnd : i % 3 == 1 ? opOr : opNot);
	b_set32(&b, 4, (uint32_t)b.n);
	expect_error(&b, SIGFS_EMALFORMED);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);

	/* exactly at the bound: 256 nots work, 257 do not */
	b = repeated(opNot, SIGFS_REQ_MAX_DEPTH, "tail", opTrue);
	assert_int_equal(sigfs_req_decompile(&out, b.p, b.n), SIGFS_OK);
	assert_int_equal(out.len, 2 * SIGFS_REQ_MAX_DEPTH + 6);
	free(b.p);
	sigfs_buf_clear(&out);
	b = repeated(opNot, SIGFS_REQ_MAX_DEPTH + 1, "tail", opTrue);
	expect_error(&b, SIGFS_EMALFORMED);

	/* a long chain of one operator is flat, not deep: 100000 left-nested
	 * ors and 100000 right-nested ands print in full */
	b = repeated(opOr, 100000, NULL, 0);
	for (i = 0; i <= 100000; i++)
		b_w32(&b, opTrue);
	b_set32(&b, 4, (uint32_t)b.n);
	assert_int_equal(sigfs_req_decompile(&out, b.p, b.n), SIGFS_OK);
	assert_int_equal(out.len, 100001 * 6 + 100000 * 4);
	assert_memory_equal(out.ptr, "always or always or ", 20);
	free(b.p);
	sigfs_buf_clear(&out);
	b = req("");
	for (i = 0; i < 100000; i++) {
		b_w32(&b, opAnd);
		b_w32(&b, opFalse);
	}
	b_w32(&b, opFalse);
	b_set32(&b, 4, (uint32_t)b.n);
	assert_int_equal(sigfs_req_decompile(&out, b.p, b.n), SIGFS_OK);
	assert_int_equal(out.len, 100001 * 5 + 100000 * 5);
	free(b.p);
	sigfs_buf_free(&out);
}

/* ---- requirement sets -------------------------------------------------- */

typedef struct {
	uint32_t type;
	bytes req;
} entry;

static bytes set_of(const entry *e, size_t n)
{
	bytes b = {0};
	size_t i, off = 12 + 8 * n;

	b_w32(&b, CSMAGIC_REQUIREMENTS);
	b_w32(&b, 0);
	b_w32(&b, (uint32_t)n);
	for (i = 0; i < n; i++) {
		b_w32(&b, e[i].type);
		b_w32(&b, (uint32_t)off);
		off += e[i].req.n;
	}
	for (i = 0; i < n; i++)
		b_put(&b, e[i].req.p, e[i].req.n);
	b_set32(&b, 4, (uint32_t)b.n);
	return b;
}

static void expect_set(bytes *set, const char *text)
{
	sigfs_buf out = SIGFS_BUF_INIT;
	int rc = sigfs_reqset_dump(&out, set->p, set->n);

	if (rc != SIGFS_OK)
		fail_msg("set dump failed: %s", sigfs_error_last());
	assert_string_equal(out.len ? out.ptr : "", text);
	sigfs_buf_free(&out);
}

static void expect_set_error(bytes *set)
{
	sigfs_buf out = SIGFS_BUF_INIT;
	uint32_t count;
	const uint8_t *r;
	size_t rl;

	sigfs_buf_puts(&out, "x");
	assert_int_equal(sigfs_reqset_dump(&out, set->p, set->n), SIGFS_EMALFORMED);
	assert_string_equal(out.ptr, "x");
	assert_true(sigfs_reqset_count(&count, set->p, set->n) == SIGFS_EMALFORMED ||
		    sigfs_reqset_find(&r, &rl, set->p, set->n, 3) == SIGFS_EMALFORMED);
	sigfs_buf_free(&out);
}

static void test_sets(void **state)
{
	entry e[7];
	bytes s;
	uint32_t count = 99;
	const uint8_t *r;
	size_t rl, i;

	(void)state;
	/* empty (what swc-node-arm64 carries: a 12-byte set) */
	s = set_of(NULL, 0);
	assert_int_equal(s.n, 12);
	assert_int_equal(sigfs_reqset_count(&count, s.p, s.n), SIGFS_OK);
	assert_int_equal(count, 0);
	expect_set(&s, "");
	assert_int_equal(sigfs_reqset_find(&r, &rl, s.p, s.n, 3), SIGFS_ENOTFOUND);
	free(s.p);

	/* one */
	e[0].type = 3;
	e[0].req = req("wwsw", opAnd, opIdent, "bun", opAppleGenericAnchor);
	s = set_of(e, 1);
	expect_set(&s, "designated => identifier bun and anchor apple generic\n");
	assert_int_equal(sigfs_reqset_count(&count, s.p, s.n), SIGFS_OK);
	assert_int_equal(count, 1);
	assert_int_equal(sigfs_reqset_find(&r, &rl, s.p, s.n, 3), SIGFS_OK);
	assert_ptr_equal(r, s.p + 20);
	assert_int_equal(rl, e[0].req.n);
	assert_int_equal(sigfs_reqset_find(&r, &rl, s.p, s.n, 4), SIGFS_ENOTFOUND);
	free(s.p);
	free(e[0].req.p);

	/* several, in set order, with Apple's names for odd types */
	e[0].type = 1;
	e[0].req = req("w", opAppleAnchor);
	e[1].type = 2;
	e[1].req = req("w", opTrue);
	e[2].type = 3;
	e[2].req = req("ws", opIdent, "x");
	e[3].type = 4;
	e[3].req = req("w", opAppleGenericAnchor);
	e[4].type = 5;
	e[4].req = req("w", opFalse);
	e[5].type = 0;
	e[5].req = req("w", opNotarized);
	e[6].type = 9;
	e[6].req = req("w", opLegacyDevID);
	s = set_of(e, 7);
	expect_set(&s, "host => anchor apple\n"
		       "guest => always\n"
		       "designated => identifier x\n"
		       "library => anchor apple generic\n"
		       "plugin => never\n"
		       "invalid => notarized\n"
		       "/*unknown type*/ 9 => legacy\n");
	assert_int_equal(sigfs_reqset_count(&count, s.p, s.n), SIGFS_OK);
	assert_int_equal(count, 7);
	assert_int_equal(sigfs_reqset_find(&r, &rl, s.p, s.n, 4), SIGFS_OK);
	assert_int_equal(rl, 16);
	assert_int_equal(r[15], opAppleGenericAnchor);

	/* bad index offsets */
	b_set32(&s, 16, 0); /* points into the header */
	expect_set_error(&s);
	b_set32(&s, 16, 12 + 8 * 7 - 4); /* into the index */
	expect_set_error(&s);
	b_set32(&s, 16, (uint32_t)s.n); /* at the end */
	expect_set_error(&s);
	b_set32(&s, 16, 0xfffffffcu); /* wraps */
	expect_set_error(&s);
	b_set32(&s, 16, 12 + 8 * 7);
	expect_set(&s, "host => anchor apple\n"
		       "guest => always\n"
		       "designated => identifier x\n"
		       "library => anchor apple generic\n"
		       "plugin => never\n"
		       "invalid => notarized\n"
		       "/*unknown type*/ 9 => legacy\n");
	b_set32(&s, 12 + 8 * 7 + 4, 0x1000); /* first entry's blob length past end */
	expect_set_error(&s);
	b_set32(&s, 12 + 8 * 7 + 4, 16);
	b_set32(&s, 8, 0xffffffffu); /* count that overflows */
	expect_set_error(&s);
	b_set32(&s, 8, 8); /* one entry more than the index holds bytes for */
	{
		sigfs_buf out = SIGFS_BUF_INIT;
		assert_int_not_equal(sigfs_reqset_dump(&out, s.p, s.n), SIGFS_OK);
		sigfs_buf_free(&out);
	}
	b_set32(&s, 8, 7);
	b_set32(&s, 4, (uint32_t)s.n + 4); /* set length beyond the bytes */
	expect_set_error(&s);
	b_set32(&s, 4, (uint32_t)s.n);
	s.p[0] ^= 1; /* magic */
	expect_set_error(&s);
	s.p[0] ^= 1;
	/* a bad requirement inside the set fails the whole dump */
	b_set32(&s, 12 + 8 * 7 + 8, 2); /* first requirement's kind */
	{
		sigfs_buf out = SIGFS_BUF_INIT;
		assert_int_equal(sigfs_reqset_dump(&out, s.p, s.n), SIGFS_EUNSUPPORTED);
		assert_int_equal(out.len, 0);
		sigfs_buf_free(&out);
	}
	free(s.p);
	for (i = 0; i < 7; i++)
		free(e[i].req.p);

	/* a lone requirement given to the set dumper prints as codesign does */
	s = req("w", opTrue);
	expect_set(&s, "always\n");
	free(s.p);

	assert_string_equal(sigfs_req_type_name(3), "designated");
	assert_string_equal(sigfs_req_type_name(5), "plugin");
	assert_string_equal(sigfs_req_type_name(0), "invalid");
	assert_null(sigfs_req_type_name(6));
	assert_null(sigfs_req_type_name(0xffffffffu));
}

/* ---- the corpus --------------------------------------------------------- */

static size_t check_corpus_requirements(const char *id)
{
	json_t *j = load_expected(id), *slices = json_object_get(j, "slices"), *slice;
	size_t i, k, checked = 0;

	json_array_foreach(slices, i, slice)
	{
		json_t *reqs = json_object_get(slice, "requirements"), *r;

		json_array_foreach(reqs, k, r)
		{
			bytes b = unhex(json_string_value(json_object_get(r, "blob_hex")));
			expect_text(&b, json_string_value(json_object_get(r, "text")));
			checked++;
		}
	}
	json_decref(j);
	return checked;
}

static void test_corpus(void **state)
{
	/* the literal first: what codesign printed for codex-libffi-dylib */
	static const char codex[] =
	    "identifier \"com.openai.codex.voice.libffi.8.dylib\" and anchor apple generic and certificate "
	    "1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate "
	    "leaf[field.1.2.840.113635.100.6.1.13] "
	    "/* exists */ and certificate leaf[subject.OU] = \"2DC432GLL2\"";
	json_t *j = load_expected("codex-libffi-dylib");
	json_t *r = json_array_get(
	    json_object_get(json_array_get(json_object_get(j, "slices"), 0), "requirements"), 0);
	bytes b = unhex(json_string_value(json_object_get(r, "blob_hex")));

	(void)state;
	expect_text(&b, codex);
	json_decref(j);

	assert_int_equal(check_corpus_requirements("codex-libffi-dylib"), 1);
	assert_int_equal(check_corpus_requirements("sentry-cli-universal"), 2);
}

/* The whole set from the real file, against requirements_text. */
static void test_corpus_file_set(void **state)
{
	json_t *j = load_expected("codex-libffi-dylib");
	json_t *slice = json_array_get(json_object_get(j, "slices"), 0);
	json_t *blobs = json_object_get(json_object_get(slice, "superblob"), "blobs"), *blob;
	long dataoff =
	    (long)json_integer_value(json_object_get(json_object_get(slice, "lc_code_signature"), "dataoff"));
	const char *want = json_string_value(json_object_get(slice, "requirements_text"));
	FILE *f = fopen("tests/corpus/files/codex-libffi-dylib/libffi.8.dylib", "rb");
	uint8_t set[4096];
	size_t i, off = 0, len = 0;
	sigfs_buf out = SIGFS_BUF_INIT;

	(void)state;
	assert_non_null(f);
	json_array_foreach(blobs, i, blob)
	{
		if (json_integer_value(json_object_get(blob, "slot")) == CSSLOT_REQUIREMENTS) {
			off = (size_t)json_integer_value(json_object_get(blob, "offset"));
			len = (size_t)json_integer_value(json_object_get(blob, "length"));
		}
	}
	assert_true(len > 0 && len <= sizeof set);
	assert_int_equal(fseek(f, dataoff + (long)off, SEEK_SET), 0);
	assert_int_equal(fread(set, 1, len, f), len);
	fclose(f);
	assert_int_equal(sigfs_reqset_dump(&out, set, len), SIGFS_OK);
	assert_string_equal(out.ptr, want);
	sigfs_buf_free(&out);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opcodes),	    cmocka_unit_test(test_match_ops),
	    cmocka_unit_test(test_quoting),	    cmocka_unit_test(test_parens),
	    cmocka_unit_test(test_unknown_opcodes), cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_depth),	    cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_corpus),	    cmocka_unit_test(test_corpus_file_set),
	};

	return cmocka_run_group_tests_name("requirement", tests, NULL, NULL);
}
