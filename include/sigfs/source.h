/* sigfs core: what the core reads through. The core never opens, stats or
 * lists anything itself: both frontends implement this over a directory fd
 * (openat with O_NOFOLLOW | O_NONBLOCK, fstatat AT_SYMLINK_NOFOLLOW,
 * readlinkat), tests and fuzzers implement it in memory (sigfs/memsource.h).
 *
 * A source is rooted at one entry of SOURCE: a Mach-O file, a bundle
 * directory, a profile. Member paths are relative to that root,
 * '/'-separated, without a leading slash and without "." or ".." components;
 * "" is the root itself (for a file root: the file). Symbolic links are never
 * followed, not even in the middle of a path: a member below a symlink is
 * SIGFS_ENOTFOUND.
 *
 * Every call may be made from any thread; an implementation keeps no
 * per-call state in the struct. */
#ifndef SIGFS_SOURCE_H
#define SIGFS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/error.h"

/* Entry types, as the S_IFMT bits of lstat (portable names). */
enum sigfs_ftype {
	SIGFS_FT_OTHER = 0, /* FIFO, socket, device: never read */
	SIGFS_FT_REG = 1,
	SIGFS_FT_DIR = 2,
	SIGFS_FT_LNK = 3,
};

struct sigfs_stat {
	int type;	   /* enum sigfs_ftype */
	uint32_t mode;	   /* permission bits (07777) */
	uint64_t size;	   /* bytes; a symlink: length of its target */
	uint64_t dev, ino; /* identity, for cache keys and hard links */
	int64_t mtime_ns;  /* modification time, ns since the epoch */
	int64_t ctime_ns;
};

/* Called once per directory entry (never "." or ".."); a non-zero return
 * stops the listing and is returned by list(). */
typedef int (*sigfs_entry_fn)(void *arg, const char *name, const struct sigfs_stat *st);

/* Errors: SIGFS_ENOTFOUND (no such member, or a symlink on the way),
 * SIGFS_EACCES (permission), SIGFS_EIO (I/O error, vanished while read, not
 * a regular file for read()), SIGFS_ESTALE (a frontend that pins the version
 * a subject was loaded from: the file is another version now — never judged
 * as unreadable or modified, the frontend loads again), SIGFS_ENOMEM. */
typedef struct sigfs_source {
	void *ctx;
	/* Read up to `len` bytes of regular member `rel` at `off` into `dst`;
	 * *got is set to the bytes read, short only at end of file. Never
	 * blocks on a FIFO or device (those are SIGFS_EIO). */
	int (*read)(void *ctx, const char *rel, uint64_t off, void *dst, size_t len, size_t *got);
	/* lstat of member `rel`. */
	int (*stat)(void *ctx, const char *rel, struct sigfs_stat *st);
	/* Entries of directory `rel`, in no particular order (callers sort). At
	 * most SIGFS_SOURCE_MAX_ENTRIES entries; past that SIGFS_EUNSUPPORTED. */
	int (*list)(void *ctx, const char *rel, sigfs_entry_fn fn, void *arg);
	/* Target of symlink `rel` into buf (NUL-terminated); *len without the
	 * NUL. SIGFS_EMALFORMED when longer than cap - 1. */
	int (*readlink)(void *ctx, const char *rel, char *buf, size_t cap, size_t *len);
	/* Optional (NULL: the source keeps no extended attributes). Whether
	 * member `rel` (never followed) has the extended attribute Apple calls
	 * `name` ("com.apple.FinderInfo"): *present 1 or 0. A frontend looks
	 * where its platform keeps it (fs/tree.c: macOS as is, Linux with
	 * a user. or osx. prefix). */
	int (*xattr)(void *ctx, const char *rel, const char *name, int *present);
} sigfs_source;

#define SIGFS_SOURCE_MAX_ENTRIES 1000000

/* Read exactly `len` bytes of `rel` at `off`: a short read is SIGFS_EIO (the
 * file shrank). The one read loop of the core. */
int sigfs_source_read_exact(const sigfs_source *src, const char *rel, uint64_t off, void *dst,
			    size_t len) SIGFS_WUR;

#endif
