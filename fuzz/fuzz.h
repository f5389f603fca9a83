/* Shared by the fuzz targets: an in-memory file and a way to drop results
 * that gcc accepts for warn_unused_result functions. */
#ifndef SIGFS_FUZZ_H
#define SIGFS_FUZZ_H

#include <string.h>

#include "sigfs/sigfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The result does not matter here, only that the call is safe. */
#define IGNORE(x)                                                                                            \
	do {                                                                                                 \
		if (x) {                                                                                     \
		}                                                                                            \
	} while (0)

struct fuzz_mem {
	const uint8_t *p;
	size_t n;
};

static inline int fuzz_mem_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	const struct fuzz_mem *m = ctx;

	if (off > m->n || len > m->n - off)
		return SIGFS_EIO;
	memcpy(dst, m->p + off, len);
	return SIGFS_OK;
}

#endif
