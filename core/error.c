#include "sigfs/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_msg[512];

int sigfs_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof last_msg, fmt, ap);
	va_end(ap);
	return code;
}

const char *sigfs_error_last(void)
{
	return last_msg;
}

void sigfs_error_clear(void)
{
	last_msg[0] = '\0';
}

const char *sigfs_error_name(int code)
{
	switch (code) {
	case SIGFS_OK: return "ok";
	case SIGFS_ENOTFOUND: return "not found";
	case SIGFS_EMALFORMED: return "malformed";
	case SIGFS_EUNSUPPORTED: return "unsupported";
	case SIGFS_ENOMEM: return "out of memory";
	case SIGFS_EIO: return "I/O error";
	case SIGFS_EACCES: return "permission denied";
	case SIGFS_ESTALE: return "changed while read";
	}
	return "unknown error";
}
