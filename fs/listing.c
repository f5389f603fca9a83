/* sigfs mount: directory listings (listing.h). */
#include "listing.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "resolve.h"
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

static int listing_add_type(struct listing *l, const char *name, mode_t type)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = type;
	return listing_add(l, name, &st, 0);
}

static int listing_add_dots(struct listing *l)
{
	int e = listing_add_type(l, ".", S_IFDIR);
	return e ? e : listing_add_type(l, "..", S_IFDIR);
}

void listing_free(struct listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	free(l);
}

/* Add NAME<suffix> for entry `rel` named NAME (stat `st`, open as `fd` or
 * -1) when it is a subject, unless a real entry of that name exists (the
 * real one wins). */
static int add_sig(struct listing *l, const char *rel, const char *name, const struct stat *st,
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
	struct stat vst;
	virt_stat(&vst, st, SIGFS_NODE_DIR, 0, "");
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
static int list_real(const char *rel, struct listing *l)
{
	int fd = sigfs_fstree_open_dir(g.tree, rel);
	if (fd < 0)
		return fd;
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
	if (!e) {
		int dfd = dirfd(d);
		struct stat sts[PREFETCH_CHUNK];
		unsigned char ok[PREFETCH_CHUNK];
		int fds[PREFETCH_CHUNK];
		e = listing_add_dots(l);
		for (size_t c0 = 0; c0 < nv && !e; c0 += PREFETCH_CHUNK) {
			size_t cn = nv - c0 < PREFETCH_CHUNK ? nv - c0 : PREFETCH_CHUNK;
			stat_and_prefetch(dfd, v + c0, cn, sts, ok, fds);
			for (size_t i = 0; i < cn; i++) {
				mode_t type = sts[i].st_mode & S_IFMT;
				if (e || !ok[i])
					; /* failed, or vanished meanwhile: only close below */
				else if (!g.sigonly || type == S_IFDIR)
					e = listing_add(l, v[c0 + i].name, &sts[i], 1);
				if (!e && ok[i]) {
					snprintf(crel, dl + NAME_MAX + 2, "%s%s%s", rel, dl ? "/" : "",
						 v[c0 + i].name);
					e = add_sig(l, crel, v[c0 + i].name, &sts[i], v, nv, fds[i]);
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
	return e;
}

struct list_ctx {
	struct listing *l;
	int err;
};

static int list_cb(void *arg, const char *name, int node)
{
	struct list_ctx *c = arg;
	int k = node & SIGFS_NODE_KIND_MASK;
	c->err = listing_add_type(c->l, name,
				  k == SIGFS_NODE_DIR	 ? S_IFDIR
				  : k == SIGFS_NODE_LINK ? S_IFLNK
							 : S_IFREG);
	return c->err;
}

/* The listing of directory `vpath` of the .sig tree of subject `n`. */
static int list_virt(struct node *n, struct listing *l)
{
	struct sfc_file *lf;
	int e = load_subject(n->rel, &n->st, &lf);
	if (e)
		return e;
	e = listing_add_dots(l);
	struct list_ctx c = {l, 0};
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

int list_dir(const char *path, struct listing *l)
{
	struct node n;
	int e = resolve(path, &n);
	if (e)
		return e;
	switch (n.kind) {
	case NODE_ROOT: return list_real("", l);
	case NODE_REAL: return S_ISDIR(n.st.st_mode) ? list_real(n.rel, l) : -ENOTDIR;
	case NODE_VROOT:
		e = listing_add_dots(l);
		if (e || !S_ISREG(n.st.st_mode))
			return e; /* the one file vanished */
		if (!g.sigonly)
			e = listing_add(l, g.single, &n.st, 1);
		return e ? e : add_sig(l, "", g.single, &n.st, NULL, 0, -1);
	case NODE_VIRT: return list_virt(&n, l);
	}
	return -ENOENT;
}
