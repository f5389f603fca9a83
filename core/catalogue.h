/* sigfs core (internal): how the `.sig/` tree is declared. A directory is a
 * `struct dirtab`: static rows in listing order, then optional dynamic child
 * directories (the slices of a universal file today; nested code next). A
 * new catalogue is a new table in the file named after its concept
 * (render_slice.c, render_verify.c, render_bundle.c, …), never a new branch in
 * the walker (render.c). */
#ifndef SIGFS_CORE_CATALOGUE_H
#define SIGFS_CORE_CATALOGUE_H

#include <stddef.h>

#include "internal.h"
#include "sigfs/tree.h"

/* What one directory of the tree describes. Rows read only this. */
struct view {
	const struct sigfs_subject *subj;
	/* Reads at render time (NULL while listing: present() never reads). */
	const sigfs_source *src;
	/* Mach-O subjects: the file and the slice this directory describes. */
	const struct sigfs_file *f;
	const struct sigfs_slice *s; /* NULL when the file has no slice */
	size_t si;
	int top; /* the top of a Mach-O's .sig/: files judging "all slices" */
	/* A dynamic child's own object (a nested item, a profile, …). */
	const void *item;
	/* The provisioning profile this directory describes (P.sig/, and
	 * B.sig/provisioning/ when the bundle's view sets it). */
	const struct sigfs_profile_item *profile;
};

struct row {
	const char *name;
	int node; /* SIGFS_NODE_FILE | flags, SIGFS_NODE_DIR, SIGFS_NODE_LINK */
	/* 1 when the entry exists; decided from parsed structure, never reads. */
	int (*present)(const struct view *v);
	/* Files and links: append the content (or link target) to b. */
	int (*render)(const struct view *v, sigfs_buf *b);
	/* Directories: the table of the directory's entries. */
	const struct dirtab *dir;
};

#define SIGFS_DIRTAB_PARTS 6

struct rows {
	const struct row *r;
	size_t n;
};
#define ROWS(a)                                                                                              \
	{                                                                                                    \
		(a), sizeof(a) / sizeof((a)[0])                                                              \
	}

struct dirtab {
	struct rows parts[SIGFS_DIRTAB_PARTS]; /* static rows, listed in order */
	/* Dynamic child directories, listed after the rows: count, the name of
	 * child i, the view of child i. A child's entries are child_tab's. */
	size_t (*nchildren)(const struct view *v);
	const char *(*child_name)(const struct view *v, size_t i);
	void (*child_view)(const struct view *v, size_t i, struct view *out);
	const struct dirtab *child_tab;
};

/* render.c: what `path` names in table t whatever is present
 * (sigfs_tree_catalogued for one kind). */
int sigfs_dirtab_catalogued(const struct dirtab *t, const char *path);

/* The subject behind a tree (sigfs/tree.h). */
struct sigfs_subject {
	int kind;		 /* enum sigfs_kind */
	char *rel;		 /* SOURCE-relative path of the entry */
	char *display;		 /* the path shown in messages: rel, or opts.root_name for "" */
	sigfs_subject_opts opts; /* copied; strings owned by the caller */
	struct sigfs_file *file; /* SIGFS_KIND_MACHO */
	void *data;		 /* the kind's own object (a bundle, a profile) */
	uint64_t bytes_read;
	const struct kind_ops *ops;
	struct sigfs_verdicts *verdicts; /* render_verify.c's, made on first use */
};

/* One kind of subject: how it loads, frees, and the root of its tree. Each
 * kind's module defines one (sigfs_kind_macho in render_slice.c, …) and
 * core/subject.c lists them. */
struct kind_ops {
	int kind;
	/* 1 when entry `rel` is of this kind (sigfs_probe's contract). */
	int (*probe)(const sigfs_source *src, const char *rel, const struct sigfs_stat *st,
		     const uint8_t *head, size_t headlen);
	int (*load)(struct sigfs_subject *subj, const sigfs_source *src);
	void (*free)(struct sigfs_subject *subj);
	const struct dirtab *root;
	/* The view at the root of the subject's tree. */
	void (*root_view)(const struct sigfs_subject *subj, struct view *v);
};

extern const struct kind_ops sigfs_kind_macho;
extern const struct kind_ops sigfs_kind_profile;

/* A provisioning profile file (render_profile.c): parsed, or why not. A
 * bundle's load calls sigfs_profile_item_load for its embedded profile and
 * sets view.profile; its table lists sigfs_provisioning_rows. */
struct sigfs_profile_item {
	struct sigfs_profile *p; /* NULL when the file is no profile */
	char *rel;		 /* SOURCE-relative path */
	char err[256];		 /* why p is NULL */
};
int sigfs_profile_item_load(struct sigfs_profile_item **out, const sigfs_source *src, const char *rel,
			    const sigfs_anchors *anchors, uint64_t *bytes_read) SIGFS_WUR;
void sigfs_profile_item_free(struct sigfs_profile_item *it);
extern const struct row sigfs_provisioning_rows[1];

/* The `audit` row of F.sig/ and of B.sig/ (render_audit.c). */
extern const struct row sigfs_audit_rows[1];
extern const struct row sigfs_bundle_audit_rows[1];

/* The embedded profile of a bundle (render_profile.c):
 * Contents/embedded.provisionprofile or a shallow bundle's
 * embedded.mobileprovision; *out NULL when it has none. */
struct sigfs_bundle;
int sigfs_bundle_profile_load(struct sigfs_profile_item **out, const struct sigfs_bundle *b,
			      const sigfs_source *src, const sigfs_anchors *anchors,
			      uint64_t *bytes_read) SIGFS_WUR;

/* A member of the subject (SOURCE-relative `rel`) as the user sees it: the
 * subject's display path joined with the part of rel below the subject
 * (render_bundle.c). */
void sigfs_put_shown(sigfs_buf *b, const struct view *v, const char *rel);
extern const struct kind_ops sigfs_kind_bundle; /* render_bundle.c */

/* The files of one slice (render_slice.c): F.sig/<arch>/, and B.sig/signature/
 * of a bundle with a detached signature. */
extern const struct dirtab sigfs_slice_tab;

/* render_slice.c: the designated requirement of v's slice as a blob,
 * explicit (slot 2) or implicit (DRMaker), appended to blob. */
int sigfs_view_dr(const struct view *v, sigfs_buf *blob) SIGFS_WUR;

/* render_verify.c: the verification rows of a Mach-O directory, and the
 * verdicts a subject keeps. */
extern const struct row sigfs_verify_rows[7];
void sigfs_verdicts_free(struct sigfs_verdicts *c);
/* Heap bytes the verdicts computed so far hold (0 for NULL). */
size_t sigfs_verdicts_bytes(struct sigfs_verdicts *c);

/* The view at the top of a Mach-O subject's tree (render_slice.c). */
void sigfs_macho_view(const struct sigfs_subject *subj, struct view *v);

#endif
