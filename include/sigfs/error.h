/* sigfs core: error codes and the thread-local "what and where" message.
 *
 * Every core function that can fail returns one of these codes (0 on success).
 * SIGFS_ENOTFOUND is an expected answer ("no entitlements"), not a failure.
 * On any other failure a message is left in a thread-local buffer, readable
 * with sigfs_error_last() until the next sigfs_error_set() on that thread. */
#ifndef SIGFS_ERROR_H
#define SIGFS_ERROR_H

enum {
	SIGFS_OK = 0,
	SIGFS_ENOTFOUND = -1,	 /* the thing asked for is absent */
	SIGFS_EMALFORMED = -2,	 /* the bytes do not follow the format */
	SIGFS_EUNSUPPORTED = -3, /* valid, but not something sigfs handles */
	SIGFS_ENOMEM = -4,	 /* allocation failed (a size bound hit is EMALFORMED) */
	SIGFS_EIO = -5,		 /* reading the source failed (vanished, shrank) */
	SIGFS_EACCES = -6,	 /* the source refused access (permissions) */
	SIGFS_ESTALE = -7,	 /* the source changed since the subject was loaded: load again */
};

#if defined(__GNUC__)
#define SIGFS_WUR	   __attribute__((warn_unused_result))
#define SIGFS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIGFS_WUR
#define SIGFS_PRINTF(a, b)
#endif

/* Record a message for `code` and return `code`, so callers can write
 * `return sigfs_error_set(SIGFS_EMALFORMED, "superblob: ...", ...);`. */
int sigfs_error_set(int code, const char *fmt, ...) SIGFS_PRINTF(2, 3);

/* The last message set on this thread ("" if none). Owned by the library. */
const char *sigfs_error_last(void);

void sigfs_error_clear(void);

/* A short English name of a code ("malformed", "not found", ...). */
const char *sigfs_error_name(int code);

#endif
