/* sigfs mount: probe, load and render through the caches (load.h). */
#include "load.h"

#include <errno.h>
#include <limits.h>
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

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull; /* FNV-1a 64 */
	return h;
}

static void newer(struct timespec *newest, struct timespec t)
{
	if (t.tv_sec > newest->tv_sec || (t.tv_sec == newest->tv_sec && t.tv_nsec > newest->tv_nsec))
		*newest = t;
}

/* Fold the version of `dir`/`name` (its lstat, or that there is none) into
 * h, and its mtime and ctime into *newest; 1 when it exists. */
static int fold_version(uint64_t *h, struct timespec *newest, const char *dir, size_t dirlen,
			const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	int n = snprintf(p, sizeof p, "%.*s%s%s", (int)dirlen, dir, dirlen ? "/" : "", name);
	int e = n < 0 || (size_t)n >= sizeof p ? -ENAMETOOLONG : sigfs_fstree_lstat(g.tree, p, &st);
	int64_t v[6] = {e, 0, 0, 0, 0, 0};

	if (!e) {
		v[1] = (int64_t)st.st_ino;
		v[2] = (int64_t)st.st_size;
		v[3] = (int64_t)SIGFS_ST_MTIM(&st).tv_sec * 1000000000 + SIGFS_ST_MTIM(&st).tv_nsec;
		v[4] = (int64_t)SIGFS_ST_CTIM(&st).tv_sec * 1000000000 + SIGFS_ST_CTIM(&st).tv_nsec;
		v[5] = (int64_t)st.st_mode;
		newer(newest, SIGFS_ST_MTIM(&st));
		newer(newest, SIGFS_ST_CTIM(&st));
	}
	*h = fnv(*h, v, sizeof v);
	return !e;
}

/* What F.sig/ of a bundle's main executable reads besides F (slot 1 is the
 * bundle's Info.plist, slot 3 its CodeResources; info.txt, verify, checks,
 * … say so): the versions of those files, for each bundle F could be the
 * main executable of (sigfs_bundle_of_executable's candidates
 * B/Contents/MacOS/F, B/Versions/V/F, B/F). The files are only stat'ed:
 * one lstat for a Mach-O in a directory without an Info.plist (the common
 * case), at most seven. */
static uint64_t bundle_files(const char *rel, struct timespec *newest)
{
	const char *slash = strrchr(rel, '/');
	size_t dl = slash ? (size_t)(slash - rel) : 0;
	uint64_t h = 1469598103934665603ull;
	static const char macos[] = "/Contents/MacOS";

	if (dl > sizeof macos - 1 && memcmp(rel + dl - (sizeof macos - 1), macos, sizeof macos - 1) == 0) {
		size_t cl = dl - strlen("/MacOS"); /* B/Contents */

		if (fold_version(&h, newest, rel, cl, "Info.plist"))
			fold_version(&h, newest, rel, cl, "_CodeSignature/CodeResources");
	}
	size_t vl = dl; /* B/Versions/V: vl at the slash before V */
	while (vl > 0 && rel[--vl] != '/')
		;
	if (vl >= 9 && rel[vl] == '/' && memcmp(rel + vl - 9, "/Versions", 9) == 0) {
		fold_version(&h, newest, rel, vl, "Current");
		if (fold_version(&h, newest, rel, dl, "Resources/Info.plist"))
			fold_version(&h, newest, rel, dl, "_CodeSignature/CodeResources");
	}
	if (fold_version(&h, newest, rel, dl, "Info.plist"))
		fold_version(&h, newest, rel, dl, "_CodeSignature/CodeResources");
	return h;
}

/* A subject's identity beyond its inode: its path and, for a regular file,
 * the versions of the bundle files its .sig/ reads (bundle_files), so an
 * edited Info.plist or CodeResources makes a new subject and new files,
 * never the old answer. Never 0, the probe cache's value. */
static uint64_t subject_ident(const char *rel, int regular, struct timespec *newest)
{
	uint64_t h = fnv(1469598103934665603ull, rel, strlen(rel));

	if (regular)
		h ^= bundle_files(rel, newest);
	return h | 1;
}

/* subject_key, and in *newest the latest mtime or ctime of the bundle
 * files it folded in (unchanged when there are none). */
static struct sfc_key subject_key_newest(const struct stat *st, const char *rel, struct timespec *newest)
{
	struct sfc_key k = key_of(st);

	k.path = subject_ident(rel, S_ISREG(st->st_mode), newest);
	return k;
}

struct sfc_key subject_key(const struct stat *st, const char *rel)
{
	struct timespec newest = {0, 0};

	return subject_key_newest(st, rel, &newest);
}

/* The attributes F.sig/ gets: F's, with its mtime and ctime moved up to
 * the newest bundle file its files read, so a bundle edit looks like a
 * change of F.sig/ to the kernel (which then drops the pages and the size
 * it cached, as for an edit of F) and not of F itself. */
static void sig_times(struct stat *st, const struct timespec *newest)
{
	struct timespec m = SIGFS_ST_MTIM(st), c = SIGFS_ST_CTIM(st);

	newer(&m, *newest);
	newer(&c, *newest);
	SIGFS_ST_MTIM(st) = m;
	SIGFS_ST_CTIM(st) = c;
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

static int pinned_xattr(void *ctx, const char *rel, const char *name, int *present)
{
	return g.src.xattr(g.src.ctx, rel, name, present);
}

static void pinned_init(struct pinned *p, const char *rel, int fd, const struct sfc_key *want)
{
	memset(p, 0, sizeof *p);
	p->src.ctx = p;
	p->src.read = pinned_read;
	p->src.stat = pinned_stat;
	p->src.list = pinned_list;
	p->src.readlink = pinned_readlink;
	p->src.xattr = g.src.xattr ? pinned_xattr : NULL;
	p->rel = rel;
	p->fd = fd;
	p->want = want;
}

int load_subject(const char *rel, struct stat *st, struct sfc_file **out)
{
	const char *name = *rel ? rel : g.single;
	struct timespec newest = {0, 0};
	struct sfc_key k = subject_key_newest(st, rel, &newest);
	*out = sfc_file_get(g.cache, &k);
	if (*out && strcmp(sigfs_subject_rel((*out)->s), rel) != 0) {
		/* two paths of one inode whose 64-bit path hashes collide: never
		 * serve one path's subject (it reads and shows its own path) */
		sfc_file_unref(*out);
		*out = NULL;
		return -EIO;
	}
	if (*out) {
		sig_times(st, &newest);
		return 0;
	}
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
		newest.tv_sec = newest.tv_nsec = 0;
		k = subject_key_newest(&before, rel, &newest);
		if (attempt > 0 && (*out = sfc_file_get(g.cache, &k)) != NULL) {
			if (fd >= 0)
				close(fd);
			*st = before;
			sig_times(st, &newest);
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
		sig_times(st, &newest);
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
	/* a bundle file F.sig/ reads changed since F's key was taken: the
	 * bytes may mix two versions; the caller loads again */
	struct timespec newest = {0, 0};
	if (sigfs_subject_kind(lf->s) != SIGFS_KIND_BUNDLE &&
	    subject_ident(rel, 1, &newest) != lf->key.path) {
		sigfs_buf_free(&b);
		return -ESTALE;
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
