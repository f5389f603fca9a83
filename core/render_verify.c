/* sigfs core: the verification rows of a Mach-O's `.sig/` (SPEC-VERIFY.md
 * "Per Mach-O"): verify, verify-status, checks, page-mismatches (expensive:
 * they hash the code), slot-hashes, cms-cdhashes.plist, cms-cdhashes2 (the
 * signature alone). At the top of F.sig/ they judge every slice in
 * codesign's order; in F.sig/<arch>/ that slice alone.
 *
 * A subject computes each verdict once (per slice or all, with or without
 * pages) and keeps it until the subject is freed, so reading the seven
 * files reads the code once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"
#include "sigfs/bundle.h"
#include "sigfs/verify.h"
#include "verdict.h"

/* One verdict per (slice or all) x (with pages or not). */
struct sigfs_verdicts {
	pthread_mutex_t lock;
	size_t n;	      /* nslices + 1: index nslices is "all slices" */
	sigfs_verdict **v[2]; /* [skip_pages][index] */
};

void sigfs_verdicts_free(struct sigfs_verdicts *c)
{
	size_t i, k;

	if (!c)
		return;
	for (k = 0; k < 2; k++) {
		for (i = 0; c->v[k] && i < c->n; i++)
			sigfs_verdict_free(c->v[k][i]);
		free(c->v[k]);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

size_t sigfs_verdicts_bytes(struct sigfs_verdicts *c)
{
	size_t i, k, n;

	if (!c)
		return 0;
	n = sizeof *c + 2 * c->n * sizeof *c->v[0];
	pthread_mutex_lock(&c->lock);
	for (k = 0; k < 2; k++)
		for (i = 0; i < c->n; i++)
			n += sigfs_verdict_bytes(c->v[k][i]);
	pthread_mutex_unlock(&c->lock);
	return n;
}

static struct sigfs_verdicts *cache_of(const struct view *v)
{
	struct sigfs_subject *subj = (struct sigfs_subject *)v->subj; /* the cache is the one mutable part */
	struct sigfs_verdicts *c = __atomic_load_n(&subj->verdicts, __ATOMIC_ACQUIRE), *expect = NULL;

	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->n = v->f->nslices + 1;
	c->v[0] = calloc(c->n, sizeof *c->v[0]);
	c->v[1] = calloc(c->n, sizeof *c->v[1]);
	if (!c->v[0] || !c->v[1] || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->v[0]);
		free(c->v[1]);
		free(c);
		return NULL;
	}
	if (!__atomic_compare_exchange_n(&subj->verdicts, &expect, c, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		sigfs_verdicts_free(c);
		return expect;
	}
	return c;
}

/* The verdict this directory shows (computed on first use). */
static int verdict_of(const struct view *v, int skip_pages, const sigfs_verdict **out)
{
	struct sigfs_verdicts *c = cache_of(v);
	size_t idx = v->top ? v->f->nslices : v->si;
	struct sigfs_verify_in in;
	sigfs_buf dr = SIGFS_BUF_INIT;
	sigfs_bundle *bundle = NULL;
	int err = SIGFS_OK;

	if (!c)
		return sigfs_error_set(SIGFS_ENOMEM, "%s: out of memory for verdicts", v->subj->display);
	pthread_mutex_lock(&c->lock);
	/* a full verdict serves the signature-only files too */
	if (!c->v[0][idx] && !(skip_pages && c->v[1][idx])) {
		memset(&in, 0, sizeof in);
		in.src = v->src;
		in.rel = v->subj->rel;
		in.anchors = v->subj->opts.anchors;
		in.now = (int64_t)time(NULL);
		in.primary = v->si;
		in.only_slice = v->top ? -1 : (int)v->si;
		in.skip_pages = skip_pages;
		/* a bundle's main executable: slots 1 and 3 are the bundle's files */
		err = sigfs_bundle_of_executable(v->src, v->subj->rel, &bundle);
		if (err == SIGFS_ENOMEM)
			goto out;
		err = SIGFS_OK;
		sigfs_bundle_bind(bundle, &in);
		/* the designated requirement; one that cannot be made is not evaluated */
		if (v->s && sigfs_slice_cd(v->s)) {
			err = sigfs_view_dr(v, &dr);
			if (err == SIGFS_ENOMEM)
				goto out;
			if (!err) {
				in.requirement = (const uint8_t *)dr.ptr;
				in.requirement_len = dr.len;
			}
		}
		err = sigfs_verify_file(&c->v[skip_pages][idx], v->f, &in);
	}
out:
	sigfs_buf_free(&dr);
	sigfs_bundle_free(bundle);
	*out = c->v[0][idx] ? c->v[0][idx] : c->v[1][idx];
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* ---------------------------------------------------------------- presence */

/* Every row needs a Mach-O with a slice. A bundle's detached signature
 * (B.sig/signature/) has none of these rows: B.sig/verify is its verdict,
 * with the bundle's files bound and revalidated (seal.c). */
static int is_macho(const struct view *v)
{
	return v->f && v->f->nslices > 0 && !v->f->slices[0].detached;
}

/* Signed: the slice (top: any slice) has LC_CODE_SIGNATURE. */
static int is_signed(const struct view *v)
{
	size_t i;

	if (!is_macho(v))
		return 0;
	if (!v->top)
		return v->s && v->s->has_lc_sig;
	for (i = 0; v->f && i < v->f->nslices; i++)
		if (v->f->slices[i].has_lc_sig)
			return 1;
	return 0;
}

static int has_cd(const struct view *v)
{
	return is_macho(v) && v->s && sigfs_slice_cd(v->s) != NULL;
}

static int has_cdhashes(const struct view *v)
{
	return has_cd(v) && sigfs_cms_has_cdhashes(sigfs_slice_cms(v->s), 0);
}

static int has_cdhashes2(const struct view *v)
{
	return has_cd(v) && sigfs_cms_has_cdhashes(sigfs_slice_cms(v->s), 1);
}

/* ---------------------------------------------------------------- files */

static int r_verify(const struct view *v, sigfs_buf *b)
{
	const sigfs_verdict *vd;
	int err = verdict_of(v, 0, &vd);

	if (err)
		return err;
	sigfs_verdict_text(b, vd, v->subj->display);
	return SIGFS_OK;
}

static int r_verify_status(const struct view *v, sigfs_buf *b)
{
	const sigfs_verdict *vd;
	int err = verdict_of(v, 0, &vd);

	if (err)
		return err;
	sigfs_verdict_status_line(b, vd);
	return SIGFS_OK;
}

static void put_checks(sigfs_buf *b, const struct sigfs_slice_verdict *sv)
{
	size_t i;

	for (i = 0; i < sv->nchecks; i++) {
		const struct sigfs_check_line *c = &sv->checks[i];

		sigfs_buf_printf(b, "%s %s%s%s\n", c->name, sigfs_check_result_name(c->result),
				 c->detail[0] ? " " : "", c->detail);
	}
}

/* A universal file's top: each slice's lines after a `slice <arch>` line
 * giving that slice's own result. */
static int r_checks(const struct view *v, sigfs_buf *b)
{
	const sigfs_verdict *vd;
	int err = verdict_of(v, 0, &vd);
	size_t k;

	if (err)
		return err;
	if (vd->nslices == 1) {
		put_checks(b, &vd->slices[0]);
		return SIGFS_OK;
	}
	for (k = 0; k < vd->nslices; k++) {
		const struct sigfs_slice_verdict *sv = &vd->slices[k];
		int st = sv->status ? sv->status : sv->strict;

		if (st)
			sigfs_buf_printf(b, "slice fail %s %d %s\n", sv->arch, st, sigfs_osstatus_name(st));
		else
			sigfs_buf_printf(b, "slice ok %s\n", sv->arch);
		put_checks(b, sv);
	}
	return SIGFS_OK;
}

static int r_page_mismatches(const struct view *v, sigfs_buf *b)
{
	const sigfs_verdict *vd;
	int err = verdict_of(v, 0, &vd);
	size_t k, i;

	if (err)
		return err;
	for (k = 0; k < vd->nslices; k++)
		for (i = 0; i < vd->slices[k].nmismatches; i++) {
			const struct sigfs_page_mismatch *m = &vd->slices[k].mismatches[i];

			sigfs_buf_printf(b, "%s page %u offset 0x%llx size %u expected ",
					 sigfs_hash_name(m->hash_type), m->page,
					 (unsigned long long)m->offset, m->size);
			sigfs_buf_hex(b, m->expected, m->len);
			sigfs_buf_puts(b, " actual ");
			sigfs_buf_hex(b, m->actual, m->len);
			sigfs_buf_putc(b, '\n');
		}
	return SIGFS_OK;
}

/* The slice the signature-only files describe: this directory's (the
 * primary one at the top). */
static int own_slice(const struct view *v, const struct sigfs_slice_verdict **out)
{
	const sigfs_verdict *vd;
	int err = verdict_of(v, 1, &vd);
	size_t k;

	if (err)
		return err;
	*out = &vd->slices[0];
	for (k = 0; k < vd->nslices; k++)
		if (vd->slices[k].slice == v->si)
			*out = &vd->slices[k];
	return SIGFS_OK;
}

static int r_slot_hashes(const struct view *v, sigfs_buf *b)
{
	const struct sigfs_slice_verdict *sv;
	int err = own_slice(v, &sv);
	size_t i;

	if (err)
		return err;
	for (i = 0; i < sv->nslots; i++) {
		const struct sigfs_slot_hash *e = &sv->slots[i];

		sigfs_buf_printf(b, "%u\t%s\t", e->slot, sigfs_slot_name(e->slot));
		if (e->has_expected)
			sigfs_buf_hex(b, e->expected, e->len);
		else
			sigfs_buf_putc(b, '-');
		sigfs_buf_putc(b, '\t');
		if (e->has_actual)
			sigfs_buf_hex(b, e->actual, e->len);
		else
			sigfs_buf_putc(b, '-');
		sigfs_buf_printf(b, "\t%s\n",
				 e->state == SIGFS_CHECK_OK	   ? "ok"
				 : e->state == SIGFS_CHECK_FAIL	   ? "fail"
				 : e->state == SIGFS_CHECK_UNBOUND ? "unbound"
								   : "missing");
	}
	return SIGFS_OK;
}

static int r_cdhashes_plist(const struct view *v, sigfs_buf *b)
{
	const struct sigfs_slice_verdict *sv;
	int err = own_slice(v, &sv);

	if (err)
		return err;
	if (sv->cdhashes_plist)
		sigfs_buf_put(b, sv->cdhashes_plist, sv->cdhashes_plist_len);
	return SIGFS_OK;
}

static int r_cdhashes2(const struct view *v, sigfs_buf *b)
{
	const struct sigfs_slice_verdict *sv;
	int err = own_slice(v, &sv);
	size_t i;

	if (err)
		return err;
	for (i = 0; i < sv->ncdhashes2; i++) {
		sigfs_buf_printf(b, "%s ", sv->cdhashes2[i].alg);
		sigfs_buf_hex(b, sv->cdhashes2[i].hash, sv->cdhashes2[i].len);
		sigfs_buf_putc(b, '\n');
	}
	return SIGFS_OK;
}

#define F  SIGFS_NODE_FILE
#define FX (SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE)

const struct row sigfs_verify_rows[7] = {
    {"verify", FX, is_macho, r_verify, NULL},
    {"verify-status", FX, is_macho, r_verify_status, NULL},
    {"checks", FX, is_macho, r_checks, NULL},
    {"page-mismatches", FX, is_signed, r_page_mismatches, NULL},
    {"slot-hashes", F, has_cd, r_slot_hashes, NULL},
    {"cms-cdhashes.plist", F, has_cdhashes, r_cdhashes_plist, NULL},
    {"cms-cdhashes2", F, has_cdhashes2, r_cdhashes2, NULL},
};
