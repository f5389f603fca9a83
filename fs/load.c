/* sigfs mount: probe, load and render through the caches (load.h). */
#include "load.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/file.h"
#include "sigfs/render.h"

struct sfc_key key_of(const struct stat *st)
{
	struct sfc_key k;
	memset(&k, 0, sizeof k);
	k.dev = (uint64_t)st->st_dev;
	k.ino = (uint64_t)st->st_ino;
	k.size = (uint64_t)st->st_size;
	k.mtime_sec = (int64_t)SIGFS_ST_MTIM(st).tv_sec;
	k.mtime_nsec = (int64_t)SIGFS_ST_MTIM(st).tv_nsec;
	return k;
}

int same_version(const struct stat *a, const struct stat *b)
{
	struct sfc_key ka = key_of(a), kb = key_of(b);
	return memcmp(&ka, &kb, sizeof ka) == 0;
}

/* Probe an open regular file (first SIGFS_PROBE_LEN bytes) and remember the
 * answer under key `k`. */
static int probe_fd(int fd, const struct sfc_key *k)
{
	struct stat fst;
	uint8_t head[SIGFS_PROBE_LEN];
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
		return 0;
	ssize_t n = sigfs_fd_pread(fd, head, sizeof head, 0);
	int r = n > 0 && sigfs_macho_probe(head, (size_t)n, (uint64_t)fst.st_size);
	if (n >= 0)
		sfc_probe_put(g.cache, k, r);
	return r;
}

int open_probe(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	return fd;
}

int is_subject_at(int dirfd, const char *name, const struct stat *st, int fd)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	struct sfc_key k = key_of(st);
	int r = sfc_probe_get(g.cache, &k);
	if (r >= 0)
		return r;
	int own = fd < 0 ? open_probe(dirfd, name) : -1;
	if (fd < 0 && own < 0)
		return 0; /* unreadable to us: no .sig */
	r = probe_fd(fd >= 0 ? fd : own, &k);
	if (own >= 0)
		close(own);
	return r;
}

int is_subject(const char *rel, const struct stat *st)
{
	struct sfc_key k = key_of(st);
	struct stat fst;
	int fd = -1;
	if (S_ISREG(st->st_mode) && sfc_probe_get(g.cache, &k) < 0 &&
	    (fd = sigfs_fstree_open_file(g.tree, rel, &fst)) < 0)
		return 0; /* unreadable to us, or no longer a file: no .sig */
	int r = is_subject_at(-1, NULL, st, fd);
	if (fd >= 0)
		close(fd);
	return r;
}

/* The read callback of sigfs_file_load: a short read means the file shrank
 * under us (SIGFS_EIO). */
static int read_at(void *ctx, uint64_t off, void *dst, size_t len)
{
	ssize_t r = sigfs_fd_pread(*(int *)ctx, dst, len, off);
	if (r < 0 || (size_t)r != len)
		return sigfs_error_set(SIGFS_EIO, "read at 0x%llx: %s", (unsigned long long)off,
				       r >= 0 ? "file shrank" : strerror((int)-r));
	return SIGFS_OK;
}

int load_subject(const char *rel, struct stat *st, struct sfc_file **out)
{
	const char *name = *rel ? rel : g.single;
	struct sfc_key k = key_of(st);
	*out = sfc_file_get(g.cache, &k);
	if (*out)
		return 0;
	for (int attempt = 0; attempt < 3; attempt++) { /* bounded: 3 tries */
		struct stat before, after;
		int fd = sigfs_fstree_open_file(g.tree, rel, &before);
		if (fd < 0)
			return fd == -EINVAL ? -ENOENT : fd;
		k = key_of(&before);
		if (attempt == 0 || (*out = sfc_file_get(g.cache, &k)) == NULL) {
			sigfs_file *f = NULL;
			/* headers and signature only: readahead would read code */
			(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
			int rc = sigfs_file_load(&f, read_at, &fd, (uint64_t)before.st_size);
			int serr = fstat(fd, &after) < 0 ? -errno : 0;
			close(fd);
			if (rc != SIGFS_OK) {
				if (rc != SIGFS_EIO || attempt == 2)
					return core_fail(rc, "load", name);
				continue; /* shrank while loading: look again */
			}
			if (serr || !same_version(&before, &after)) {
				/* Rewritten while we read it: never cache a mix. */
				sigfs_file_free(f);
				if (serr)
					return serr;
				continue;
			}
			*out = sfc_file_put(g.cache, &k, f);
			if (!*out)
				return -ENOMEM;
		} else {
			close(fd);
		}
		*st = before;
		return 0;
	}
	return -EIO;
}

int get_blob(struct sfc_file *lf, const char *vpath, struct sfc_blob **out)
{
	*out = sfc_blob_get(g.cache, &lf->key, vpath);
	if (*out)
		return 0;
	sigfs_buf b = SIGFS_BUF_INIT;
	int rc = sigfs_render(&b, lf->f, g.arch, vpath);
	if (rc == SIGFS_OK)
		rc = sigfs_buf_status(&b);
	if (rc != SIGFS_OK) {
		sigfs_buf_free(&b);
		return core_fail(rc, "render", vpath);
	}
	struct sfc_blob *blob = sfc_blob_new(b.ptr, b.len);
	sigfs_buf_free(&b);
	if (!blob)
		return -ENOMEM;
	*out = sfc_blob_put(g.cache, &lf->key, vpath, blob);
	return 0;
}
