/* sigfs core: trust anchors (include/sigfs/trust.h).
 *
 * Apple's roots are recognised by the SHA-256 of their DER certificate, as
 * SecIsAppleTrustAnchor does (Security: OSX/utilities/SecAppleAnchor.c,
 * getAnchors: the five production anchors; test anchors are not included).
 * A user's roots come from a PEM file and are matched the same way. OpenSSL
 * types stay in this file. */
#include "sigfs/trust.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "sigfs/error.h"

struct anchor {
	uint8_t sha256[SHA256_DIGEST_LENGTH];
	const char *name;
};

/* SecAppleAnchor.c getAnchors(); names are the certificates' common names. */
static const struct anchor apple_anchors[] = {
    {{0xb0, 0xb1, 0x73, 0x0e, 0xcb, 0xc7, 0xff, 0x45, 0x05, 0x14, 0x2c, 0x49, 0xf1, 0x29, 0x5e, 0x6e,
      0xda, 0x6b, 0xca, 0xed, 0x7e, 0x2c, 0x68, 0xc5, 0xbe, 0x91, 0xb5, 0xa1, 0x10, 0x01, 0xf0, 0x24},
     "Apple Root CA"},
    {{0xc2, 0xb9, 0xb0, 0x42, 0xdd, 0x57, 0x83, 0x0e, 0x7d, 0x11, 0x7d, 0xac, 0x55, 0xac, 0x8a, 0xe1,
      0x94, 0x07, 0xd3, 0x8e, 0x41, 0xd8, 0x8f, 0x32, 0x15, 0xbc, 0x3a, 0x89, 0x04, 0x44, 0xa0, 0x50},
     "Apple Root CA - G2"},
    {{0x63, 0x34, 0x3a, 0xbf, 0xb8, 0x9a, 0x6a, 0x03, 0xeb, 0xb5, 0x7e, 0x9b, 0x3f, 0x5f, 0xa7, 0xbe,
      0x7c, 0x4f, 0x5c, 0x75, 0x6f, 0x30, 0x17, 0xb3, 0xa8, 0xc4, 0x88, 0xc3, 0x65, 0x3e, 0x91, 0x79},
     "Apple Root CA - G3"},
    {{0xfb, 0x3f, 0x6c, 0xf6, 0x94, 0x67, 0xb5, 0xfa, 0x9f, 0xfa, 0x2b, 0x3b, 0x39, 0x2b, 0x6e, 0x5e,
      0x77, 0x5b, 0xbb, 0x09, 0xc7, 0x7b, 0x6e, 0x75, 0x9e, 0x90, 0x38, 0xe2, 0x6b, 0xbf, 0x90, 0x49},
     "Apple Platform Backport RSA Root CA - G1"},
    {{0xed, 0xa2, 0x3b, 0x3f, 0x22, 0x4f, 0x45, 0xe0, 0x95, 0x2f, 0x20, 0xe4, 0xd2, 0xb3, 0x3e, 0x00,
      0x0d, 0x49, 0xc8, 0x04, 0x4c, 0x11, 0x68, 0xde, 0x47, 0xb4, 0x43, 0xcd, 0x2b, 0x35, 0x36, 0xdc},
     "Apple Platform Backport ECC Root CA - G1"},
};

#define N_APPLE (sizeof apple_anchors / sizeof apple_anchors[0])

/* A user anchor: its digest and a name for messages. */
struct user_anchor {
	uint8_t sha256[SHA256_DIGEST_LENGTH];
	char *name;
};

struct sigfs_anchors {
	struct user_anchor *v; /* at most SIGFS_MAX_USER_ANCHORS */
	size_t n;
};

/* Longest name kept for a user anchor (longer common names are cut). */
#define NAME_MAX_LEN 255

/* The subject CN as UTF-8, else the whole subject in one line, else a
 * placeholder: always a malloc'd string, or NULL when out of memory. */
static char *anchor_name(X509 *x)
{
	X509_NAME *subject = X509_get_subject_name(x);
	int ix = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
	unsigned char *utf8 = NULL;
	char line[NAME_MAX_LEN + 1];
	char *name;
	int n = -1;

	if (ix >= 0)
		n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, ix)));
	if (n >= 0) {
		size_t len = (size_t)n > NAME_MAX_LEN ? NAME_MAX_LEN : (size_t)n;

		while (len < (size_t)n && len > 0 && (utf8[len] & 0xc0) == 0x80)
			len--; /* cut at a character boundary */
		name = malloc(len + 1);
		if (name) {
			memcpy(name, utf8, len);
			name[len] = '\0';
		}
		OPENSSL_free(utf8);
		return name;
	}
	if (!subject || !X509_NAME_oneline(subject, line, sizeof line))
		strcpy(line, "user anchor");
	return strdup(line);
}

void sigfs_anchors_free(sigfs_anchors *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		free(a->v[i].name);
	free(a->v);
	free(a);
}

int sigfs_anchors_from_pem(sigfs_anchors **out, const char *pem, size_t len)
{
	sigfs_anchors *a;
	BIO *bio;
	int rc = SIGFS_OK;

	*out = NULL;
	if (len > INT_MAX)
		return sigfs_error_set(SIGFS_EMALFORMED, "anchors: %zu bytes is too large for a PEM file",
				       len);
	a = calloc(1, sizeof *a);
	if (a)
		a->v = calloc(SIGFS_MAX_USER_ANCHORS, sizeof *a->v);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!a || !a->v || !bio) {
		rc = sigfs_error_set(SIGFS_ENOMEM, "anchors: out of memory");
		goto out;
	}
	ERR_clear_error();
	for (;;) {
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		unsigned char *der = NULL;
		int der_len;

		if (!x) {
			unsigned long e = ERR_peek_last_error();

			/* the end of the input, after zero or more certificates */
			if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break;
			rc = sigfs_error_set(
			    SIGFS_EMALFORMED,
			    "anchors: certificate %zu is not a readable PEM X.509 certificate; "
			    "give a file of PEM certificates",
			    a->n + 1);
			goto out;
		}
		if (a->n == SIGFS_MAX_USER_ANCHORS) {
			X509_free(x);
			rc = sigfs_error_set(SIGFS_EMALFORMED,
					     "anchors: more than %d certificates; keep only the roots",
					     SIGFS_MAX_USER_ANCHORS);
			goto out;
		}
		der_len = i2d_X509(x, &der);
		if (der_len > 0)
			SHA256(der, (size_t)der_len, a->v[a->n].sha256);
		a->v[a->n].name = der_len > 0 ? anchor_name(x) : NULL;
		OPENSSL_free(der);
		X509_free(x);
		if (der_len <= 0 || !a->v[a->n].name) {
			rc = sigfs_error_set(SIGFS_ENOMEM, "anchors: out of memory");
			goto out;
		}
		a->n++;
	}
	if (a->n == 0) {
		rc = sigfs_error_set(SIGFS_EMALFORMED,
				     "anchors: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
		goto out;
	}
out:
	ERR_clear_error();
	BIO_free(bio);
	if (rc != SIGFS_OK)
		sigfs_anchors_free(a);
	else
		*out = a;
	return rc;
}

static const struct anchor *apple_find(const uint8_t digest[SHA256_DIGEST_LENGTH])
{
	size_t i;

	for (i = 0; i < N_APPLE; i++)
		if (memcmp(digest, apple_anchors[i].sha256, SHA256_DIGEST_LENGTH) == 0)
			return &apple_anchors[i];
	return NULL;
}

int sigfs_anchor_find(const sigfs_anchors *a, const uint8_t *der, size_t len, const char **name)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	const struct anchor *apple;
	size_t i;

	if (name)
		*name = NULL;
	if (!der || len == 0)
		return 0;
	SHA256(der, len, digest);
	apple = apple_find(digest);
	if (apple) {
		if (name)
			*name = apple->name;
		return 1;
	}
	for (i = 0; a && i < a->n; i++) {
		if (memcmp(digest, a->v[i].sha256, sizeof digest) == 0) {
			if (name)
				*name = a->v[i].name;
			return 1;
		}
	}
	return 0;
}

int sigfs_anchor_is_apple(const uint8_t *der, size_t len)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	if (!der || len == 0)
		return 0;
	SHA256(der, len, digest);
	return apple_find(digest) != NULL;
}
