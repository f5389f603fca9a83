/* Unit tests of sigfs_req_compile (core/drmaker.c): requirement text, as
 * CodeResources holds it for nested code, into a requirement blob.
 *
 * Expected blobs are Apple's: the designated requirements codesign compiled
 * into the corpus files (tests/corpus/expected/<id>.json, `blob_hex`, read by
 * an independent parser) for their `text`; and blobs assembled here by hand
 * from Apple's requirement.h opcodes for the forms the corpus lacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sigfs/requirement.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;

		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void compile_equals(const char *text, const uint8_t *want, size_t want_len)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	assert_int_equal(sigfs_req_compile(&b, text), SIGFS_OK);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.ptr, want, want_len);
	sigfs_buf_free(&b);
}

static void test_corpus_designated(void **state)
{
	static const char *const ids[] = {"codex-libffi-dylib", "sentry-cli-universal"};
	size_t checked = 0;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		char path[256];
		json_t *j, *slices;
		size_t i;

		snprintf(path, sizeof path, "tests/corpus/expected/%s.json", ids[k]);
		j = json_load_file(path, 0, NULL);
		assert_non_null(j);
		slices = json_object_get(j, "slices");
		for (i = 0; i < json_array_size(slices); i++) {
			json_t *reqs = json_object_get(json_array_get(slices, i), "requirements");

			for (size_t r = 0; r < json_array_size(reqs); r++) {
				json_t *q = json_array_get(reqs, r);
				static uint8_t blob[4096];
				size_t n = unhex(json_string_value(json_object_get(q, "blob_hex")), blob,
						 sizeof blob);

				compile_equals(json_string_value(json_object_get(q, "text")), blob, n);
				checked++;
			}
		}
		json_decref(j);
	}
	assert_true(checked >= 3);
}

#define W(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

static void test_hand_assembled(void **state)
{
	/* cdhash H"00112233445566778899aabbccddeeff00112233": opCDHash (8), data 20 */
	static const uint8_t cdhash[] = {W(0xfade0c00), W(40), W(1), W(8), W(20), 0x00, 0x11, 0x22, 0x33,
					 0x44,		0x55,  0x66, 0x77, 0x88,  0x99, 0xaa, 0xbb, 0xcc,
					 0xdd,		0xee,  0xff, 0x00, 0x11,  0x22, 0x33};
	/* identifier a or !anchor apple and info[K] = "v*": or(ident, and(not(apple), infofield begins)) */
	static const uint8_t mixed[] = {W(0xfade0c00), W(64), W(1), W(7),  W(2), W(1), 'a', 0, 0, 0,
					W(6),	       W(9),  W(3), W(10), W(1), 'K',  0,   0, 0, W(3),
					W(1),	       'v',   0,    0,	   0};
	static const uint8_t entitled[] = {W(0xfade0c00), W(28), W(1), W(16), W(3), 'k', '.', 'x', 0, W(0)};

	(void)state;
	compile_equals("cdhash H\"00112233445566778899aabbccddeeff00112233\"", cdhash, sizeof cdhash);
	compile_equals("identifier a or !anchor apple and info[K] = \"v*\"", mixed, sizeof mixed);
	compile_equals("entitlement[\"k.x\"] /* exists */", entitled, sizeof entitled);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {"",
					  "identifier",
					  "cdhash H\"0g\"",
					  "(anchor apple",
					  "anchor apple extra",
					  "certificate leaf[subject.CN",
					  "info[x] = \"unterminated"};
	sigfs_buf b = SIGFS_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sigfs_req_compile(&b, bad[i]), SIGFS_EMALFORMED);
		assert_int_equal(b.len, 0);
	}
	sigfs_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_designated),
	    cmocka_unit_test(test_hand_assembled),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
