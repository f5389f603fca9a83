/* sigfs mount: directory listings, built once at opendir and served by
 * offset, with full attributes where we have them so the kernel
 * (READDIRPLUS) need not look each entry up again. */
#ifndef SIGFS_FS_LISTING_H
#define SIGFS_FS_LISTING_H

#include <stdatomic.h>

#include "mount.h"

struct lent {
	char *name;
	struct stat st;
	int full; /* st is complete (else only the type bits are set) */
};

/* Immutable once built; shared (refcounted) between the handles of one
 * directory version opened within the attribute timeout. */
struct listing {
	struct lent *v;
	size_t n, cap;
	size_t nsig; /* .sig directories added */
	atomic_ulong refs;
};

/* The listing of directory `path` (a FUSE path): a reference the caller
 * drops with listing_unref. 0 or -errno. */
int list_dir(const char *path, struct listing **out);
void listing_unref(struct listing *l);
/* Drop the listings kept for reuse (at unmount). */
void listing_cache_clear(void);

/* Link count of SOURCE directory `rel` (lstat `st`) in the mount: its own
 * plus the .sig directories the mount adds in it (known from a listing of
 * this version of it, else found by listing it). */
nlink_t dir_nlink(const char *rel, const struct stat *st);
/* Link count of F.sig/ (F: SOURCE entry `rel`, stat `st`) without loading
 * F's signature: exact when the subject is loaded already, else 1 — "not
 * counted", as btrfs and NFS give for directories, which find and fts take
 * to mean "look at every entry". So fts's lstat of every F.sig, a file
 * manager's listing and READDIRPLUS cost no signature parse. */
nlink_t sig_nlink(const char *rel, const struct stat *st);

#endif
