/* Unit tests: trust anchors (core/trust.c).
 *
 * Apple's side: the real chain of tests/corpus/expected/codex-libffi-dylib.json
 * (an independent parser's output), whose root is Apple Root CA
 * (SHA-256 b0b1730e… in SecAppleAnchor.c and VERIFY-NOTES §3.5) and whose
 * intermediate, Developer ID Certification Authority, is not an anchor.
 * User side: roots made at test time (tests/unit/certgen.h) and given as PEM.
 * Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "certgen.h"
#include "sigfs/error.h"
#include "sigfs/trust.h"

#define Y2020 1577836800
#define Y2040 2208988800

/* certificates[i] of the codex file as DER; *sha256 gets its "sha256" field */
static uint8_t *codex_cert(size_t i, size_t *len, const char **name, char *sha256)
{
	json_error_t err;
	json_t *j = json_load_file("tests/corpus/expected/codex-libffi-dylib.json", 0, &err), *c;
	uint8_t *der;

	if (!j)
		fail_msg("codex-libffi-dylib.json: %s (run from the repository root)", err.text);
	c = json_array_get(json_object_get(json_array_get(json_object_get(j, "slices"), 0), "certificates"),
			   i);
	der = pem_to_der(json_string_value(json_object_get(c, "pem")), len);
	assert_non_null(der);
	if (name)
		*name = strcmp(json_string_value(json_object_get(c, "subject_cn")), "Apple Root CA") == 0
			    ? "Apple Root CA"
			    : "other";
	snprintf(sha256, 65, "%s", json_string_value(json_object_get(c, "sha256")));
	json_decref(j);
	return der;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_apple_root_from_corpus(void **state)
{
	char want[65], got[65];
	uint8_t d[SHA256_DIGEST_LENGTH];
	const char *cn, *name = "unset";
	size_t len;
	uint8_t *root = codex_cert(2, &len, &cn, want);

	(void)state;
	assert_string_equal(cn, "Apple Root CA");
	/* the corpus's own fingerprint is the one SecAppleAnchor.c lists */
	assert_string_equal(want, "b0b1730ecbc7ff4505142c49f1295e6eda6bcaed7e2c68c5be91b5a11001f024");
	SHA256(root, len, d);
	hex(got, d, sizeof d);
	assert_string_equal(got, want);
	assert_int_equal(sigfs_anchor_find(NULL, root, len, &name), 1);
	assert_string_equal(name, "Apple Root CA");
	assert_int_equal(sigfs_anchor_is_apple(root, len), 1);
	/* one byte changed: no longer the anchor */
	root[len / 2] ^= 1;
	assert_int_equal(sigfs_anchor_find(NULL, root, len, &name), 0);
	assert_null(name);
	assert_int_equal(sigfs_anchor_is_apple(root, len), 0);
	free(root);
}

static void test_intermediate_and_leaf_are_not_anchors(void **state)
{
	char sha[65];
	size_t i, len;

	(void)state;
	for (i = 0; i < 2; i++) {
		uint8_t *der = codex_cert(i, &len, NULL, sha);
		const char *name = "unset";

		assert_int_equal(sigfs_anchor_find(NULL, der, len, &name), 0);
		assert_null(name);
		assert_int_equal(sigfs_anchor_is_apple(der, len), 0);
		free(der);
	}
	assert_int_equal(sigfs_anchor_find(NULL, NULL, 0, NULL), 0);
	assert_int_equal(sigfs_anchor_is_apple(NULL, 0), 0);
}

static void test_user_anchors(void **state)
{
	tcert r1, r2, other, leaf;
	sigfs_anchors *a = NULL;
	char *p1, *p2, *pem;
	size_t l1, l2, len;
	const char *name;
	char sha[65];
	uint8_t *apple;

	(void)state;
	assert_true(tcert_make(&r1, "/O=Acme/CN=Acme Test Root", NULL, Y2020, Y2040, NULL));
	assert_true(tcert_make(&r2, "/O=Acme/OU=no common name", NULL, Y2020, Y2040, NULL));
	assert_true(tcert_make(&other, "/CN=Other Root", NULL, Y2020, Y2040, NULL));
	assert_true(tcert_make(&leaf, "/CN=Acme leaf", &r1, Y2020, Y2040, NULL));
	p1 = tcert_pem(&r1, &l1);
	p2 = tcert_pem(&r2, &l2);
	/* text around and between PEM blocks is allowed, as openssl allows it */
	len = l1 + l2 + 64;
	pem = malloc(len);
	len = (size_t)snprintf(pem, len, "Acme roots\n%s\nsecond:\n%s", p1, p2);
	if (sigfs_anchors_from_pem(&a, pem, len) != SIGFS_OK)
		fail_msg("%s", sigfs_error_last());

	assert_int_equal(sigfs_anchor_find(a, r1.der, r1.len, &name), 1);
	assert_string_equal(name, "Acme Test Root");
	assert_int_equal(sigfs_anchor_find(a, r2.der, r2.len, &name), 1);
	assert_string_equal(name, "/O=Acme/OU=no common name");
	/* a user anchor is trusted like Apple's, but it is not Apple's */
	assert_int_equal(sigfs_anchor_is_apple(r1.der, r1.len), 0);
	assert_int_equal(sigfs_anchor_find(a, other.der, other.len, NULL), 0);
	assert_int_equal(sigfs_anchor_find(a, leaf.der, leaf.len, NULL), 0);
	assert_int_equal(sigfs_anchor_find(NULL, r1.der, r1.len, NULL), 0);
	/* Apple's roots stay anchors when a user set is given */
	apple = codex_cert(2, &l1, NULL, sha);
	assert_int_equal(sigfs_anchor_find(a, apple, l1, &name), 1);
	assert_string_equal(name, "Apple Root CA");

	free(apple);
	free(pem);
	free(p1);
	free(p2);
	sigfs_anchors_free(a);
	tcert_free(&r1);
	tcert_free(&r2);
	tcert_free(&other);
	tcert_free(&leaf);
}

static void test_bad_pem(void **state)
{
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	static const char none[] = "no certificate here\n";
	sigfs_anchors *a = (sigfs_anchors *)1;
	tcert r;
	char *one, *many;
	size_t l, i;

	(void)state;
	assert_int_equal(sigfs_anchors_from_pem(&a, none, sizeof none - 1), SIGFS_EMALFORMED);
	assert_null(a);
	assert_non_null(strstr(sigfs_error_last(), "no PEM certificate"));
	assert_int_equal(sigfs_anchors_from_pem(&a, "", 0), SIGFS_EMALFORMED);
	assert_int_equal(sigfs_anchors_from_pem(&a, garbage, sizeof garbage - 1), SIGFS_EMALFORMED);
	assert_non_null(strstr(sigfs_error_last(), "certificate 1"));

	/* one good certificate, then a bad one: the whole file is refused */
	assert_true(tcert_make(&r, "/CN=Root", NULL, Y2020, Y2040, NULL));
	one = tcert_pem(&r, &l);
	many = malloc(l + sizeof garbage);
	memcpy(many, one, l);
	memcpy(many + l, garbage, sizeof garbage);
	assert_int_equal(sigfs_anchors_from_pem(&a, many, l + sizeof garbage - 1), SIGFS_EMALFORMED);
	assert_non_null(strstr(sigfs_error_last(), "certificate 2"));
	free(many);

	/* the bound: SIGFS_MAX_USER_ANCHORS certificates pass, one more fails */
	many = malloc(l * (SIGFS_MAX_USER_ANCHORS + 1));
	for (i = 0; i < SIGFS_MAX_USER_ANCHORS + 1; i++)
		memcpy(many + i * l, one, l);
	assert_int_equal(sigfs_anchors_from_pem(&a, many, l * SIGFS_MAX_USER_ANCHORS), SIGFS_OK);
	sigfs_anchors_free(a);
	assert_int_equal(sigfs_anchors_from_pem(&a, many, l * (SIGFS_MAX_USER_ANCHORS + 1)),
			 SIGFS_EMALFORMED);
	assert_null(a);
	free(many);
	free(one);
	tcert_free(&r);
	sigfs_anchors_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apple_root_from_corpus),
	    cmocka_unit_test(test_intermediate_and_leaf_are_not_anchors),
	    cmocka_unit_test(test_user_anchors),
	    cmocka_unit_test(test_bad_pem),
	};

	return cmocka_run_group_tests_name("trust", tests, NULL, NULL);
}
