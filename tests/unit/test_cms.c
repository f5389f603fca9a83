/* Unit tests for core/cms.c: a real Developer ID signature from the corpus,
 * synthetic SignedData made by tests/unit/data/make-cms.sh with the openssl
 * command line, and malformed input. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <pthread.h>

#include "sigfs/cms.h"
#include "sigfs/cs_blobs.h"

#define REAL_FILE "tests/corpus/files/codex-libffi-dylib/libffi.8.dylib"
/* tests/corpus/expected/codex-libffi-dylib.json, slices[0]:
 * lc_code_signature.dataoff = 119360; superblob.blobs[] slot 65536 has
 * offset 1405 and length 9055; the CMS follows the blob's 8-byte header. */
#define REAL_CMS_OFF (119360 + 1405 + 8)
#define REAL_CMS_LEN (9055 - 8)

/* slices[0].certificates[i].subject_cn and .sha256, leaf first. */
static const char *const real_cn[3] = {
    "Developer ID Application: OpenAI OpCo, LLC (2DC432GLL2)",
    "Developer ID Certification Authority",
    "Apple Root CA",
};
static const char *const real_sha256[3] = {
    "b56f50f76177f32bcd23ef1bf0a2ecde5dcf1ced0e2296b5b20f812926cd8480",
    "f16cd3c54c7f83cea4bf1a3e6a0819c8aaa8e4a1528fd144715f350643d2df3a",
    "b0b1730ecbc7ff4505142c49f1295e6eda6bcaed7e2c68c5be91b5a11001f024",
};
/* The first base64 line of slices[0].certificates[i].pem. */
static const char *const real_pem_line1[3] = {
    "MIIFzDCCBLSgAwIBAgIQYrAeYGGfc4lqEXVk8TJw9jANBgkqhkiG9w0BAQsFADBe",
    "MIIEPjCCAyagAwIBAgIUf7QAP82XSXrLg02SpIp4c8KEXUMwDQYJKoZIhvcNAQEL",
    "MIIEuzCCA6OgAwIBAgIBAjANBgkqhkiG9w0BAQUFADBiMQswCQYDVQQGEwJVUzET",
};
/* slices[0].cms_signing_time 2026-11-13T06:41:04Z and .timestamp_time
 * 2026-11-13T06:41:05Z (`date -u -d ... +%s`). */
#define REAL_SIGNING_TIME 1794552064
#define REAL_TIMESTAMP	  1794552065
/* slices[0].cdhash_full: the CMS signs the SHA-256 of the CodeDirectory. */
static const char real_cdhash[] = "d2a44a005a3c1e6821d0c975c796aabda6f4ca182af658eabcf31eef7f7ee44d";

static struct {
	uint8_t *file;
	size_t file_len;
	const uint8_t *cms;
	char dir[64];
	time_t made_from, made_to; /* when make-cms.sh ran */
} fx;

#include "readall.h"

static uint8_t *fixture(const char *name, size_t *len)
{
	char path[128];
	uint8_t *p;

	snprintf(path, sizeof path, "%s/%s", fx.dir, name);
	p = read_all(path, len);
	if (!p)
		fail_msg("cannot read fixture %s", path);
	return p;
}

static char *fixture_text(const char *name)
{
	size_t len;
	char *p = (char *)fixture(name, &len);

	p[len] = '\0';
	return p;
}

static int setup(void **state)
{
	char cmd[256];
	(void)state;

	fx.file = read_all(REAL_FILE, &fx.file_len);
	if (!fx.file || fx.file_len < REAL_CMS_OFF + REAL_CMS_LEN) {
		fprintf(stderr, "cannot read %s (run from the repository root)\n", REAL_FILE);
		return -1;
	}
	fx.cms = fx.file + REAL_CMS_OFF;

	snprintf(fx.dir, sizeof fx.dir, "/tmp/sigfs-test-cms.XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(cmd, sizeof cmd, "sh tests/unit/data/make-cms.sh '%s' >/dev/null", fx.dir);
	fx.made_from = time(NULL);
	if (system(cmd) != 0) {
		fprintf(stderr, "tests/unit/data/make-cms.sh failed\n");
		return -1;
	}
	fx.made_to = time(NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	(void)state;

	free(fx.file);
	if (fx.dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", fx.dir);
	}
	return 0;
}

static sigfs_cms *parse_ok(const uint8_t *der, size_t len)
{
	sigfs_cms *cms = NULL;
	int rc = sigfs_cms_parse(&cms, der, len);

	if (rc != SIGFS_OK)
		fail_msg("sigfs_cms_parse: %d %s", rc, sigfs_error_last());
	assert_int_equal(ERR_peek_error(), 0);
	return cms;
}

static sigfs_cms *parse_fixture(const char *name)
{
	size_t len;
	uint8_t *der = fixture(name, &len);
	sigfs_cms *cms = parse_ok(der, len);

	free(der);
	return cms;
}

static void expect_malformed(const uint8_t *der, size_t len, const char *what)
{
	sigfs_cms *cms = (sigfs_cms *)&cms; /* must be reset to NULL */
	int rc;

	sigfs_error_clear();
	rc = sigfs_cms_parse(&cms, der, len);
	if (rc != SIGFS_EMALFORMED)
		fail_msg("%s: expected SIGFS_EMALFORMED, got %d", what, rc);
	assert_null(cms);
	assert_int_equal(strncmp(sigfs_error_last(), "cms: ", 5), 0);
	assert_int_equal(ERR_peek_error(), 0);
}

static void sha256_hex(const uint8_t *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	int i;

	assert_true(EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL));
	assert_int_equal(mdlen, 32);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void assert_cn(const sigfs_cms *cms, size_t i, const char *want)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	assert_int_equal(sigfs_cms_cert_cn(cms, i, &b), SIGFS_OK);
	assert_string_equal(b.ptr, want);
	sigfs_buf_free(&b);
}

/* The chain as PEM starts with (or, if it has n certificates, equals) the
 * concatenation of the named .pem files that openssl wrote: checks the
 * order and the PEM encoding at once. */
static void assert_pem_files(const sigfs_cms *cms, const char *const *names, size_t n)
{
	sigfs_buf got = SIGFS_BUF_INIT, want = SIGFS_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		char *t = fixture_text(names[i]);

		sigfs_buf_puts(&want, t);
		free(t);
	}
	assert_int_equal(sigfs_cms_chain_pem(cms, &got), SIGFS_OK);
	assert_non_null(got.ptr);
	if (sigfs_cms_cert_count(cms) == n) {
		assert_string_equal(got.ptr, want.ptr);
	} else {
		assert_true(got.len > want.len);
		assert_memory_equal(got.ptr, want.ptr, want.len);
	}
	sigfs_buf_free(&got);
	sigfs_buf_free(&want);
}

/* The PEM of certificate i alone, for comparisons with a fixture file. */
static char *cert_pem(const sigfs_cms *cms, size_t i)
{
	sigfs_buf all = SIGFS_BUF_INIT;
	char *p, *end;
	size_t k;

	assert_int_equal(sigfs_cms_chain_pem(cms, &all), SIGFS_OK);
	p = all.ptr;
	for (k = 0; k < i; k++) {
		p = strstr(p, "-----END CERTIFICATE-----\n");
		assert_non_null(p);
		p += strlen("-----END CERTIFICATE-----\n");
	}
	end = strstr(p, "-----END CERTIFICATE-----\n");
	assert_non_null(end);
	end += strlen("-----END CERTIFICATE-----\n");
	*end = '\0';
	p = strdup(p);
	sigfs_buf_free(&all);
	assert_non_null(p);
	return p;
}

static void assert_digest_file(const sigfs_cms *cms, const char *file, uint32_t want_type)
{
	const uint8_t *d;
	size_t len, wlen;
	uint32_t type;
	uint8_t *want = fixture(file, &wlen);

	assert_int_equal(sigfs_cms_message_digest(cms, &d, &len, &type), SIGFS_OK);
	assert_int_equal(type, want_type);
	assert_int_equal(len, wlen);
	assert_memory_equal(d, want, wlen);
	free(want);
}

/* ---- the real Developer ID signature ---- */

static void test_real_certificates(void **state)
{
	sigfs_cms *cms = parse_ok(fx.cms, REAL_CMS_LEN);
	sigfs_buf pem = SIGFS_BUF_INIT;
	const uint8_t *der;
	const char *p;
	char hex[65], line[128];
	size_t i, len;
	(void)state;

	/* The CMS holds them as intermediate, leaf, root: the order is ours. */
	assert_int_equal(sigfs_cms_cert_count(cms), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sigfs_cms_cert_der(cms, i, &der, &len), SIGFS_OK);
		sha256_hex(der, len, hex);
		assert_string_equal(hex, real_sha256[i]);
		assert_cn(cms, i, real_cn[i]);
	}
	assert_int_equal(sigfs_cms_cert_der(cms, 3, &der, &len), SIGFS_ENOTFOUND);

	assert_int_equal(sigfs_cms_chain_pem(cms, &pem), SIGFS_OK);
	p = pem.ptr;
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof line, "-----BEGIN CERTIFICATE-----\n%s\n", real_pem_line1[i]);
		p = strstr(p, line);
		assert_non_null(p);
		p += strlen(line);
	}
	assert_int_equal(pem.ptr[pem.len - 1], '\n');
	sigfs_buf_free(&pem);
	sigfs_cms_free(cms);
}

static void test_real_times(void **state)
{
	sigfs_cms *cms = parse_ok(fx.cms, REAL_CMS_LEN);
	int64_t t = 0;
	(void)state;

	assert_int_equal(sigfs_cms_signing_time(cms, &t), SIGFS_OK);
	assert_int_equal(t, REAL_SIGNING_TIME);
	assert_int_equal(sigfs_cms_timestamp_time(cms, &t), SIGFS_OK);
	assert_int_equal(t, REAL_TIMESTAMP);
	sigfs_cms_free(cms);
}

static void test_real_digest(void **state)
{
	sigfs_cms *cms = parse_ok(fx.cms, REAL_CMS_LEN);
	sigfs_buf hex = SIGFS_BUF_INIT;
	const uint8_t *d;
	size_t len;
	uint32_t type;
	(void)state;

	assert_int_equal(sigfs_cms_message_digest(cms, &d, &len, &type), SIGFS_OK);
	assert_int_equal(type, CS_HASHTYPE_SHA256);
	sigfs_buf_hex(&hex, d, len);
	assert_string_equal(hex.ptr, real_cdhash);
	sigfs_buf_free(&hex);
	sigfs_cms_free(cms);
}

/* Parse and read the real CMS from several threads at once (run under TSan
 * to check; here it at least exercises the per-thread error queue). */
#define NTHREADS 8
static void *thread_main(void *arg)
{
	int *bad = arg, k;

	for (k = 0; k < 25; k++) {
		sigfs_cms *cms = NULL, *junk = NULL;
		sigfs_buf cn = SIGFS_BUF_INIT;
		int64_t t = 0;

		if (sigfs_cms_parse(&cms, fx.cms, REAL_CMS_LEN) != SIGFS_OK ||
		    sigfs_cms_cert_count(cms) != 3 || sigfs_cms_timestamp_time(cms, &t) != SIGFS_OK ||
		    t != REAL_TIMESTAMP || sigfs_cms_cert_cn(cms, 2, &cn) != SIGFS_OK ||
		    strcmp(cn.ptr, real_cn[2]) != 0)
			(*bad)++;
		if (sigfs_cms_parse(&junk, fx.cms, REAL_CMS_LEN / 2) != SIGFS_EMALFORMED || junk ||
		    ERR_peek_error() != 0)
			(*bad)++;
		sigfs_buf_free(&cn);
		sigfs_cms_free(cms);
	}
	return NULL;
}

static void test_real_threads(void **state)
{
	pthread_t th[NTHREADS];
	int bad[NTHREADS] = {0};
	int i;
	(void)state;

	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &bad[i]), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(bad[i], 0);
	}
}

/* ---- synthetic SignedData from make-cms.sh ---- */

static const char *const chain_files[3] = {"leaf.pem", "int.pem", "root.pem"};

static void assert_synthetic_chain(const sigfs_cms *cms)
{
	assert_pem_files(cms, chain_files, 3);
	assert_cn(cms, 0, "sigfs Test Leaf Zo\xc3\xab");
	assert_cn(cms, 1, "sigfs Test Intermediate CA");
	assert_cn(cms, 2, "sigfs Test Root CA");
}

static void test_synthetic_sha256(void **state)
{
	sigfs_cms *cms = parse_fixture("sha256.der");
	int64_t t = 0;
	(void)state;

	/* -certfile gave root, int; DER sorted them; the leaf came from -signer. */
	assert_int_equal(sigfs_cms_cert_count(cms), 3);
	assert_synthetic_chain(cms);
	assert_digest_file(cms, "data.sha256", CS_HASHTYPE_SHA256);
	assert_int_equal(sigfs_cms_signing_time(cms, &t), SIGFS_OK);
	assert_in_range(t, fx.made_from, fx.made_to);
	assert_int_equal(sigfs_cms_timestamp_time(cms, &t), SIGFS_ENOTFOUND);
	sigfs_cms_free(cms);
}

static void test_synthetic_digest_types(void **state)
{
	static const struct {
		const char *der, *dgst;
		uint32_t type;
	} v[] = {
	    {"sha1.der", "data.sha1", CS_HASHTYPE_SHA1},
	    {"sha384.der", "data.sha384", CS_HASHTYPE_SHA384},
	    {"sha512.der", "data.sha512", CS_HASHTYPE_SHA512},
	};
	const uint8_t *d;
	size_t i, len;
	uint32_t type;
	int64_t t;
	sigfs_cms *cms;
	(void)state;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		cms = parse_fixture(v[i].der);
		assert_synthetic_chain(cms);
		assert_digest_file(cms, v[i].dgst, v[i].type);
		sigfs_cms_free(cms);
	}

	/* SHA-224 has no CS_HASHTYPE_*: the rest of the CMS is still readable. */
	cms = parse_fixture("sha224.der");
	assert_int_equal(sigfs_cms_message_digest(cms, &d, &len, &type), SIGFS_EUNSUPPORTED);
	assert_non_null(strstr(sigfs_error_last(), "2.16.840.1.101.3.4.2.4"));
	assert_int_equal(sigfs_cms_signing_time(cms, &t), SIGFS_OK);
	assert_synthetic_chain(cms);
	sigfs_cms_free(cms);
}

static void test_synthetic_keyid(void **state)
{
	/* SignerIdentifier is the subjectKeyIdentifier, not issuer+serial. */
	sigfs_cms *cms = parse_fixture("keyid.der");
	(void)state;

	assert_int_equal(sigfs_cms_cert_count(cms), 3);
	assert_synthetic_chain(cms);
	assert_digest_file(cms, "data.sha256", CS_HASHTYPE_SHA256);
	sigfs_cms_free(cms);
}

static void test_synthetic_noattr(void **state)
{
	sigfs_cms *cms = parse_fixture("noattr.der");
	const uint8_t *d;
	size_t len;
	uint32_t type;
	int64_t t;
	(void)state;

	assert_synthetic_chain(cms);
	assert_int_equal(sigfs_cms_signing_time(cms, &t), SIGFS_ENOTFOUND);
	assert_int_equal(sigfs_cms_timestamp_time(cms, &t), SIGFS_ENOTFOUND);
	assert_int_equal(sigfs_cms_message_digest(cms, &d, &len, &type), SIGFS_ENOTFOUND);
	sigfs_cms_free(cms);
}

static void test_synthetic_nocerts(void **state)
{
	sigfs_cms *cms = parse_fixture("nocerts.der");
	sigfs_buf b = SIGFS_BUF_INIT;
	const uint8_t *der;
	size_t len;
	(void)state;

	assert_int_equal(sigfs_cms_cert_count(cms), 0);
	assert_int_equal(sigfs_cms_cert_der(cms, 0, &der, &len), SIGFS_ENOTFOUND);
	assert_int_equal(sigfs_cms_cert_cn(cms, 0, &b), SIGFS_ENOTFOUND);
	assert_int_equal(sigfs_cms_chain_pem(cms, &b), SIGFS_OK);
	assert_int_equal(b.len, 0);
	assert_digest_file(cms, "data.sha256", CS_HASHTYPE_SHA256);
	sigfs_cms_free(cms);
}

static void test_synthetic_extra(void **state)
{
	/* Chain plus a decoy with the intermediate's subject (another key; DER
	 * sorts it before the real one) and an unrelated self-signed cert
	 * without CN: chain first, the other two after it. */
	sigfs_cms *cms = parse_fixture("extra.der");
	sigfs_buf b = SIGFS_BUF_INIT;
	char *decoy = fixture_text("decoy.pem"), *stray = fixture_text("stray.pem");
	char *c3, *c4;
	(void)state;

	assert_int_equal(sigfs_cms_cert_count(cms), 5);
	c3 = cert_pem(cms, 3);
	c4 = cert_pem(cms, 4);
	assert_synthetic_chain(cms);
	assert_true((strcmp(c3, decoy) == 0 && strcmp(c4, stray) == 0) ||
		    (strcmp(c3, stray) == 0 && strcmp(c4, decoy) == 0));
	assert_int_equal(sigfs_cms_cert_cn(cms, strcmp(c3, stray) == 0 ? 3 : 4, &b), SIGFS_ENOTFOUND);
	assert_int_equal(b.len, 0);
	free(c3);
	free(c4);
	free(decoy);
	free(stray);
	sigfs_cms_free(cms);
}

static void test_synthetic_loop(void **state)
{
	/* leaf ← X ← Y ← X …: the walk stops where it would revisit X. */
	static const char *const loop_files[3] = {"loopleaf.pem", "loopx.pem", "loopy.pem"};
	sigfs_cms *cms = parse_fixture("loop.der");

	(void)state;
	assert_int_equal(sigfs_cms_cert_count(cms), 3);
	assert_pem_files(cms, loop_files, 3);
	sigfs_cms_free(cms);
}

static void test_synthetic_signer_cert_absent(void **state)
{
	/* No certificate is the signer's: all are kept, in CMS order. */
	sigfs_cms *cms = parse_fixture("nosigncert.der");
	char *c0, *c1, *inter = fixture_text("int.pem"), *root = fixture_text("root.pem");

	(void)state;
	assert_int_equal(sigfs_cms_cert_count(cms), 2);
	c0 = cert_pem(cms, 0);
	c1 = cert_pem(cms, 1);
	assert_true((strcmp(c0, inter) == 0 && strcmp(c1, root) == 0) ||
		    (strcmp(c0, root) == 0 && strcmp(c1, inter) == 0));
	assert_digest_file(cms, "data.sha256", CS_HASHTYPE_SHA256);
	free(c0);
	free(c1);
	free(inter);
	free(root);
	sigfs_cms_free(cms);
}

static void test_synthetic_cert_bound(void **state)
{
	sigfs_cms *cms = parse_fixture("many64.der");
	uint8_t *der;
	size_t len;
	(void)state;

	assert_int_equal(sigfs_cms_cert_count(cms), SIGFS_CMS_MAX_CERTS);
	{
		char *c0 = cert_pem(cms, 0), *c2 = cert_pem(cms, 2);
		char *leaf = fixture_text("leaf.pem"), *root = fixture_text("root.pem");

		assert_string_equal(c0, leaf);
		assert_string_equal(c2, root);
		free(c0);
		free(c2);
		free(leaf);
		free(root);
	}
	sigfs_cms_free(cms);

	der = fixture("many65.der", &len);
	expect_malformed(der, len, "65 certificates");
	assert_non_null(strstr(sigfs_error_last(), "65 certificates"));
	free(der);
	der = fixture("many70.der", &len);
	expect_malformed(der, len, "70 certificates");
	assert_non_null(strstr(sigfs_error_last(), "70 certificates"));
	free(der);
}

/* sha256.der with `value` added as an unsigned id-aa-timeStampToken
 * attribute (unsigned attributes are outside the signature, as for Apple's
 * time stamps), re-encoded. */
static uint8_t *with_token(const uint8_t *value, size_t vlen, size_t *outlen)
{
	size_t len;
	uint8_t *der = fixture("sha256.der", &len), *out = NULL;
	const unsigned char *p = der;
	CMS_ContentInfo *ci = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	CMS_SignerInfo *si;
	int n;

	assert_non_null(ci);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(ci), 0);
	assert_non_null(si);
	assert_int_equal(CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
						       value, (int)vlen),
			 1);
	n = i2d_CMS_ContentInfo(ci, NULL);
	assert_true(n > 0);
	out = malloc((size_t)n);
	assert_non_null(out);
	{
		unsigned char *q = out;

		assert_int_equal(i2d_CMS_ContentInfo(ci, &q), n);
	}
	*outlen = (size_t)n;
	CMS_ContentInfo_free(ci);
	free(der);
	return out;
}

static void test_synthetic_timestamp(void **state)
{
	/* A token made by `openssl ts -reply` with millisecond precision: the
	 * genTime is truncated to whole seconds within the script's run. */
	static const uint8_t not_content_info[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	size_t tlen, len;
	uint8_t *token = fixture("token.der", &tlen), *der, *nosigner;
	sigfs_cms *cms;
	int64_t t = 0;
	(void)state;

	der = with_token(token, tlen, &len);
	cms = parse_ok(der, len);
	assert_int_equal(sigfs_cms_timestamp_time(cms, &t), SIGFS_OK);
	assert_in_range(t, fx.made_from, fx.made_to);
	assert_synthetic_chain(cms);
	sigfs_cms_free(cms);
	free(der);

	/* A token that is not a ContentInfo, and a SignedData without TSTInfo:
	 * the timestamp is malformed, everything else still reads. */
	der = with_token(not_content_info, sizeof not_content_info, &len);
	cms = parse_ok(der, len);
	assert_int_equal(sigfs_cms_timestamp_time(cms, &t), SIGFS_EMALFORMED);
	assert_non_null(strstr(sigfs_error_last(), "timeStampToken"));
	assert_int_equal(sigfs_cms_signing_time(cms, &t), SIGFS_OK);
	assert_synthetic_chain(cms);
	sigfs_cms_free(cms);
	free(der);

	nosigner = fixture("nosigner.der", &tlen);
	der = with_token(nosigner, tlen, &len);
	cms = parse_ok(der, len);
	assert_int_equal(sigfs_cms_timestamp_time(cms, &t), SIGFS_EMALFORMED);
	assert_non_null(strstr(sigfs_error_last(), "TSTInfo"));
	sigfs_cms_free(cms);
	free(der);
	free(nosigner);
	free(token);
}

/* ---- malformed input ---- */

static void test_malformed_garbage(void **state)
{
	static const uint8_t one[] = {0x30};
	static const uint8_t empty_seq[] = {0x30, 0x00};
	static const char text[] = "this is not a CMS SignedData at all, just some text";
	uint8_t ff[64];
	(void)state;

	memset(ff, 0xff, sizeof ff);
	expect_malformed(NULL, 0, "NULL");
	expect_malformed(one, 0, "empty");
	expect_malformed(one, 1, "1 byte");
	expect_malformed(empty_seq, sizeof empty_seq, "empty SEQUENCE");
	expect_malformed((const uint8_t *)text, sizeof text - 1, "text");
	expect_malformed(ff, sizeof ff, "0xff bytes");
	assert_non_null(strstr(sigfs_error_last(), "ASN.1"));
	/* past the size bound: refused before OpenSSL decodes anything (a
	 * SEQUENCE header declaring the whole buffer, zeros after it) */
	{
		uint8_t *big = calloc(1, SIGFS_CMS_MAX_SIZE + 1);

		assert_non_null(big);
		big[0] = 0x30;
		big[1] = 0x83;
		big[2] = (uint8_t)((SIGFS_CMS_MAX_SIZE - 4) >> 16);
		big[3] = (uint8_t)((SIGFS_CMS_MAX_SIZE - 4) >> 8);
		big[4] = (uint8_t)(SIGFS_CMS_MAX_SIZE - 4);
		expect_malformed(big, SIGFS_CMS_MAX_SIZE + 1, "131073 bytes");
		assert_string_equal(sigfs_error_last(),
				    "cms: SignedData of 131073 bytes exceeds the bound of 131072");
		free(big);
	}
}

static void test_malformed_truncated(void **state)
{
	static const size_t cuts[] = {1,
				      2,
				      4,
				      15,
				      19,
				      60,
				      100,
				      1000,
				      3853,
				      4000,
				      REAL_CMS_LEN / 2,
				      REAL_CMS_LEN - 100,
				      REAL_CMS_LEN - 1};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		char what[32];

		snprintf(what, sizeof what, "truncated to %zu", cuts[i]);
		expect_malformed(fx.cms, cuts[i], what);
	}
}

static void test_malformed_lengths(void **state)
{
	/* Offsets from `openssl asn1parse` of the real CMS: 2-3 the ContentInfo
	 * length (0x2353), 17-18 the [0] explicit length, 21-22 the SignedData
	 * length, 62-63 the first certificate's length. */
	static const struct {
		size_t off;
		uint8_t mask;
	} flips[] = {{2, 0x01},	 {3, 0x01},  {2, 0x80},	 {17, 0x01},
		     {21, 0x02}, {62, 0x01}, {63, 0x10}, {1, 0x01}};
	uint8_t *copy = malloc(REAL_CMS_LEN + 1);
	size_t i;
	(void)state;

	assert_non_null(copy);
	for (i = 0; i < sizeof flips / sizeof flips[0]; i++) {
		char what[48];

		memcpy(copy, fx.cms, REAL_CMS_LEN);
		copy[flips[i].off] ^= flips[i].mask;
		snprintf(what, sizeof what, "byte %zu ^ 0x%02x", flips[i].off, flips[i].mask);
		expect_malformed(copy, REAL_CMS_LEN, what);
	}

	/* Trailing junk after a complete ContentInfo. */
	memcpy(copy, fx.cms, REAL_CMS_LEN);
	copy[REAL_CMS_LEN] = 0;
	expect_malformed(copy, REAL_CMS_LEN + 1, "trailing byte");
	assert_non_null(strstr(sigfs_error_last(), "trailing"));
	free(copy);
}

static void test_malformed_not_signed_data(void **state)
{
	size_t len;
	uint8_t *der;
	const uint8_t *leaf;
	sigfs_cms *cms;
	(void)state;

	der = fixture("data.der", &len);
	expect_malformed(der, len, "id-data ContentInfo");
	assert_non_null(strstr(sigfs_error_last(), "1.2.840.113549.1.7.1"));
	free(der);

	der = fixture("nosigner.der", &len);
	expect_malformed(der, len, "no SignerInfo");
	assert_non_null(strstr(sigfs_error_last(), "SignerInfo"));
	free(der);

	/* A bare certificate: valid DER, not a ContentInfo. */
	cms = parse_ok(fx.cms, REAL_CMS_LEN);
	assert_int_equal(sigfs_cms_cert_der(cms, 0, &leaf, &len), SIGFS_OK);
	expect_malformed(leaf, len, "certificate");
	sigfs_cms_free(cms);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_certificates),
		cmocka_unit_test(test_real_times),
		cmocka_unit_test(test_real_digest),
		cmocka_unit_test(test_real_threads),
		cmocka_unit_test(test_synthetic_sha256),
		cmocka_unit_test(test_synthetic_digest_types),
		cmocka_unit_test(test_synthetic_keyid),
		cmocka_unit_test(test_synthetic_noattr),
		cmocka_unit_test(test_synthetic_nocerts),
		cmocka_unit_test(test_synthetic_extra),
		cmocka_unit_test(test_synthetic_loop),
		cmocka_unit_test(test_synthetic_signer_cert_absent),
		cmocka_unit_test(test_synthetic_cert_bound),
		cmocka_unit_test(test_synthetic_timestamp),
		cmocka_unit_test(test_malformed_garbage),
		cmocka_unit_test(test_malformed_truncated),
		cmocka_unit_test(test_malformed_lengths),
		cmocka_unit_test(test_malformed_not_signed_data),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, setup, teardown);
}
