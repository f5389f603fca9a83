/* sigfs core: subjects — the entries of SOURCE that get a `.sig/` tree —
 * probed, loaded and freed through their kind (core/catalogue.h). */
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "sigfs/tree.h"

/* Every kind, in probe order. */
static const struct kind_ops *const kinds[] = {
    &sigfs_kind_macho,
    &sigfs_kind_profile,
    &sigfs_kind_bundle,
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

static const struct kind_ops *kind_of(int kind)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (kinds[i]->kind == kind)
			return kinds[i];
	return NULL;
}

int sigfs_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st, const uint8_t *head,
		size_t headlen)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (kinds[i]->probe(src, rel, st, head, headlen))
			return kinds[i]->kind;
	return SIGFS_KIND_NONE;
}

int sigfs_tree_catalogued(const char *path)
{
	size_t i;
	int node, dir = SIGFS_NODE_NONE;

	/* a file or link of one kind wins over a directory of another (a
	 * Mach-O's <arch>/ matches any name, P.sig/summary is a file) */
	for (i = 0; i < NKINDS; i++) {
		node = sigfs_dirtab_catalogued(kinds[i]->root, path);
		if ((node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR)
			dir = node;
		else if (node != SIGFS_NODE_NONE)
			return node;
	}
	return dir;
}

int sigfs_subject_load(sigfs_subject **out, const sigfs_source *src, const char *rel, int kind,
		       const sigfs_subject_opts *o)
{
	const struct kind_ops *ops = kind_of(kind);
	struct sigfs_subject *s;
	const char *shown;
	int err;

	*out = NULL;
	if (!ops)
		return sigfs_error_set(SIGFS_ENOTFOUND, "%s: no .sig for this kind of entry", rel);
	s = calloc(1, sizeof *s);
	if (!s)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
	s->kind = kind;
	s->ops = ops;
	if (o)
		s->opts = *o;
	shown = *rel || !s->opts.root_name ? rel : s->opts.root_name;
	s->rel = strdup(rel);
	s->display = strdup(shown);
	if (!s->rel || !s->display) {
		sigfs_subject_free(s);
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
	}
	err = ops->load(s, src);
	if (err) {
		sigfs_subject_free(s);
		return err;
	}
	*out = s;
	return SIGFS_OK;
}

void sigfs_subject_free(sigfs_subject *s)
{
	if (!s)
		return;
	if (s->ops)
		s->ops->free(s);
	sigfs_verdicts_free(s->verdicts);
	free(s->rel);
	free(s->display);
	free(s);
}

int sigfs_subject_kind(const sigfs_subject *s)
{
	return s->kind;
}

const char *sigfs_subject_rel(const sigfs_subject *s)
{
	return s->rel;
}

uint64_t sigfs_subject_bytes_read(const sigfs_subject *s)
{
	return s->bytes_read;
}

uint64_t sigfs_subject_footprint(const sigfs_subject *s)
{
	/* The parsed structures (CodeDirectories, plist trees, OpenSSL's CMS
	 * and certificates) measured at 1.6-1.7 times the bytes read over the
	 * bench templates (mallinfo2 around each load): count twice. Verdicts
	 * are counted exactly; they are most of a verified subject (a slice
	 * verdict keeps its check lines, ~36 KB per binary). */
	return 2 * s->bytes_read + sizeof *s +
	       sigfs_verdicts_bytes(__atomic_load_n(&s->verdicts, __ATOMIC_ACQUIRE));
}
