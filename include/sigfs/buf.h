/* sigfs core: a caller-owned growable byte buffer for generated content.
 *
 * Appending never fails loudly: on allocation failure (or past SIGFS_BUF_MAX)
 * the buffer sets `oom` and ignores further appends, so a renderer can append
 * freely and check once with sigfs_buf_status() at the end.
 *
 * A sink (SIGFS_BUF_SINK) stores nothing and only counts `len`: validating
 * a payload runs the renderer itself into a sink, so what validates renders,
 * in the time of rendering and no memory. */
#ifndef SIGFS_BUF_H
#define SIGFS_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/error.h"

/* No generated file is ever larger than this. */
#define SIGFS_BUF_MAX ((size_t)256 << 20)

typedef struct sigfs_buf {
	char *ptr; /* NUL-terminated when len > 0 (the NUL is not counted) */
	size_t len;
	size_t cap;
	int oom;  /* SIGFS_BUF_NOMEM or SIGFS_BUF_TOOBIG once an append failed */
	int sink; /* count only: ptr stays NULL */
} sigfs_buf;

enum { SIGFS_BUF_NOMEM = 1, SIGFS_BUF_TOOBIG = 2 };

#define SIGFS_BUF_INIT                                                                                       \
	{                                                                                                    \
		NULL, 0, 0, 0, 0                                                                             \
	}
#define SIGFS_BUF_SINK                                                                                       \
	{                                                                                                    \
		NULL, 0, 0, 0, 1                                                                             \
	}

void sigfs_buf_put(sigfs_buf *b, const void *p, size_t n);
void sigfs_buf_puts(sigfs_buf *b, const char *s);
void sigfs_buf_putc(sigfs_buf *b, char c);
void sigfs_buf_printf(sigfs_buf *b, const char *fmt, ...) SIGFS_PRINTF(2, 3);
/* Lowercase hex of n bytes. */
void sigfs_buf_hex(sigfs_buf *b, const uint8_t *p, size_t n);
/* A time (seconds since the epoch) as ISO 8601 UTC, 2022-07-23T14:30:34Z. */
void sigfs_buf_time(sigfs_buf *b, int64_t t);
/* A DER object as PEM (RFC 7468: base64 lines of 64 characters), e.g.
 * label "CERTIFICATE". */
void sigfs_buf_pem(sigfs_buf *b, const char *label, const uint8_t *der, size_t len);
/* SIGFS_OK; SIGFS_ENOMEM (with a message) if an allocation failed;
 * SIGFS_EMALFORMED if the content would pass SIGFS_BUF_MAX (a bound hit by
 * what a file says, not a shortage of memory). */
int sigfs_buf_status(const sigfs_buf *b) SIGFS_WUR;
/* Empty the buffer, keeping its storage. */
void sigfs_buf_clear(sigfs_buf *b);
/* Hand the storage to the caller (free() it); the buffer is reset. */
char *sigfs_buf_detach(sigfs_buf *b, size_t *len);
void sigfs_buf_free(sigfs_buf *b);

#endif
