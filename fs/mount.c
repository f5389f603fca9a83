/* sigfs mount: shared state, the errno map, virtual attributes (mount.h). */
#include "mount.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sigfs/error.h"

struct sigfs_mount g = {.tree = NULL};

int core_errno(int rc)
{
	switch (rc) {
	case SIGFS_OK: return 0;
	case SIGFS_ENOTFOUND: return -ENOENT;
	case SIGFS_ENOMEM: return -ENOMEM;
	case SIGFS_EUNSUPPORTED: return -ENOTSUP;
	case SIGFS_EACCES: return -EACCES;
	case SIGFS_ESTALE: return -ESTALE;
	case SIGFS_EIO:
	case SIGFS_EMALFORMED:
	default: return -EIO;
	}
}

int core_fail(int rc, const char *what, const char *name)
{
	if (g.debug)
		fprintf(stderr, "sigfs: %s '%s': %s: %s\n", what, name, sigfs_error_name(rc),
			sigfs_error_last());
	return core_errno(rc);
}

/* Inode number of a virtual entry: a hash of F's inode and the path inside
 * F.sig/, with the top bit set so it never equals a mirrored entry's
 * (SOURCE's own numbers, -o use_ino; file systems hand out numbers < 2^63). */
uint64_t vino(const struct stat *f, const char *vpath)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)f->st_ino;
	for (const char *s = vpath; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h | (1ULL << 63);
}

void virt_stat(struct stat *st, const struct stat *f, mode_t pmode, int node, off_t size, const char *vpath)
{
	mode_t r = f->st_mode & 0444;
	int is_dir = node == SIGFS_NODE_DIR;
	memset(st, 0, sizeof *st);
	st->st_dev = f->st_dev;
	st->st_ino = (ino_t)vino(f, vpath);
	st->st_mode = is_dir			? (S_IFDIR | r | (r >> 2) | (pmode & S_IWUSR))
		      : node == SIGFS_NODE_LINK ? (S_IFLNK | 0777)
						: (S_IFREG | r);
	st->st_nlink = is_dir ? 2 : 1;
	st->st_uid = f->st_uid;
	st->st_gid = f->st_gid;
	st->st_size = size;
	st->st_blksize = 4096;
	st->st_blocks = (size + 511) / 512;
	SIGFS_ST_ATIM(st) = SIGFS_ST_ATIM(f);
	SIGFS_ST_MTIM(st) = SIGFS_ST_MTIM(f);
	SIGFS_ST_CTIM(st) = SIGFS_ST_CTIM(f);
}
