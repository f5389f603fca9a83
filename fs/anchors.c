/* -o anchors=FILE: read the file, hand its bytes to the core's PEM reader
 * (core/trust.c), say in one line what is wrong. */
#include "anchors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigfs/error.h"

int sigfs_read_anchors(const char *prog, const char *file, sigfs_anchors **out)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	char *pem = NULL;
	size_t len = 0;
	int rc = -1;

	*out = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: -o anchors=%s: %s; give a readable PEM file of root certificates\n",
			prog, file, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SIGFS_ANCHORS_FILE_MAX) {
		fprintf(stderr,
			"%s: -o anchors=%s: not a regular file of at most %zu bytes; give a PEM file of "
			"root certificates\n",
			prog, file, SIGFS_ANCHORS_FILE_MAX);
		goto out;
	}
	pem = malloc((size_t)st.st_size + 1);
	if (!pem) {
		fprintf(stderr, "%s: -o anchors=%s: %s\n", prog, file, strerror(ENOMEM));
		goto out;
	}
	while (len < (size_t)st.st_size) { /* each pass reads >= 1 byte or stops */
		ssize_t n = pread(fd, pem + len, (size_t)st.st_size - len, (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: -o anchors=%s: %s\n", prog, file,
				n < 0 ? strerror(errno) : "the file shrank while read");
			goto out;
		}
		len += (size_t)n;
	}
	if (sigfs_anchors_from_pem(out, pem, len) != SIGFS_OK) {
		fprintf(stderr, "%s: -o anchors=%s: %s; give a PEM file of root certificates\n", prog, file,
			sigfs_error_last());
		goto out;
	}
	rc = 0;
out:
	free(pem);
	if (fd >= 0)
		close(fd);
	return rc;
}
