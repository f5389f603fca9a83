/* sigfs core: a sigfs_source over a tree held in memory, for tests and
 * fuzzers. Build it with sigfs_mem_add_*; parent directories are created as
 * needed. Not thread-safe while being built; read-only use is. */
#ifndef SIGFS_MEMSOURCE_H
#define SIGFS_MEMSOURCE_H

#include "sigfs/source.h"

typedef struct sigfs_memtree sigfs_memtree;

/* A tree whose root is a directory, or (root_is_file) a single regular file
 * added afterwards as "". */
sigfs_memtree *sigfs_mem_new(int root_is_file);
void sigfs_mem_free(sigfs_memtree *t);

/* Add a regular file (bytes copied), a symlink, a directory, or an entry of
 * another type (FIFO: never readable). `mode` is the permission bits; a
 * file with mode 0 reads as SIGFS_EACCES. */
int sigfs_mem_add_file(sigfs_memtree *t, const char *rel, const void *p, size_t n, uint32_t mode) SIGFS_WUR;
int sigfs_mem_add_symlink(sigfs_memtree *t, const char *rel, const char *target) SIGFS_WUR;
int sigfs_mem_add_dir(sigfs_memtree *t, const char *rel) SIGFS_WUR;
int sigfs_mem_add_other(sigfs_memtree *t, const char *rel) SIGFS_WUR;
/* Give entry `rel` the extended attribute `name` (what xattr() answers). */
int sigfs_mem_add_xattr(sigfs_memtree *t, const char *rel, const char *name) SIGFS_WUR;
/* Remove an entry (and, for a directory, everything under it). */
int sigfs_mem_remove(sigfs_memtree *t, const char *rel);

/* The source view of the tree (valid while t lives). */
void sigfs_mem_source(sigfs_memtree *t, sigfs_source *out);

#endif
