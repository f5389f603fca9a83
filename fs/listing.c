/* sigfs mount: directory listings (listing.h). */
#include "listing.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "resolve.h"
#include "watch.h"
#include "sigfs/file.h"

struct dent {
	char *name;
	unsigned char type; /* DT_* */
};

static int dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

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

/* An entry without attributes (the kernel looks it up), but with its type
 * and inode number: readdir(3) skips entries numbered 0. */
static int listing_add_type(struct listing *l, const char *name, mode_t type, uint64_t ino)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = type;
	st.st_ino = (ino_t)ino;
	return listing_add(l, name, &st, 0);
}

/* "." and "..", numbered after the directory itself (`ino`, or 1). */
static int listing_add_dots(struct listing *l, uint64_t ino)
{
	int e = listing_add_type(l, ".", S_IFDIR, ino ? ino : 1);
	return e ? e : listing_add_type(l, "..", S_IFDIR, 1);
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

/* .sig directories per SOURCE directory version, for link counts: a
 * direct-mapped table (a collision forgets the older answer). */
#define NLINK_SLOTS 4096
static struct {
	pthread_mutex_t lock;
	struct nslot {
		struct sfc_key k;
		size_t nsig;
		int valid;
	} s[NLINK_SLOTS];
} nl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct nslot *nslot_of(const struct sfc_key *k)
{
	return &nl.s[(k->ino * 31 + k->dev + (uint64_t)k->mtime_nsec) % NLINK_SLOTS];
}

static void nsig_put(const struct stat *dir, size_t nsig)
{
	struct sfc_key k = key_of(dir);
	pthread_mutex_lock(&nl.lock);
	struct nslot *s = nslot_of(&k);
	s->k = k;
	s->nsig = nsig;
	s->valid = 1;
	pthread_mutex_unlock(&nl.lock);
}

/* The .sig count of directory version `dir`, or -1 when unknown. */
static long nsig_get(const struct stat *dir)
{
	struct sfc_key k = key_of(dir);
	long r = -1;
	pthread_mutex_lock(&nl.lock);
	struct nslot *s = nslot_of(&k);
	if (s->valid && memcmp(&s->k, &k, sizeof k) == 0)
		r = (long)s->nsig;
	pthread_mutex_unlock(&nl.lock);
	return r;
}

/* Add NAME<suffix> for entry `rel` named NAME (stat `st`, open as `fd` or
 * -1, in a directory of mode `pmode`) when it is a subject, unless a real
 * entry of that name exists (the real one wins). */
static int add_sig(struct listing *l, const char *rel, const char *name, const struct stat *st, mode_t pmode,
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
	if (probe_entry(rel, st, fd) == SIGFS_KIND_NONE)
		return 0;
	l->nsig++;
	struct stat vst;
	virt_stat(&vst, st, pmode, SIGFS_NODE_DIR, 0, "");
	vst.st_nlink = sig_nlink(rel, st);
	return listing_add(l, sig, &vst, 1);
}

#define PREFETCH_CHUNK 256

/* Stat entries v[0..n) (sts, ok) and open each regular file whose probe is
 * not cached yet (fds, else -1), asking for its first page at once
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

/* Read the names of directory `d`, sorted. */
static int read_names(DIR *d, struct dent **out, size_t *nout)
{
	struct dent *v = NULL;
	size_t nv = 0, cap = 0;
	int e = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (nv == SIGFS_SOURCE_MAX_ENTRIES) { /* the bound of source.h */
			e = -EFBIG;
			break;
		}
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
	if (!e && nv > 1)
		qsort(v, nv, sizeof *v, dent_cmp);
	*out = v;
	*nout = nv;
	return e;
}

/* The listing of SOURCE directory `rel`. */
static int list_real(const char *rel, struct listing *l, struct stat *dirst)
{
	int fd = sigfs_fstree_open_dir(g.tree, rel);
	if (fd < 0)
		return fd;
	watch_dir(rel, fd); /* the kernel will hold entries of this directory */
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct dent *v = NULL;
	size_t nv = 0;
	int e = read_names(d, &v, &nv);
	size_t dl = strlen(rel);
	char *crel = malloc(dl + NAME_MAX + 2); /* rel/NAME of each entry */
	if (!e && !crel)
		e = -ENOMEM;
	struct stat dst;
	if (!e && fstat(dirfd(d), &dst) < 0)
		e = -errno;
	if (!e)
		*dirst = dst;
	if (!e) {
		int dfd = dirfd(d);
		struct stat sts[PREFETCH_CHUNK];
		unsigned char ok[PREFETCH_CHUNK];
		int fds[PREFETCH_CHUNK];
		e = listing_add_dots(l, dst.st_ino);
		for (size_t c0 = 0; c0 < nv && !e; c0 += PREFETCH_CHUNK) {
			size_t cn = nv - c0 < PREFETCH_CHUNK ? nv - c0 : PREFETCH_CHUNK;
			stat_and_prefetch(dfd, v + c0, cn, sts, ok, fds);
			for (size_t i = 0; i < cn; i++) {
				mode_t type = sts[i].st_mode & S_IFMT;
				if (e || !ok[i])
					; /* failed, or vanished meanwhile: only close below */
				else if (type == S_IFDIR) {
					/* attributes only with the link count the mount gives it */
					long ns = nsig_get(&sts[i]);
					sts[i].st_nlink += ns > 0 ? (nlink_t)ns : 0;
					e = listing_add(l, v[c0 + i].name, &sts[i], ns >= 0);
				} else if (!g.sigonly)
					e = listing_add(l, v[c0 + i].name, &sts[i], 1);
				if (!e && ok[i]) {
					snprintf(crel, dl + NAME_MAX + 2, "%s%s%s", rel, dl ? "/" : "",
						 v[c0 + i].name);
					e = add_sig(l, crel, v[c0 + i].name, &sts[i], dst.st_mode, v, nv,
						    fds[i]);
				}
				if (fds[i] >= 0)
					close(fds[i]);
			}
		}
	}
	for (size_t i = 0; i < nv; i++)
		free(v[i].name);
	free(v);
	free(crel);
	closedir(d);
	if (!e)
		nsig_put(&dst, l->nsig);
	return e;
}

void listing_unref(struct listing *l)
{
	if (l && atomic_fetch_sub(&l->refs, 1) == 1)
		listing_free(l);
}

static struct listing *listing_ref(struct listing *l)
{
	atomic_fetch_add(&l->refs, 1);
	return l;
}

/* Listings of SOURCE directories, reused for the same directory version
 * (dev, ino, size, mtime) within the attribute timeout: find(1) and file
 * managers open one directory many times in a walk, and a stat of a
 * directory (its link count) lists it just before the opendir does. Each
 * slot holds a reference; at most REUSE_ENTRIES entries are kept in all. */
#define REUSE_SLOTS   64
#define REUSE_ENTRIES 65536
static struct {
	pthread_mutex_t lock;
	size_t entries;
	struct rslot {
		struct sfc_key k;
		struct timespec built;
		struct listing *l;
	} s[REUSE_SLOTS];
} ru = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct rslot *rslot_of(const struct sfc_key *k)
{
	return &ru.s[(k->ino * 31 + k->dev + (uint64_t)k->mtime_nsec) % REUSE_SLOTS];
}

static double age_of(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* A listing of SOURCE directory `rel` (version `st`), reused or built. */
static int list_real_shared(const char *rel, const struct stat *st, struct listing **out)
{
	struct sfc_key k = key_of(st);
	pthread_mutex_lock(&ru.lock);
	struct rslot *r = rslot_of(&k);
	if (r->l && memcmp(&r->k, &k, sizeof k) == 0 && age_of(&r->built) < g.attr_timeout) {
		*out = listing_ref(r->l);
		pthread_mutex_unlock(&ru.lock);
		return 0;
	}
	pthread_mutex_unlock(&ru.lock);

	struct listing *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	atomic_init(&l->refs, 1);
	struct stat dst;
	int e = list_real(rel, l, &dst);
	if (e) {
		listing_free(l);
		return e;
	}
	k = key_of(&dst);
	struct listing *old = NULL;
	pthread_mutex_lock(&ru.lock);
	r = rslot_of(&k);
	if (g.attr_timeout > 0 && ru.entries - (r->l ? r->l->n : 0) + l->n <= REUSE_ENTRIES) {
		old = r->l;
		ru.entries -= old ? old->n : 0;
		r->k = k;
		clock_gettime(CLOCK_MONOTONIC, &r->built);
		r->l = listing_ref(l);
		ru.entries += l->n;
	}
	pthread_mutex_unlock(&ru.lock);
	listing_unref(old);
	*out = l;
	return 0;
}

void listing_cache_clear(void)
{
	pthread_mutex_lock(&ru.lock);
	for (size_t i = 0; i < REUSE_SLOTS; i++) {
		listing_unref(ru.s[i].l);
		ru.s[i].l = NULL;
	}
	ru.entries = 0;
	pthread_mutex_unlock(&ru.lock);
}

nlink_t dir_nlink(const char *rel, const struct stat *st)
{
	long ns = nsig_get(st);
	if (ns < 0) {
		struct listing *l = NULL;
		ns = list_real_shared(rel, st, &l) == 0 ? (long)l->nsig : 0;
		listing_unref(l);
	}
	return st->st_nlink + (nlink_t)ns;
}

nlink_t sig_nlink(const char *rel, const struct stat *st)
{
	struct sfc_key k = subject_key(st, rel);
	struct sfc_file *lf = sfc_file_get(g.cache, &k);
	nlink_t n = lf ? virt_nlink(lf->s, "") : 1;
	sfc_file_unref(lf);
	return n;
}

struct list_ctx {
	struct listing *l;
	const struct node *n;
	struct sfc_file *lf;
	int err;
};

/* An entry of a .sig directory: with attributes when they cost no render
 * (directories, expensive files, files whose bytes are cached). */
static int list_cb(void *arg, const char *name, int node)
{
	struct list_ctx *c = arg;
	const struct node *n = c->n;
	int k = node & SIGFS_NODE_KIND_MASK;
	char vpath[PATH_MAX];
	if (snprintf(vpath, sizeof vpath, "%s%s%s", n->vpath, *n->vpath ? "/" : "", name) >=
	    (int)sizeof vpath)
		return c->err = -ENAMETOOLONG;
	struct stat st;
	struct sfc_blob *b = NULL;
	int full = k == SIGFS_NODE_DIR || (k == SIGFS_NODE_FILE && (node & SIGFS_NODE_EXPENSIVE)) ||
		   (k == SIGFS_NODE_FILE && (b = sfc_blob_get(g.cache, &c->lf->key, vpath)) != NULL);
	virt_stat(&st, &n->st, n->pmode, k, b ? (off_t)b->len : 0, vpath);
	sfc_blob_unref(b);
	if (k == SIGFS_NODE_DIR)
		st.st_nlink = virt_nlink(c->lf->s, vpath);
	c->err = listing_add(c->l, name, &st, full);
	return c->err;
}

/* The listing of directory `vpath` of the .sig tree of subject `n`. */
static int list_virt(struct node *n, struct listing *l)
{
	struct sfc_file *lf;
	int e = load_subject(n->rel, &n->st, &lf);
	if (e)
		return e;
	e = listing_add_dots(l, vino(&n->st, n->vpath));
	struct list_ctx c = {l, n, lf, 0};
	int rc = e ? 0 : sigfs_tree_list(lf->s, n->vpath, list_cb, &c);
	if (c.err)
		e = c.err;
	else if (rc == SIGFS_ENOTFOUND)
		e = sigfs_tree_node(lf->s, n->vpath) != SIGFS_NODE_NONE ? -ENOTDIR : -ENOENT;
	else if (rc < 0)
		e = core_fail(rc, "list", n->vpath);
	sfc_file_unref(lf);
	return e;
}

/* The listing of a single-file root or of a .sig directory. */
static int list_other(struct node *n, struct listing *l)
{
	if (n->kind == NODE_VIRT)
		return list_virt(n, l);
	int e = listing_add_dots(l, 1); /* NODE_VROOT */
	if (e || !S_ISREG(n->st.st_mode))
		return e; /* the one file vanished */
	if (!g.sigonly)
		e = listing_add(l, g.single, &n->st, 1);
	return e ? e : add_sig(l, "", g.single, &n->st, n->pmode, NULL, 0, -1);
}

int list_dir(const char *path, struct listing **out)
{
	struct node n;
	*out = NULL;
	int e = resolve(path, &n);
	if (e)
		return e;
	if (n.kind == NODE_ROOT || n.kind == NODE_REAL)
		return S_ISDIR(n.st.st_mode) ? list_real_shared(n.rel, &n.st, out) : -ENOTDIR;
	struct listing *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	atomic_init(&l->refs, 1);
	e = list_other(&n, l);
	if (e)
		listing_free(l);
	else
		*out = l;
	return e;
}
