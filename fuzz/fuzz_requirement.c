/* Fuzz target: the requirement decompiler, on a single requirement and on a
 * requirement set. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_buf b = SIGFS_BUF_INIT;
	uint32_t count;
	const uint8_t *req;
	size_t len;

	IGNORE(sigfs_req_decompile(&b, data, size));
	sigfs_buf_clear(&b);
	IGNORE(sigfs_reqset_dump(&b, data, size));
	IGNORE(sigfs_reqset_count(&count, data, size));
	if (sigfs_reqset_find(&req, &len, data, size, kSecDesignatedRequirementType) == SIGFS_OK)
		IGNORE(sigfs_req_decompile(&b, req, len));
	sigfs_buf_free(&b);
	return 0;
}
