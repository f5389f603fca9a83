/* sigfs mount: the files each process has open, so its fstat answers the
 * version it reads.
 *
 * Linux sends fstat(2) of a FUSE file as a GETATTR of the path, without
 * the file handle: once SOURCE replaced F, the kernel would hand the reader
 * of an open F.sig/x (or of F itself) the size of the new version while it
 * reads the old one, and tar or rsync, which read exactly st_size bytes,
 * store one version cut to the other's size without a word. So every open
 * handle is registered under its path and the opening process, and a
 * GETATTR from that process answers the handle's own attributes, as a
 * local file system's fstat does; other processes see the path's current
 * version. Memory: one entry per open handle (the kernel bounds those). */
#ifndef SIGFS_FS_OPENED_H
#define SIGFS_FS_OPENED_H

#include <sys/stat.h>
#include <sys/types.h>

struct opened {
	struct opened *next; /* in its bucket */
	char *path;	     /* FUSE path, owned */
	pid_t pid;	     /* the process that opened it */
	int fd;		     /* a mirrored file's fd, or -1: `st` holds the attributes */
	struct stat st;
};

/* Register `o` (path and pid set by the caller); 0 or -ENOMEM. */
int opened_add(struct opened *o);
/* Unregister `o` (no-op if it was never added). */
void opened_remove(struct opened *o);
/* The attributes of the newest handle `pid` holds open on `path`: 1 and
 * `st` filled, or 0 when it holds none. */
int opened_stat(const char *path, pid_t pid, struct stat *st);

#endif
