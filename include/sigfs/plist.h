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
/* Bound of the values in one plist (a dict entry counts its value, not its
 * key; a shared binary-plist object counts each time it is used); more is
 * SIGFS_EMALFORMED. Each value costs some 100 bytes in memory, so 16 MiB of
 * two-byte DER values would otherwise take gigabytes. Entitlements and
 * Info.plist files have hundreds. */
#define SIGFS_PLIST_MAX_VALUES 65536

/* Parse an XML (or binary) plist, e.g. the payload of the slot-5 blob
 * (without its 8-byte blob header) or an embedded __info_plist section. */
int sigfs_plist_from_xml(sigfs_plist **out, const uint8_t *data, size_t len) SIGFS_WUR;

/* Decode Apple's DER plist encoding (payload of the slot-7 blob and of the
 * launch-constraint blobs, without the 8-byte blob header). Also reads the
 * bare layout other signers write for slot 7: the root dict as a DER SET of
 * SEQUENCE {UTF8String key, value}, dicts as SETs, no wrapper or version. */
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

/* ---- reading values (borrowed pointers, valid while the plist lives) ---- */

typedef struct sigfs_pv sigfs_pv;

enum sigfs_pv_type {
	SIGFS_PV_NONE = 0, /* a NULL value */
	SIGFS_PV_DICT,
	SIGFS_PV_ARRAY,
	SIGFS_PV_STRING,
	SIGFS_PV_BOOL,
	SIGFS_PV_INT,
	SIGFS_PV_REAL,
	SIGFS_PV_DATA,
	SIGFS_PV_DATE,
};

const sigfs_pv *sigfs_plist_root(const sigfs_plist *pl);
int sigfs_pv_type(const sigfs_pv *v);
/* Entries of a dict or array (0 for anything else, NULL included). */
size_t sigfs_pv_count(const sigfs_pv *v);
/* Entry i of a dict (key in *key, may be NULL) or array; NULL past the end. */
const sigfs_pv *sigfs_pv_at(const sigfs_pv *v, size_t i, const char **key);
/* The value of `key` in a dict; NULL when absent or v is not a dict. */
const sigfs_pv *sigfs_pv_get(const sigfs_pv *v, const char *key);
/* Bytes of a string (NUL-terminated) or data value; NULL for other types. */
const char *sigfs_pv_bytes(const sigfs_pv *v, size_t *len);
/* 1 for a true bool, 0 otherwise. */
int sigfs_pv_true(const sigfs_pv *v);
/* Integer value; SIGFS_ENOTFOUND when not an integer in int64 range. */
int sigfs_pv_int(const sigfs_pv *v, int64_t *out) SIGFS_WUR;
/* An integer or real as a double; SIGFS_ENOTFOUND for other types. */
int sigfs_pv_number(const sigfs_pv *v, double *out) SIGFS_WUR;
/* A date as seconds since 1970-01-01 UTC; SIGFS_ENOTFOUND for other types. */
int sigfs_pv_date(const sigfs_pv *v, int64_t *unix_s) SIGFS_WUR;
/* 1 when a and b are the same value (dict order ignored, int 1 != bool). */
int sigfs_pv_equal(const sigfs_pv *a, const sigfs_pv *b);
/* One value as an Apple-format XML plist document (like sigfs_plist_to_xml). */
int sigfs_pv_to_xml(sigfs_buf *out, const sigfs_pv *v) SIGFS_WUR;

void sigfs_plist_free(sigfs_plist *pl);

#endif
