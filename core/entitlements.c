/* sigfs core: the known Apple entitlement keys (core/data/entitlements.tsv,
 * lower-cased and sorted into entitlements.inc by the Makefile). */
#include <stdlib.h>
#include <strings.h>

#include "sigfs/audit.h"

static const char *const known[] = {
#include "entitlements.inc"
};

static int cmp(const void *key, const void *elem)
{
	return strcasecmp((const char *)key, *(const char *const *)elem);
}

int sigfs_entitlement_known(const char *key)
{
	return bsearch(key, known, sizeof known / sizeof known[0], sizeof known[0], cmp) != NULL;
}
