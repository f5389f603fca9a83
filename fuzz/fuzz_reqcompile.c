/* Fuzz target: the requirement compiler (text to blob), and the decompiler
 * on every blob it makes. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_buf blob = SIGFS_BUF_INIT, text = SIGFS_BUF_INIT;

	if (sigfs_req_compile(&blob, (const char *)data, size) == SIGFS_OK)
		IGNORE(sigfs_req_decompile(&text, (const uint8_t *)blob.ptr, blob.len));
	sigfs_buf_free(&blob);
	sigfs_buf_free(&text);
	return 0;
}
