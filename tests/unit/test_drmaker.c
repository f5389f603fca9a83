/* Unit tests: implicit designated requirements (drmaker.cpp, SecStaticCode
 * defaultDesignatedRequirement).
 *
 * Chains: the real Developer ID chain from
 * tests/corpus/expected/codex-libffi-dylib.json, and the certificates in
 * tests/unit/data/req-*.pem made by tests/unit/data/req-make-certs.sh (the
 * Apple-anchored ones end with the real Apple Root CA from that JSON).
 * Expected texts follow drmaker.cpp's rules by hand; hashes are
 * `openssl x509 -fingerprint -sha1` output. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/requirement.h"

#define MAXC 4

typedef struct {
	uint8_t *der[MAXC];
	size_t len[MAXC];
	size_t n;
} chain;

static void add_pem(chain *c, const char *pem, size_t pem_len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL;
	int n;

	assert_non_null(x);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	assert_true(c->n < MAXC);
	c->der[c->n] = malloc((size_t)n);
	memcpy(c->der[c->n], der, (size_t)n);
	c->len[c->n++] = (size_t)n;
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
}

static void add_file(chain *c, const char *name)
{
	char path[256], buf[8192];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "tests/unit/data/req-%s.pem", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s missing (run from the repository root)", path);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	add_pem(c, buf, n);
}

static json_t *codex_json(void)
{
	json_error_t err;
	json_t *j = json_load_file("tests/corpus/expected/codex-libffi-dylib.json", 0, &err);

	if (!j)
		fail_msg("codex-libffi-dylib.json: %s (run from the repository root)", err.text);
	return j;
}

static json_t *codex_slice(json_t *j)
{
	return json_array_get(json_object_get(j, "slices"), 0);
}

/* certificates[i].pem of the codex file: 0 leaf, 1 Developer ID CA, 2 Apple Root CA */
static void add_codex(chain *c, size_t i)
{
	json_t *j = codex_json();
	const char *pem = json_string_value(
	    json_object_get(json_array_get(json_object_get(codex_slice(j), "certificates"), i), "pem"));

	assert_non_null(pem);
	add_pem(c, pem, strlen(pem));
	json_decref(j);
}

static void chain_free(chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->der[i]);
	c->n = 0;
}

/* Make the DR of `c`, decompile it, compare; the blob is left in *blob. */
static void expect_dr(chain *c, const char *ident, const char *text, sigfs_buf *blob)
{
	sigfs_buf out = SIGFS_BUF_INIT;
	int rc;

	rc = sigfs_dr_make_cert(blob, ident, (const uint8_t *const *)c->der, c->len, c->n);
	if (rc != SIGFS_OK)
		fail_msg("dr_make_cert: %s", sigfs_error_last());
	assert_int_equal(sigfs_req_decompile(&out, (const uint8_t *)blob->ptr, blob->len), SIGFS_OK);
	assert_string_equal(out.ptr, text);
	sigfs_buf_free(&out);
}

static void test_developer_id_corpus(void **state)
{
	chain c = {0};
	sigfs_buf blob = SIGFS_BUF_INIT;
	json_t *j = codex_json(), *slice = codex_slice(j);
	const char *hex = json_string_value(
	    json_object_get(json_array_get(json_object_get(slice, "requirements"), 0), "blob_hex"));
	char *mine;
	size_t i;

	(void)state;
	add_codex(&c, 0);
	add_codex(&c, 1);
	add_codex(&c, 2);
	expect_dr(
	    &c, "com.openai.codex.voice.libffi.8.dylib",
	    "identifier \"com.openai.codex.voice.libffi.8.dylib\" and anchor apple generic and certificate "
	    "1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate "
	    "leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = "
	    "\"2DC432GLL2\"",
	    &blob);
	assert_string_equal(
	    json_string_value(json_object_get(slice, "designated_requirement")),
	    "identifier \"com.openai.codex.voice.libffi.8.dylib\" and anchor apple generic and "
	    "certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate "
	    "leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = "
	    "\"2DC432GLL2\"");
	/* byte for byte the requirement codesign wrote into the file */
	mine = malloc(blob.len * 2 + 1);
	for (i = 0; i < blob.len; i++)
		sprintf(mine + 2 * i, "%02x", (unsigned char)blob.ptr[i]);
	assert_string_equal(mine, hex);
	free(mine);
	sigfs_buf_free(&blob);
	chain_free(&c);
	json_decref(j);
}

static void test_apple_development(void **state)
{
	chain c = {0};
	sigfs_buf blob = SIGFS_BUF_INIT;

	(void)state;
	add_file(&c, "dev-leaf");
	add_file(&c, "wwdr");
	add_codex(&c, 2);
	expect_dr(
	    &c, "com.example.app",
	    "identifier \"com.example.app\" and anchor apple generic and certificate leaf[subject.CN] = "
	    "\"Apple Development: Jane Doe (ABCDE12345)\" and certificate 1[field.1.2.840.113635.100.6.2.1] "
	    "/* "
	    "exists */",
	    &blob);
	sigfs_buf_free(&blob);
	/* a bare identifier stays bare */
	expect_dr(&c, "bun",
		  "identifier bun and anchor apple generic and certificate leaf[subject.CN] = \"Apple "
		  "Development: Jane "
		  "Doe (ABCDE12345)\" and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
}

static void test_apple_proper(void **state)
{
	chain c = {0};
	sigfs_buf blob = SIGFS_BUF_INIT;

	(void)state;
	/* three certificates, intermediate without a marker */
	add_file(&c, "plain-leaf");
	add_file(&c, "plain-inter");
	add_codex(&c, 2);
	expect_dr(&c, "com.apple.ls", "identifier \"com.apple.ls\" and anchor apple", &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* two certificates: no marker test at all */
	add_file(&c, "plain-leaf");
	add_codex(&c, 2);
	expect_dr(&c, "com.apple.ls", "identifier \"com.apple.ls\" and anchor apple", &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* four certificates with the WWDR marker at 1: only 3-certificate chains are "iOS" */
	add_file(&c, "dev-leaf");
	add_file(&c, "wwdr");
	add_file(&c, "plain-inter");
	add_codex(&c, 2);
	expect_dr(&c, "x", "identifier x and anchor apple", &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* Developer ID intermediate and Apple root, but the root is last only
	 * when it is last: leaf + DevID CA + real root is Developer ID (above);
	 * leaf + DevID CA alone is not Apple-anchored */
	add_codex(&c, 0);
	add_codex(&c, 1);
	expect_dr(&c, "x",
		  "identifier x and certificate leaf = H\"570280b1b090e8ae22ed3450d29aa0388e067ac1\"", &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
}

static void test_non_apple(void **state)
{
	chain c = {0};
	sigfs_buf blob = SIGFS_BUF_INIT;

	(void)state;
	/* O=Acme Corp all the way up: the anchor */
	add_file(&c, "acme-leaf");
	add_file(&c, "acme-inter");
	add_file(&c, "acme-root");
	expect_dr(&c, "com.acme.tool",
		  "identifier \"com.acme.tool\" and certificate root = "
		  "H\"effb995aa377565f6f2ce729f89020e144bdb2c3\"",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* the root's O differs: the last certificate with the leaf's O, slot 1 */
	add_file(&c, "other-leaf");
	add_file(&c, "other-inter");
	add_file(&c, "other-root");
	expect_dr(
	    &c, "com.acme.tool",
	    "identifier \"com.acme.tool\" and certificate 1 = H\"6716a8d0003a4aabf86f25e7963bacc2a2168bda\"",
	    &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* a leaf without O: the leaf itself */
	add_file(&c, "noorg-leaf");
	add_file(&c, "acme-inter");
	add_file(&c, "acme-root");
	expect_dr(&c, "tool",
		  "identifier tool and certificate leaf = H\"974da089388a6bebc13a0d512d65d7d614d09414\"",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* leaf's O differs from its issuer's: slot 0 printed as leaf */
	add_file(&c, "dev-leaf");
	add_file(&c, "acme-inter");
	expect_dr(&c, "tool",
		  "identifier tool and certificate leaf = H\"68bc11c2c4b8b06434d0145f576a068aeb1ff442\"",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* two certificates, same O: reaches the last, so root */
	add_file(&c, "acme-leaf");
	add_file(&c, "acme-inter");
	expect_dr(&c, "tool",
		  "identifier tool and certificate root = H\"fe9a8e9bbc23f6baac26b1d67d7b0bb099d74d25\"",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	/* one self-signed certificate: with O it is "root", without O "leaf" */
	add_file(&c, "self-org");
	expect_dr(&c, "tool",
		  "identifier tool and certificate root = H\"b6ffcf360a10864d8302104ce4721ce8cc47ab5a\"",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
	add_file(&c, "self-noorg");
	expect_dr(&c, "tool",
		  "identifier tool and certificate leaf = H\"f378daea89dc517b1ed5df6f30a431136361b297\"",
		  &blob);
	sigfs_buf_free(&blob);
	chain_free(&c);
}

static void test_cert_errors(void **state)
{
	chain c = {0};
	sigfs_buf blob = SIGFS_BUF_INIT;
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	const uint8_t *certs[2];
	size_t lens[2];

	(void)state;
	assert_int_equal(sigfs_dr_make_cert(&blob, "x", NULL, NULL, 0), SIGFS_ENOTFOUND);
	add_file(&c, "acme-leaf");
	certs[0] = c.der[0];
	lens[0] = c.len[0];
	certs[1] = junk;
	lens[1] = sizeof junk;
	sigfs_buf_puts(&blob, "kept");
	assert_int_equal(sigfs_dr_make_cert(&blob, "x", certs, lens, 2), SIGFS_EMALFORMED);
	assert_string_equal(blob.ptr, "kept");
	lens[0] = c.len[0] - 1; /* cut short */
	assert_int_equal(sigfs_dr_make_cert(&blob, "x", certs, lens, 1), SIGFS_EMALFORMED);
	assert_int_equal(blob.len, 4);
	/* appending after existing bytes: the blob starts where the buffer was */
	lens[0] = c.len[0];
	assert_int_equal(sigfs_dr_make_cert(&blob, "x", certs, lens, 1), SIGFS_OK);
	{
		sigfs_buf out = SIGFS_BUF_INIT;
		assert_int_equal(sigfs_req_decompile(&out, (const uint8_t *)blob.ptr + 4, blob.len - 4),
				 SIGFS_OK);
		/* a lone certificate with an O is both leaf and anchor: "root" */
		assert_string_equal(
		    out.ptr,
		    "identifier x and certificate root = H\"121afe1d56a885592825a790b6502e35e7cc99e0\"");
		sigfs_buf_free(&out);
	}
	sigfs_buf_free(&blob);
	chain_free(&c);
}

static void test_adhoc(void **state)
{
	uint8_t h[3][20];
	sigfs_buf blob = SIGFS_BUF_INIT, out = SIGFS_BUF_INIT;
	/* esbuild-arm64's implicit DR, from its expected JSON */
	static const uint8_t esbuild[1][20] = {{0xfa, 0xf8, 0x04, 0xab, 0x3d, 0xef, 0x33, 0x7a, 0x0e, 0x99,
						0x31, 0x4b, 0x60, 0x92, 0xef, 0x43, 0x1c, 0x3d, 0x7a, 0xb5}};
	static const uint8_t one_blob[] = {0xfa, 0xde, 0x0c, 0x00, 0, 0, 0, 0x28, 0, 0,
					   0,	 1,    0,    0,	   0, 8, 0, 0,	  0, 20};

	(void)state;
	memset(h[0], 0x11, 20);
	memset(h[1], 0x22, 20);
	memset(h[2], 0x33, 20);

	assert_int_equal(sigfs_dr_make_adhoc(&blob, esbuild, 1), SIGFS_OK);
	assert_int_equal(blob.len, 40);
	assert_memory_equal(blob.ptr, one_blob, sizeof one_blob);
	assert_memory_equal(blob.ptr + 20, esbuild[0], 20);
	assert_int_equal(sigfs_req_decompile(&out, (const uint8_t *)blob.ptr, blob.len), SIGFS_OK);
	assert_string_equal(out.ptr, "cdhash H\"faf804ab3def337a0e99314b6092ef431c3d7ab5\"");
	sigfs_buf_free(&blob);
	sigfs_buf_free(&out);

	assert_int_equal(sigfs_dr_make_adhoc(&blob, (const uint8_t(*)[20])h, 3), SIGFS_OK);
	/* Maker::Chain inserts opOr in front: two opOr words, then the terms */
	assert_int_equal(blob.len, 12 + 8 + 3 * 28);
	assert_int_equal((unsigned char)blob.ptr[15], 7);
	assert_int_equal((unsigned char)blob.ptr[19], 7);
	assert_int_equal(sigfs_req_decompile(&out, (const uint8_t *)blob.ptr, blob.len), SIGFS_OK);
	assert_string_equal(out.ptr, "cdhash H\"1111111111111111111111111111111111111111\" or "
				     "cdhash H\"2222222222222222222222222222222222222222\" or "
				     "cdhash H\"3333333333333333333333333333333333333333\"");
	sigfs_buf_free(&blob);
	sigfs_buf_free(&out);

	assert_int_equal(sigfs_dr_make_adhoc(&blob, (const uint8_t(*)[20])h, 0), SIGFS_ENOTFOUND);
	assert_int_equal(blob.len, 0);
	sigfs_buf_free(&blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_developer_id_corpus), cmocka_unit_test(test_apple_development),
	    cmocka_unit_test(test_apple_proper),	cmocka_unit_test(test_non_apple),
	    cmocka_unit_test(test_cert_errors),		cmocka_unit_test(test_adhoc),
	};

	return cmocka_run_group_tests_name("drmaker", tests, NULL, NULL);
}
