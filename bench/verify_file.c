/* verify-file FILE... — judge each Mach-O FILE with the core's verifier
 * (core/verify.c) and print `<status line>` per file; for bench/verify.py,
 * which times it against sha256sum over the same bytes. Reads through a
 * sigfs_source over the file's directory with pread, as the frontends do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sigfs/file.h"
#include "sigfs/source.h"
#include "sigfs/verify.h"

static int fd_read(void *ctx, const char *rel, uint64_t off, void *dst, size_t len, size_t *got)
{
	ssize_t n = pread(*(int *)ctx, dst, len, (off_t)off);

	(void)rel;
	if (n < 0)
		return sigfs_error_set(SIGFS_EIO, "read: %s", strerror(errno));
	*got = (size_t)n;
	return SIGFS_OK;
}

static int load_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	return sigfs_source_read_exact(ctx, "", off, dst, len);
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		sigfs_source src = {&fd, fd_read, NULL, NULL, NULL};
		struct sigfs_verify_in in;
		sigfs_file *f = NULL;
		sigfs_verdict *v = NULL;
		sigfs_buf b = SIGFS_BUF_INIT;
		struct stat st;

		if (fd < 0 || fstat(fd, &st) != 0 ||
		    sigfs_file_load(&f, load_read, &src, (uint64_t)st.st_size) ||
		    (memset(&in, 0, sizeof in), in.src = &src, in.rel = "", in.now = (int64_t)time(NULL),
		     in.only_slice = -1, sigfs_verify_file(&v, f, &in))) {
			fprintf(stderr, "verify-file: %s: %s\n", argv[i], sigfs_error_last());
			rc = 1;
		} else {
			sigfs_verdict_status_line(&b, v);
			printf("%s: %s", argv[i], b.ptr);
		}
		sigfs_buf_free(&b);
		sigfs_verdict_free(v);
		sigfs_file_free(f);
		if (fd >= 0)
			close(fd);
	}
	return rc;
}
