/* Fuzz target: the CMS hash-agility attributes' parsers (core/cms_verify.c):
 * a CDHashes2 value (DER SEQUENCE { OID, OCTET STRING }) and the CDHashes
 * plist compared with cdhashes taken from the input's head. */
#include "../core/verdict.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t want[2][CS_CDHASH_LEN];
	struct sigfs_cdhash2 e;

	IGNORE(sigfs_cdhash2_parse(data, size, &e));
	if (size < sizeof want)
		return 0;
	memcpy(want, data, sizeof want);
	IGNORE(sigfs_cdhashes_plist_check(data + sizeof want, size - sizeof want,
					  (const uint8_t(*)[CS_CDHASH_LEN])want, 1 + (data[0] & 1)));
	return 0;
}
