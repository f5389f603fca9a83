/* sigfs mount: which SOURCE entries get a .sig tree, and their loaded
 * signatures and rendered files, through the caches (cache.h). Everything
 * is keyed by the entry's identity and version (dev, ino, size, mtime), so
 * a rebuilt file is never answered from an older one. */
#ifndef SIGFS_FS_LOAD_H
#define SIGFS_FS_LOAD_H

#include "mount.h"

struct sfc_key key_of(const struct stat *st);
int same_version(const struct stat *a, const struct stat *b);

/* 1 when SOURCE entry `rel` (lstat `st`) gets a .sig tree, else 0. */
int is_subject(const char *rel, const struct stat *st);
/* The same for entry `name` of an open directory `dirfd` (a listing): `fd`
 * is the file already open for the probe, or -1. */
int is_subject_at(int dirfd, const char *name, const struct stat *st, int fd);
/* Open `name` beneath `dirfd` only to probe it: O_NONBLOCK, no readahead. */
int open_probe(int dirfd, const char *name);

/* Load (or find in the cache) subject `rel`. `st` is updated to the version
 * actually loaded, so attributes and content agree. 0 or -errno. */
int load_subject(const char *rel, struct stat *st, struct sfc_file **out);

/* The bytes of file `vpath` of the loaded subject `lf`. 0 or -errno. */
int get_blob(struct sfc_file *lf, const char *vpath, struct sfc_blob **out);

#endif
