/* Unit-test helper: a whole file into memory (NUL-terminated, not counted),
 * or NULL when it cannot be read. Static; include after <stdio.h>. */
#ifndef SIGFS_TEST_READALL_H
#define SIGFS_TEST_READALL_H

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		if (p)
			p[n] = 0;
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

#endif
