/* sigfs core: the `audit` file (SPEC-VERIFY "The audit"). In F.sig/: the
 * facts of the whole Mach-O (every slice). In B.sig/: the main executable,
 * every Mach-O found under the bundle (nested code included), the embedded
 * profile and the stapled ticket. Judged at the time of the read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"
#include "sigfs/audit.h"
#include "sigfs/bundle.h"

static int present(const struct view *v)
{
	return v->f != NULL && v->f->nslices > 0;
}

static int r_audit(const struct view *v, sigfs_buf *b)
{
	struct sigfs_audit_code c;
	struct sigfs_audit_subject s = {0};
	int err = sigfs_audit_code_load(&c, v->f, v->subj->display, (int64_t)time(NULL));

	if (err)
		return err;
	s.path = v->subj->display;
	s.code = &c;
	s.ncode = 1;
	s.now = (int64_t)time(NULL);
	err = sigfs_audit_render(b, &s);
	sigfs_audit_code_clear(&c);
	return err;
}

const struct row sigfs_audit_rows[1] = {
    {"audit", SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE, present, r_audit, NULL},
};

/* ---------------------------------------------------------------- bundles */

/* Mach-O files one bundle audit judges (Xcode.app holds a few thousand);
 * the walk itself has the verifier's bounds (sigfs/bundle.h). */
#define AUDIT_MAX_CODE 20000

struct code_set {
	const struct view *v;
	const sigfs_source *src;
	int64_t now;
	struct sigfs_audit_code *code;
	char **paths; /* mount-relative, owned */
	size_t n, cap;
	size_t items; /* entries walked */
};

/* Facts of Mach-O f (SOURCE-relative rel), which is freed. */
static int add_code(struct code_set *cs, struct sigfs_file *f, const char *rel)
{
	sigfs_buf shown = SIGFS_BUF_INIT;
	int err = SIGFS_OK;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		struct sigfs_audit_code *c = realloc(cs->code, cap * sizeof *c);
		char **ps = c ? realloc(cs->paths, cap * sizeof *ps) : NULL;

		if (c)
			cs->code = c;
		if (!ps)
			err = sigfs_error_set(SIGFS_ENOMEM, "audit: out of memory for %zu Mach-O files", cap);
		else {
			cs->paths = ps;
			cs->cap = cap;
		}
	}
	if (!err) {
		sigfs_put_shown(&shown, cs->v, rel);
		err = sigfs_buf_status(&shown);
	}
	if (!err) {
		cs->paths[cs->n] = sigfs_buf_detach(&shown, NULL);
		err = sigfs_audit_code_load(&cs->code[cs->n], f, cs->paths[cs->n], cs->now);
		cs->n++; /* counted even on failure, so it is freed */
	}
	sigfs_file_free(f);
	return err;
}

struct names {
	char **v;
	size_t n, cap;
	int oom;
};

static int collect(void *arg, const char *name, const struct sigfs_stat *st)
{
	struct names *ns = arg;

	if (st->type != SIGFS_FT_REG && st->type != SIGFS_FT_DIR)
		return 0; /* symlinks are never followed */
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 32;
		char **v = realloc(ns->v, cap * sizeof *v);

		if (!v) {
			ns->oom = 1;
			return 1;
		}
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = malloc(strlen(name) + 2);
	if (!ns->v[ns->n]) {
		ns->oom = 1;
		return 1;
	}
	ns->v[ns->n][0] = st->type == SIGFS_FT_DIR ? 'd' : 'f'; /* the type, then the name */
	strcpy(ns->v[ns->n] + 1, name);
	ns->n++;
	return 0;
}

/* Every Mach-O below `rel` but the main executable. A member that cannot
 * be read is skipped (B.sig/verify reports it). */
static int walk(struct code_set *cs, const char *rel, const char *main_exec, int depth)
{
	struct names ns = {0};
	size_t i;
	int err = SIGFS_OK;

	if (depth > SIGFS_WALK_MAX_DEPTH)
		return SIGFS_OK;
	/* an unreadable directory: what was listed is walked */
	if (cs->src->list(cs->src->ctx, rel, collect, &ns) != SIGFS_OK && ns.oom)
		err = sigfs_error_set(SIGFS_ENOMEM, "audit: out of memory listing %s", rel);
	for (i = 0; i < ns.n && !err; i++) { /* ns.n <= SIGFS_SOURCE_MAX_ENTRIES */
		char *child = malloc(strlen(rel) + strlen(ns.v[i]) + 2);
		struct sigfs_stat st;
		uint8_t head[SIGFS_PROBE_LEN];
		size_t got = 0;
		struct sigfs_file *f = NULL;

		if (!child) {
			err = sigfs_error_set(SIGFS_ENOMEM, "audit: out of memory");
			break;
		}
		snprintf(child, strlen(rel) + strlen(ns.v[i]) + 2, "%s%s%s", rel, *rel ? "/" : "",
			 ns.v[i] + 1);
		if (++cs->items > SIGFS_WALK_MAX_ITEMS || cs->n >= AUDIT_MAX_CODE) {
			free(child);
			break;
		}
		if (ns.v[i][0] == 'd') {
			err = walk(cs, child, main_exec, depth + 1);
		} else if (!(main_exec && strcmp(child, main_exec) == 0) &&
			   cs->src->stat(cs->src->ctx, child, &st) == SIGFS_OK && st.type == SIGFS_FT_REG &&
			   cs->src->read(cs->src->ctx, child, 0, head, sizeof head, &got) == SIGFS_OK &&
			   sigfs_macho_probe(head, got, st.size)) {
			err = sigfs_bundle_load_macho(&f, cs->src, child, st.size);
			if (err == SIGFS_ENOMEM)
				break;
			err = f ? add_code(cs, f, child) : SIGFS_OK;
		}
		free(child);
	}
	for (i = 0; i < ns.n; i++)
		free(ns.v[i]);
	free(ns.v);
	return err;
}

static int bundle_present(const struct view *v)
{
	return v->subj->kind == SIGFS_KIND_BUNDLE;
}

/* The audit of bundle bd (loaded now) with its profile pi. */
static int audit_bundle(const struct view *v, sigfs_buf *b, const sigfs_bundle *bd,
			const struct sigfs_profile_item *pi)
{
	struct code_set cs = {v, v->src, (int64_t)time(NULL), NULL, NULL, 0, 0, 0};
	struct sigfs_audit_subject s = {0};
	sigfs_buf ppath = SIGFS_BUF_INIT;
	size_t i;
	int err = SIGFS_OK;

	/* code[0]: the main executable */
	if (bd->macho && bd->exec) {
		sigfs_put_shown(&ppath, v, bd->exec);
		err = sigfs_buf_status(&ppath);
		if (!err) {
			cs.code = calloc(16, sizeof *cs.code);
			cs.paths = calloc(16, sizeof *cs.paths);
			if (!cs.code || !cs.paths)
				err = sigfs_error_set(SIGFS_ENOMEM, "audit: out of memory");
		}
		if (!err) {
			cs.cap = 16;
			cs.paths[0] = sigfs_buf_detach(&ppath, NULL);
			err = sigfs_audit_code_load(&cs.code[0], bd->macho, cs.paths[0], cs.now);
			cs.n = 1;
		}
	}
	s.no_main = cs.n == 0;
	if (!err)
		err = walk(&cs, bd->rel, bd->exec, 0);
	if (!err && pi) {
		sigfs_put_shown(&ppath, v, pi->rel);
		err = sigfs_buf_status(&ppath);
	}
	if (!err) {
		s.path = v->subj->display;
		s.bundle = 1;
		s.code = cs.code;
		s.ncode = cs.n;
		s.profile = pi ? pi->p : NULL;
		s.profile_path = ppath.len ? ppath.ptr : NULL;
		s.profile_unreadable = pi && !pi->p;
		s.stapled = bd->ticket_size > 0;
		s.now = cs.now;
		err = sigfs_audit_render(b, &s);
	}
	for (i = 0; i < cs.n; i++) {
		sigfs_audit_code_clear(&cs.code[i]);
		free(cs.paths[i]);
	}
	free(cs.code);
	free(cs.paths);
	sigfs_buf_free(&ppath);
	return err;
}

/* Expensive, so computed at each read: the bundle and its profile are
 * loaded again, so the audit is of the tree as it is now (a profile or an
 * executable replaced deep inside B changes no stat of B itself). */
static int r_bundle_audit(const struct view *v, sigfs_buf *b)
{
	sigfs_bundle *bd = NULL;
	struct sigfs_profile_item *pi = NULL;
	int err = sigfs_bundle_load(&bd, v->src, v->subj->rel);

	if (!err)
		err = sigfs_bundle_profile_load(&pi, bd, v->src, v->subj->opts.anchors, NULL);
	if (!err)
		err = audit_bundle(v, b, bd, pi);
	sigfs_profile_item_free(pi);
	sigfs_bundle_free(bd);
	return err;
}

const struct row sigfs_bundle_audit_rows[1] = {
    {"audit", SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE, bundle_present, r_bundle_audit, NULL},
};
