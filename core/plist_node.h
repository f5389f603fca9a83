/* sigfs core, private to the plist files: the one tree every plist parser
 * builds and every renderer reads (see plist.c for the formats).
 *   plist.c      the tree, key order, the value API (sigfs_pv_*)
 *   plist_der.c  Apple's DER encoding (our own strict reader)
 *   plist_in.c   XML and binary plists through libplist, bounded first
 *   plist_out.c  Apple's XML form, JSON, codesign's human form */
#ifndef SIGFS_CORE_PLIST_NODE_H
#define SIGFS_CORE_PLIST_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/plist.h"

/* No plist sigfs reads (entitlements, constraints, __info_plist) comes near. */
#define PLIST_MAX_INPUT ((size_t)16 << 20)

/* Seconds between 1970-01-01 and 2001-01-01 (CFAbsoluteTime's epoch). */
#define MAC_EPOCH_OFFSET 978307200.0

enum ntype { N_DICT, N_ARRAY, N_STRING, N_BOOL, N_INT, N_REAL, N_DATA, N_DATE };

struct node {
	enum ntype type;
	union {
		struct {
			struct node **items;
			char **keys; /* N_DICT only; parallel to items */
			size_t n, cap;
		} c;
		struct {
			char *p; /* NUL-terminated for strings */
			size_t len;
		} s;
		int b;
		struct {
			uint64_t v;
			int neg; /* value is (int64_t)v, which is < 0 */
		} i;
		double r; /* N_REAL, and N_DATE as seconds since 2001-01-01 UTC */
	} u;
};

struct sigfs_plist {
	struct node *root;
};

/* ---- plist.c: the tree ---- */
void sigfs_pl_free_node(struct node *n);
/* *out = a plist owning `root` (freed on failure): SIGFS_OK or ENOMEM. */
int sigfs_pl_wrap(sigfs_plist **out, struct node *root);
struct node *sigfs_pl_new_node(enum ntype type);
/* Append item (and key for dicts; both owned by the container on success);
 * 0 on allocation failure. */
int sigfs_pl_append(struct node *c, char *key, struct node *item);
/* A NUL-terminated copy of p[0..len), or NULL. */
char *sigfs_pl_memdup0(const void *p, size_t len);
/* Offset of the first byte that is not well-formed UTF-8 or is NUL; len if
 * none. */
size_t sigfs_pl_utf8_bad_at(const uint8_t *p, size_t len);
/* SIGFS_OK, or SIGFS_EMALFORMED naming `what` and `at` for a key twice. */
int sigfs_pl_check_unique(const struct node *dict, size_t at, const char *what);
/* The entries of a dict in CFStringCompare order (free() the array); NULL
 * on allocation failure. */
struct keyref {
	const char *key;
	size_t idx;
};
struct keyref *sigfs_pl_sorted_keys(const struct node *dict);

#endif
