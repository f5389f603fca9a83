/* Unit-test helper: certificates made at test time with the OpenSSL API, so
 * each test states the subject, extensions, policies and dates it needs.
 * EC P-256 keys (fast); every certificate is signed by its issuer's key.
 * Included by the tests that need it; everything here is static. */
#ifndef SIGFS_TEST_CERTGEN_H
#define SIGFS_TEST_CERTGEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/conf.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

typedef struct {
	X509 *x;
	EVP_PKEY *key;
	uint8_t *der;
	size_t len;
} tcert;

/* One certificate: `subject` as "/CN=x/O=y" (OpenSSL's -subj form, UTF-8),
 * `issuer` NULL for self-signed, validity [not_before, not_after] in Unix
 * seconds, `ext` a NULL-terminated list of "oid", "oid=<der hex>" (the
 * extension's value, the DER inside the OCTET STRING) or X509V3 conf
 * strings "name:value" (certificatePolicies:1.2.3, subjectAltName:email:a@b). */
static int tcert_make(tcert *c, const char *subject, const tcert *issuer, int64_t not_before,
		      int64_t not_after, const char *const *ext)
{
	static long serial = 1;
	X509_NAME *name = X509_NAME_new();
	char *copy = strdup(subject), *tok, *save = NULL;
	unsigned char *der = NULL;
	int n, i;

	memset(c, 0, sizeof *c);
	c->key = EVP_EC_gen("P-256");
	c->x = X509_new();
	if (!name || !copy || !c->key || !c->x)
		return 0;
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return 0;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, tok, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, 0))
			return 0;
	}
	free(copy);
	X509_set_version(c->x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c->x), serial++);
	X509_set_subject_name(c->x, name);
	X509_set_issuer_name(c->x, issuer ? X509_get_subject_name(issuer->x) : name);
	X509_NAME_free(name);
	ASN1_TIME_set(X509_getm_notBefore(c->x), (time_t)not_before);
	ASN1_TIME_set(X509_getm_notAfter(c->x), (time_t)not_after);
	X509_set_pubkey(c->x, c->key);
	for (i = 0; ext && ext[i]; i++) {
		X509_EXTENSION *e = NULL;
		const char *colon = strchr(ext[i], ':');

		if (colon) {
			X509V3_CTX ctx;
			char nm[64];

			snprintf(nm, sizeof nm, "%.*s", (int)(colon - ext[i]), ext[i]);
			CONF *conf = NCONF_new(NULL); /* policies want a (here empty) config */

			X509V3_set_ctx(&ctx, issuer ? issuer->x : c->x, c->x, NULL, NULL, 0);
			X509V3_set_nconf(&ctx, conf);
			e = X509V3_EXT_nconf(conf, &ctx, nm, colon + 1);
			NCONF_free(conf);
		} else {
			const char *eq = strchr(ext[i], '=');
			char oid[128];
			ASN1_OBJECT *obj;
			ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
			long vlen = 0;
			unsigned char *v = NULL;

			snprintf(oid, sizeof oid, "%.*s", eq ? (int)(eq - ext[i]) : (int)strlen(ext[i]),
				 ext[i]);
			obj = OBJ_txt2obj(oid, 1);
			if (eq)
				v = OPENSSL_hexstr2buf(eq + 1, &vlen);
			else
				v = OPENSSL_hexstr2buf("0500", &vlen); /* NULL */
			ASN1_OCTET_STRING_set(os, v, (int)vlen);
			e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
			ASN1_OBJECT_free(obj);
			ASN1_OCTET_STRING_free(os);
			OPENSSL_free(v);
		}
		if (!e || !X509_add_ext(c->x, e, -1))
			return 0;
		X509_EXTENSION_free(e);
	}
	if (!X509_sign(c->x, issuer ? issuer->key : c->key, EVP_sha256()))
		return 0;
	n = i2d_X509(c->x, &der);
	if (n <= 0)
		return 0;
	c->der = malloc((size_t)n);
	memcpy(c->der, der, (size_t)n);
	c->len = (size_t)n;
	OPENSSL_free(der);
	return 1;
}

static void tcert_free(tcert *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->key);
	free(c->der);
	memset(c, 0, sizeof *c);
}

/* The PEM text of a certificate, malloc'd. */
static char *tcert_pem(const tcert *c, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	PEM_write_bio_X509(b, c->x);
	n = BIO_get_mem_data(b, &p);
	out = malloc((size_t)n + 1);
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(b);
	return out;
}

/* DER of a PEM certificate (e.g. from the corpus expectations), malloc'd. */
__attribute__((unused)) static uint8_t *pem_to_der(const char *pem, size_t *len)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL;
	uint8_t *out = NULL;
	int n = x ? i2d_X509(x, &der) : -1;

	if (n > 0) {
		out = malloc((size_t)n);
		memcpy(out, der, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(b);
	return out;
}

#endif
