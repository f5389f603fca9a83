/* sigfs frontends: SOURCE on disk as a sigfs_source (sigfs/source.h), and
 * the few native calls both frontends need beside it. No FUSE here: the
 * mount (fs/) and sigfs-export (fs/export.c) both build on this file.
 *
 * A tree is rooted at SOURCE: a directory (members are paths beneath it) or
 * one regular file (its only member is ""). Every member is reached without
 * following a symlink anywhere on the way (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS where the kernel has it, else one component at a time
 * with O_NOFOLLOW), so neither a symlink in SOURCE nor one swapped in while
 * reading leads outside it. Files are opened O_NONBLOCK and checked to be
 * regular after the open: a FIFO or device swapped in after a stat is never
 * read and never blocks the caller.
 *
 * Thread-safe: the tree holds only its root fd. */
#ifndef SIGFS_FS_TREE_H
#define SIGFS_FS_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include "sigfs/source.h"

typedef struct sigfs_fstree sigfs_fstree;

/* Longest member path (bytes, with the NUL): deeper than PATH_MAX, as
 * SOURCE trees can be (each component is at most NAME_MAX). */
#define SIGFS_REL_MAX 32768

/* Open SOURCE at `path` (followed if it is itself a symlink: the user named
 * it). 0, or -errno (ENOTDIR-like: -EINVAL when it is neither a directory
 * nor a regular file). */
int sigfs_fstree_open(sigfs_fstree **out, const char *path);
void sigfs_fstree_close(sigfs_fstree *t);

/* The source view (valid while t lives). */
void sigfs_fstree_source(sigfs_fstree *t, sigfs_source *out);

/* 1 when SOURCE is a single file (its member is ""), else 0. */
int sigfs_fstree_is_file(const sigfs_fstree *t);

/* The native calls, -errno on failure (ENOENT also for a symlink on the way
 * and for a malformed `rel`). */
int sigfs_fstree_lstat(const sigfs_fstree *t, const char *rel, struct stat *st);
/* The same, and the stat of the directory holding `rel` into *parent (for
 * the root itself: the root). */
int sigfs_fstree_lstat2(const sigfs_fstree *t, const char *rel, struct stat *st, struct stat *parent);
/* Open regular member `rel` for reading: returns the fd (O_NONBLOCK,
 * O_CLOEXEC) and its fstat in *st; -EINVAL when it is not a regular file. */
int sigfs_fstree_open_file(const sigfs_fstree *t, const char *rel, struct stat *st);
/* Open directory member `rel` for listing (fdopendir takes it). */
int sigfs_fstree_open_dir(const sigfs_fstree *t, const char *rel);
/* Target of symlink `rel`, NUL-terminated; the length, or -errno
 * (-ENAMETOOLONG when it does not fit in cap - 1). */
ssize_t sigfs_fstree_readlink(const sigfs_fstree *t, const char *rel, char *buf, size_t cap);

/* Extended attributes of member `rel` (never following a symlink):
 * lgetxattr / llistxattr semantics (size 0 asks for the length). The
 * length, or -errno (-ENOTSUP where the platform has none). */
ssize_t sigfs_fstree_getxattr(const sigfs_fstree *t, const char *rel, const char *name, void *buf,
			      size_t size);
ssize_t sigfs_fstree_listxattr(const sigfs_fstree *t, const char *rel, char *buf, size_t size);

/* statvfs of the file system holding SOURCE. 0 or -errno. */
int sigfs_fstree_statvfs(const sigfs_fstree *t, struct statvfs *sv);

/* The one pread loop: up to `len` bytes at `off`, short only at end of
 * file. The bytes read, or -errno. */
ssize_t sigfs_fd_pread(int fd, void *dst, size_t len, uint64_t off);

/* A struct stat as the core's struct sigfs_stat. */
void sigfs_fstree_to_sigstat(const struct stat *st, struct sigfs_stat *out);

#endif
