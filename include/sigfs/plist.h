/* sigfs core: property lists from signatures — XML entitlements, Apple's DER
 * entitlements and launch-constraint encoding — and their renderings.
 *
 * Parsers borrow the caller's bytes; a sigfs_plist is freed with
 * sigfs_plist_free. libplist types never leave core/plist.c. */
#ifndef SIGFS_PLIST_H
#define SIGFS_PLIST_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"

typedef struct sigfs_plist sigfs_plist;

/* Nesting bound of decoded plists; deeper is SIGFS_EMALFORMED. */
#define SIGFS_PLIST_MAX_DEPTH 64

/* Parse an XML (or binary) plist, e.g. the payload of the slot-5 blob
 * (without its 8-byte blob header) or an embedded __info_plist section. */
int sigfs_plist_from_xml(sigfs_plist **out, const uint8_t *data, size_t len) SIGFS_WUR;

/* Decode Apple's DER plist encoding (payload of the slot-7 blob and of the
 * launch-constraint blobs, without the 8-byte blob header). */
int sigfs_plist_from_der(sigfs_plist **out, const uint8_t *der, size_t len) SIGFS_WUR;

/* Apple's XML plist form (header, DOCTYPE, tab-indented, trailing newline). */
int sigfs_plist_to_xml(sigfs_buf *out, const sigfs_plist *pl) SIGFS_WUR;

/* One JSON value (an object for a dict), newline-terminated. Data is base64,
 * dates ISO 8601 UTC strings. */
int sigfs_plist_to_json(sigfs_buf *out, const sigfs_plist *pl) SIGFS_WUR;

/* codesign's modern human form ([Dict], [Key], [Value], [String], [Bool] …). */
int sigfs_plist_to_text(sigfs_buf *out, const sigfs_plist *pl) SIGFS_WUR;

/* Number of entries if the root is a dictionary, else 0. */
size_t sigfs_plist_dict_count(const sigfs_plist *pl);

void sigfs_plist_free(sigfs_plist *pl);

#endif
