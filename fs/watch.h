/* sigfs mount: watching SOURCE for changes (Linux inotify), so the kernel
 * drops what it cached of a changed entry — its attributes, its pages, and
 * the files of its .sig tree — within milliseconds instead of at the end
 * of the attribute timeout. Bounded: only directories the mount has listed
 * (the ones the kernel holds entries of) are watched, at most WATCH_MAX of
 * them; past that, changes are still caught when a file is opened or read
 * (ops.c). Elsewhere a no-op. */
#ifndef SIGFS_FS_WATCH_H
#define SIGFS_FS_WATCH_H

void watch_start(void);
void watch_stop(void);
/* Watch SOURCE directory `rel`, open as `dirfd`. */
void watch_dir(const char *rel, int dirfd);

#endif
