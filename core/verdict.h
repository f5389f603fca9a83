/* sigfs core (internal): recording a slice's verdict (sigfs/verify.h) — the
 * check lines and the CMS side of verification (cms_verify.c), shared by
 * verify.c and cms_verify.c. */
#ifndef SIGFS_CORE_VERDICT_H
#define SIGFS_CORE_VERDICT_H

#include "internal.h"
#include "sigfs/trust.h"
#include "sigfs/verify.h"

/* Append one check line (silently dropped past SIGFS_VERIFY_MAX_CHECKS). */
void sigfs_check_add(struct sigfs_slice_verdict *sv, const char *name, int result, const char *fmt, ...)
    SIGFS_PRINTF(4, 5);

/* The CMS over the slot-0 CodeDirectory of `s` (not ad-hoc), Apple's
 * SecStaticCode::verifySignature offline: records the lines cms,
 * cms-cdhashes, cms-cdhashes2, chain, team-id, validity, timestamp and
 * returns the first OSStatus Apple would throw (0 when none). Also keeps the
 * CDHashes attributes in sv. Only SIGFS_ENOMEM is an error (*status is then
 * unset). */
int sigfs_cms_verify(struct sigfs_slice_verdict *sv, const struct sigfs_slice *s,
		     const sigfs_anchors *anchors, int64_t now, int *status) SIGFS_WUR;

/* The CDHashes attribute (1.2.840.113635.100.9.1): an XML plist
 * {cdhashes = [<data>...]}. Each element is compared in order with want[i]
 * (the 20-byte truncated cdhashes sorted by ascending hash type). 1 equal,
 * 0 different, SIGFS_EMALFORMED when it is no such plist. */
int sigfs_cdhashes_plist_check(const uint8_t *plist, size_t len, const uint8_t (*want)[CS_CDHASH_LEN],
			       size_t nwant) SIGFS_WUR;

/* One value of the CDHashes2 attribute (1.2.840.113635.100.9.2), DER
 * SEQUENCE { OBJECT IDENTIFIER digestAlgorithm, OCTET STRING cdhash }, into
 * *out (alg named "sha256" etc., else the dotted OID). SIGFS_EMALFORMED. */
int sigfs_cdhash2_parse(const uint8_t *der, size_t len, struct sigfs_cdhash2 *out) SIGFS_WUR;

#endif
