/* Fuzz target: requirement text (CodeResources `requirement` of nested
 * code) compiled to a blob; a blob that compiles must decompile. */
#include <stdlib.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_buf blob = SIGFS_BUF_INIT, text = SIGFS_BUF_INIT;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sigfs_req_compile(&blob, s) == SIGFS_OK &&
	    sigfs_req_decompile(&text, (const uint8_t *)blob.ptr, blob.len) != SIGFS_OK)
		__builtin_trap();
	free(s);
	sigfs_buf_free(&blob);
	sigfs_buf_free(&text);
	return 0;
}
