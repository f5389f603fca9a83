/* Fuzz target: the embedded-signature SuperBlob and every blob it indexes
 * (CodeDirectories, CMS …), as if read from LC_CODE_SIGNATURE. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigfs_slice s;

	memset(&s, 0, sizeof s);
	s.sig = malloc(size ? size : 1);
	if (!s.sig)
		return 0;
	memcpy(s.sig, data, size);
	s.sig_len = size;
	s.has_lc_sig = 1;
	IGNORE(sigfs_signature_parse(&s));
	(void)sigfs_slice_cms(&s); /* parsed at first use: use it */
	IGNORE(sigfs_slice_status(&s));
	sigfs_slice_dispose(&s);
	return 0;
}
