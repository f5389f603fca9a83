/* Fuzz target: the CMS SignedData of slot 0x10000 and every accessor. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_cms *cms;
	sigfs_buf b = SIGFS_BUF_INIT;
	const uint8_t *p;
	size_t i, n, len;
	uint32_t type;
	int64_t t;

	if (sigfs_cms_parse(&cms, data, size) != SIGFS_OK)
		return 0;
	n = sigfs_cms_cert_count(cms);
	for (i = 0; i < n; i++) {
		IGNORE(sigfs_cms_cert_der(cms, i, &p, &len));
		IGNORE(sigfs_cms_cert_cn(cms, i, &b));
	}
	IGNORE(sigfs_cms_chain_pem(cms, &b));
	IGNORE(sigfs_cms_signing_time(cms, &t));
	IGNORE(sigfs_cms_timestamp_time(cms, &t));
	IGNORE(sigfs_cms_message_digest(cms, &p, &len, &type));
	sigfs_cms_free(cms);
	sigfs_buf_free(&b);
	return 0;
}
