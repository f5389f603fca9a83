/* Fuzz target: Mach-O / universal headers and load commands (sigfs_file_load
 * on an in-memory file), plus the probe. */
#include <string.h>

#include "../core/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem m = {data, size};
	sigfs_file *f;
	size_t i;

	IGNORE(sigfs_macho_probe(data, size < SIGFS_PROBE_LEN ? size : SIGFS_PROBE_LEN, size));
	if (sigfs_file_load(&f, fuzz_mem_read, &m, size) == SIGFS_OK) {
		for (i = 0; i < f->nslices; i++)	      /* nslices <= SIGFS_MAX_SLICES */
			(void)sigfs_slice_cms(&f->slices[i]); /* parsed at first use: use it */
		sigfs_file_free(f);
	}
	return 0;
}
