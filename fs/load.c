/* sigfs mount: probe, load and render through the caches (load.h). */
#include "load.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/file.h"
#include "sigfs/tree.h"

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

/* The key of the subject `rel` whose entry has stat `st`. */
struct sfc_key subject_key(const struct stat *st, const char *rel)
{
	struct sfc_key k = key_of(st);
	uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */

	for (const char *p = rel; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	k.path = h | 1; /* never 0, the probe cache's value */
	return k;
}

int same_version(const struct stat *a, const struct stat *b)
{
	struct sfc_key ka = key_of(a), kb = key_of(b);
	return memcmp(&ka, &kb, sizeof ka) == 0;
}

int open_probe(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	return fd;
}

void note_unreadable(const char *rel)
{
	static atomic_int said;
	if (!atomic_exchange(&said, 1))
		fprintf(
		    stderr,
		    "sigfs: note: cannot read '%s' (Permission denied): files the mounting user cannot read "
		    "get no %s directory; mount as a user who can read them\n",
		    *rel ? rel : g.single, g.suffix);
}

int probe_entry(const char *rel, const struct stat *st, int fd)
{
	struct sfc_key k = key_of(st);
	int kind = sfc_probe_get(g.cache, &k);
	if (kind >= 0)
		return kind;
	uint8_t head[SIGFS_PROBE_LEN];
	ssize_t n = 0;
	if (S_ISREG(st->st_mode)) {
		struct stat fst;
		int own = fd < 0 ? sigfs_fstree_open_file(g.tree, rel, &fst) : -1;
		if (fd < 0 && own == -EACCES)
			note_unreadable(rel);
		if (fd < 0 && own < 0)
			return SIGFS_KIND_NONE; /* unreadable to us, or gone: not cached */
		n = sigfs_fd_pread(fd >= 0 ? fd : own, head, sizeof head, 0);
		if (own >= 0)
			close(own);
		if (n < 0)
			return SIGFS_KIND_NONE;
	}
	struct sigfs_stat ss;
	sigfs_fstree_to_sigstat(st, &ss);
	kind = sigfs_probe(&g.src, rel, &ss, S_ISREG(st->st_mode) ? head : NULL, (size_t)n);
	sfc_probe_put(g.cache, &k, kind);
	return kind;
}

/* A source that reads a subject that is a regular file through one fd, so
 * a load (or render) sees one version of the file even if SOURCE renames
 * another over it meanwhile; every other member, and a subject that is a
 * directory, goes to the tree. The fd is opened at the first read, and
 * refused when its version is not `want` (if set). Used by one thread, for
 * one operation. */
struct pinned {
	sigfs_source src;
	const char *rel;
	int fd;
	int is_dir; /* the subject is no regular file: nothing to pin */
	const struct sfc_key *want;
};

static int pin(struct pinned *p)
{
	struct stat st;
	if (p->fd >= 0 || p->is_dir)
		return SIGFS_OK;
	int fd = sigfs_fstree_open_file(g.tree, p->rel, &st);
	if (fd == -EINVAL) {
		p->is_dir = 1;
		return SIGFS_OK;
	}
	if (fd < 0)
		return sigfs_error_set(fd == -EACCES ? SIGFS_EACCES : SIGFS_EIO, "open '%s': %s", p->rel,
				       fd == -EINVAL ? "no longer a regular file" : strerror(-fd));
	struct sfc_key k = key_of(&st);
	if (p->want)
		k.path = p->want->path;
	if (p->want && memcmp(&k, p->want, sizeof k) != 0) {
		close(fd);
		return sigfs_error_set(SIGFS_ESTALE, "'%s' changed since it was loaded", p->rel);
	}
	p->fd = fd;
	return SIGFS_OK;
}

static int pinned_read(void *ctx, const char *rel, uint64_t off, void *dst, size_t len, size_t *got)
{
	struct pinned *p = ctx;
	*got = 0;
	int mine = strcmp(rel, p->rel) == 0; /* other members go to the tree */
	int rc = mine ? pin(p) : SIGFS_OK;
	if (rc)
		return rc;
	if (p->fd < 0 || !mine)
		return g.src.read(g.src.ctx, rel, off, dst, len, got);
	ssize_t r = sigfs_fd_pread(p->fd, dst, len, off);
	if (r < 0)
		return sigfs_error_set(SIGFS_EIO, "read '%s': %s", p->rel, strerror((int)-r));
	*got = (size_t)r;
	return SIGFS_OK;
}

static int pinned_stat(void *ctx, const char *rel, struct sigfs_stat *out)
{
	struct pinned *p = ctx;
	struct stat st;
	int mine = strcmp(rel, p->rel) == 0;
	int rc = mine ? pin(p) : SIGFS_OK;
	if (rc)
		return rc;
	if (p->fd < 0 || !mine)
		return g.src.stat(g.src.ctx, rel, out);
	if (fstat(p->fd, &st) < 0)
		return sigfs_error_set(SIGFS_EIO, "stat '%s': %s", p->rel, strerror(errno));
	sigfs_fstree_to_sigstat(&st, out);
	return SIGFS_OK;
}

static int pinned_list(void *ctx, const char *rel, sigfs_entry_fn fn, void *arg)
{
	return g.src.list(g.src.ctx, rel, fn, arg);
}

static int pinned_readlink(void *ctx, const char *rel, char *buf, size_t cap, size_t *len)
{
	return g.src.readlink(g.src.ctx, rel, buf, cap, len);
}

static void pinned_init(struct pinned *p, const char *rel, int fd, const struct sfc_key *want)
{
	memset(p, 0, sizeof *p);
	p->src.ctx = p;
	p->src.read = pinned_read;
	p->src.stat = pinned_stat;
	p->src.list = pinned_list;
	p->src.readlink = pinned_readlink;
	p->rel = rel;
	p->fd = fd;
	p->want = want;
}

int load_subject(const char *rel, struct stat *st, struct sfc_file **out)
{
	const char *name = *rel ? rel : g.single;
	struct sfc_key k = subject_key(st, rel);
	*out = sfc_file_get(g.cache, &k);
	if (*out && strcmp(sigfs_subject_rel((*out)->s), rel) != 0) {
		/* two paths of one inode whose 64-bit path hashes collide: never
		 * serve one path's subject (it reads and shows its own path) */
		sfc_file_unref(*out);
		*out = NULL;
		return -EIO;
	}
	if (*out)
		return 0;
	int kind = probe_entry(rel, st, -1);
	if (kind == SIGFS_KIND_NONE)
		return -ENOENT;
	for (int attempt = 0; attempt < 3; attempt++) { /* bounded: 3 tries */
		struct stat before, after;
		int fd = -1, e;
		if (S_ISREG(st->st_mode)) {
			fd = sigfs_fstree_open_file(g.tree, rel, &before);
			e = fd < 0 ? (fd == -EINVAL ? -ENOENT : fd) : 0;
		} else {
			e = sigfs_fstree_lstat(g.tree, rel, &before);
		}
		if (e)
			return e;
		if ((before.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
			if (fd >= 0)
				close(fd);
			return -ENOENT; /* another kind of entry now: look it up again */
		}
		k = subject_key(&before, rel);
		if (attempt > 0 && (*out = sfc_file_get(g.cache, &k)) != NULL) {
			if (fd >= 0)
				close(fd);
			*st = before;
			return 0;
		}
		struct pinned p;
		pinned_init(&p, rel, fd, NULL);
		sigfs_subject *s = NULL;
		int rc = sigfs_subject_load(&s, &p.src, rel, kind, &g.sopts);
		int serr =
		    fd >= 0 ? (fstat(fd, &after) < 0 ? -errno : 0) : sigfs_fstree_lstat(g.tree, rel, &after);
		if (fd >= 0)
			close(fd);
		if (rc != SIGFS_OK) {
			if (rc != SIGFS_EIO || attempt == 2)
				return core_fail(rc, "load", name);
			continue; /* changed while loading: look again */
		}
		if (serr || !same_version(&before, &after)) {
			/* Rewritten while we read it: never cache a mix. */
			sigfs_subject_free(s);
			if (serr)
				return serr;
			continue;
		}
		*out = sfc_file_put(g.cache, &k, s);
		if (!*out)
			return -ENOMEM;
		*st = before;
		return 0;
	}
	return -EIO;
}

int get_blob(struct sfc_file *lf, const char *vpath, struct sfc_blob **out)
{
	/* A bundle's expensive files depend on every file under B, which B's
	 * own key does not see: the core keeps the verdict and checks it
	 * against B's tree at each render, so they are rendered at each open
	 * and never cached here. */
	int fresh = sigfs_subject_kind(lf->s) == SIGFS_KIND_BUNDLE &&
		    (sigfs_tree_node(lf->s, vpath) & SIGFS_NODE_EXPENSIVE);

	*out = fresh ? NULL : sfc_blob_get(g.cache, &lf->key, vpath);
	if (*out)
		return 0;
	sigfs_buf b = SIGFS_BUF_INIT;
	struct pinned p;
	const char *rel = sigfs_subject_rel(lf->s);
	pinned_init(&p, rel, -1, &lf->key);
	int rc = sigfs_tree_render(&b, lf->s, &p.src, vpath);
	if (p.fd >= 0)
		close(p.fd);
	if (sigfs_tree_node(lf->s, vpath) & SIGFS_NODE_EXPENSIVE)
		sfc_file_reaccount(g.cache, lf); /* the render kept a verdict in the subject */
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
	*out = fresh ? blob : sfc_blob_put(g.cache, &lf->key, vpath, blob);
	return 0;
}

static int count_dirs(void *arg, const char *name, int node)
{
	if ((node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR)
		++*(nlink_t *)arg;
	return 0;
}

nlink_t virt_nlink(const sigfs_subject *s, const char *vpath)
{
	nlink_t n = 2;
	(void)sigfs_tree_list(s, vpath, count_dirs, &n);
	return n;
}
