/* sigfs core: `B.sig/` beside every bundle (SPEC-VERIFY "Per bundle"): the
 * bundle kind and its rows. The verdict (seal.c) is computed once per
 * subject, on the first read of an expensive file, and shared. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "sigfs/bundle.h"

struct bundle_subject {
	sigfs_bundle *b; /* as loaded: the rows that read no more than this */
	pthread_mutex_t lock;
	/* the verdict, its bundle (reloaded with it) and the fingerprint of
	 * the tree it was computed from */
	sigfs_bundle *cur;
	sigfs_check *check;
	uint64_t fp;
	struct sigfs_profile_item *profile; /* the embedded profile (render_profile.c) */
};

static const sigfs_bundle *bundle_of(const struct view *v)
{
	return ((const struct bundle_subject *)v->subj->data)->b;
}

/* The verdict (render time: v->src is set). Computed on first use and
 * served again while the bundle's fingerprint is unchanged; any change
 * under B reloads the bundle and recomputes, so a read never mixes old and
 * new. The caller holds bs->lock until it has rendered (unlock_check). */
static int check_of(const struct view *v, const sigfs_check **out)
{
	struct bundle_subject *bs = v->subj->data;
	uint64_t fp = 0;
	int err;

	pthread_mutex_lock(&bs->lock);
	err = sigfs_bundle_fingerprint(v->src, v->subj->rel, &fp);
	if (!err && (!bs->check || fp != bs->fp)) {
		sigfs_bundle *nb = NULL;
		sigfs_check *nc = NULL;

		err = sigfs_bundle_load(&nb, v->src, v->subj->rel);
		if (!err)
			err = sigfs_bundle_check(&nc, nb, v->src, v->subj->display, v->subj->opts.anchors);
		if (!err) {
			sigfs_check_free(bs->check);
			sigfs_bundle_free(bs->cur);
			bs->check = nc;
			bs->cur = nb;
			bs->fp = fp;
		} else {
			sigfs_bundle_free(nb);
		}
	}
	*out = bs->check;
	if (err)
		pthread_mutex_unlock(&bs->lock);
	return err;
}

static void unlock_check(const struct view *v)
{
	pthread_mutex_unlock(&((struct bundle_subject *)v->subj->data)->lock);
}

/* B's mount-relative path joined with the bundle-relative part of `rel`. */
void sigfs_put_shown(sigfs_buf *b, const struct view *v, const char *rel)
{
	const char *own = v->subj->rel;
	size_t n = strlen(own);

	sigfs_buf_puts(b, v->subj->display);
	if (strncmp(rel, own, n) == 0)
		rel += n;
	if (*rel && *rel != '/')
		sigfs_buf_putc(b, '/');
	sigfs_buf_puts(b, rel);
}

static int always(const struct view *v)
{
	return 1;
}

static int has_exec(const struct view *v)
{
	return bundle_of(v)->exec != NULL;
}

static int has_resources(const struct view *v)
{
	return bundle_of(v)->cr != NULL;
}

static int r_verify(const struct view *v, sigfs_buf *b)
{
	const sigfs_check *c;
	int err = check_of(v, &c);

	if (!err) {
		sigfs_check_render_verify(b, c, v->subj->display);
		unlock_check(v);
	}
	return err;
}

static int r_verify_status(const struct view *v, sigfs_buf *b)
{
	const sigfs_check *c;
	int err = check_of(v, &c);

	if (!err) {
		sigfs_check_render_status(b, c);
		unlock_check(v);
	}
	return err;
}

#define LINES_ROW(fn, expr)                                                                                  \
	static int fn(const struct view *v, sigfs_buf *b)                                                    \
	{                                                                                                    \
		const sigfs_check *c;                                                                        \
		int err = check_of(v, &c);                                                                   \
                                                                                                             \
		if (!err) {                                                                                  \
			expr;                                                                                \
			unlock_check(v);                                                                     \
		}                                                                                            \
		return err;                                                                                  \
	}

static void put_resources(sigfs_buf *b, const sigfs_check *c)
{
	static const char *const what[] = {"added", "modified", "missing"};
	const struct sigfs_lines *l[] = {&c->added, &c->modified, &c->missing};

	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < l[k]->n; i++)
			sigfs_buf_printf(b, "file %s: %s\n", what[k], l[k]->v[i]);
}

LINES_ROW(r_resources, put_resources(b, c))
LINES_ROW(r_walk, sigfs_lines_render(b, &c->walk))
LINES_ROW(r_nested, sigfs_lines_render(b, &c->nested))
LINES_ROW(r_strict, sigfs_lines_render(b, &c->strict))
LINES_ROW(r_normalization, sigfs_lines_render(b, &c->normalization))

static int r_format(const struct view *v, sigfs_buf *b)
{
	sigfs_buf_printf(b, "%s\n", bundle_of(v)->format);
	return SIGFS_OK;
}

static int r_main_executable(const struct view *v, sigfs_buf *b)
{
	sigfs_put_shown(b, v, bundle_of(v)->exec);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_sigloc(const struct view *v, sigfs_buf *b)
{
	static const char *const names[] = {"unsigned", "embedded", "detached (_CodeSignature)"};

	sigfs_buf_printf(b, "%s\n", names[bundle_of(v)->sigloc]);
	return SIGFS_OK;
}

static int r_info_plist(const struct view *v, sigfs_buf *b)
{
	sigfs_bundle_info_line(b, bundle_of(v));
	return SIGFS_OK;
}

/* The resource directory with the built-in exclusions (no walk). */
static int with_resdir(const struct view *v, sigfs_buf *b,
		       void (*fn)(const struct view *, sigfs_buf *, sigfs_resdir *))
{
	const sigfs_bundle *bd = bundle_of(v);
	sigfs_resdir *d = NULL;
	int cs = 0, err = sigfs_resdir_parse(&d, &cs, bd->cr, bd->cr_len);

	if (err)
		return err;
	if (!d) {
		sigfs_buf_printf(b, "%s\n", sigfs_cs_message(cs));
		return SIGFS_OK;
	}
	err = sigfs_bundle_add_exclusions(sigfs_resdir_rules(d), bd);
	if (err == SIGFS_ENOMEM) {
		sigfs_resdir_free(d);
		return err;
	}
	fn(v, b, d);
	sigfs_resdir_free(d);
	return SIGFS_OK;
}

static void put_rules(const struct view *v, sigfs_buf *b, sigfs_resdir *d)
{
	sigfs_rules_render(b, sigfs_resdir_rules(d));
}

static void put_sealed(const struct view *v, sigfs_buf *b, sigfs_resdir *d)
{
	/* hash<t> keys, strongest first */
	static const struct {
		int t;
		const char *name;
	} algs[] = {{4, "sha384"}, {2, "sha256"}, {3, "sha256-truncated"}, {0, "sha1"}};
	const sigfs_bundle *bd = bundle_of(v);

	for (size_t i = 0; i < sigfs_resdir_seal_count(d); i++) { /* <= SIGFS_SEALS_MAX */
		const struct sigfs_seal *s = sigfs_resdir_seal(d, i);
		int any = 0;

		sigfs_put_shown(b, v, bd->resroot);
		sigfs_buf_printf(b, "/%s\t", s->path);
		if (s->kind == SIGFS_SEAL_NESTED) {
			sigfs_buf_puts(b, "nested\tcdhash=");
			if (s->cdhash)
				sigfs_buf_hex(b, s->cdhash, s->cdhash_len);
			else
				sigfs_buf_putc(b, '-');
			sigfs_buf_printf(b, " requirement=%s", s->requirement);
		} else if (s->kind == SIGFS_SEAL_SYMLINK) {
			sigfs_buf_printf(b, "symlink\t%s", s->symlink);
		} else {
			sigfs_buf_puts(b, "file\t");
			for (size_t k = 0; k < sizeof algs / sizeof algs[0]; k++) {
				if (!s->hash[algs[k].t])
					continue;
				sigfs_buf_printf(b, "%s%s=", any ? " " : "", algs[k].name);
				sigfs_buf_hex(b, s->hash[algs[k].t], s->hash_len[algs[k].t]);
				any = 1;
			}
		}
		sigfs_buf_puts(b, s->optional ? " optional\n" : "\n");
	}
}

static int r_rules(const struct view *v, sigfs_buf *b)
{
	return with_resdir(v, b, put_rules);
}

static int r_sealed(const struct view *v, sigfs_buf *b)
{
	return with_resdir(v, b, put_sealed);
}

static int r_ticket(const struct view *v, sigfs_buf *b)
{
	return sigfs_ticket_render(b, bundle_of(v), v->src, 0);
}

static int has_ticket(const struct view *v)
{
	return bundle_of(v)->ticket_size > 0;
}

static int r_ticket_bin(const struct view *v, sigfs_buf *b)
{
	return sigfs_ticket_render(b, bundle_of(v), v->src, 1);
}

/* signature/: the main executable's .sig/ when it is a Mach-O */
static int has_macho_sig(const struct view *v)
{
	return bundle_of(v)->macho != NULL;
}

static int r_signature_link(const struct view *v, sigfs_buf *b)
{
	const char *own = v->subj->display, *slash = strrchr(own, '/');

	/* B.sig/signature -> ../B/<path of the executable in B>.sig */
	sigfs_buf_puts(b, "../");
	sigfs_buf_puts(b, slash ? slash + 1 : own);
	sigfs_buf_puts(b, bundle_of(v)->exec + strlen(v->subj->rel));
	sigfs_buf_puts(b, ".sig");
	return SIGFS_OK;
}

static int has_detached(const struct view *v)
{
	return bundle_of(v)->detached != NULL;
}

#define F SIGFS_NODE_FILE
#define X (SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE)

static const struct row bundle_rows[] = {
    {"verify", X, always, r_verify, NULL},
    {"verify-status", X, always, r_verify_status, NULL},
    {"format", F, always, r_format, NULL},
    {"main-executable", F, has_exec, r_main_executable, NULL},
    {"signature-location", F, always, r_sigloc, NULL},
    {"rules", F, has_resources, r_rules, NULL},
    {"sealed", F, has_resources, r_sealed, NULL},
    {"resources", X, always, r_resources, NULL},
    {"resource-walk", X, always, r_walk, NULL},
    {"nested", X, always, r_nested, NULL},
    {"info-plist", F, always, r_info_plist, NULL},
    {"strict", X, always, r_strict, NULL},
    {"normalization", X, always, r_normalization, NULL},
    {"ticket", F, always, r_ticket, NULL},
    {"ticket.bin", F, has_ticket, r_ticket_bin, NULL},
    {"signature", SIGFS_NODE_LINK, has_macho_sig, r_signature_link, NULL},
    {"signature", SIGFS_NODE_DIR, has_detached, NULL, &sigfs_slice_tab},
};

#undef F
#undef X

static const struct dirtab bundle_tab = {
    .parts = {ROWS(bundle_rows), ROWS(sigfs_provisioning_rows), ROWS(sigfs_bundle_audit_rows)}};

static int bundle_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st,
			const uint8_t *head, size_t headlen)
{
	return sigfs_bundle_probe(src, rel, st);
}

static int bundle_load(struct sigfs_subject *subj, const sigfs_source *src)
{
	struct bundle_subject *bs = calloc(1, sizeof *bs);
	int err;

	if (!bs)
		return sigfs_error_set(SIGFS_ENOMEM, "%s: out of memory", subj->display);
	err = sigfs_bundle_load(&bs->b, src, subj->rel);
	if (!err) {
		err = sigfs_bundle_profile_load(&bs->profile, bs->b, src, subj->opts.anchors,
						&bs->b->bytes_read);
		if (err)
			sigfs_bundle_free(bs->b);
	}
	if (err) {
		free(bs);
		return err;
	}
	pthread_mutex_init(&bs->lock, NULL);
	subj->data = bs;
	subj->bytes_read = bs->b->bytes_read;
	return SIGFS_OK;
}

static void bundle_free(struct sigfs_subject *subj)
{
	struct bundle_subject *bs = subj->data;

	if (!bs)
		return;
	sigfs_check_free(bs->check);
	sigfs_bundle_free(bs->cur);
	sigfs_profile_item_free(bs->profile);
	sigfs_bundle_free(bs->b);
	pthread_mutex_destroy(&bs->lock);
	free(bs);
	subj->data = NULL;
}

static void bundle_view(const struct sigfs_subject *subj, struct view *v)
{
	const struct bundle_subject *bs = subj->data;

	memset(v, 0, sizeof *v);
	v->subj = subj;
	v->item = bs->b;
	v->profile = bs->profile;
	/* the detached signature, for signature/'s per-slice rows */
	v->f = bs->b->detached;
	v->s = v->f ? &v->f->slices[0] : NULL;
}

const struct kind_ops sigfs_kind_bundle = {
    .kind = SIGFS_KIND_BUNDLE,
    .probe = bundle_probe,
    .load = bundle_load,
    .free = bundle_free,
    .root = &bundle_tab,
    .root_view = bundle_view,
};
