/* Fuzz target: Mach-O / universal headers and load commands (sigfs_file_load
 * on an in-memory file), plus the probe. */
#include <string.h>

#include "sigfs/sigfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t n;
};

static int mem_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	const struct mem *m = ctx;

	if (off > m->n || len > m->n - off)
		return SIGFS_EIO;
	memcpy(dst, m->p + off, len);
	return SIGFS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = {data, size};
	sigfs_file *f;

	(void)sigfs_macho_probe(data, size < SIGFS_PROBE_LEN ? size : SIGFS_PROBE_LEN, size);
	if (sigfs_file_load(&f, mem_read, &m, size) == SIGFS_OK)
		sigfs_file_free(f);
	return 0;
}
