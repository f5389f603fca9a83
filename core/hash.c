/* sigfs core: the code-signing hash types, through OpenSSL. */
#include <openssl/evp.h>

#include "internal.h"

const EVP_MD *sigfs_hash_md(uint32_t type)
{
	switch (type) {
	case CS_HASHTYPE_SHA1: return EVP_sha1();
	case CS_HASHTYPE_SHA256:
	case CS_HASHTYPE_SHA256_TRUNCATED: return EVP_sha256();
	case CS_HASHTYPE_SHA384: return EVP_sha384();
	case CS_HASHTYPE_SHA512: return EVP_sha512();
	}
	return NULL;
}

size_t sigfs_hash_size(uint32_t type)
{
	switch (type) {
	case CS_HASHTYPE_SHA1: return CS_SHA1_LEN;
	case CS_HASHTYPE_SHA256: return CS_SHA256_LEN;
	case CS_HASHTYPE_SHA256_TRUNCATED: return CS_SHA256_TRUNCATED_LEN;
	case CS_HASHTYPE_SHA384: return 48;
	case CS_HASHTYPE_SHA512: return 64;
	}
	return 0;
}

const char *sigfs_hash_name(uint32_t type)
{
	switch (type) {
	case CS_HASHTYPE_SHA1: return "sha1";
	case CS_HASHTYPE_SHA256: return "sha256";
	case CS_HASHTYPE_SHA256_TRUNCATED: return "sha256-truncated";
	case CS_HASHTYPE_SHA384: return "sha384";
	case CS_HASHTYPE_SHA512: return "sha512";
	}
	return NULL;
}

int sigfs_hash_rank(uint32_t type)
{
	/* CodeDirectory::hashPriorities: sha384, sha256, sha256-truncated,
	 * sha1. sha512 is defined but not in Apple's list: ranked last. */
	switch (type) {
	case CS_HASHTYPE_SHA384: return 5;
	case CS_HASHTYPE_SHA256: return 4;
	case CS_HASHTYPE_SHA256_TRUNCATED: return 3;
	case CS_HASHTYPE_SHA1: return 2;
	case CS_HASHTYPE_SHA512: return 1;
	}
	return 0;
}

int sigfs_hash(uint32_t type, const uint8_t *p, size_t n, uint8_t *out, size_t *out_len)
{
	const EVP_MD *md = sigfs_hash_md(type);
	unsigned int len = 0;

	if (!md)
		return sigfs_error_set(SIGFS_EUNSUPPORTED, "hash: unknown hash type %u", type);
	if (!EVP_Digest(p, n, out, &len, md, NULL))
		return sigfs_error_set(SIGFS_ENOMEM, "hash: OpenSSL digest failed");
	*out_len = len;
	return SIGFS_OK;
}
