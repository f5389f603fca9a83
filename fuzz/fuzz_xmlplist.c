/* Fuzz target: XML entitlements / __info_plist through libplist and every
 * rendering of the result. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_plist *pl;
	sigfs_buf b = SIGFS_BUF_INIT;

	if (sigfs_plist_from_xml(&pl, data, size) != SIGFS_OK)
		return 0;
	IGNORE(sigfs_plist_to_xml(&b, pl));
	IGNORE(sigfs_plist_to_json(&b, pl));
	IGNORE(sigfs_plist_to_text(&b, pl));
	IGNORE(sigfs_pv_equal(sigfs_plist_root(pl), sigfs_plist_root(pl)));
	sigfs_plist_free(pl);
	sigfs_buf_free(&b);
	return 0;
}
