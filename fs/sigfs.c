/* sigfs: the FUSE frontend. Mounts SOURCE (a directory or one Mach-O file)
 * read-only at MOUNTPOINT and adds, beside every Mach-O file F, a virtual
 * directory F.sig/ whose content comes from the core (sigfs/render.h).
 *
 * libfuse high-level API (path based, like example/passthrough.c): the core
 * addresses the .sig tree by path too, so paths are the natural key, and the
 * same file builds against the libfuse 2.9 API through compat.h.
 *
 * Every path is resolved afresh beneath an fd of SOURCE, one component at a
 * time with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so a symlink in SOURCE (even
 * one swapped in while mounted) is never followed and ".." never escapes.
 * This file is the only place where core errors become -errno. */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cache.h"
#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/file.h"
#include "sigfs/render.h"
#include "sigfs/sigfs.h"

/* ---- configuration ------------------------------------------------------ */

enum cache_mode { CACHE_NEVER, CACHE_AUTO, CACHE_ALWAYS };

struct sigfs_opts {
	char *source;
	char *mountpoint;
	char *arch;
	char *sigsuffix;
	char *cache;
	char *cache_mb;
	int sigonly;
	int show_help;
	int show_version;
	int allow_other;
	int default_permissions;
	int debug;
	int extra_nonopt;
	double attr_timeout; /* -o attr_timeout= if given, else < 0 */
};

/* State of the mounted file system; read-only after main() except the
 * caches, which guard themselves. */
static struct {
	int rootfd;	  /* SOURCE (directory mode) or its parent (file mode) */
	char *single;	  /* file mode: the one name in the root, else NULL */
	const char *arch; /* -o arch= or NULL */
	const char *suffix;
	size_t suffix_len;
	int sigonly;
	int debug;
	enum cache_mode cache_mode;
	struct sfc *cache;   /* NULL with cache=never */
	double attr_timeout; /* the kernel's, ours or the user's -o attr_timeout= */
} g;

/* ---- error mapping ------------------------------------------------------ */

static int core_errno(int rc)
{
	switch (rc) {
	case SIGFS_OK: return 0;
	case SIGFS_ENOTFOUND: return -ENOENT;
	case SIGFS_ENOMEM: return -ENOMEM;
	case SIGFS_EUNSUPPORTED: return -ENOTSUP;
	case SIGFS_EIO:
	case SIGFS_EMALFORMED:
	default: return -EIO;
	}
}

static int core_fail(int rc, const char *what, const char *name)
{
	if (g.debug)
		fprintf(stderr, "sigfs: %s '%s': %s: %s\n", what, name, sigfs_error_name(rc),
			sigfs_error_last());
	return core_errno(rc);
}

/* ---- source files ---------------------------------------------------------- */

static struct sfc_key key_of(const struct stat *st)
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

static int same_version(const struct stat *a, const struct stat *b)
{
	struct sfc_key ka = key_of(a), kb = key_of(b);
	return memcmp(&ka, &kb, sizeof ka) == 0;
}

/* Open regular file `name` beneath `dirfd` for reading, never following a
 * symlink, and stat the opened file. */
static int open_regular(int dirfd, const char *name, struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* The pread-based read callback of sigfs_file_load: a short read means the
 * file shrank under us (SIGFS_EIO). */
static int read_at(void *ctx, uint64_t off, void *dst, size_t len)
{
	int fd = *(int *)ctx;
	char *p = dst;
	if (off > (uint64_t)INT64_MAX)
		return SIGFS_EIO;
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return sigfs_error_set(SIGFS_EIO, "read at 0x%llx: %s", (unsigned long long)off,
					       r == 0 ? "file shrank" : strerror(errno));
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return SIGFS_OK;
}

/* Probe an open regular file (first SIGFS_PROBE_LEN bytes) and remember the
 * answer under key `k`. */
static int probe_fd(int fd, const struct sfc_key *k)
{
	struct stat fst;
	uint8_t head[SIGFS_PROBE_LEN];
	ssize_t n;
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
		return 0;
	do
		n = pread(fd, head, sizeof head, 0);
	while (n < 0 && errno == EINTR);
	int r = n > 0 && sigfs_macho_probe(head, (size_t)n, (uint64_t)fst.st_size);
	if (n >= 0)
		sfc_probe_put(g.cache, k, r);
	return r;
}

/* Open a regular file only to read a few bytes: no readahead, and never
 * block (a FIFO swapped in after the stat). */
static int open_probe(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	return fd;
}

/* 1 if regular file `name` (stat `st`) beneath `dirfd` starts a Mach-O.
 * `fd` is the file already open, or -1. */
static int is_macho(int dirfd, const char *name, const struct stat *st, int fd)
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

/* Load (or find in the cache) the file `name` beneath `dirfd`. `st` is
 * updated to the version actually loaded, so attributes and content agree. */
static int load_file(int dirfd, const char *name, struct stat *st, struct sfc_file **out)
{
	struct sfc_key k = key_of(st);
	*out = sfc_file_get(g.cache, &k);
	if (*out)
		return 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		struct stat before, after;
		int fd = open_regular(dirfd, name, &before);
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

/* The bytes of virtual file `vpath` of the loaded file `lf`. */
static int get_blob(struct sfc_file *lf, const char *vpath, struct sfc_blob **out)
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

/* ---- path resolution ------------------------------------------------------ */

enum node_kind {
	NODE_ROOT,  /* the mount root */
	NODE_REAL,  /* an entry of SOURCE: `name` beneath `dirfd` */
	NODE_VROOT, /* file mode: the synthetic root holding the one file */
	NODE_VIRT,  /* inside F.sig/: F is `name` beneath `dirfd` */
};

struct node {
	enum node_kind kind;
	int dirfd;	/* owned unless == g.rootfd */
	struct stat st; /* REAL: the entry; VIRT/VROOT: the file F */
	char name[NAME_MAX + 1];
	char vpath[PATH_MAX]; /* VIRT: path inside the .sig tree ("" = F.sig) */
};

static void node_release(struct node *n)
{
	if (n->dirfd >= 0 && n->dirfd != g.rootfd)
		close(n->dirfd);
	n->dirfd = -1;
}

/* If `comp` is NAME<suffix>, copy NAME into `base` and return 1. */
static int strip_suffix(const char *comp, size_t len, char *base)
{
	if (len <= g.suffix_len || memcmp(comp + len - g.suffix_len, g.suffix, g.suffix_len) != 0)
		return 0;
	memcpy(base, comp, len - g.suffix_len);
	base[len - g.suffix_len] = '\0';
	return 1;
}

/* Resolve a FUSE path ("/a/b") into `n`. 0 or -errno; on success the caller
 * calls node_release(). */
static int resolve(const char *path, struct node *n)
{
	memset(n, 0, sizeof *n);
	n->dirfd = g.rootfd;
	n->kind = g.single ? NODE_VROOT : NODE_ROOT;
	int single_gone = 0;
	if (g.single && fstatat(g.rootfd, g.single, &n->st, AT_SYMLINK_NOFOLLOW) < 0) {
		/* The one file vanished: the root stays, empty. */
		if (fstat(g.rootfd, &n->st) < 0)
			return -errno;
		single_gone = 1;
	}

	const char *p = path;
	while (*p == '/')
		p++;
	int depth = 0;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *rest = p + len;
		while (*rest == '/')
			rest++;
		char comp[NAME_MAX + 1];
		if (len > NAME_MAX) {
			node_release(n);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			node_release(n); /* the kernel never sends these; refuse to climb */
			return -ENOENT;
		}

		struct stat st;
		int found;
		if (g.single && depth == 0) {
			/* File mode: the root holds exactly NAME and NAME<suffix>. */
			found = !single_gone && strcmp(comp, g.single) == 0;
			if (found)
				st = n->st;
		} else {
			found = fstatat(n->dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0;
			if (!found && errno != ENOENT) {
				int e = -errno;
				node_release(n);
				return e;
			}
		}

		if (found) {
			if (g.sigonly && !S_ISDIR(st.st_mode)) {
				node_release(n); /* -o sigonly hides all but directories */
				return -ENOENT;
			}
			if (!*rest) {
				n->kind = NODE_REAL;
				n->st = st;
				memcpy(n->name, comp, len + 1);
				return 0;
			}
			if (!S_ISDIR(st.st_mode)) {
				node_release(n);
				return -ENOTDIR;
			}
			int fd = openat(n->dirfd, comp, SIGFS_O_DIRSEARCH);
			if (fd < 0) {
				int e = -errno;
				node_release(n);
				return e;
			}
			node_release(n);
			n->dirfd = fd;
			p = rest;
			depth++;
			continue;
		}

		/* Not a real entry: F<suffix> of a Mach-O F? */
		char base[NAME_MAX + 1];
		struct stat fst;
		int virt = strip_suffix(comp, len, base);
		if (virt && g.single && depth == 0) {
			virt = !single_gone && strcmp(base, g.single) == 0;
			fst = n->st;
		} else if (virt) {
			virt = fstatat(n->dirfd, base, &fst, AT_SYMLINK_NOFOLLOW) == 0;
		}
		if (!virt || !is_macho(n->dirfd, base, &fst, -1)) {
			node_release(n);
			return -ENOENT;
		}
		if (strlen(rest) >= sizeof n->vpath) {
			node_release(n);
			return -ENAMETOOLONG;
		}
		n->kind = NODE_VIRT;
		n->st = fst;
		memcpy(n->name, base, strlen(base) + 1);
		/* The core wants "a/b" without trailing or doubled slashes. */
		char *v = n->vpath;
		for (const char *s = rest; *s; s++)
			if (*s != '/' || (s[1] && s[1] != '/'))
				*v++ = *s;
		*v = '\0';
		for (char *s = n->vpath; *s;) {
			char *e2 = strchr(s, '/');
			size_t l = e2 ? (size_t)(e2 - s) : strlen(s);
			if ((l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.')) {
				node_release(n);
				return -ENOENT;
			}
			s += l + (e2 ? 1 : 0);
		}
		return 0;
	}
	return 0;
}

/* ---- attributes ------------------------------------------------------------ */

static uint64_t vino(const struct stat *f, const char *vpath)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)f->st_ino;
	for (const char *s = vpath; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h | (1ULL << 63);
}

/* Attributes derived from file F: its owner and times, its read bits only;
 * directories get the matching search bits. */
static void virt_stat(struct stat *st, const struct stat *f, int is_dir, off_t size, const char *vpath)
{
	mode_t r = f->st_mode & 0444;
	memset(st, 0, sizeof *st);
	st->st_dev = f->st_dev;
	st->st_ino = (ino_t)vino(f, vpath);
	st->st_mode = is_dir ? (S_IFDIR | r | (r >> 2)) : (S_IFREG | r);
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

/* Kind of a virtual node and, for files, its bytes (when `blob` != NULL). */
static int virt_lookup(struct node *n, int *kind, struct sfc_blob **blob)
{
	struct sfc_file *lf;
	int e = load_file(n->dirfd, n->name, &n->st, &lf);
	if (e)
		return e;
	*kind = sigfs_node(lf->f, g.arch, n->vpath);
	if (*kind == SIGFS_NODE_FILE && blob)
		e = get_blob(lf, n->vpath, blob);
	else if (*kind != SIGFS_NODE_FILE && *kind != SIGFS_NODE_DIR)
		e = -ENOENT;
	sfc_file_unref(lf);
	return e;
}

static int sigfs_op_getattr(const char *path, struct stat *st SIGFS_FI_PARAM)
{
	struct node n;
	int e = resolve(path, &n);
	if (e)
		return e;
	switch (n.kind) {
	case NODE_ROOT:
		if (fstat(g.rootfd, st) < 0)
			e = -errno;
		break;
	case NODE_VROOT:
		virt_stat(st, &n.st, 1, 0, "");
		st->st_nlink = 2;
		st->st_ino = 1;
		break;
	case NODE_REAL: *st = n.st; break;
	case NODE_VIRT: {
		int kind;
		struct sfc_blob *b = NULL;
		e = virt_lookup(&n, &kind, &b);
		if (!e)
			virt_stat(st, &n.st, kind == SIGFS_NODE_DIR, b ? (off_t)b->len : 0, n.vpath);
		sfc_blob_unref(b);
		break;
	}
	}
	node_release(&n);
	return e;
}

static int sigfs_op_readlink(const char *path, char *buf, size_t size)
{
	struct node n;
	int e = resolve(path, &n);
	if (e)
		return e;
	if (n.kind != NODE_REAL || !S_ISLNK(n.st.st_mode)) {
		node_release(&n);
		return -EINVAL;
	}
	ssize_t r = readlinkat(n.dirfd, n.name, buf, size > 0 ? size - 1 : 0);
	e = r < 0 ? -errno : 0;
	if (r >= 0 && size > 0)
		buf[r] = '\0';
	node_release(&n);
	return e;
}

/* ---- directories ----------------------------------------------------------- */

struct dent {
	char *name;
	unsigned char type; /* DT_* */
};

static int dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

/* A directory listing, built once at opendir and served by offset, with full
 * attributes where we have them so the kernel (READDIRPLUS) need not look
 * each entry up again. */
struct lent {
	char *name;
	struct stat st;
	int full; /* st is complete (else only the type bits are set) */
};

struct listing {
	struct lent *v;
	size_t n, cap;
};

static int listing_add(struct listing *l, const char *name, const struct stat *st, int full)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct lent *nv = realloc(l->v, ncap * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].name = strdup(name);
	if (!l->v[l->n].name)
		return -ENOMEM;
	l->v[l->n].st = *st;
	l->v[l->n].full = full;
	l->n++;
	return 0;
}

static int listing_add_type(struct listing *l, const char *name, mode_t type)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = type;
	return listing_add(l, name, &st, 0);
}

static void listing_free(struct listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	free(l);
}

/* Add NAME<suffix> for a Mach-O regular file NAME unless a real entry of
 * that name exists (the real one wins). */
static int add_sig(struct listing *l, int dirfd, const char *name, const struct stat *st,
		   const struct dent *all, size_t nall, int fd)
{
	char sig[NAME_MAX + 1];
	size_t len = strlen(name);
	if (len + g.suffix_len > NAME_MAX)
		return 0;
	memcpy(sig, name, len);
	memcpy(sig + len, g.suffix, g.suffix_len + 1);
	struct dent key = {sig, 0};
	if (all && bsearch(&key, all, nall, sizeof *all, dent_cmp))
		return 0;
	if (!is_macho(dirfd, name, st, fd))
		return 0;
	struct stat vst;
	virt_stat(&vst, st, 1, 0, "");
	return listing_add(l, sig, &vst, 1);
}

#define PREFETCH_CHUNK 256

/* Stat entries v[0..n) (sts, ok) and open each regular file whose Mach-O
 * probe is not cached yet (fds, else -1), asking for its first page at once
 * (POSIX_FADV_WILLNEED): the probes that follow overlap their disk reads
 * instead of waiting one by one — on a cold cache those reads are most of a
 * directory walk. */
static void stat_and_prefetch(int dfd, const struct dent *v, size_t n, struct stat *sts, unsigned char *ok,
			      int *fds)
{
	for (size_t i = 0; i < n; i++) {
		fds[i] = -1;
		ok[i] = fstatat(dfd, v[i].name, &sts[i], AT_SYMLINK_NOFOLLOW) == 0;
		if (!ok[i] || !S_ISREG(sts[i].st_mode) || sts[i].st_size < SIGFS_PROBE_LEN)
			continue;
		struct sfc_key k = key_of(&sts[i]);
		if (sfc_probe_get(g.cache, &k) >= 0)
			continue;
		fds[i] = open_probe(dfd, v[i].name);
		if (fds[i] >= 0)
			(void)posix_fadvise(fds[i], 0, SIGFS_PROBE_LEN, POSIX_FADV_WILLNEED);
	}
}

static int list_real(int fd, struct listing *l)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct dent *v = NULL;
	size_t nv = 0, cap = 0;
	int e = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (nv == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct dent *nvp = realloc(v, ncap * sizeof *v);
			if (!nvp) {
				e = -ENOMEM;
				break;
			}
			v = nvp;
			cap = ncap;
		}
		v[nv].name = strdup(de->d_name);
		if (!v[nv].name) {
			e = -ENOMEM;
			break;
		}
		v[nv].type = de->d_type;
		nv++;
		errno = 0;
	}
	if (!e && errno)
		e = -errno;
	if (!e) {
		if (nv > 1)
			qsort(v, nv, sizeof *v, dent_cmp);
		int dfd = dirfd(d);
		struct stat sts[PREFETCH_CHUNK];
		unsigned char ok[PREFETCH_CHUNK];
		int fds[PREFETCH_CHUNK];
		e = listing_add_type(l, ".", S_IFDIR);
		if (!e)
			e = listing_add_type(l, "..", S_IFDIR);
		for (size_t c0 = 0; c0 < nv && !e; c0 += PREFETCH_CHUNK) {
			size_t cn = nv - c0 < PREFETCH_CHUNK ? nv - c0 : PREFETCH_CHUNK;
			stat_and_prefetch(dfd, v + c0, cn, sts, ok, fds);
			for (size_t i = 0; i < cn; i++) {
				mode_t type = sts[i].st_mode & S_IFMT;
				if (e || !ok[i])
					; /* failed, or vanished meanwhile: only close below */
				else if (!g.sigonly || type == S_IFDIR)
					e = listing_add(l, v[c0 + i].name, &sts[i], 1);
				if (!e && ok[i] && type == S_IFREG)
					e = add_sig(l, dfd, v[c0 + i].name, &sts[i], v, nv, fds[i]);
				if (fds[i] >= 0)
					close(fds[i]);
			}
		}
	}
	for (size_t i = 0; i < nv; i++)
		free(v[i].name);
	free(v);
	closedir(d);
	return e;
}

struct list_ctx {
	struct listing *l;
	int err;
};

static int list_cb(void *arg, const char *name, int kind)
{
	struct list_ctx *c = arg;
	c->err = listing_add_type(c->l, name, kind == SIGFS_NODE_DIR ? S_IFDIR : S_IFREG);
	return c->err;
}

/* The listing of directory `path`. */
static int list_dir(const char *path, struct listing *l)
{
	struct node n;
	int e = resolve(path, &n);
	if (e)
		return e;
	switch (n.kind) {
	case NODE_ROOT: {
		int fd = openat(g.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		e = fd < 0 ? -errno : list_real(fd, l);
		break;
	}
	case NODE_REAL: {
		if (!S_ISDIR(n.st.st_mode)) {
			e = -ENOTDIR;
			break;
		}
		int fd = openat(n.dirfd, n.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		e = fd < 0 ? -errno : list_real(fd, l);
		break;
	}
	case NODE_VROOT:
		e = listing_add_type(l, ".", S_IFDIR);
		if (!e)
			e = listing_add_type(l, "..", S_IFDIR);
		if (e || !S_ISREG(n.st.st_mode))
			break; /* the one file vanished */
		if (!g.sigonly)
			e = listing_add(l, g.single, &n.st, 1);
		if (!e)
			e = add_sig(l, n.dirfd, g.single, &n.st, NULL, 0, -1);
		break;
	case NODE_VIRT: {
		struct sfc_file *lf;
		e = load_file(n.dirfd, n.name, &n.st, &lf);
		if (e)
			break;
		e = listing_add_type(l, ".", S_IFDIR);
		if (!e)
			e = listing_add_type(l, "..", S_IFDIR);
		struct list_ctx c = {l, 0};
		int rc = e ? 0 : sigfs_list(lf->f, g.arch, n.vpath, list_cb, &c);
		if (c.err)
			e = c.err;
		else if (rc == SIGFS_ENOTFOUND)
			e = sigfs_node(lf->f, g.arch, n.vpath) == SIGFS_NODE_FILE ? -ENOTDIR : -ENOENT;
		else if (rc < 0)
			e = core_fail(rc, "list", n.vpath);
		sfc_file_unref(lf);
		break;
	}
	}
	node_release(&n);
	return e;
}

static int sigfs_op_opendir(const char *path, struct fuse_file_info *fi)
{
	struct listing *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	int e = list_dir(path, l);
	if (e) {
		listing_free(l);
		return e;
	}
	fi->fh = (uint64_t)(uintptr_t)l;
	return 0;
}

static int sigfs_op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
			    struct fuse_file_info *fi SIGFS_READDIR_PARAM)
{
	const struct listing *l = (const struct listing *)(uintptr_t)fi->fh;
	int plus = SIGFS_READDIR_IS_PLUS;

	if (!l)
		return -EBADF;
	for (size_t i = offset > 0 ? (size_t)offset : 0; i < l->n; i++)
		if (SIGFS_FILL_AT(filler, buf, l->v[i].name, &l->v[i].st, (off_t)(i + 1),
				  plus && l->v[i].full))
			break; /* the kernel's buffer is full: it asks again from i + 1 */
	return 0;
}

static int sigfs_op_releasedir(const char *path, struct fuse_file_info *fi)
{
	listing_free((struct listing *)(uintptr_t)fi->fh);
	return 0;
}

/* ---- files ----------------------------------------------------------------- */

/* fi->fh: a real file's fd, or the generated bytes of a virtual file. */
struct handle {
	int fd;
	struct sfc_blob *blob;
};

/* 1 if F changed (mtime, or ctime, which cannot be set back: a rename or
 * a restored old mtime still counts) within the kernel's attribute timeout
 * plus a second of timestamp granularity, or claims a future time: only then
 * can the kernel hold a size of F.sig/x from another version of F. */
static int changed_recently(const struct stat *f)
{
	struct timespec now;
	time_t newest = SIGFS_ST_MTIM(f).tv_sec > SIGFS_ST_CTIM(f).tv_sec ? SIGFS_ST_MTIM(f).tv_sec
									  : SIGFS_ST_CTIM(f).tv_sec;
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 1;
	return (double)newest >= (double)now.tv_sec - g.attr_timeout - 1.0;
}

static int sigfs_op_open(const char *path, struct fuse_file_info *fi)
{
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & (O_TRUNC | O_CREAT | O_APPEND)))
		return -EROFS;
	struct node n;
	int e = resolve(path, &n);
	if (e)
		return e;
	struct handle *h = calloc(1, sizeof *h);
	struct stat fst;
	if (!h) {
		node_release(&n);
		return -ENOMEM;
	}
	memset(&fst, 0, sizeof fst);
	h->fd = -1;
	if (n.kind == NODE_REAL) {
		struct stat st;
		int fd = S_ISREG(n.st.st_mode) ? open_regular(n.dirfd, n.name, &st) : -EISDIR;
		if (fd < 0)
			e = fd == -EINVAL ? -ENOENT : fd;
		else
			h->fd = fd;
	} else if (n.kind == NODE_VIRT) {
		int kind;
		e = virt_lookup(&n, &kind, &h->blob);
		fst = n.st; /* the version the blob was rendered from */
		if (!e && kind != SIGFS_NODE_FILE)
			e = -EISDIR;
	} else {
		e = -EISDIR;
	}
	node_release(&n);
	if (e) {
		sfc_blob_unref(h->blob);
		free(h);
		return e;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	if (g.cache_mode == CACHE_ALWAYS)
		fi->keep_cache = 1;
	else if (h->blob && (g.cache_mode == CACHE_NEVER || changed_recently(&fst)))
		/* The kernel caps page-cache reads at the size it cached from a
		 * getattr up to attr_timeout ago. If F changed since, that size
		 * may be another version's than the bytes just rendered: B's
		 * bytes cut to A's length. Direct I/O serves exactly this
		 * handle's blob, whole (cost: an extra read round trip, and a
		 * MAP_SHARED mmap needs FUSE_CAP_DIRECT_IO_ALLOW_MMAP). */
		fi->direct_io = 1;
	return 0;
}

static int sigfs_op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	if (off < 0)
		return -EINVAL;
	if (h->blob) {
		if ((uint64_t)off >= h->blob->len)
			return 0;
		size_t n = h->blob->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, h->blob->data + off, n);
		return (int)n;
	}
	size_t done = 0;
	while (done < size) {
		ssize_t r = pread(h->fd, buf + done, size - done, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return done ? (int)done : -errno;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (int)done;
}

static int sigfs_op_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	if (h->fd >= 0)
		close(h->fd);
	sfc_blob_unref(h->blob);
	free(h);
	return 0;
}

static int sigfs_op_statfs(const char *path, struct statvfs *sv)
{
	if (fstatvfs(g.rootfd, sv) < 0)
		return -errno;
	sv->f_flag |= ST_RDONLY;
	return 0;
}

static void *sigfs_op_init(SIGFS_INIT_PARAMS)
{
#if SIGFS_FUSE3
	cfg->use_ino = 0; /* libfuse numbers the nodes: stable while cached */
#endif
#ifdef FUSE_CAP_DIRECT_IO_ALLOW_MMAP
	/* .sig files are opened with direct_io (see sigfs_op_open); libfuse
	 * >= 3.16 and Linux >= 6.6 then still allow a MAP_SHARED mmap. */
	if (conn->capable & FUSE_CAP_DIRECT_IO_ALLOW_MMAP)
		conn->want |= FUSE_CAP_DIRECT_IO_ALLOW_MMAP;
#endif
	return NULL;
}

static void sigfs_op_destroy(void *private_data)
{
	sfc_free(g.cache);
	g.cache = NULL;
}

/* ---- everything that modifies: EROFS --------------------------------------- */

static int sigfs_op_mknod(const char *path, mode_t mode, dev_t rdev)
{
	return -EROFS;
}

static int sigfs_op_mkdir(const char *path, mode_t mode)
{
	return -EROFS;
}

static int sigfs_op_unlink(const char *path)
{
	return -EROFS;
}

static int sigfs_op_rmdir(const char *path)
{
	return -EROFS;
}

static int sigfs_op_symlink(const char *target, const char *path)
{
	return -EROFS;
}

static int sigfs_op_rename(const char *from, const char *to SIGFS_RENAME_PARAM)
{
	return -EROFS;
}

static int sigfs_op_link(const char *from, const char *to)
{
	return -EROFS;
}

static int sigfs_op_chmod(const char *path, mode_t mode SIGFS_FI_PARAM)
{
	return -EROFS;
}

static int sigfs_op_chown(const char *path, uid_t uid, gid_t gid SIGFS_FI_PARAM)
{
	return -EROFS;
}

static int sigfs_op_truncate(const char *path, off_t size SIGFS_FI_PARAM)
{
	return -EROFS;
}

static int sigfs_op_utimens(const char *path, const struct timespec tv[2] SIGFS_FI_PARAM)
{
	return -EROFS;
}

static int sigfs_op_write(const char *path, const char *buf, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	return -EROFS;
}

static int sigfs_op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EROFS;
}

#ifdef __APPLE__
static int sigfs_op_setxattr(const char *path, const char *name, const char *value, size_t size, int flags,
			     uint32_t position)
#else
static int sigfs_op_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
#endif
{
	return -EROFS;
}

static int sigfs_op_removexattr(const char *path, const char *name)
{
	return -EROFS;
}

static const struct fuse_operations sigfs_ops = {
    .init = sigfs_op_init,
    .destroy = sigfs_op_destroy,
    .getattr = sigfs_op_getattr,
    .readlink = sigfs_op_readlink,
    .opendir = sigfs_op_opendir,
    .readdir = sigfs_op_readdir,
    .releasedir = sigfs_op_releasedir,
    .open = sigfs_op_open,
    .read = sigfs_op_read,
    .release = sigfs_op_release,
    .statfs = sigfs_op_statfs,
    .mknod = sigfs_op_mknod,
    .mkdir = sigfs_op_mkdir,
    .unlink = sigfs_op_unlink,
    .rmdir = sigfs_op_rmdir,
    .symlink = sigfs_op_symlink,
    .rename = sigfs_op_rename,
    .link = sigfs_op_link,
    .chmod = sigfs_op_chmod,
    .chown = sigfs_op_chown,
    .truncate = sigfs_op_truncate,
    .utimens = sigfs_op_utimens,
    .write = sigfs_op_write,
    .create = sigfs_op_create,
    .setxattr = sigfs_op_setxattr,
    .removexattr = sigfs_op_removexattr,
};

/* ---- command line ---------------------------------------------------------- */

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_ALLOW_OTHER,
	KEY_DEFAULT_PERMISSIONS,
	KEY_DEBUG,
};

#define SIGFS_OPT(t, p, v)                                                                                   \
	{                                                                                                    \
		t, offsetof(struct sigfs_opts, p), v                                                         \
	}

static const struct fuse_opt sigfs_optspec[] = {
    SIGFS_OPT("arch=%s", arch, 0),
    SIGFS_OPT("sigsuffix=%s", sigsuffix, 0),
    SIGFS_OPT("sigonly", sigonly, 1),
    SIGFS_OPT("cache=%s", cache, 0),
    SIGFS_OPT("cache_mb=%s", cache_mb, 0),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
    FUSE_OPT_KEY("default_permissions", KEY_DEFAULT_PERMISSIONS),
    FUSE_OPT_KEY("-d", KEY_DEBUG),
    FUSE_OPT_KEY("debug", KEY_DEBUG),
    /* fstab noise (as sshfs): mount(8) and systemd options, not ours. */
    FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("comment=", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [options] SOURCE MOUNTPOINT\n"
		"\n"
		"Mount SOURCE (a directory or one Mach-O file) read-only at MOUNTPOINT, with a\n"
		"virtual directory NAME.sig/ beside every Mach-O file NAME describing its code\n"
		"signature. Unmount with '" SIGFS_UMOUNT_HINT " MOUNTPOINT'.\n"
		"\n"
		"sigfs options:\n"
		"    -o arch=NAME           slice the top-level .sig files of a universal binary\n"
		"                           describe (default: arm64e, arm64, x86_64h, x86_64, first)\n"
		"    -o sigsuffix=SUFFIX    name of the virtual directories: NAME<SUFFIX> (default .sig)\n"
		"    -o sigonly             show only directories and .sig trees\n"
		"    -o cache=MODE          never|auto|always (default auto)\n"
		"    -o cache_mb=N          memory for loaded files and generated content (default 32)\n"
		"    -h, --help             print this help and the FUSE options\n"
		"    -V, --version          print the version\n"
		"\n",
		prog);
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct sigfs_opts *o = data;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (!o->source) {
			o->source = strdup(arg);
			return 0;
		}
		if (!o->mountpoint) {
			o->mountpoint = strdup(arg);
			return 0;
		}
		fprintf(stderr,
			"sigfs: unexpected argument '%s' (usage: sigfs [options] SOURCE MOUNTPOINT)\n", arg);
		o->extra_nonopt = 1;
		return -1;
	case FUSE_OPT_KEY_OPT:
		/* More fstab noise: x-systemd.*, x-gvfs-*, ... */
		if (strncmp(arg, "x-", 2) == 0)
			return 0;
		/* passed on to libfuse; noted for sigfs_op_open's window */
		if (strncmp(arg, "attr_timeout=", 13) == 0)
			o->attr_timeout = atof(arg + 13);
		return 1;
	case KEY_HELP: o->show_help = 1; return 0;
	case KEY_VERSION: o->show_version = 1; return 0;
	case KEY_ALLOW_OTHER: o->allow_other = 1; return 1;
	case KEY_DEFAULT_PERMISSIONS: o->default_permissions = 1; return 1;
	case KEY_DEBUG: o->debug = 1; return 1;
	default: return 1;
	}
}

static int fail(const char *what, const char *name, const char *why)
{
	fprintf(stderr, "sigfs: %s '%s': %s\n", what, name, why);
	return 1;
}

/* Append `s` to an -o option list, escaping ',' and '\' as libfuse wants. */
static int add_escaped(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);
	for (; *s; s++) {
		if (n + 3 >= cap)
			return -1;
		if (*s == ',' || *s == '\\')
			dst[n++] = '\\';
		dst[n++] = *s;
	}
	dst[n] = '\0';
	return 0;
}

/* Strings main() allocates, freed on every way out. */
static struct {
	char *src, *mnt;
} held;

static int run(struct fuse_args *args, struct sigfs_opts *o)
{
	if (o->show_help) {
		usage(stdout, "sigfs");
		fflush(stdout);
#if SIGFS_FUSE3
		printf("FUSE options:\n");
		fuse_cmdline_help();
		fuse_lib_help(args);
#else
		dup2(STDOUT_FILENO, STDERR_FILENO); /* libfuse 2 prints help on stderr */
		fuse_opt_add_arg(args, "-ho");
		args->argv[0] = (char *)"";
		fuse_main(args->argc, args->argv, &sigfs_ops, NULL);
#endif
		return 0;
	}
	if (o->show_version) {
		printf("sigfs version %s\n", SIGFS_VERSION);
#if SIGFS_FUSE3
		printf("FUSE library version %s\n", fuse_pkgversion());
#else
		printf("FUSE library version %d.%d\n", fuse_version() / 10, fuse_version() % 10);
#endif
		return 0;
	}
	if (!o->source || !o->mountpoint) {
		fprintf(stderr, "sigfs: missing %s (usage: sigfs [options] SOURCE MOUNTPOINT)\n",
			o->source ? "MOUNTPOINT" : "SOURCE");
		return 1;
	}

	/* sigfs options */
	g.arch = o->arch && *o->arch ? o->arch : NULL;
	if (g.arch && strchr(g.arch, '/'))
		return fail("option", "arch", "not an architecture name");
	g.suffix = o->sigsuffix ? o->sigsuffix : ".sig";
	g.suffix_len = strlen(g.suffix);
	if (g.suffix_len == 0 || strchr(g.suffix, '/') || g.suffix_len > 64)
		return fail("option sigsuffix", g.suffix, "must be non-empty, without '/'");
	g.sigonly = o->sigonly;
	g.debug = o->debug;
	g.cache_mode = CACHE_AUTO;
	if (o->cache) {
		if (strcmp(o->cache, "never") == 0)
			g.cache_mode = CACHE_NEVER;
		else if (strcmp(o->cache, "always") == 0)
			g.cache_mode = CACHE_ALWAYS;
		else if (strcmp(o->cache, "auto") != 0)
			return fail("option cache", o->cache, "expected never, auto or always");
	}
	g.attr_timeout = o->attr_timeout >= 0		? o->attr_timeout
			 : g.cache_mode == CACHE_ALWAYS ? 60
			 : g.cache_mode == CACHE_NEVER	? 0
							: 1;
	unsigned long cache_mb = 32;
	if (o->cache_mb) {
		char *end;
		errno = 0;
		cache_mb = strtoul(o->cache_mb, &end, 10);
		if (errno || end == o->cache_mb || *end || o->cache_mb[0] == '-' || cache_mb > (1UL << 20))
			return fail("option cache_mb", o->cache_mb, "expected a number of MiB (0..1048576)");
	}

	/* SOURCE: followed if the user named a symlink; nothing inside is. */
	held.src = realpath(o->source, NULL);
	if (!held.src)
		return fail("SOURCE", o->source, strerror(errno));
	struct stat sst;
	if (stat(held.src, &sst) < 0)
		return fail("SOURCE", o->source, strerror(errno));
	if (S_ISDIR(sst.st_mode)) {
		g.rootfd = open(held.src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (g.rootfd < 0)
			return fail("SOURCE", o->source, strerror(errno));
		/* Readable, not just searchable. */
		DIR *d = fdopendir(dup(g.rootfd));
		errno = 0;
		int e = !d ? errno : readdir(d) == NULL ? errno : 0;
		if (d)
			closedir(d);
		if (e)
			return fail("SOURCE", o->source, strerror(e));
	} else if (S_ISREG(sst.st_mode)) {
		int fd = open(held.src, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("SOURCE", o->source, strerror(errno));
		close(fd);
		char *src = held.src, *slash = strrchr(src, '/');
		g.single = strdup(slash + 1);
		char *dir = slash == src ? strdup("/") : strndup(src, (size_t)(slash - src));
		if (!g.single || !dir)
			return fail("SOURCE", o->source, strerror(ENOMEM));
		g.rootfd = open(dir, SIGFS_O_DIRSEARCH);
		free(dir);
		if (g.rootfd < 0)
			return fail("SOURCE", o->source, strerror(errno));
	} else {
		return fail("SOURCE", o->source, "not a directory or regular file");
	}

	/* MOUNTPOINT: an existing directory, not already a mount point, not
	 * inside SOURCE (the mount would look at itself). */
	struct stat mst, pst;
	held.mnt = realpath(o->mountpoint, NULL);
	char *src = held.src, *mnt = held.mnt;
	if (!mnt || stat(mnt, &mst) < 0)
		return fail("MOUNTPOINT", o->mountpoint, strerror(errno));
	if (!S_ISDIR(mst.st_mode))
		return fail("MOUNTPOINT", o->mountpoint, strerror(ENOTDIR));
	char parent[PATH_MAX + 4];
	snprintf(parent, sizeof parent, "%s/..", mnt);
	if (strcmp(mnt, "/") == 0 || (stat(parent, &pst) == 0 && pst.st_dev != mst.st_dev))
		return fail("MOUNTPOINT", o->mountpoint, "Device or resource busy (already a mount point)");
	size_t sl = strlen(src);
	if (S_ISDIR(sst.st_mode) &&
	    (strcmp(mnt, src) == 0 || (strncmp(mnt, src, sl) == 0 && (mnt[sl] == '/' || sl == 1))))
		return fail("MOUNTPOINT", o->mountpoint, "inside SOURCE");

	if (g.cache_mode != CACHE_NEVER) {
		g.cache = sfc_new(cache_mb > (SIZE_MAX >> 20) ? SIZE_MAX : (size_t)cache_mb << 20);
		if (!g.cache)
			return fail("cache", "", strerror(ENOMEM));
	}

	/* Our defaults go first so the user's own -o options override them. */
	char defs[PATH_MAX * 2 + 256];
	const char *timeouts =
	    g.cache_mode == CACHE_NEVER	   ? "attr_timeout=0,entry_timeout=0,negative_timeout=0"
	    : g.cache_mode == CACHE_ALWAYS ? "attr_timeout=60,entry_timeout=60,negative_timeout=60"
					   : "attr_timeout=1,entry_timeout=1,negative_timeout=1";
	/* max_idle_threads: libfuse 3.14 otherwise warns "Ignoring invalid max
	 * threads value 4294967295" at every mount (libfuse issue #1003); 10
	 * is its long-standing default. */
	snprintf(defs, sizeof defs, "-oro,subtype=sigfs,%s%s%s", timeouts,
		 g.cache_mode == CACHE_AUTO	? ",auto_cache"
		 : g.cache_mode == CACHE_ALWAYS ? ",kernel_cache"
						: "",
		 SIGFS_FUSE3 ? ",max_idle_threads=10" : "");
	size_t dlen = strlen(defs);
	strcat(defs, ",fsname=");
	if (add_escaped(defs, sizeof defs, held.src) < 0)
		defs[dlen] = '\0'; /* absurdly long: keep the default fsname */
	if (o->allow_other && !o->default_permissions) {
		/* Other users see the mount: let the kernel check the mirrored
		 * modes, so nothing SOURCE hides from them leaks. */
		strncat(defs, ",default_permissions", sizeof defs - strlen(defs) - 1);
	}
	fuse_opt_insert_arg(args, 1, defs);
	fuse_opt_add_arg(args, mnt);

	return fuse_main(args->argc, args->argv, &sigfs_ops, NULL) ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct sigfs_opts o;
	int ret;
	SIGFS_PLATFORM_INIT();
	memset(&o, 0, sizeof o);
	o.attr_timeout = -1;
	g.rootfd = -1;
	if (fuse_opt_parse(&args, &o, sigfs_optspec, opt_proc) < 0) {
		if (!o.extra_nonopt)
			fprintf(stderr, "sigfs: bad options (see 'sigfs --help')\n");
		ret = 1;
	} else {
		ret = run(&args, &o);
	}
	fuse_opt_free_args(&args);
	free(o.source);
	free(o.mountpoint);
	free(o.arch);
	free(o.sigsuffix);
	free(o.cache);
	free(o.cache_mb);
	free(g.single);
	free(held.src);
	free(held.mnt);
	sfc_free(g.cache); /* NULL after sigfs_op_destroy */
	if (g.rootfd >= 0)
		close(g.rootfd);
	return ret;
}
