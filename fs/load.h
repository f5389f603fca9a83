/* sigfs mount: which SOURCE entries are subjects (get a .sig tree), their
 * loaded subjects and rendered files, through the caches (cache.h).
 * Everything is keyed by the entry's identity and version (dev, ino, size,
 * mtime), so a rebuilt file is never answered from an older one. Kinds are
 * the core's business (sigfs_probe): nothing here knows Mach-O from bundle. */
#ifndef SIGFS_FS_LOAD_H
#define SIGFS_FS_LOAD_H

#include "mount.h"

struct sfc_key key_of(const struct stat *st);
/* The cache key of the subject at SOURCE-relative `rel`: key_of, the path
 * and, for a file, the versions of the bundle files its .sig/ reads. */
struct sfc_key subject_key(const struct stat *st, const char *rel);
int same_version(const struct stat *a, const struct stat *b);

/* The kind (enum sigfs_kind) of SOURCE entry `rel` (lstat `st`);
 * SIGFS_KIND_NONE when it gets no .sig. `fd` is the entry already open for
 * reading (a listing's prefetch), or -1. */
int probe_entry(const char *rel, const struct stat *st, int fd);
/* Open `name` beneath `dirfd` only to probe it: O_NONBLOCK, no readahead. */
int open_probe(int dirfd, const char *name);

/* Tell the user, once per mount, that `rel` cannot be read by the mounting
 * user (so it gets no .sig, which silence would pass off as "no Mach-O"). */
void note_unreadable(const char *rel);

/* Load (or find in the cache) subject `rel`. `st` is updated to the version
 * actually loaded, so attributes and content agree. 0 or -errno. */
int load_subject(const char *rel, struct stat *st, struct sfc_file **out);

/* The bytes of file or link `vpath` of the loaded subject `lf`, rendered
 * from exactly the version loaded. 0 or -errno. */
int get_blob(struct sfc_file *lf, const char *vpath, struct sfc_blob **out);

/* Link count of virtual directory `vpath` of subject `s`: 2 + its
 * subdirectories. */
nlink_t virt_nlink(const sigfs_subject *s, const char *vpath);

#endif
