/* sigfs core: Requirement::Maker (Security: reqmaker.cpp) over a sigfs_buf,
 * for drmaker.c and reqcompile.c (core/reqops.h). */
#include <stdint.h>
#include <string.h>

#include "sigfs/cs_blobs.h"
#include "sigfs/error.h"

#include "reqops.h"

void sigfs_rm_put32(struct sigfs_reqmaker *m, uint32_t v)
{
	uint8_t w[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	sigfs_buf_put(m->b, w, 4);
}

void sigfs_rm_data(struct sigfs_reqmaker *m, const void *p, size_t n)
{
	static const uint8_t zero[4];

	if (n > UINT32_MAX) {
		m->b->oom = 1;
		return;
	}
	sigfs_rm_put32(m, (uint32_t)n);
	sigfs_buf_put(m->b, p, n);
	sigfs_buf_put(m->b, zero, (4 - (n & 3)) & 3);
}

size_t sigfs_rm_pos(const struct sigfs_reqmaker *m)
{
	return m->b->len - m->start;
}

void sigfs_rm_insert32(struct sigfs_reqmaker *m, size_t at, uint32_t v)
{
	size_t abs = m->start + at, tail;

	sigfs_rm_put32(m, v);
	if (m->b->oom || abs + 4 > m->b->len)
		return;
	tail = m->b->len - 4 - abs;
	memmove(m->b->ptr + abs + 4, m->b->ptr + abs, tail);
	m->b->ptr[abs] = (char)(v >> 24);
	m->b->ptr[abs + 1] = (char)(v >> 16);
	m->b->ptr[abs + 2] = (char)(v >> 8);
	m->b->ptr[abs + 3] = (char)v;
}

void sigfs_rm_begin(struct sigfs_reqmaker *m, sigfs_buf *b)
{
	m->b = b;
	m->start = b->len;
	sigfs_rm_put32(m, CSMAGIC_REQUIREMENT);
	sigfs_rm_put32(m, 0); /* length, set by sigfs_rm_end */
	sigfs_rm_put32(m, REQ_EXPR_FORM);
}

int sigfs_rm_end(struct sigfs_reqmaker *m, int rc)
{
	size_t len = m->b->len - m->start;

	if (rc == SIGFS_OK && !m->b->oom && len > UINT32_MAX)
		rc = sigfs_error_set(SIGFS_ENOMEM, "requirement: %zu bytes is too long", len);
	if (rc == SIGFS_OK)
		rc = sigfs_buf_status(m->b);
	if (rc != SIGFS_OK) {
		if (!m->b->oom && m->b->ptr) {
			m->b->len = m->start;
			m->b->ptr[m->start] = '\0';
		}
		return rc;
	}
	m->b->ptr[m->start + 4] = (char)(len >> 24);
	m->b->ptr[m->start + 5] = (char)(len >> 16);
	m->b->ptr[m->start + 6] = (char)(len >> 8);
	m->b->ptr[m->start + 7] = (char)len;
	return SIGFS_OK;
}
