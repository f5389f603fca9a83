/* Unit tests for core/certcache.c: certificates decoded once per process.
 * The Developer ID dylib of the corpus (its CMS at the offsets of
 * tests/corpus/expected/codex-libffi-dylib.json), compared with OpenSSL's
 * own decode; certificates made here with OpenSSL for the bound. Run from
 * the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>

#include "certcache.h"
#include "readall.h"
#include "sigfs/cms.h"

#define REAL_FILE    "tests/corpus/files/codex-libffi-dylib/libffi.8.dylib"
#define REAL_CMS_OFF (119360 + 1405 + 8)
#define REAL_CMS_LEN (9055 - 8)

/* The same DER gives the same decoded certificate, equal to OpenSSL's own
 * decode of it; a second parse of a CMS decodes none of its certificates. */
static void test_cache_same_decode(void **state)
{
	struct sigfs_certcache_stats st;
	const uint8_t *der;
	const unsigned char *p;
	sigfs_cms *cms = NULL;
	X509 *a, *b, *mine;
	size_t len, file_len = 0;
	uint8_t *file = read_all(REAL_FILE, &file_len);

	(void)state;
	assert_non_null(file);
	assert_true(file_len > REAL_CMS_OFF + REAL_CMS_LEN);
	sigfs_certcache_clear();
	assert_int_equal(sigfs_cms_parse(&cms, file + REAL_CMS_OFF, REAL_CMS_LEN), SIGFS_OK);
	sigfs_certcache_stats(&st);
	/* the signature's 3 and the time-stamp token's own chain, which
	 * shares Apple's root with it */
	assert_true(st.misses >= 3);
	assert_int_equal(st.entries, st.misses);
	sigfs_cms_free(cms);
	assert_int_equal(sigfs_cms_parse(&cms, file + REAL_CMS_OFF, REAL_CMS_LEN), SIGFS_OK);
	{
		struct sigfs_certcache_stats again;

		sigfs_certcache_stats(&again);
		assert_int_equal(again.misses, st.misses);
		assert_int_equal(again.hits, st.hits * 2 + st.misses);
		assert_int_equal(again.entries, st.entries);
	}
	assert_int_equal(sigfs_cms_cert_der(cms, 0, &der, &len), SIGFS_OK);
	a = sigfs_certcache_get(der, len);
	b = sigfs_certcache_get(der, len);
	p = der;
	mine = d2i_X509(NULL, &p, (long)len);
	assert_non_null(a);
	assert_non_null(mine);
	assert_ptr_equal(a, b);
	assert_int_equal(X509_cmp(a, mine), 0);
	/* a prefix of a certificate is no certificate, and is not cached */
	assert_null(sigfs_certcache_get(der, len - 1));
	X509_free(mine);
	X509_free(b);
	X509_free(a);
	sigfs_cms_free(cms);
	free(file);
}

/* A self-signed certificate with this serial and a Netscape comment of
 * `pad` bytes (0: none), as DER the caller frees with OPENSSL_free. */
static int make_cert(EVP_PKEY *key, long serial, size_t pad, uint8_t **der)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	int len;

	assert_non_null(c);
	assert_non_null(n);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), serial), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
						    (const unsigned char *)"sigfs cache test", -1, -1, 0),
			 1);
	assert_int_equal(X509_set_subject_name(c, n), 1);
	assert_int_equal(X509_set_issuer_name(c, n), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c), 3600));
	assert_int_equal(X509_set_pubkey(c, key), 1);
	if (pad) {
		char *text = malloc(pad + 1);
		X509_EXTENSION *ext;

		assert_non_null(text);
		memset(text, 'x', pad);
		text[pad] = '\0';
		ext = X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, text);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(c, ext, -1), 1);
		X509_EXTENSION_free(ext);
		free(text);
	}
	assert_true(X509_sign(c, key, EVP_sha256()) > 0);
	*der = NULL;
	len = i2d_X509(c, der);
	assert_true(len > 0);
	X509_NAME_free(n);
	X509_free(c);
	return len;
}

/* More distinct certificates than SIGFS_CERTCACHE_MAX: the cache holds
 * that many, and the least recently used one is the one gone; one larger
 * than SIGFS_CERTCACHE_MAX_DER is not kept. */
static void test_cache_bounded(void **state)
{
	enum { N = SIGFS_CERTCACHE_MAX + 44 };
	static uint8_t *der[N];
	static int len[N];
	struct sigfs_certcache_stats st;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x;
	int i;

	(void)state;
	assert_non_null(key);
	for (i = 0; i < N; i++)
		len[i] = make_cert(key, i + 1, 0, &der[i]);
	sigfs_certcache_clear();
	for (i = 0; i < N; i++) {
		x = sigfs_certcache_get(der[i], (size_t)len[i]);
		assert_non_null(x);
		X509_free(x);
	}
	sigfs_certcache_stats(&st);
	assert_int_equal(st.entries, SIGFS_CERTCACHE_MAX);
	assert_int_equal(st.misses, N);
	/* the newest is there, the oldest was evicted */
	x = sigfs_certcache_get(der[N - 1], (size_t)len[N - 1]);
	X509_free(x);
	x = sigfs_certcache_get(der[0], (size_t)len[0]);
	X509_free(x);
	sigfs_certcache_stats(&st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, N + 1);
	assert_int_equal(st.entries, SIGFS_CERTCACHE_MAX);
	/* one larger than SIGFS_CERTCACHE_MAX_DER is decoded, never kept */
	OPENSSL_free(der[0]);
	len[0] = make_cert(key, N + 1, SIGFS_CERTCACHE_MAX_DER, &der[0]);
	assert_true((size_t)len[0] > SIGFS_CERTCACHE_MAX_DER);
	for (i = 0; i < 2; i++) {
		x = sigfs_certcache_get(der[0], (size_t)len[0]);
		assert_non_null(x);
		X509_free(x);
	}
	sigfs_certcache_stats(&st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.entries, SIGFS_CERTCACHE_MAX);
	for (i = 0; i < N; i++)
		OPENSSL_free(der[i]);
	EVP_PKEY_free(key);
	sigfs_certcache_clear();
}

/* A link's answer is OpenSSL's X509_verify, computed once per
 * (certificate, issuer) and then kept with the certificate's entry. */
static void test_cache_links(void **state)
{
	struct sigfs_certcache_stats st;
	EVP_PKEY *k1 = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256");
	uint8_t *da = NULL, *db = NULL;
	int la, lb;
	X509 *a, *b;

	(void)state;
	assert_non_null(k1);
	assert_non_null(k2);
	la = make_cert(k1, 1, 0, &da);
	lb = make_cert(k2, 2, 0, &db); /* same subject and issuer name, other key */
	sigfs_certcache_clear();
	a = sigfs_certcache_get(da, (size_t)la);
	b = sigfs_certcache_get(db, (size_t)lb);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(X509_verify(a, k1), 1);
	assert_int_equal(X509_verify(a, k2), 0);
	assert_int_equal(sigfs_certcache_signed_by(a, a), 1);
	assert_int_equal(sigfs_certcache_signed_by(a, a), 1);
	assert_int_equal(sigfs_certcache_signed_by(a, b), 0);
	assert_int_equal(sigfs_certcache_signed_by(a, b), 0);
	sigfs_certcache_stats(&st);
	assert_int_equal(st.link_hits, 2);
	assert_int_equal(sigfs_certcache_signed_by(a, a), 1); /* the last issuer asked was b */
	sigfs_certcache_stats(&st);
	assert_int_equal(st.link_hits, 2);
	X509_free(a);
	X509_free(b);
	OPENSSL_free(da);
	OPENSSL_free(db);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	sigfs_certcache_clear();
}

#define THREADS 8

struct job {
	const uint8_t *cms;
	int ok;
};

static void *parse_job(void *arg)
{
	struct job *j = arg;
	sigfs_buf cn = SIGFS_BUF_INIT;
	sigfs_cms *cms = NULL;
	int k;

	j->ok = 1;
	for (k = 0; k < 5; k++) {
		if (sigfs_cms_parse(&cms, j->cms, REAL_CMS_LEN) != SIGFS_OK ||
		    sigfs_cms_cert_count(cms) != 3 || sigfs_cms_cert_cn(cms, 1, &cn) != SIGFS_OK ||
		    strcmp(cn.ptr, "Developer ID Certification Authority") != 0)
			j->ok = 0;
		sigfs_buf_free(&cn);
		cn = (sigfs_buf)SIGFS_BUF_INIT;
		sigfs_cms_free(cms);
	}
	return NULL;
}

/* Threads parsing the same signature share the cache's entries (run under
 * TSAN too: make TSAN=1 check-unit); each distinct certificate is kept once. */
static void test_cache_threads(void **state)
{
	struct sigfs_certcache_stats one, all;
	pthread_t th[THREADS];
	struct job j[THREADS];
	size_t file_len = 0;
	uint8_t *file = read_all(REAL_FILE, &file_len);
	sigfs_cms *cms = NULL;
	int i;

	(void)state;
	assert_non_null(file);
	assert_true(file_len > REAL_CMS_OFF + REAL_CMS_LEN);
	sigfs_certcache_clear();
	assert_int_equal(sigfs_cms_parse(&cms, file + REAL_CMS_OFF, REAL_CMS_LEN), SIGFS_OK);
	sigfs_cms_free(cms);
	sigfs_certcache_stats(&one);
	sigfs_certcache_clear();
	for (i = 0; i < THREADS; i++) {
		j[i].cms = file + REAL_CMS_OFF;
		assert_int_equal(pthread_create(&th[i], NULL, parse_job, &j[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_true(j[i].ok);
	}
	sigfs_certcache_stats(&all);
	assert_int_equal(all.entries, one.entries);
	assert_int_equal(all.hits + all.misses, (one.hits + one.misses) * THREADS * 5);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache_same_decode),
	    cmocka_unit_test(test_cache_bounded),
	    cmocka_unit_test(test_cache_threads),
	    cmocka_unit_test(test_cache_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
