/* sigfs mount: a FUSE path ("/a/F.sig/x") as a SOURCE entry or a node of a
 * .sig tree. Paths in SOURCE go through tree.c, which never follows a
 * symlink and never climbs out of SOURCE. */
#ifndef SIGFS_FS_RESOLVE_H
#define SIGFS_FS_RESOLVE_H

#include <limits.h>

#include "mount.h"

enum node_kind {
	NODE_ROOT,  /* the mount root of a directory SOURCE */
	NODE_VROOT, /* the mount root of a single-file SOURCE (holds F, F.sig) */
	NODE_REAL,  /* the SOURCE entry `rel` */
	NODE_VIRT,  /* `vpath` inside the .sig tree of subject `rel` */
};

struct node {
	enum node_kind kind;
	struct stat st;		 /* REAL: the entry; VIRT: the subject; roots: the root */
	mode_t pmode;		 /* VIRT, VROOT: mode of the directory holding the subject */
	char rel[SIGFS_REL_MAX]; /* SOURCE-relative path ("" for the root or a single file) */
	char vpath[PATH_MAX];	 /* VIRT: path inside the .sig tree ("" = F.sig) */
};

/* Resolve FUSE path `path` into `n`: 0 or -errno. */
int resolve(const char *path, struct node *n);

#endif
