/* Unit tests: the requirement compiler (core/reqcompile.c).
 *
 * Expected blobs are assembled by hand (tests/unit/reqasm.h) from Apple's
 * requirements.grammar and reqmaker.cpp (and-chains lean left: the operator
 * is inserted before the chain so far). The corpus cases compile the text an
 * independent parser recorded for each real designated requirement
 * (tests/corpus/expected/ID.json `requirements[].text`) and compare with
 * the blob stored in the file, byte for byte. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "reqasm.h"
#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/requirement.h"

static const uint8_t oid_devid_ca[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06};
static const uint8_t oid_policy[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x05, 0x01};
static const uint8_t oid_devid_date[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x21};
static const uint8_t oid_123[] = {0x2a, 0x03}; /* 1.2.3 */

#define H20(c) "H\"" c c c c c c c c c c c c c c c c c c c c "\""

static void expect_blob(const char *text, bytes want, int line)
{
	sigfs_buf out = SIGFS_BUF_INIT;
	int rc = sigfs_req_compile(&out, text, strlen(text));

	if (rc != SIGFS_OK)
		fail_msg("line %d: compile failed (%d): %s", line, rc, sigfs_error_last());
	if (out.len != want.n || memcmp(out.ptr, want.p, want.n) != 0)
		fail_msg("line %d: %s: blob of %zu bytes differs from the %zu expected", line, text, out.len,
			 want.n);
	sigfs_buf_free(&out);
	free(want.p);
}

static void expect_error(const char *text, size_t len, int code, int line)
{
	sigfs_buf out = SIGFS_BUF_INIT;
	int rc;

	sigfs_buf_puts(&out, "keep");
	rc = sigfs_req_compile(&out, text, len);
	if (rc != code)
		fail_msg("line %d: %s: rc %d, expected %d", line, text, rc, code);
	assert_true(sigfs_error_last()[0] != '\0');
	assert_int_equal(out.len, 4); /* nothing half-written is left */
	assert_string_equal(out.ptr, "keep");
	sigfs_buf_free(&out);
}

#define BLOB(text, ...) expect_blob(text, req(__VA_ARGS__), __LINE__)
#define BAD(text)	expect_error(text, strlen(text), SIGFS_EMALFORMED, __LINE__)

static void test_terms(void **state)
{
	(void)state;
	BLOB("always", "w", opTrue);
	BLOB("true", "w", opTrue);
	BLOB("never", "w", opFalse);
	BLOB("false", "w", opFalse);
	BLOB("identifier com.apple.Safari", "ws", opIdent, "com.apple.Safari");
	BLOB("identifier = \"a b\"", "ws", opIdent, "a b");
	BLOB("identifier == \"say \\\"hi\\\"\"", "ws", opIdent, "say \"hi\"");
	BLOB("identifier \"\"", "ws", opIdent, "");
	BLOB("cdhash " H20("11"), "wh", opCDHash, 0x11);
	BLOB("cdhash = " H20("aB"), "wh", opCDHash, 0xab);
	BLOB("platform = 2", "ww", opPlatform, 2u);
	BLOB("platform 7", "ww", opPlatform, 7u);
	BLOB("notarized", "w", opNotarized);
	BLOB("legacy", "w", opLegacyDevID);
	BLOB("(some.code)", "ws", opNamedCode, "some.code");
	BLOB("(\"some code\")", "ws", opNamedCode, "some code");
	BLOB("! always", "ww", opNot, opTrue);
	BLOB("!!never", "www", opNot, opNot, opFalse);
}

static void test_anchors_and_certificates(void **state)
{
	(void)state;
	BLOB("anchor apple", "w", opAppleAnchor);
	BLOB("anchor apple generic", "w", opAppleGenericAnchor);
	BLOB("anchor generic apple", "w", opAppleGenericAnchor);
	BLOB("anchor apple \"named\"", "ws", opNamedAnchor, "named");
	BLOB("anchor trusted", "w", opTrustedCerts);
	BLOB("certificate trusted", "w", opTrustedCerts);
	BLOB("cert leaf trusted", "ww", opTrustedCert, 0u);
	BLOB("certificate root trusted", "ww", opTrustedCert, (uint32_t)-1);
	BLOB("certificate 1 trusted", "ww", opTrustedCert, 1u);
	BLOB("certificate -2 trusted", "ww", opTrustedCert, (uint32_t)-2);
	BLOB("anchor = " H20("22"), "wwh", opAnchorHash, (uint32_t)-1, 0x22);
	BLOB("certificate leaf = " H20("33"), "wwh", opAnchorHash, 0u, 0x33);
	BLOB("certificate 1 " H20("44"), "wwh", opAnchorHash, 1u, 0x44);
	BLOB("certificate leaf[subject.CN] = \"Apple Development: X\"", "wwsws", opCertField, 0u,
	     "subject.CN", matchEqual, "Apple Development: X");
	BLOB("certificate leaf[\"subject.OU\"] = ABC123", "wwsws", opCertField, 0u, "subject.OU", matchEqual,
	     "ABC123");
	BLOB("certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */", "wwow", opCertGeneric, 1u,
	     oid_devid_ca, sizeof oid_devid_ca, matchExists);
	BLOB("certificate 1[field.1.2.840.113635.100.6.2.6] exists", "wwow", opCertGeneric, 1u, oid_devid_ca,
	     sizeof oid_devid_ca, matchExists);
	BLOB("certificate leaf[extension.1.2.3] absent", "wwow", opCertGeneric, 0u, oid_123, sizeof oid_123,
	     matchAbsent);
	BLOB("certificate root[policy.1.2.840.113635.100.5.1]", "wwow", opCertPolicy, (uint32_t)-1,
	     oid_policy, sizeof oid_policy, matchExists);
	/* 2019-04-08 00:00:00 UTC is 576374400 s after 2001-01-01 */
	BLOB("certificate leaf[timestamp.1.2.840.113635.100.6.1.33] < timestamp \"20190408000000Z\"", "wwowq",
	     opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchBefore, (int64_t)576374400);
	BLOB("anchor[subject.O] = \"Apple Inc.\"", "wwsws", opCertField, (uint32_t)-1, "subject.O",
	     matchEqual, "Apple Inc.");
}

static void test_matches(void **state)
{
	(void)state;
	BLOB("info[CFBundleVersion] = \"1.0\"", "wsws", opInfoKeyField, "CFBundleVersion", matchEqual, "1.0");
	BLOB("info[K] = a*", "wsws", opInfoKeyField, "K", matchBeginsWith, "a");
	BLOB("info[K] = *\"a\"", "wsws", opInfoKeyField, "K", matchEndsWith, "a");
	BLOB("info[K] = *a*", "wsws", opInfoKeyField, "K", matchContains, "a");
	BLOB("info[K] ~ a", "wsws", opInfoKeyField, "K", matchContains, "a");
	BLOB("info[K] < \"1\"", "wsws", opInfoKeyField, "K", matchLessThan, "1");
	BLOB("info[K] > \"1\"", "wsws", opInfoKeyField, "K", matchGreaterThan, "1");
	BLOB("info[K] <= \"1\"", "wsws", opInfoKeyField, "K", matchLessEqual, "1");
	BLOB("info[K] >= \"1.2\"", "wsws", opInfoKeyField, "K", matchGreaterEqual, "1.2");
	BLOB("info[K] = 0x00ff", "wswd", opInfoKeyField, "K", matchEqual, "\x00\xff", (size_t)2);
	BLOB("info[K]", "wsw", opInfoKeyField, "K", matchExists);
	BLOB("info[K] absent", "wsw", opInfoKeyField, "K", matchAbsent);
	BLOB("info[K] = timestamp \"20010101000100Z\"", "wswq", opInfoKeyField, "K", matchOn, (int64_t)60);
	BLOB("info[K] >= timestamp \"20010101000100Z\"", "wswq", opInfoKeyField, "K", matchOnOrAfter,
	     (int64_t)60);
	BLOB("entitlement[\"com.apple.security.app-sandbox\"] exists", "wsw", opEntitlementField,
	     "com.apple.security.app-sandbox", matchExists);
}

static void test_logic_and_layout(void **state)
{
	(void)state;
	/* Maker::insert at the chain's label: a and b and c = and(and(a, b), c) */
	BLOB("always and never and always", "wwwww", opAnd, opAnd, opTrue, opFalse, opTrue);
	/* and binds tighter than or */
	BLOB("always or never and always", "wwwww", opOr, opTrue, opAnd, opFalse, opTrue);
	BLOB("(always or never) and always", "wwwww", opAnd, opOr, opTrue, opFalse, opTrue);
	BLOB("always or never or always", "wwwww", opOr, opOr, opTrue, opFalse, opTrue);
	/* white space, the three comment forms and trailing semicolons */
	BLOB("# a comment\n\talways /* more */ and // to the end\n never ;;", "www", opAnd, opTrue, opFalse);
}

static void test_errors(void **state)
{
	static const char nul[] = "always\0";

	(void)state;
	BAD("");
	BAD("always always");
	BAD("identifier leaf");			/* keywords are not strings */
	BAD("info[K] = 10");			/* nor are numbers */
	BAD("info[exists]");			/* a keyword as a key */
	BAD("cdhash H\"12\"");			/* a hash is 20 bytes */
	BAD("info[K] = 0x123");			/* odd hex */
	BAD("identifier \"a\\b\"");		/* a backslash escapes only a quote */
	BAD("identifier \"open");		/* no closing quote */
	BAD("always /* open");			/* no comment end */
	BAD("certificate leaf[email] = \"a\""); /* Apple's compiler knows no such key */
	BAD("certificate leaf[field.x]");	/* not an OID */
	BAD("certificate leaf[field.1]");	/* one arc */
	BAD("certificate leaf[field.3.1]");	/* first arc above 2 */
	BAD("anchor apple and");
	BAD("(always");
	BAD("always\r");
	BAD("identifier \"\xc0\x80\"");				       /* outside the lexer's vocabulary */
	expect_error(nul, sizeof nul - 1, SIGFS_EMALFORMED, __LINE__); /* a NUL byte */
	expect_error("anchor = /etc/ssl/root", 22, SIGFS_EUNSUPPORTED, __LINE__);
	expect_error("anchor = \"root.cer\"", 19, SIGFS_EUNSUPPORTED, __LINE__);
	{
		/* nesting beyond SIGFS_REQ_MAX_DEPTH */
		char deep[1200];
		size_t i;

		for (i = 0; i < 300; i++)
			deep[i] = '(';
		memcpy(deep + 300, "always", 6);
		for (i = 0; i < 300; i++)
			deep[306 + i] = ')';
		expect_error(deep, 606, SIGFS_EMALFORMED, __LINE__);
		memset(deep, '!', 1000);
		memcpy(deep + 1000, "always", 6);
		expect_error(deep, 1006, SIGFS_EMALFORMED, __LINE__);
	}
}

/* The text the independent parser recorded compiles to a requirement that
 * prints as that text. (Not to the stored bytes: DRMaker nests its and-chain
 * to the right, Apple's parser to the left; both print the same.) */
static void test_corpus(void **state)
{
	static const char *const ids[] = {"codex-libffi-dylib", "sentry-cli-universal"};
	size_t k, s, checked = 0;

	(void)state;
	for (k = 0; k < 2; k++) {
		json_t *j = load_expected(ids[k]), *slices = json_object_get(j, "slices");

		for (s = 0; s < json_array_size(slices); s++) {
			json_t *r =
			    json_array_get(json_object_get(json_array_get(slices, s), "requirements"), 0);
			const char *text = json_string_value(json_object_get(r, "text"));

			bytes stored = unhex(json_string_value(json_object_get(r, "blob_hex")));
			sigfs_buf blob = SIGFS_BUF_INIT, mine = SIGFS_BUF_INIT, theirs = SIGFS_BUF_INIT;

			assert_int_equal(sigfs_req_compile(&blob, text, strlen(text)), SIGFS_OK);
			assert_int_equal(blob.len, stored.n); /* same terms, same size */
			assert_int_equal(sigfs_req_decompile(&mine, (const uint8_t *)blob.ptr, blob.len),
					 SIGFS_OK);
			assert_int_equal(sigfs_req_decompile(&theirs, stored.p, stored.n), SIGFS_OK);
			assert_string_equal(mine.ptr, text);
			assert_string_equal(theirs.ptr, text);
			sigfs_buf_free(&blob);
			sigfs_buf_free(&mine);
			sigfs_buf_free(&theirs);
			free(stored.p);
			checked++;
		}
		json_decref(j);
	}
	assert_int_equal(checked, 3);
}

/* What the decompiler prints (for forms the grammar reads back) compiles to
 * a blob that prints the same. */
static void test_round_trip(void **state)
{
	static const char *const texts[] = {
	    "identifier \"com.example.app\" and anchor apple generic and certificate leaf[subject.CN] = "
	    "\"Apple Development: Jane (ABCDE12345)\" and certificate 1[field.1.2.840.113635.100.6.2.1] /* "
	    "exists */",
	    "identifier x and certificate root = " H20("ab"),
	    "cdhash " H20("01") " or cdhash " H20("02") " or cdhash " H20("03"),
	    /* Apple prints no space before trusted; its lexer reads it back */
	    "(identifier a or identifier b) and ! (anchor trusted or certificate 2trusted)",
	    "info[CFBundleShortVersionString] >= \"1.2\" and entitlement[com.apple.x] = \"\"",
	    "certificate leaf[subject.CN] ~ Apple and info[K] = pre* and info[L] = *post",
	    "platform = 2 and notarized and legacy and (\"named.code\") and anchor apple named",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		sigfs_buf blob = SIGFS_BUF_INIT, text = SIGFS_BUF_INIT;

		if (sigfs_req_compile(&blob, texts[i], strlen(texts[i])) != SIGFS_OK)
			fail_msg("%s: %s", texts[i], sigfs_error_last());
		assert_int_equal(sigfs_req_decompile(&text, (const uint8_t *)blob.ptr, blob.len), SIGFS_OK);
		assert_string_equal(text.ptr, texts[i]);
		sigfs_buf_free(&blob);
		sigfs_buf_free(&text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_terms),      cmocka_unit_test(test_anchors_and_certificates),
	    cmocka_unit_test(test_matches),    cmocka_unit_test(test_logic_and_layout),
	    cmocka_unit_test(test_errors),     cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests_name("reqcompile", tests, NULL, NULL);
}
