#include "sigfs/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

static int grow(sigfs_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return 0;
	if (extra > SIGFS_BUF_MAX || b->len > SIGFS_BUF_MAX - extra) {
		b->oom = SIGFS_BUF_TOOBIG;
		return 0;
	}
	if (b->sink) {
		b->len += extra;
		return 0;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->ptr, cap);
	if (!p) {
		b->oom = SIGFS_BUF_NOMEM;
		return 0;
	}
	b->ptr = p;
	b->cap = cap;
	return 1;
}

void sigfs_buf_put(sigfs_buf *b, const void *p, size_t n)
{
	if (n == 0 || !grow(b, n))
		return;
	memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void sigfs_buf_puts(sigfs_buf *b, const char *s)
{
	sigfs_buf_put(b, s, strlen(s));
}

void sigfs_buf_putc(sigfs_buf *b, char c)
{
	sigfs_buf_put(b, &c, 1);
}

void sigfs_buf_printf(sigfs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = SIGFS_BUF_NOMEM;
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sigfs_buf_hex(sigfs_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (n > SIGFS_BUF_MAX / 2) {
		b->oom = b->oom ? b->oom : SIGFS_BUF_TOOBIG;
		return;
	}
	if (!grow(b, 2 * n))
		return;
	for (i = 0; i < n; i++) {
		b->ptr[b->len++] = digits[p[i] >> 4];
		b->ptr[b->len++] = digits[p[i] & 15];
	}
	b->ptr[b->len] = '\0';
}

void sigfs_buf_time(sigfs_buf *b, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm)) {
		sigfs_buf_puts(b, "invalid-time");
		return;
	}
	sigfs_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void sigfs_buf_pem(sigfs_buf *b, const char *label, const uint8_t *der, size_t len)
{
	unsigned char line[65];
	size_t off, n;

	sigfs_buf_printf(b, "-----BEGIN %s-----\n", label);
	for (off = 0; off < len; off += n) {
		n = len - off < 48 ? len - off : 48;
		sigfs_buf_put(b, line, (size_t)EVP_EncodeBlock(line, der + off, (int)n));
		sigfs_buf_putc(b, '\n');
	}
	sigfs_buf_printf(b, "-----END %s-----\n", label);
}

int sigfs_buf_status(const sigfs_buf *b)
{
	if (b->oom == SIGFS_BUF_TOOBIG)
		return sigfs_error_set(
		    SIGFS_EMALFORMED, "generated content would exceed the bound of %zu bytes", SIGFS_BUF_MAX);
	if (b->oom)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory generating content (%zu bytes so far)",
				       b->len);
	return SIGFS_OK;
}

void sigfs_buf_clear(sigfs_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *sigfs_buf_detach(sigfs_buf *b, size_t *len)
{
	char *p = b->ptr;

	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	b->sink = 0;
	return p;
}

void sigfs_buf_free(sigfs_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}
