/* sigfs core: the walker of the `.sig/` tree. A tree is declared as tables
 * (core/catalogue.h); this file only resolves paths through them, lists and
 * renders. It knows no catalogue. */
#include <string.h>

#include "catalogue.h"
#include "sigfs/tree.h"

/* Where a path leads: the directory it is in (table + view) and, when the
 * path names an entry, that entry (a row, or dynamic child `child`). */
struct loc {
	const struct dirtab *tab;
	struct view v;
	const struct row *row; /* named row, or NULL */
	int child;	       /* 1 when the name is a dynamic child directory */
	size_t ci;
};

static const struct row *find_row(const struct dirtab *t, const struct view *v, const char *name, size_t len)
{
	size_t p, i;

	for (p = 0; p < SIGFS_DIRTAB_PARTS; p++)
		for (i = 0; i < t->parts[p].n; i++) {
			const struct row *r = &t->parts[p].r[i];

			/* two rows may share a name when at most one is present
			 * (B.sig/signature: a link or a directory) */
			if (strlen(r->name) == len && memcmp(r->name, name, len) == 0 && r->present(v))
				return r;
		}
	return NULL;
}

static int find_child(const struct dirtab *t, const struct view *v, const char *name, size_t len, size_t *ci)
{
	size_t i, n = t->nchildren ? t->nchildren(v) : 0;

	for (i = 0; i < n; i++) { /* n is bounded by the subject (SIGFS_MAX_SLICES) */
		const char *c = t->child_name(v, i);

		if (strlen(c) == len && memcmp(c, name, len) == 0) {
			*ci = i;
			return 1;
		}
	}
	return 0;
}

/* Name `name[0..len)` in the directory of l: sets l->row or l->child. */
static int name_in(struct loc *l, const char *name, size_t len)
{
	l->row = find_row(l->tab, &l->v, name, len);
	l->child = !l->row && find_child(l->tab, &l->v, name, len, &l->ci);
	return l->row || l->child;
}

/* Step into the directory l names. */
static int descend(struct loc *l)
{
	if (l->child) {
		struct view cv;

		l->tab->child_view(&l->v, l->ci, &cv);
		l->v = cv;
		l->tab = l->tab->child_tab;
	} else if (l->row && (l->row->node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR) {
		l->tab = l->row->dir;
	} else {
		return 0;
	}
	l->row = NULL;
	l->child = 0;
	return 1;
}

/* Resolve `path`; 0 when it leads nowhere. The directory itself ("" or a
 * trailing '/') leaves no row and no child. */
static int locate(const struct sigfs_subject *subj, const sigfs_source *src, const char *path, struct loc *l)
{
	const char *p = path, *slash;
	size_t len;

	memset(l, 0, sizeof *l);
	l->tab = subj->ops->root;
	subj->ops->root_view(subj, &l->v);
	l->v.src = src;
	for (;;) { /* one pass per component of a caller's path */
		while (*p == '/')
			p++;
		if (!*p)
			return 1;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (!name_in(l, p, len))
			return 0;
		if (!slash || !slash[strspn(slash, "/")])
			return 1;
		if (!descend(l))
			return 0;
		p = slash;
	}
}

static int node_of(const struct loc *l)
{
	if (l->row)
		return l->row->node;
	return SIGFS_NODE_DIR; /* a dynamic child, or the directory itself */
}

int sigfs_tree_node(const sigfs_subject *s, const char *path)
{
	struct loc l;

	return locate(s, NULL, path, &l) ? node_of(&l) : SIGFS_NODE_NONE;
}

static int tree_list(const sigfs_subject *s, const char *path, sigfs_tree_fn fn, void *arg);

/* A lazy CMS parse that ran out of memory during a walk made it see "no
 * CMS": fail the walk rather than answer from that. */
static int oom_since(unsigned before, int rc)
{
	if (sigfs_cms_oom_count() == before)
		return rc;
	return sigfs_error_set(SIGFS_ENOMEM, "out of memory parsing a CMS signature");
}

int sigfs_tree_list(const sigfs_subject *s, const char *path, sigfs_tree_fn fn, void *arg)
{
	unsigned before = sigfs_cms_oom_count();
	int rc = tree_list(s, path, fn, arg);

	return rc < 0 ? rc : oom_since(before, rc);
}

static int tree_list(const sigfs_subject *s, const char *path, sigfs_tree_fn fn, void *arg)
{
	struct loc l;
	size_t p, i, n;
	int rc;

	if (!locate(s, NULL, path, &l))
		return SIGFS_ENOTFOUND;
	if ((l.row || l.child) && !descend(&l))
		return SIGFS_ENOTFOUND;
	for (p = 0; p < SIGFS_DIRTAB_PARTS; p++)
		for (i = 0; i < l.tab->parts[p].n; i++) {
			const struct row *r = &l.tab->parts[p].r[i];

			if (r->present(&l.v) && (rc = fn(arg, r->name, r->node)) != 0)
				return rc;
		}
	n = l.tab->nchildren ? l.tab->nchildren(&l.v) : 0;
	for (i = 0; i < n; i++)
		if ((rc = fn(arg, l.tab->child_name(&l.v, i), SIGFS_NODE_DIR)) != 0)
			return rc;
	return SIGFS_OK;
}

int sigfs_tree_render(sigfs_buf *out, const sigfs_subject *s, const sigfs_source *src, const char *path)
{
	struct loc l;
	int err;

	unsigned before = sigfs_cms_oom_count();

	if (!locate(s, src, path, &l) || !l.row || !l.row->render)
		return oom_since(before, SIGFS_ENOTFOUND);
	err = l.row->render(&l.v, out);
	return oom_since(before, err ? err : sigfs_buf_status(out));
}

int sigfs_dirtab_catalogued(const struct dirtab *t, const char *path)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path), p, i;
	int node;

	if (!len)
		return SIGFS_NODE_NONE; /* "", "/x", "x//y": no name */
	/* recursion: one level per component, and tables nest only a few
	 * levels deep (a component past the deepest table matches nothing) */
	for (p = 0; p < SIGFS_DIRTAB_PARTS; p++)
		for (i = 0; i < t->parts[p].n; i++) {
			const struct row *r = &t->parts[p].r[i];

			if (strlen(r->name) != len || memcmp(r->name, path, len) != 0)
				continue;
			if (!slash)
				return r->node;
			/* two rows may share a name (a link or a directory) */
			if ((r->node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR &&
			    (node = sigfs_dirtab_catalogued(r->dir, slash + 1)) != SIGFS_NODE_NONE)
				return node;
		}
	if (!t->child_tab || (len == 1 && *path == '.') || (len == 2 && !memcmp(path, "..", 2)))
		return SIGFS_NODE_NONE;
	return slash ? sigfs_dirtab_catalogued(t->child_tab, slash + 1) : SIGFS_NODE_DIR;
}
