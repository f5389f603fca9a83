/* sigfs mount: directory listings, built once at opendir and served by
 * offset, with full attributes where we have them so the kernel
 * (READDIRPLUS) need not look each entry up again. */
#ifndef SIGFS_FS_LISTING_H
#define SIGFS_FS_LISTING_H

#include "mount.h"

struct lent {
	char *name;
	struct stat st;
	int full; /* st is complete (else only the type bits are set) */
};

struct listing {
	struct lent *v;
	size_t n, cap;
	size_t nsig; /* .sig directories added */
};

/* The listing of directory `path` (a FUSE path) into the empty `l`. */
int list_dir(const char *path, struct listing *l);
void listing_free(struct listing *l);

/* Link count of SOURCE directory `rel` (lstat `st`) in the mount: its own
 * plus the .sig directories the mount adds in it (known from a listing of
 * this version of it, else found by listing it). */
nlink_t dir_nlink(const char *rel, const struct stat *st);

#endif
