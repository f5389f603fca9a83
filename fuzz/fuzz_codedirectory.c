/* Fuzz target: one CodeDirectory blob, wrapped in a well-formed SuperBlob so
 * every input reaches the CodeDirectory parser. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "fuzz.h"

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigfs_slice s;
	size_t total = 20 + size;

	if (size > (1u << 24))
		return 0;
	memset(&s, 0, sizeof s);
	s.sig = malloc(total);
	if (!s.sig)
		return 0;
	be32(s.sig, CSMAGIC_EMBEDDED_SIGNATURE);
	be32(s.sig + 4, (uint32_t)total);
	be32(s.sig + 8, 1);
	be32(s.sig + 12, CSSLOT_CODEDIRECTORY);
	be32(s.sig + 16, 20);
	memcpy(s.sig + 20, data, size);
	s.sig_len = total;
	s.has_lc_sig = 1;
	IGNORE(sigfs_signature_parse(&s));
	sigfs_slice_dispose(&s);
	return 0;
}
