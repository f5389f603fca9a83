/* sigfs core: a bounded cursor over untrusted bytes (after BoringSSL's CBS).
 *
 * A cursor borrows {p, len}. Every getter returns 1 on success and 0 when the
 * bytes are not there, and leaves the cursor untouched when it fails. Integers
 * are assembled byte by byte: no casts of file bytes to structs. Offsets read
 * from a blob are resolved only against that blob (sigfs_cur_at). */
#ifndef SIGFS_CURSOR_H
#define SIGFS_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sigfs/error.h"

typedef struct sigfs_cur {
	const uint8_t *p;
	size_t len;
} sigfs_cur;

static inline void sigfs_cur_init(sigfs_cur *c, const void *p, size_t len)
{
	c->p = (const uint8_t *)p;
	c->len = p ? len : 0;
}

static inline SIGFS_WUR int sigfs_cur_skip(sigfs_cur *c, size_t n)
{
	if (c->len < n)
		return 0;
	c->p += n;
	c->len -= n;
	return 1;
}

/* Take the next n bytes as `out` and advance past them. */
static inline SIGFS_WUR int sigfs_cur_sub(sigfs_cur *c, sigfs_cur *out, size_t n)
{
	if (c->len < n)
		return 0;
	out->p = c->p;
	out->len = n;
	c->p += n;
	c->len -= n;
	return 1;
}

/* The n bytes at offset off of c, without moving c. Overflow-safe. */
static inline SIGFS_WUR int sigfs_cur_at(const sigfs_cur *c, uint64_t off, uint64_t n, sigfs_cur *out)
{
	if (off > c->len || n > c->len - off)
		return 0;
	out->p = c->p + off;
	out->len = (size_t)n;
	return 1;
}

/* Copy n bytes out. */
static inline SIGFS_WUR int sigfs_cur_copy(sigfs_cur *c, void *dst, size_t n)
{
	if (c->len < n)
		return 0;
	memcpy(dst, c->p, n);
	c->p += n;
	c->len -= n;
	return 1;
}

static inline SIGFS_WUR int sigfs_cur_u8(sigfs_cur *c, uint8_t *v)
{
	if (c->len < 1)
		return 0;
	*v = c->p[0];
	c->p++;
	c->len--;
	return 1;
}

static inline SIGFS_WUR int sigfs_cur_be32(sigfs_cur *c, uint32_t *v)
{
	if (c->len < 4)
		return 0;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->len -= 4;
	return 1;
}

static inline SIGFS_WUR int sigfs_cur_le32(sigfs_cur *c, uint32_t *v)
{
	if (c->len < 4)
		return 0;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	c->len -= 4;
	return 1;
}

static inline SIGFS_WUR int sigfs_cur_be64(sigfs_cur *c, uint64_t *v)
{
	uint32_t hi, lo;
	sigfs_cur save = *c;

	if (!sigfs_cur_be32(c, &hi) || !sigfs_cur_be32(c, &lo)) {
		*c = save;
		return 0;
	}
	*v = (uint64_t)hi << 32 | lo;
	return 1;
}

static inline SIGFS_WUR int sigfs_cur_le64(sigfs_cur *c, uint64_t *v)
{
	uint32_t hi, lo;
	sigfs_cur save = *c;

	if (!sigfs_cur_le32(c, &lo) || !sigfs_cur_le32(c, &hi)) {
		*c = save;
		return 0;
	}
	*v = (uint64_t)hi << 32 | lo;
	return 1;
}

#endif
