/* sigfs mount: the state of the mounted file system, shared by the other
 * files of the FUSE frontend, and the helpers every handler uses (the one
 * errno map, attributes of virtual entries).
 *
 * The frontend, file by file: main.c (options, SOURCE and MOUNTPOINT
 * checks, fuse_main), ops.c (the one struct fuse_operations), resolve.c
 * (FUSE path -> SOURCE entry or .sig node), listing.c (directory listings),
 * load.c (probe, load and render through the caches), cache.c (the caches),
 * tree.c (SOURCE on disk as a sigfs_source; shared with sigfs-export). */
#ifndef SIGFS_FS_MOUNT_H
#define SIGFS_FS_MOUNT_H

#include "compat.h"

#include <stdint.h>

#include "anchors.h"
#include "cache.h"
#include "sigfs/tree.h"
#include "tree.h"

enum cache_mode { CACHE_NEVER, CACHE_AUTO, CACHE_ALWAYS };

/* Read-only after main() except the caches, which guard themselves. */
struct sigfs_mount {
	sigfs_fstree *tree;	  /* SOURCE */
	sigfs_source src;	  /* SOURCE as the core reads it (tree.c) */
	sigfs_subject_opts sopts; /* what the trees show (-o arch=, anchors=, root name) */
	sigfs_anchors *anchors;	  /* -o anchors=: user roots, for the process lifetime */
	char *single;		  /* SOURCE is one file: the name it has at the root */
	const char *arch;	  /* -o arch= or NULL */
	const char *suffix;
	size_t suffix_len;
	int sigonly;
	int debug;
	enum cache_mode cache_mode;
	struct sfc *cache;   /* NULL with cache=never */
	double attr_timeout; /* the kernel's, ours or the user's -o attr_timeout= */
};

extern struct sigfs_mount g;

/* The one map of core errors to -errno. */
int core_errno(int rc);
/* core_errno(rc), after a note on stderr under -d. */
int core_fail(int rc, const char *what, const char *name);

/* Attributes of a virtual entry at `vpath` inside F.sig/ (F: stat `f`, in
 * a directory of mode `pmode`) of node kind `node` (SIGFS_NODE_DIR, _FILE,
 * _LINK): F's owner and times, its read bits; directories add the matching
 * search bits and the owner-write bit of F's directory (so a copy made with
 * cp -a can be deleted by whoever could delete F), and link count 2 (the
 * caller adds subdirectories). Inode numbers are stable (a hash of F's
 * inode and vpath) and have the top bit set, which SOURCE's never have. */
uint64_t vino(const struct stat *f, const char *vpath);
void virt_stat(struct stat *st, const struct stat *f, mode_t pmode, int node, off_t size, const char *vpath);

#endif
