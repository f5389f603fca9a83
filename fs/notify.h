/* sigfs mount: telling the kernel that what it cached of a path is stale
 * (attributes and pages), from a thread of its own: a handler that notified
 * the kernel itself could wait on a page lock held by a reader whose READ
 * no free daemon thread can serve. Paths are queued (bounded; when the
 * queue is full the oldest is dropped, and the handles that found the
 * change use direct I/O anyway) and invalidated in order. A no-op with the
 * libfuse 2.9 API, which has no invalidation call. */
#ifndef SIGFS_FS_NOTIFY_H
#define SIGFS_FS_NOTIFY_H

/* Start the thread (from the init handler, which knows the struct fuse);
 * stop it at destroy. */
void notify_start(void);
void notify_stop(void);
/* Queue FUSE path `path` for invalidation. */
void notify_path(const char *path);
/* The same, and wait until the kernel has been told (at most `wait_ms`):
 * for a handler that is about to serve another version than the kernel may
 * hold. The wait is bounded, so a notice stuck behind a page lock never
 * holds the handler. */
void notify_path_wait(const char *path, int wait_ms);

#endif
