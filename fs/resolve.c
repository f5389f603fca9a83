/* sigfs mount: FUSE paths to SOURCE entries and .sig nodes (resolve.h). */
#include "resolve.h"

#include <errno.h>
#include <string.h>

#include "load.h"

/* 1 if the `len` bytes at `comp` are NAME<suffix> with a non-empty NAME. */
static int has_suffix(const char *comp, size_t len)
{
	return len > g.suffix_len && memcmp(comp + len - g.suffix_len, g.suffix, g.suffix_len) == 0;
}

/* Copy `rest` (the path below F.sig, no leading '/') into n->vpath: the core
 * wants "a/b", without empty, "." or ".." components. */
static int set_vpath(struct node *n, const char *rest)
{
	size_t len = strlen(rest);
	if (len >= sizeof n->vpath)
		return -ENAMETOOLONG;
	memcpy(n->vpath, rest, len + 1);
	for (const char *s = n->vpath; *s;) { /* one component per pass */
		const char *e = strchr(s, '/');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == 0 || (l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.'))
			return -ENOENT;
		s += l + (e ? 1 : 0);
	}
	return 0;
}

/* SOURCE is one file F shown as NAME: the root holds NAME and NAME<suffix>. */
static int resolve_single(const char *p, struct node *n)
{
	size_t nl = strlen(g.single);
	struct stat parent;
	int gone = sigfs_fstree_lstat2(g.tree, "", &n->st, &parent) != 0 || !S_ISREG(n->st.st_mode);
	n->pmode = gone ? 0 : parent.st_mode;
	n->rel[0] = '\0';
	if (gone) {
		memset(&n->st, 0, sizeof n->st);
		n->st.st_mode = S_IFDIR | 0555;
	}
	if (!*p) {
		n->kind = NODE_VROOT;
		return 0;
	}
	if (gone)
		return -ENOENT; /* the one file vanished: the root stays, empty */
	if (strcmp(p, g.single) == 0 && !g.sigonly) {
		n->kind = NODE_REAL;
		return 0;
	}
	if (strncmp(p, g.single, nl) != 0 || strncmp(p + nl, g.suffix, g.suffix_len) != 0)
		return strncmp(p, g.single, nl) == 0 && p[nl] == '/' ? -ENOTDIR : -ENOENT;
	const char *rest = p + nl + g.suffix_len;
	if (*rest && *rest != '/')
		return -ENOENT;
	if (probe_entry("", &n->st, -1) == SIGFS_KIND_NONE)
		return -ENOENT;
	n->kind = NODE_VIRT;
	return set_vpath(n, *rest ? rest + 1 : rest);
}

int resolve(const char *path, struct node *n)
{
	const char *p = path;
	/* not the whole node: its two path buffers are 8 KiB, cleared per request */
	memset(&n->st, 0, sizeof n->st);
	n->kind = NODE_ROOT;
	n->pmode = 0;
	n->rel[0] = n->vpath[0] = '\0';
	while (*p == '/')
		p++;
	size_t len = strlen(p);
	if (len >= sizeof n->rel)
		return -ENAMETOOLONG;
	if (g.single)
		return resolve_single(p, n);
	memcpy(n->rel, p, len + 1);

	/* The first component NAME<suffix> that is not a SOURCE entry while
	 * NAME is a subject starts a .sig tree (looked for first, so a path
	 * inside one costs no failed lookup of the whole path). At most one
	 * lookup per component: bounded by the path's length. */
	for (size_t i = 0; i < len;) {
		const char *c = p + i, *slash = strchr(c, '/');
		size_t cl = slash ? (size_t)(slash - c) : strlen(c);
		size_t end = i + cl;
		i = end + 1;
		if (cl > NAME_MAX)
			return -ENAMETOOLONG;
		if (!has_suffix(c, cl))
			continue;
		struct stat st;
		n->rel[end] = '\0';
		int e = sigfs_fstree_lstat(g.tree, n->rel, &st);
		if (e == 0) {
			n->rel[end] = slash ? '/' : '\0';
			continue;
		}
		if (e != -ENOENT)
			return e; /* EACCES on the way, ENOTDIR, ... */
		n->rel[end - g.suffix_len] = '\0';
		struct stat parent;
		if ((e = sigfs_fstree_lstat2(g.tree, n->rel, &n->st, &parent)) != 0)
			return e;
		if (probe_entry(n->rel, &n->st, -1) == SIGFS_KIND_NONE)
			return -ENOENT;
		n->kind = NODE_VIRT;
		n->pmode = parent.st_mode;
		return set_vpath(n, slash ? slash + 1 : "");
	}

	/* Else a SOURCE entry, or nothing. */
	int e = sigfs_fstree_lstat(g.tree, n->rel, &n->st);
	if (e)
		return e;
	if (g.sigonly && *n->rel && !S_ISDIR(n->st.st_mode))
		return -ENOENT; /* -o sigonly hides all but directories */
	n->kind = *n->rel ? NODE_REAL : NODE_ROOT;
	return 0;
}
