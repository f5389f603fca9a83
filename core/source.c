/* sigfs core: the one read loop over a sigfs_source, and the in-memory
 * source of tests and fuzzers (sigfs/memsource.h). */
#include <stdlib.h>
#include <string.h>

#include "sigfs/memsource.h"
#include "sigfs/source.h"

int sigfs_source_read_exact(const sigfs_source *src, const char *rel, uint64_t off, void *dst, size_t len)
{
	uint8_t *p = dst;

	while (len > 0) { /* each pass reads >= 1 byte or returns: bounded by len */
		size_t got = 0;
		int err = src->read(src->ctx, rel, off, p, len, &got);

		if (err)
			return err;
		if (got == 0 || got > len)
			return sigfs_error_set(SIGFS_EIO, "%s: short read at offset %llu (the file shrank?)",
					       *rel ? rel : "file", (unsigned long long)off);
		p += got;
		off += got;
		len -= got;
	}
	return SIGFS_OK;
}

/* ------------------------------------------------------------ in memory */

struct ment {
	char *rel; /* full relative path */
	struct sigfs_stat st;
	uint8_t *data; /* file bytes or symlink target */
	char *xattrs;  /* extended attribute names, each NUL-terminated */
	size_t xattrs_len;
};

static void ment_free(struct ment *e)
{
	free(e->rel);
	free(e->data);
	free(e->xattrs);
}

struct sigfs_memtree {
	struct ment *e;
	size_t n, cap;
	uint64_t next_ino;
};

static struct ment *mfind(const sigfs_memtree *t, const char *rel)
{
	size_t i;

	for (i = 0; i < t->n; i++) /* test-sized trees: linear is fine */
		if (strcmp(t->e[i].rel, rel) == 0)
			return &t->e[i];
	return NULL;
}

static int madd(sigfs_memtree *t, const char *rel, int type, uint32_t mode, const void *p, size_t n);

/* Create every missing parent directory of rel. */
static int mparents(sigfs_memtree *t, const char *rel)
{
	char *dup = strdup(rel), *slash;
	int err = SIGFS_OK;

	if (!dup)
		return SIGFS_ENOMEM;
	for (slash = strchr(dup, '/'); slash && !err; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (!mfind(t, dup))
			err = madd(t, dup, SIGFS_FT_DIR, 0755, NULL, 0);
		*slash = '/';
	}
	free(dup);
	return err;
}

static int madd(sigfs_memtree *t, const char *rel, int type, uint32_t mode, const void *p, size_t n)
{
	struct ment *e;
	int err;

	if (*rel && (err = mparents(t, rel)) != 0)
		return err;
	e = mfind(t, rel);
	if (e) {
		ment_free(e);
		*e = t->e[--t->n];
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct ment *ne = realloc(t->e, cap * sizeof *ne);

		if (!ne)
			return SIGFS_ENOMEM;
		t->e = ne;
		t->cap = cap;
	}
	e = &t->e[t->n];
	memset(e, 0, sizeof *e);
	e->rel = strdup(rel);
	e->data = malloc(n ? n : 1);
	if (!e->rel || !e->data) {
		free(e->rel);
		free(e->data);
		return SIGFS_ENOMEM;
	}
	if (n)
		memcpy(e->data, p, n);
	e->st.type = type;
	e->st.mode = mode;
	e->st.size = n;
	e->st.dev = 1;
	e->st.ino = ++t->next_ino;
	e->st.mtime_ns = e->st.ctime_ns = (int64_t)t->next_ino;
	t->n++;
	return SIGFS_OK;
}

sigfs_memtree *sigfs_mem_new(int root_is_file)
{
	sigfs_memtree *t = calloc(1, sizeof *t);

	if (t && !root_is_file && madd(t, "", SIGFS_FT_DIR, 0755, NULL, 0) != 0) {
		sigfs_mem_free(t);
		return NULL;
	}
	return t;
}

void sigfs_mem_free(sigfs_memtree *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		ment_free(&t->e[i]);
	free(t->e);
	free(t);
}

int sigfs_mem_add_file(sigfs_memtree *t, const char *rel, const void *p, size_t n, uint32_t mode)
{
	return madd(t, rel, SIGFS_FT_REG, mode, p, n);
}

int sigfs_mem_add_symlink(sigfs_memtree *t, const char *rel, const char *target)
{
	return madd(t, rel, SIGFS_FT_LNK, 0777, target, strlen(target));
}

int sigfs_mem_add_dir(sigfs_memtree *t, const char *rel)
{
	return madd(t, rel, SIGFS_FT_DIR, 0755, NULL, 0);
}

int sigfs_mem_add_other(sigfs_memtree *t, const char *rel)
{
	return madd(t, rel, SIGFS_FT_OTHER, 0644, NULL, 0);
}

int sigfs_mem_add_xattr(sigfs_memtree *t, const char *rel, const char *name)
{
	struct ment *e = mfind(t, rel);
	size_t n = strlen(name) + 1;
	char *x;

	if (!e)
		return SIGFS_ENOTFOUND;
	x = realloc(e->xattrs, e->xattrs_len + n);
	if (!x)
		return SIGFS_ENOMEM;
	memcpy(x + e->xattrs_len, name, n);
	e->xattrs = x;
	e->xattrs_len += n;
	return SIGFS_OK;
}

/* 1 when `rel` is `dir` itself or below it. */
static int under(const char *rel, const char *dir)
{
	size_t n = strlen(dir);

	if (!*dir)
		return 1;
	return strncmp(rel, dir, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

int sigfs_mem_remove(sigfs_memtree *t, const char *rel)
{
	size_t i = 0;
	int found = 0;

	while (i < t->n) {
		if (under(t->e[i].rel, rel)) {
			ment_free(&t->e[i]);
			t->e[i] = t->e[--t->n];
			found = 1;
		} else {
			i++;
		}
	}
	return found ? SIGFS_OK : SIGFS_ENOTFOUND;
}

/* The entry at rel, refusing paths through a symlink or a non-directory. */
static int mlookup(const sigfs_memtree *t, const char *rel, struct ment **out)
{
	char *dup = strdup(rel), *slash;
	struct ment *e;

	if (!dup)
		return SIGFS_ENOMEM;
	for (slash = strchr(dup, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		e = mfind(t, dup);
		*slash = '/';
		if (!e || e->st.type != SIGFS_FT_DIR) {
			free(dup);
			return SIGFS_ENOTFOUND;
		}
	}
	free(dup);
	*out = mfind(t, rel);
	return *out ? SIGFS_OK : SIGFS_ENOTFOUND;
}

static int mem_read(void *ctx, const char *rel, uint64_t off, void *dst, size_t len, size_t *got)
{
	struct ment *e;
	int err = mlookup(ctx, rel, &e);

	*got = 0;
	if (err)
		return err;
	if (e->st.type != SIGFS_FT_REG)
		return sigfs_error_set(SIGFS_EIO, "%s: not a regular file", rel);
	if (!(e->st.mode & 0444))
		return sigfs_error_set(SIGFS_EACCES, "%s: permission denied", rel);
	if (off >= e->st.size)
		return SIGFS_OK;
	*got = (size_t)(e->st.size - off) < len ? (size_t)(e->st.size - off) : len;
	memcpy(dst, e->data + off, *got);
	return SIGFS_OK;
}

static int mem_stat(void *ctx, const char *rel, struct sigfs_stat *st)
{
	struct ment *e;
	int err = mlookup(ctx, rel, &e);

	if (!err)
		*st = e->st;
	return err;
}

static int mem_list(void *ctx, const char *rel, sigfs_entry_fn fn, void *arg)
{
	sigfs_memtree *t = ctx;
	struct ment *d;
	size_t i, n = strlen(rel);
	int err = mlookup(t, rel, &d);

	if (err)
		return err;
	if (d->st.type != SIGFS_FT_DIR)
		return SIGFS_ENOTFOUND;
	for (i = 0; i < t->n; i++) {
		const char *name = t->e[i].rel;

		if (!*name || (n && (strncmp(name, rel, n) != 0 || name[n] != '/')))
			continue;
		name += n ? n + 1 : 0;
		if (strchr(name, '/'))
			continue;
		if ((err = fn(arg, name, &t->e[i].st)) != 0)
			return err;
	}
	return SIGFS_OK;
}

static int mem_readlink(void *ctx, const char *rel, char *buf, size_t cap, size_t *len)
{
	struct ment *e;
	int err = mlookup(ctx, rel, &e);

	if (err)
		return err;
	if (e->st.type != SIGFS_FT_LNK)
		return SIGFS_ENOTFOUND;
	if (e->st.size >= cap)
		return sigfs_error_set(SIGFS_EMALFORMED, "%s: symlink target too long", rel);
	memcpy(buf, e->data, e->st.size);
	buf[e->st.size] = '\0';
	*len = e->st.size;
	return SIGFS_OK;
}

static int mem_xattr(void *ctx, const char *rel, const char *name, int *present)
{
	struct ment *e;
	int err = mlookup(ctx, rel, &e);

	*present = 0;
	if (err)
		return err;
	for (size_t at = 0; at < e->xattrs_len; at += strlen(e->xattrs + at) + 1)
		if (strcmp(e->xattrs + at, name) == 0)
			*present = 1;
	return SIGFS_OK;
}

void sigfs_mem_source(sigfs_memtree *t, sigfs_source *out)
{
	out->ctx = t;
	out->read = mem_read;
	out->stat = mem_stat;
	out->list = mem_list;
	out->readlink = mem_readlink;
	out->xattr = mem_xattr;
}
