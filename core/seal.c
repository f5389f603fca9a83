/* sigfs core: is a bundle intact? — `codesign --verify --deep --strict`
 * over a sigfs_source: the main executable's core checks, the resource walk
 * against the seal (StaticCode.cpp validateResources, validateResource,
 * validateNestedCode, validateSymlinkResource; resources.cpp scan), nested
 * code, and the strict structure checks (bundlediskrep.cpp), in Apple's
 * order (VERIFY-NOTES §2). The walk never follows symlinks and visits
 * names in bytewise order, so the headline is deterministic. */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <utf8proc.h>

#include "catalogue.h"
#include "internal.h"
#include "sigfs/bundle.h"
#include "sigfs/cms.h"
#include "sigfs/plist.h"
#include "sigfs/reqeval.h"
#include "sigfs/requirement.h"
#include "sigfs/verify.h"

/* ------------------------------------------------------------ lines */

static int lines_add(struct sigfs_lines *l, const char *fmt, ...) SIGFS_PRINTF(2, 3);
static int lines_add(struct sigfs_lines *l, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, cap * sizeof *nv);

		if (!nv)
			return SIGFS_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SIGFS_ENOMEM;
	l->v[l->n++] = s;
	return SIGFS_OK;
}

static void lines_clear(struct sigfs_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_sort(struct sigfs_lines *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, str_cmp);
}

void sigfs_lines_render(sigfs_buf *out, const struct sigfs_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		sigfs_buf_puts(out, l->v[i]);
		sigfs_buf_putc(out, '\n');
	}
}

/* ------------------------------------------------------------ context */

struct scope {
	const sigfs_source *src;
	const sigfs_bundle *b;
	sigfs_check *c;
	const char *disp_res;  /* mount-relative path of the resource root */
	const char *disp_root; /* mount-relative path of the bundle */
	sigfs_resdir *rd;
	sigfs_rules *rules; /* the resource directory's, plus the exclusions */
	uint32_t types[SIGFS_MAX_CDS];
	size_t ntypes;
	size_t *items;
	int depth; /* nesting of code */
	const struct scope *outer;
	int thrown;
	uint8_t *seen;		      /* per seal: visited by the walk */
	const sigfs_anchors *anchors; /* -o anchors=, for sealed requirements */
};

static int oom(void)
{
	return sigfs_error_set(SIGFS_ENOMEM, "bundle: out of memory");
}

/* CollectingContext::reportProblem: the first status is the headline. */
static int collect(sigfs_check *c, int status, struct sigfs_lines *list, const char *disp_res,
		   const char *rel)
{
	if (c->status == CS_OK)
		c->status = status;
	if (!list)
		return SIGFS_OK;
	return lines_add(list, "%s%s%s", disp_res, *disp_res && *rel ? "/" : "", rel) ? oom() : SIGFS_OK;
}

/* A thrown error replaces what was collected. */
static void throw_status(sigfs_check *c, int status)
{
	lines_clear(&c->added);
	lines_clear(&c->modified);
	lines_clear(&c->missing);
	c->status = status;
}

static int walk_line(struct scope *sc, int st, const char *rel)
{
	static const char *const names[] = {
	    "sealed-ok", "added",    "modified",  "missing",	"optional-missing",
	    "omitted",	 "excluded", "nested-ok", "nested-bad", "nested-unsigned",
	};

	if (sc->depth > 0)
		return SIGFS_OK; /* the walk of the top bundle only */
	return lines_add(&sc->c->walk, "%s\t%s%s%s", names[st], sc->disp_res, *sc->disp_res ? "/" : "", rel)
		   ? oom()
		   : SIGFS_OK;
}

static char *join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return p;
}

/* ------------------------------------------------------------ code */

/* SPEC's slice order: arm64e, arm64, x86_64h, x86_64, then file order. */
static size_t slice_rank(const struct sigfs_slice *s)
{
	static const char *const order[] = {"arm64e", "arm64", "x86_64h", "x86_64"};

	for (size_t i = 0; i < 4; i++)
		if (strcmp(s->arch, order[i]) == 0)
			return i;
	return 4;
}

static const struct sigfs_slice *primary_slice(const struct sigfs_file *f)
{
	size_t best = 0;

	for (size_t i = 1; i < f->nslices; i++) /* <= SIGFS_MAX_SLICES */
		if (slice_rank(&f->slices[i]) < slice_rank(&f->slices[best]))
			best = i;
	return &f->slices[best];
}

/* Hash `len` bytes of `rel` at `off` with every type at once, comparing
 * nothing: digests land in md[i] (EVP contexts are the caller's). */
static int hash_range(const sigfs_source *src, const char *rel, uint64_t off, uint64_t len, EVP_MD_CTX **ctx,
		      size_t n)
{
	size_t cap = len < ((size_t)1 << 18) ? (size_t)len : (size_t)1 << 18;
	uint8_t *chunk = malloc(cap ? cap : 1);
	int err = chunk ? SIGFS_OK : oom();

	while (len > 0 && !err) { /* each pass consumes >= 1 byte: bounded by len */
		size_t want = len < cap ? (size_t)len : cap;

		err = sigfs_source_read_exact(src, rel, off, chunk, want);
		for (size_t i = 0; i < n && !err; i++)
			EVP_DigestUpdate(ctx[i], chunk, want);
		off += want;
		len -= want;
	}
	free(chunk);
	return err;
}

/* Special slot n of cd against `data` (NULL: absent): 0 when fine. */
static int slot_bad(const struct sigfs_cd *cd, uint32_t n, const uint8_t *data, size_t len)
{
	const uint8_t *h;
	uint8_t dg[CS_HASH_MAX_SIZE];
	size_t dl, i;
	int present = 0;

	if (n > cd->n_special)
		return 0;
	h = cd->p + cd->hash_offset - (size_t)n * cd->hash_size;
	for (i = 0; i < cd->hash_size; i++)
		present |= h[i];
	if (!present)
		return 0; /* unbound: data is ignored */
	if (!data)
		return 1;
	if (sigfs_hash(cd->hash_type, data, len, dg, &dl) != SIGFS_OK)
		return 1;
	return memcmp(dg, h, cd->hash_size) != 0;
}

static int sigfs_cd_slot_present(const struct sigfs_cd *cd, uint32_t n)
{
	return slot_bad(cd, n, NULL, 0);
}

/* ------------------------------------------------------------ resources */

static int check_bundle(struct scope *outer, sigfs_check *c, const sigfs_bundle *b, const sigfs_source *src,
			const char *display, int depth, size_t *items, const sigfs_anchors *anchors);

struct ent {
	char *name;
	struct sigfs_stat st;
};

struct entlist {
	struct ent *e;
	size_t n, cap;
	size_t *items;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static int ent_add(void *arg, const char *name, const struct sigfs_stat *st)
{
	struct entlist *l = arg;

	if (++*l->items > SIGFS_WALK_MAX_ITEMS)
		return SIGFS_EUNSUPPORTED;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct ent *ne = realloc(l->e, cap * sizeof *ne);

		if (!ne)
			return SIGFS_ENOMEM;
		l->e = ne;
		l->cap = cap;
	}
	l->e[l->n].name = strdup(name);
	if (!l->e[l->n].name)
		return SIGFS_ENOMEM;
	l->e[l->n++].st = *st;
	return SIGFS_OK;
}

static void entlist_free(struct entlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
}

void sigfs_bundle_bind(const sigfs_bundle *b, struct sigfs_verify_in *in)
{
	if (!b)
		return;
	in->bundle = 1;
	in->info_plist = b->info;
	in->info_plist_len = b->info_len;
	in->resources = b->cr;
	in->resources_len = b->cr_len;
}

/* The core checks of code by the Mach-O verifier (verify.c), its
 * signature embedded or detached alike: every slice's CodeDirectories,
 * CMS, special slots and pages; `b` (NULL for loose nested code) binds
 * slots 1 and 3 to the bundle's files. *strict gets the executable's own
 * strict failure apart, for the strict step (mExecRep->strictValidate runs
 * after the resources). `dr` (the top bundle; else NULL): evaluate the
 * designated requirement, 1 / 0 / -1 (not evaluated) in *dr. */
static int code_verify(struct scope *sc, const char *rel, const struct sigfs_file *f, const sigfs_bundle *b,
		       int *status, char *arch, size_t archcap, int *strict, int *dr)
{
	struct sigfs_verify_in in;
	sigfs_verdict *v = NULL;
	sigfs_buf req = SIGFS_BUF_INIT;
	int err;

	memset(&in, 0, sizeof in);
	in.src = sc->src;
	in.rel = rel;
	in.anchors = sc->anchors;
	in.now = (int64_t)time(NULL);
	in.primary = (size_t)(primary_slice(f) - f->slices);
	in.only_slice = -1;
	sigfs_bundle_bind(b, &in);
	if (dr) {
		/* the requirement F.sig/verify evaluates: one that cannot be
		 * made is not evaluated */
		struct view view;

		memset(&view, 0, sizeof view);
		view.f = f;
		view.s = &f->slices[in.primary];
		view.si = in.primary;
		view.top = 1;
		err = sigfs_view_dr(&view, &req);
		if (err == SIGFS_ENOMEM)
			goto out;
		if (!err) {
			in.requirement = (const uint8_t *)req.ptr;
			in.requirement_len = req.len;
		}
	}
	err = sigfs_verify_file(&v, f, &in);
	if (err == SIGFS_EIO || err == SIGFS_EACCES) {
		*status = CS_NOT_VERIFIABLE;
		err = SIGFS_OK;
		goto out;
	}
	if (err)
		goto out;
	*status = v->status;
	arch[0] = '\0';
	if (v->arch)
		snprintf(arch, archcap, "%s", v->arch);
	if (dr)
		*dr = v->dr;
	/* a detached signature's strict failure: its code limit (-67045,
	 * after a clean core) */
	if (b && (*status == CS_BAD_MAIN_EXECUTABLE ||
		  (f->slices[0].detached && *status == CS_SIGNATURE_INVALID && !v->slices[0].status))) {
		*strict = *status;
		*status = CS_OK;
		arch[0] = '\0';
	}
	/* the resource directory is the bundle's step (resources()) */
	if (*status == CS_RESOURCE_DIR_FAILED || *status == CS_RESOURCES_NOT_FOUND)
		*status = CS_OK;
out:
	sigfs_verdict_free(v);
	sigfs_buf_free(&req);
	return err;
}

/* The sealed requirement against nested code whose own checks passed
 * (validateNestedCode: SecRequirementCreateWithString, then the code must
 * satisfy it). CS_OK, CS_REQ_FAILED, or the status of a requirement that
 * does not compile (CS_RESOURCES_INVALID) or cannot be evaluated. */
static int sealed_requirement(struct scope *sc, const struct sigfs_seal *seal, const struct sigfs_file *code,
			      const sigfs_bundle *nb, int *status)
{
	const struct sigfs_slice *s = primary_slice(code);
	const struct sigfs_cd *cd = sigfs_slice_cd(s);
	const sigfs_cms *cms;
	const uint8_t *certs[SIGFS_REQEVAL_MAX_CERTS];
	size_t lens[SIGFS_REQEVAL_MAX_CERTS];
	sigfs_req_context ctx;
	sigfs_req_result res;
	sigfs_plist *info = NULL;
	sigfs_buf blob = SIGFS_BUF_INIT;
	int64_t t;
	int err;

	*status = CS_OK;
	err = sigfs_req_compile(&blob, seal->requirement, strlen(seal->requirement));
	if (err) {
		sigfs_buf_free(&blob);
		if (err == SIGFS_ENOMEM)
			return err;
		*status = CS_RESOURCES_INVALID;
		return SIGFS_OK;
	}
	memset(&ctx, 0, sizeof ctx);
	cms = sigfs_slice_cms(s);
	if (cd) {
		ctx.identifier = cd->ident;
		memcpy(ctx.cdhash, cd->cdhash, sizeof ctx.cdhash);
		ctx.platform = cd->platform;
		ctx.team_id = cd->team;
	}
	/* the CMS certificates, leaf first (their signatures are the Mach-O
	 * verifier's to check) */
	for (size_t i = 0; cms && i < sigfs_cms_cert_count(cms) && i < SIGFS_REQEVAL_MAX_CERTS; i++)
		if (sigfs_cms_cert_der(cms, i, &certs[ctx.ncerts], &lens[ctx.ncerts]) == SIGFS_OK)
			ctx.ncerts++;
	ctx.certs = certs;
	ctx.cert_lens = lens;
	ctx.anchors = sc->anchors;
	if (nb && nb->info && sigfs_plist_from_xml(&info, nb->info, nb->info_len) == SIGFS_OK)
		ctx.info = sigfs_plist_root(info);
	if (cms && sigfs_cms_timestamp_time(cms, &t) == SIGFS_OK) {
		ctx.has_timestamp = 1;
		ctx.timestamp = t;
	}
	err = sigfs_req_evaluate(&res, (const uint8_t *)blob.ptr, blob.len, &ctx);
	if (err == SIGFS_ENOMEM) {
		/* a bound of the interpreter is a verdict, not our memory */
	}
	if (err)
		*status = res.osstatus ? res.osstatus : CS_REQ_INVALID;
	else if (res.verdict == SIGFS_REQ_FALSE)
		*status = CS_REQ_FAILED;
	sigfs_plist_free(info);
	sigfs_buf_free(&blob);
	return SIGFS_OK;
}

/* validateOtherVersions (strict): every Versions/<x> of a nested framework
 * but Current and the one it names must verify and satisfy the sealed
 * requirement, else CS_BAD_FRAMEWORK_VERSION. */
static int other_versions(struct scope *sc, const struct sigfs_seal *seal, const sigfs_bundle *fw,
			  const char *disp, int *status)
{
	struct entlist l = {NULL, 0, 0, sc->items};
	const char *cur = fw->base + strlen(fw->rel) + strlen("/Versions/");
	char *vdir = join(fw->rel, "Versions");
	int err = vdir ? sc->src->list(sc->src->ctx, vdir, ent_add, &l) : oom();

	if (err && err != SIGFS_ENOMEM)
		err = SIGFS_OK; /* an unreadable Versions/ was judged by the framework's own check */
	for (size_t i = 0; i < l.n && !err && *status == CS_OK; i++) { /* <= SIGFS_WALK_MAX_ITEMS */
		const struct ent *e = &l.e[i];
		char *p;
		sigfs_bundle *vb = NULL;
		sigfs_check *vc;

		if (e->st.type != SIGFS_FT_DIR || strcmp(e->name, "Current") == 0 ||
		    strcmp(e->name, cur) == 0)
			continue;
		p = join(vdir, e->name);
		vc = calloc(1, sizeof *vc);
		if (!p || !vc) {
			free(p);
			free(vc);
			err = oom();
			break;
		}
		err = sigfs_bundle_load_version(&vb, sc->src, p);
		if (!err)
			err = check_bundle(sc, vc, vb, sc->src, disp, sc->depth + 1, sc->items, sc->anchors);
		else if (err != SIGFS_ENOMEM)
			vc->status = CS_NOT_VERIFIABLE, err = SIGFS_OK;
		if (!err && vc->status == CS_OK && vb) {
			const struct sigfs_file *code = vb->macho ? vb->macho : vb->detached;

			if (code)
				err = sealed_requirement(sc, seal, code, vb, &vc->status);
			else
				vc->status = CS_UNSIGNED;
		}
		if (!err && vc->status != CS_OK)
			*status = CS_BAD_FRAMEWORK_VERSION;
		sigfs_bundle_free(vb);
		sigfs_check_free(vc);
		free(p);
	}
	entlist_free(&l);
	free(vdir);
	return err;
}

static void cdhash_hex(char *out, const struct sigfs_file *code)
{
	const struct sigfs_cd *cd = code ? sigfs_slice_cd(primary_slice(code)) : NULL;

	for (size_t i = 0; cd && i < 20 && i < cd->cdhash_len; i++)
		snprintf(out + 2 * i, 3, "%02x", cd->cdhash[i]);
}

/* The nested code at resource path `rel`, sealed with `seal`. */
static int nested(struct scope *sc, const char *rel, const struct sigfs_seal *seal, int is_dir)
{
	char *full = join(sc->b->resroot, rel), *disp = join(sc->disp_res, rel);
	sigfs_check *sub = calloc(1, sizeof *sub);
	char cur[2 * CS_HASH_MAX_SIZE + 1] = "-", sealed[2 * CS_HASH_MAX_SIZE + 1] = "-";
	const char *result = "ok";
	sigfs_bundle *nb = NULL;
	struct sigfs_file *f = NULL;
	const struct sigfs_file *code = NULL;
	int err = SIGFS_OK, wst = SIGFS_WALK_NESTED_OK;

	if (!full || !disp || !sub) {
		err = oom();
		goto out;
	}
	for (size_t i = 0; seal->cdhash && i < seal->cdhash_len && i < CS_HASH_MAX_SIZE; i++)
		snprintf(sealed + 2 * i, 3, "%02x", seal->cdhash[i]);
	if (sc->depth + 1 > SIGFS_NEST_MAX_DEPTH) {
		sub->status = CS_NOT_VERIFIABLE;
	} else if (is_dir) {
		err = sigfs_bundle_load(&nb, sc->src, full);
		if (err == SIGFS_ENOMEM)
			goto out;
		if (err)
			sub->status = CS_NOT_VERIFIABLE;
		else
			err = check_bundle(sc, sub, nb, sc->src, disp, sc->depth + 1, sc->items, sc->anchors);
		if (err)
			goto out;
		code = nb ? (nb->macho ? nb->macho : nb->detached) : NULL;
	} else {
		struct sigfs_stat st;
		uint8_t head[SIGFS_PROBE_LEN];

		/* a loose file: its own Mach-O signature, __info_plist for slot 1 */
		err = sc->src->stat(sc->src->ctx, full, &st);
		if (!err)
			err = st.size >= SIGFS_PROBE_LEN
				  ? sigfs_source_read_exact(sc->src, full, 0, head, sizeof head)
				  : SIGFS_EIO;
		if (!err && sigfs_macho_probe(head, sizeof head, st.size))
			err = sigfs_bundle_load_macho(&f, sc->src, full, st.size);
		else if (!err)
			sub->status = CS_UNSIGNED; /* generic code without xattrs */
		if (err == SIGFS_ENOMEM)
			goto out;
		if (err)
			sub->status = CS_NOT_VERIFIABLE;
		if (f) {
			int strict = 0;

			err = code_verify(sc, full, f, NULL, &sub->status, sub->arch, sizeof sub->arch,
					  &strict, NULL);
			if (err)
				goto out;
			if (!sub->status)
				sub->status = strict;
		}
		code = f;
		err = SIGFS_OK;
	}
	cdhash_hex(cur, code);
	if (sub->status == CS_OK && code)
		err = sealed_requirement(sc, seal, code, nb, &sub->status);
	if (!err && sub->status == CS_OK && nb && nb->shape == SIGFS_SHAPE_VERSIONED)
		err = other_versions(sc, seal, nb, disp, &sub->status);
	if (err)
		goto out;
	if (sub->status == CS_REQ_FAILED) {
		result = "requirement-failed";
		wst = SIGFS_WALK_NESTED_BAD;
		err = collect(sc->c, CS_BAD_NESTED_CODE, &sc->c->modified, sc->disp_res, rel);
	} else if (sub->status != CS_OK) {
		result = sub->status == CS_UNSIGNED ? "unsigned" : "invalid";
		wst = sub->status == CS_UNSIGNED ? SIGFS_WALK_NESTED_UNSIGNED : SIGFS_WALK_NESTED_BAD;
		/* thrown with the innermost path; the nested lists travel */
		throw_status(sc->c, sub->status);
		sc->thrown = 1;
		sc->c->subcomponent = sub->subcomponent ? sub->subcomponent : strdup(disp);
		sub->subcomponent = NULL;
		memcpy(sc->c->arch, sub->arch, sizeof sub->arch);
		sc->c->added = sub->added;
		sc->c->modified = sub->modified;
		sc->c->missing = sub->missing;
		memset(&sub->added, 0, sizeof sub->added);
		memset(&sub->modified, 0, sizeof sub->modified);
		memset(&sub->missing, 0, sizeof sub->missing);
		if (!sc->c->subcomponent)
			err = oom();
	}
	if (!err)
		err = walk_line(sc, wst, rel);
	if (!err && sc->depth == 0 && lines_add(&sc->c->nested, "%s\t%s\t%s\t%s", disp, sealed, cur, result))
		err = oom();
out:
	sigfs_bundle_free(nb);
	sigfs_file_free(f);
	sigfs_check_free(sub);
	free(full);
	free(disp);
	return err;
}

/* Lexical resolution of a relative link target inside the resource root:
 * the resolved path in out (relative to the root), or -1 when it leaves. */
static int resolve_link(const char *link_rel, const char *target, char *out, size_t cap)
{
	char buf[SIGFS_RULE_MAX_PATH * 3];
	const char *slash = strrchr(link_rel, '/');
	size_t n = 0, dirlen = slash ? (size_t)(slash - link_rel) : 0;

	if (dirlen + strlen(target) + 2 > sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)dirlen, link_rel, dirlen ? "/" : "", target);
	out[0] = '\0';
	for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			char *up = strrchr(out, '/');

			if (n == 0)
				return -1;
			n = up ? (size_t)(up - out) : 0;
			out[n] = '\0';
			continue;
		}
		if (n + strlen(tok) + 2 > cap)
			return -1;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "/" : "", tok);
	}
	return 0;
}

/* ResourceBuilder::includes */
static int includes(const sigfs_rules *rules, const char *path)
{
	const char *slash = strchr(path, '/');
	const struct sigfs_rule *r;

	if (slash) {
		char first[SIGFS_RULE_MAX_PATH + 1];

		snprintf(first, sizeof first, "%.*s", (int)(slash - path), path);
		r = sigfs_rules_match(rules, first);
		if (r && (r->flags & SIGFS_RULE_EXCLUSION))
			return !!(r->flags & SIGFS_RULE_SOFT);
	}
	r = sigfs_rules_match(rules, path);
	return r && (!(r->flags & (SIGFS_RULE_OMIT | SIGFS_RULE_EXCLUSION)) || (r->flags & SIGFS_RULE_SOFT));
}

static int check_symlink(struct scope *sc, const char *rel, const char *full, const struct sigfs_seal *seal,
			 int *st)
{
	char target[SIGFS_RULE_MAX_PATH + 1], resolved[SIGFS_RULE_MAX_PATH + 1];
	size_t tl = 0;
	int err = sc->src->readlink(sc->src->ctx, full, target, sizeof target, &tl);

	if (err == SIGFS_EMALFORMED || (!err && strcmp(target, seal->symlink) != 0)) {
		*st = SIGFS_WALK_MODIFIED;
		return collect(sc->c, CS_BAD_RESOURCE, &sc->c->modified, sc->disp_res, rel);
	}
	if (err)
		return err;
	if (target[0] == '/') {
		if ((strncmp(target, "/System/", 8) == 0 && target[8]) ||
		    (strncmp(target, "/Library/", 9) == 0 && target[9]))
			return SIGFS_OK;
	} else if (resolve_link(full, target, resolved, sizeof resolved) == 0) {
		/* inside this bundle's resource root, or an enclosing one's:
		 * the innermost root holding the target decides */
		for (const struct scope *s = sc; s; s = s->outer) {
			size_t rl = strlen(s->b->resroot);

			if (rl == 0 || (strncmp(resolved, s->b->resroot, rl) == 0 && resolved[rl] == '/')) {
				if (includes(s->rules, resolved + rl + (rl ? 1 : 0)))
					return SIGFS_OK;
				break;
			}
		}
	}
	*st = SIGFS_WALK_MODIFIED;
	if (sc->depth == 0 &&
	    lines_add(&sc->c->strict, "symlink-outside %s/%s -> %s", sc->disp_res, rel, target))
		return oom();
	return collect(sc->c, CS_INVALID_SYMLINK, &sc->c->modified, sc->disp_res, rel);
}

static int unreadable(struct scope *sc, int err);

/* A plain file against its seal: every CodeDirectory hash type. */
static int check_file(struct scope *sc, const char *rel, const char *full, const struct sigfs_seal *seal,
		      const struct sigfs_stat *fst, int *st)
{
	EVP_MD_CTX *ctx[SIGFS_MAX_CDS] = {0};
	int err = SIGFS_OK, good = 1;

	for (size_t i = 0; i < sc->ntypes; i++) {
		uint32_t t = sc->types[i];
		size_t want = sigfs_hash_size(t);
		const uint8_t *h = t < SIGFS_SEAL_HASHES && seal->hash[t] ? seal->hash[t] : seal->hash[0];
		size_t hl = t < SIGFS_SEAL_HASHES && seal->hash[t] ? seal->hash_len[t] : seal->hash_len[0];

		if (!h || hl != want)
			good = 0;
		ctx[i] = EVP_MD_CTX_new();
		if (!ctx[i] || !EVP_DigestInit_ex(ctx[i], sigfs_hash_md(t), NULL)) {
			err = oom();
			goto out;
		}
	}
	if (good) {
		err = hash_range(sc->src, full, 0, fst->size, ctx, sc->ntypes);
		if (err) {
			err = unreadable(sc, err);
			goto out;
		}
		for (size_t i = 0; i < sc->ntypes && good; i++) {
			uint32_t t = sc->types[i];
			const uint8_t *h =
			    t < SIGFS_SEAL_HASHES && seal->hash[t] ? seal->hash[t] : seal->hash[0];
			uint8_t dg[EVP_MAX_MD_SIZE];
			unsigned int dl = 0;

			if (!EVP_DigestFinal_ex(ctx[i], dg, &dl) || memcmp(dg, h, sigfs_hash_size(t)) != 0)
				good = 0;
		}
	}
	if (!good) {
		*st = SIGFS_WALK_MODIFIED;
		err = collect(sc->c, CS_BAD_RESOURCE, &sc->c->modified, sc->disp_res, rel);
	}
out:
	for (size_t i = 0; i < sc->ntypes; i++)
		EVP_MD_CTX_free(ctx[i]);
	return err;
}

/* validateResource for envelope member `rel` (on-disk type `type`). */
/* The sideband restriction (codesign --strict: validateResource,
 * strictValidateStructure): *found 1 when member `full` has a resource fork
 * or Finder information, each listed in `strict` as `sideband dir/name
 * <attribute>`. The source's xattr() decides; without one there is none. */
static const char *const sideband_names[] = {"com.apple.ResourceFork", "com.apple.FinderInfo"};

static int sideband(struct scope *sc, const char *full, const char *dir, const char *name, int *found)
{
	*found = 0;
	for (size_t i = 0; sc->src->xattr && i < 2; i++) {
		int present = 0, err = sc->src->xattr(sc->src->ctx, full, sideband_names[i], &present);

		if (err == SIGFS_ENOMEM)
			return err;
		if (err || !present)
			continue;
		*found = 1;
		if (sc->depth == 0 && lines_add(&sc->c->strict, "sideband %s%s%s %s", dir,
						*dir && *name ? "/" : "", name, sideband_names[i]))
			return oom();
	}
	return SIGFS_OK;
}

static int member(struct scope *sc, const char *rel, const struct sigfs_stat *fst, int rule_nested)
{
	const struct sigfs_seal *seal = sigfs_resdir_find(sc->rd, rel);
	char *full = join(sc->b->resroot, rel);
	int link = fst->type == SIGFS_FT_LNK, st = SIGFS_WALK_SEALED_OK, err = SIGFS_OK, found = 0;

	if (!full)
		return oom();
	/* validateResource (V2, strict + sideband): collected, no file line;
	 * the member is still judged */
	if (!link && (err = sideband(sc, full, sc->disp_res, rel, &found)) == SIGFS_OK && found)
		err = collect(sc->c, CS_INVALID_ASSOCIATED_FILE_DATA, NULL, "", "");
	if (err)
		goto out;
	if (!seal) {
		if (sigfs_resdir_version(sc->rd) == 1 && link)
			goto out; /* version 1 ignores symlinks */
		st = SIGFS_WALK_ADDED;
		err = collect(sc->c, CS_BAD_RESOURCE, &sc->c->added, sc->disp_res, rel);
		goto out;
	}
	sc->seen[seal - sigfs_resdir_seal(sc->rd, 0)] = 1;
	if (seal->kind == SIGFS_SEAL_NESTED) {
		if (link) {
			st = SIGFS_WALK_MODIFIED;
			err = collect(sc->c, CS_BAD_RESOURCE, &sc->c->modified, sc->disp_res, rel);
			goto out;
		}
		free(full);
		return nested(sc, rel, seal, fst->type == SIGFS_FT_DIR);
	}
	if (seal->kind == SIGFS_SEAL_SYMLINK) {
		if (!link) {
			st = SIGFS_WALK_MODIFIED;
			err = collect(sc->c, CS_BAD_RESOURCE, &sc->c->modified, sc->disp_res, rel);
		} else {
			err = check_symlink(sc, rel, full, seal, &st);
		}
		goto out;
	}
	if (link || fst->type != SIGFS_FT_REG) {
		st = SIGFS_WALK_MODIFIED;
		err = collect(sc->c, CS_BAD_RESOURCE, &sc->c->modified, sc->disp_res, rel);
		goto out;
	}
	err = check_file(sc, rel, full, seal, fst, &st);
out:
	(void)rule_nested;
	free(full);
	if (err)
		return err;
	return walk_line(sc, st, rel);
}

/* A read failure of the walk: thrown as "cannot be read". */
static int unreadable(struct scope *sc, int err)
{
	if (err == SIGFS_ENOMEM)
		return err;
	throw_status(sc->c, CS_NOT_VERIFIABLE);
	sc->thrown = 1;
	return SIGFS_OK;
}

/* ResourceBuilder::scan of directory `dir` (relative to the resource
 * root), physical, names in bytewise order. */
static int scan(struct scope *sc, const char *dir, int depth)
{
	struct entlist l = {NULL, 0, 0, sc->items};
	char *full = join(sc->b->resroot, dir);
	int err;

	if (!full)
		return oom();
	if (depth > SIGFS_WALK_MAX_DEPTH) {
		free(full);
		return unreadable(sc, SIGFS_EUNSUPPORTED);
	}
	err = sc->src->list(sc->src->ctx, full, ent_add, &l);
	free(full);
	if (err) {
		entlist_free(&l);
		return unreadable(sc, err);
	}
	if (l.n > 1)
		qsort(l.e, l.n, sizeof *l.e, ent_cmp);
	for (size_t i = 0; i < l.n && !err && !sc->thrown; i++) { /* l.n <= SIGFS_WALK_MAX_ITEMS */
		const struct ent *e = &l.e[i];
		char *rel = join(dir, e->name);
		const struct sigfs_rule *r;

		if (!rel) {
			err = oom();
			break;
		}
		r = sigfs_rules_match(sc->rules, rel);
		if (sc->depth == 0 && (strncmp(e->name, "._", 2) == 0 || strcmp(e->name, "__MACOSX") == 0) &&
		    lines_add(&sc->c->strict, "detritus %s/%s", sc->disp_res, rel))
			err = oom();
		if (err) {
		} else if (e->st.type == SIGFS_FT_DIR) {
			if (r && (r->flags & SIGFS_RULE_NESTED) && strchr(e->name, '.'))
				err = member(sc, rel, &e->st, 1);
			else if (r && (r->flags & SIGFS_RULE_EXCLUSION))
				err = walk_line(sc, SIGFS_WALK_EXCLUDED, rel);
			else
				err = scan(sc, rel, depth + 1);
		} else if (e->st.type == SIGFS_FT_REG || e->st.type == SIGFS_FT_LNK) {
			if (e->st.type == SIGFS_FT_LNK && strcasecmp(e->name, ".DS_Store") == 0) {
				throw_status(sc->c, CS_DSSTORE_SYMLINK);
				sc->thrown = 1;
			} else if (!r) {
				/* no rule: not part of the envelope */
			} else if (r->flags & SIGFS_RULE_EXCLUSION) {
				err = walk_line(sc, SIGFS_WALK_EXCLUDED, rel);
			} else if (r->flags & SIGFS_RULE_OMIT) {
				err = walk_line(sc, SIGFS_WALK_OMITTED, rel);
			} else {
				err = member(sc, rel, &e->st,
					     e->st.type == SIGFS_FT_REG && (r->flags & SIGFS_RULE_NESTED));
			}
		} else {
			/* FIFO, socket, device: strict refuses it */
			throw_status(sc->c, CS_RESOURCE_NOT_SUPPORTED);
			sc->thrown = 1;
		}
		free(rel);
	}
	entlist_free(&l);
	return err;
}

/* Entries left in the seal after the walk: missing unless optional. */
static int leftovers(struct scope *sc)
{
	size_t n = sigfs_resdir_seal_count(sc->rd);

	for (size_t i = 0; i < n; i++) { /* n <= SIGFS_SEALS_MAX */
		const struct sigfs_seal *s = sigfs_resdir_seal(sc->rd, i);

		if (sc->seen[i])
			continue;
		if (s->optional) {
			if (walk_line(sc, SIGFS_WALK_OPTIONAL_MISSING, s->path))
				return oom();
		} else {
			if (collect(sc->c, CS_BAD_RESOURCE, &sc->c->missing, sc->disp_res, s->path) ||
			    walk_line(sc, SIGFS_WALK_MISSING, s->path))
				return oom();
		}
	}
	return SIGFS_OK;
}

/* Unicode forms of a name for the `normalization` file. */
static char *norm(const char *s, int nfc)
{
	return (char *)(nfc ? utf8proc_NFC((const utf8proc_uint8_t *)s)
			    : utf8proc_NFD((const utf8proc_uint8_t *)s));
}

struct normed {
	char *nfc;
	size_t i;
};

static int normed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct normed *)a)->nfc, ((const struct normed *)b)->nfc);
}

/* Added/missing pairs equal after NFC: the missing names normalised and
 * sorted once, each added name looked up (n log n in the list sizes). */
static int normalization(sigfs_check *c)
{
	struct normed *m = calloc(c->missing.n + 1, sizeof *m);
	int err = m ? SIGFS_OK : oom();
	size_t nm = 0;

	for (size_t j = 0; j < c->missing.n && !err; j++) /* <= SIGFS_SEALS_MAX */
		if ((m[nm].nfc = norm(c->missing.v[j], 1)) != NULL)
			m[nm++].i = j;
	if (nm > 1)
		qsort(m, nm, sizeof *m, normed_cmp);
	for (size_t i = 0; i < c->added.n && nm && !err; i++) { /* <= SIGFS_WALK_MAX_ITEMS */
		struct normed key = {norm(c->added.v[i], 1), 0}, *hit;
		char *nfd;
		int a_nfd;

		if (!key.nfc)
			continue;
		hit = bsearch(&key, m, nm, sizeof *m, normed_cmp);
		free(key.nfc);
		if (!hit)
			continue;
		nfd = norm(c->added.v[i], 0);
		a_nfd = nfd && strcmp(nfd, c->added.v[i]) == 0;
		free(nfd);
		if (lines_add(&c->normalization, "%s\t%s\t%s->%s", c->added.v[i], c->missing.v[hit->i],
			      a_nfd ? "NFD" : "NFC", a_nfd ? "NFC" : "NFD"))
			err = oom();
	}
	for (size_t j = 0; j < nm; j++)
		free(m[j].nfc);
	free(m);
	return err;
}

/* ------------------------------------------------------------ strict */

/* Record strict error `st` (the lowest number is thrown) and a finding. */
static int strict_finding(struct scope *sc, int *strict_st, int st, const char *kind, const char *dir,
			  const char *name)
{
	if (*strict_st == 0 || st < *strict_st)
		*strict_st = st;
	if (sc->depth > 0)
		return SIGFS_OK;
	return lines_add(&sc->c->strict, "%s %s%s%s", kind, dir, *dir ? "/" : "", name) ? oom() : SIGFS_OK;
}

static int list_sorted(struct scope *sc, const char *rel, struct entlist *l)
{
	int err = sc->src->list(sc->src->ctx, rel, ent_add, l);

	if (!err && l->n > 1)
		qsort(l->e, l->n, sizeof *l->e, ent_cmp);
	return err;
}

/* bundlediskrep.cpp setup (root validator), validateMetaDirectory,
 * validateFrameworkRoot; checkPlainFile of the main executable/Info.plist. */
static int strict_structure(struct scope *sc, const struct sigfs_cd *cd, int *strict_st)
{
	const sigfs_bundle *b = sc->b;
	const char *disp = sc->disp_root;
	struct entlist l = {NULL, 0, 0, sc->items};
	int err = SIGFS_OK;

	if (b->exec_type != SIGFS_FT_REG)
		err = strict_finding(sc, strict_st, CS_REGULAR_FILE, "not-regular-file", sc->disp_root,
				     b->exec + strlen(b->rel) + (*b->rel ? 1 : 0));
	/* strictValidateStructure: the bundle root's sideband data; then the
	 * main executable's (SingleDiskRep::strictValidate) */
	for (int i = 0; i < 2 && !err; i++) {
		const char *rel = i ? b->exec : b->rel;
		int found = 0;

		err = sideband(sc, rel, disp, i ? rel + strlen(b->rel) + (*b->rel ? 1 : 0) : "", &found);
		if (!err && found && !*strict_st) /* any other strict error is lower */
			*strict_st = CS_INVALID_ASSOCIATED_FILE_DATA;
	}
	if (!err && b->shape == SIGFS_SHAPE_CONTENTS && !(err = list_sorted(sc, b->rel, &l))) {
		for (size_t i = 0; i < l.n && !err; i++) {
			const struct ent *e = &l.e[i];
			const char *n = e->name;
			int ok =
			    strcmp(n, "Contents") == 0
				? e->st.type == SIGFS_FT_DIR
				: (strcmp(n, ".LSOverride") == 0 || strcmp(n, ".DS_Store") == 0 ||
				   strcmp(n, "Icon\r") == 0 || strcmp(n, ".SoftwareDepot.tracking") == 0) &&
				      e->st.type == SIGFS_FT_REG && !(e->st.mode & 0111);

			if (!ok)
				err = strict_finding(sc, strict_st, CS_UNSEALED_APP_ROOT, "unsealed-root",
						     disp, n);
		}
	}
	entlist_free(&l);
	memset(&l, 0, sizeof l);
	l.items = sc->items;
	if (!err && b->shape == SIGFS_SHAPE_VERSIONED && !b->version_dir &&
	    !(err = list_sorted(sc, b->rel, &l))) {
		const char *cur = b->base + strlen(b->rel) + strlen("/Versions/");

		for (size_t i = 0; i < l.n && !err; i++) {
			const struct ent *e = &l.e[i];
			char *p = join(b->rel, e->name), want1[600], want2[600], t[600];

			if (strlen(e->name) > 256) {
				free(p);
				err = strict_finding(sc, strict_st, CS_UNSEALED_FRAMEWORK_ROOT,
						     "unsealed-framework-root", disp, e->name);
				continue;
			}
			size_t tl = 0;
			int ok;

			if (!p) {
				err = oom();
				break;
			}
			snprintf(want1, sizeof want1, "Versions/Current/%s", e->name);
			snprintf(want2, sizeof want2, "Versions/%s/%s", cur, e->name);
			ok = strcmp(e->name, "Versions") == 0 ? e->st.type == SIGFS_FT_DIR
			     : strcmp(e->name, ".DS_Store") == 0
				 ? 1
				 : e->st.type == SIGFS_FT_LNK &&
				       sc->src->readlink(sc->src->ctx, p, t, sizeof t, &tl) == SIGFS_OK &&
				       (strcmp(t, want1) == 0 || strcmp(t, want2) == 0);
			if (!ok && strcmp(e->name, "module.map") == 0 && e->st.type == SIGFS_FT_REG &&
			    !(e->st.mode & 0111))
				ok = 1;
			free(p);
			if (!ok)
				err = strict_finding(sc, strict_st, CS_UNSEALED_FRAMEWORK_ROOT,
						     "unsealed-framework-root", disp, e->name);
		}
	}
	entlist_free(&l);
	memset(&l, 0, sizeof l);
	l.items = sc->items;
	if (!err && !(err = list_sorted(sc, b->cs_dir, &l))) {
		for (size_t i = 0; i < l.n && !err; i++) {
			const struct ent *e = &l.e[i];
			int ok = 0;

			for (size_t k = 0; k < SIGFS_DETACHED_COUNT; k++) {
				uint32_t slot;
				const char *n = sigfs_detached_name(k, &slot);

				if (strcmp(n, e->name) != 0 || e->st.type != SIGFS_FT_REG)
					continue;
				if (slot == CSSLOT_RESOURCEDIR)
					ok = cd && sigfs_cd_slot_present(cd, CSSLOT_RESOURCEDIR);
				else if (slot == CSSLOT_SIGNATURESLOT && e->st.size == 0)
					ok = 1;
				else
					ok = (b->detached_files >> k) & 1;
			}
			if (!ok)
				err = strict_finding(sc, strict_st, CS_UNSEALED_APP_ROOT,
						     "unsealed-codesignature", "", e->name);
		}
	}
	entlist_free(&l);
	return err == SIGFS_ENOMEM ? err : SIGFS_OK;
}

/* ------------------------------------------------------------ fingerprint */

struct fp_ctx {
	const sigfs_source *src;
	uint64_t sum;
	size_t items;
	int depth, err;
	const char *dir;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int fp_entry(void *arg, const char *name, const struct sigfs_stat *st)
{
	struct fp_ctx *f = arg;
	uint64_t h = fnv(0xcbf29ce484222325ull, f->dir, strlen(f->dir) + 1);

	if (++f->items > SIGFS_WALK_MAX_ITEMS)
		return SIGFS_EUNSUPPORTED;
	h = fnv(h, name, strlen(name) + 1);
	h = fnv(h, &st->type, sizeof st->type);
	h = fnv(h, &st->mode, sizeof st->mode);
	h = fnv(h, &st->size, sizeof st->size);
	h = fnv(h, &st->ino, sizeof st->ino);
	h = fnv(h, &st->mtime_ns, sizeof st->mtime_ns);
	h = fnv(h, &st->ctime_ns, sizeof st->ctime_ns);
	f->sum += h; /* commutative: listing order does not matter */
	if (st->type == SIGFS_FT_DIR && f->depth < SIGFS_WALK_MAX_DEPTH) {
		char *sub = join(f->dir, name);
		const char *saved = f->dir;
		int err;

		if (!sub)
			return SIGFS_ENOMEM;
		f->dir = sub;
		f->depth++;
		err = f->src->list(f->src->ctx, sub, fp_entry, f);
		f->depth--;
		f->dir = saved;
		free(sub);
		if (err == SIGFS_ENOMEM || err == SIGFS_EUNSUPPORTED)
			return err;
		if (err)
			f->sum += (uint64_t)err; /* unreadable now: part of the state */
	}
	return SIGFS_OK;
}

int sigfs_bundle_fingerprint(const sigfs_source *src, const char *rel, uint64_t *fp)
{
	struct fp_ctx f = {src, 0, 0, 0, 0, rel};
	int err = src->list(src->ctx, rel, fp_entry, &f);

	*fp = f.sum + f.items;
	return err == SIGFS_ENOMEM ? err : SIGFS_OK;
}

/* ------------------------------------------------------------ driver */

static int regex_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	if (cap < 3)
		return -1;
	out[n++] = '^';
	for (; *s; s++) {
		if (n + 4 > cap)
			return -1;
		if (strchr(".[]()*+?{}|^$\\", *s))
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n++] = '$';
	out[n] = '\0';
	return 0;
}

void sigfs_bundle_info_line(sigfs_buf *out, const sigfs_bundle *b)
{
	const struct sigfs_file *code = b->macho ? b->macho : b->detached;
	const struct sigfs_cd *cd = code ? sigfs_slice_cd(primary_slice(code)) : NULL;

	if (!cd || !sigfs_cd_slot_present(cd, CSSLOT_INFOSLOT)) {
		sigfs_buf_puts(out, "not bound\n");
		return;
	}
	sigfs_buf_printf(out, "bound %s=", sigfs_hash_name(cd->hash_type));
	sigfs_buf_hex(out, cd->p + cd->hash_offset - (size_t)CSSLOT_INFOSLOT * cd->hash_size, cd->hash_size);
	sigfs_buf_printf(out, " %s\n",
			 b->info && !slot_bad(cd, CSSLOT_INFOSLOT, b->info, b->info_len) ? "ok" : "mismatch");
}

void sigfs_bundle_exec_lines(sigfs_buf *out, const sigfs_bundle *b, const struct sigfs_cd *cd, int which)
{
	sigfs_resdir *d = NULL;
	int cs = 0;

	if (which == SIGFS_EXEC_LINE_INFO) {
		if (cd && b->info && sigfs_cd_slot_present(cd, CSSLOT_INFOSLOT))
			sigfs_buf_printf(out, "Info.plist entries=%zu\n", b->info_entries);
		else
			sigfs_buf_puts(out, "Info.plist=not bound\n");
		return;
	}
	if (cd && b->cr && sigfs_cd_slot_present(cd, CSSLOT_RESOURCEDIR) &&
	    sigfs_resdir_parse(&d, &cs, b->cr, b->cr_len) == SIGFS_OK && d)
		sigfs_buf_printf(out, "Sealed Resources version=%d rules=%zu files=%zu\n",
				 sigfs_resdir_version(d), sigfs_resdir_rule_count(d),
				 sigfs_resdir_seal_count(d));
	else
		sigfs_buf_puts(out, "Sealed Resources=none\n");
	sigfs_resdir_free(d);
}

int sigfs_bundle_add_exclusions(sigfs_rules *r, const sigfs_bundle *b)
{
	char esc[2 * SIGFS_RULE_MAX_PATH + 3];
	int err;

	if ((err = sigfs_rules_add(r, "^_CodeSignature$", 0, SIGFS_RULE_EXCLUSION)) ||
	    (err = sigfs_rules_add(r, "^CodeResources$", 0, SIGFS_RULE_EXCLUSION)) ||
	    (err = sigfs_rules_add(r, "^_MASReceipt$", 0, SIGFS_RULE_EXCLUSION)))
		return err;
	if (b->exec_res && regex_escape(esc, sizeof esc, b->exec_res) == 0)
		err = sigfs_rules_add(r, esc, 0, SIGFS_RULE_EXCLUSION | SIGFS_RULE_SOFT);
	return err;
}

/* validateResources: slot 3, the directory, the rules, the walk. */
static int resources(struct scope *sc, const struct sigfs_cd *cd)
{
	const sigfs_bundle *b = sc->b;
	int cs = CS_OK, err;

	if (!sigfs_cd_slot_present(cd, CSSLOT_RESOURCEDIR)) {
		throw_status(sc->c, CS_RESOURCES_NOT_FOUND);
		return SIGFS_OK;
	}
	if (b->cr_status == SIGFS_ENOTFOUND ||
	    (!b->cr_status && slot_bad(cd, CSSLOT_RESOURCEDIR, b->cr, b->cr_len))) {
		throw_status(sc->c, CS_RESOURCE_DIR_FAILED);
		return SIGFS_OK;
	}
	if (b->cr_status) {
		throw_status(sc->c, CS_NOT_VERIFIABLE);
		return SIGFS_OK;
	}
	err = sigfs_resdir_parse(&sc->rd, &cs, b->cr, b->cr_len);
	if (err)
		return err;
	if (cs) {
		throw_status(sc->c, cs);
		return SIGFS_OK;
	}
	if (sigfs_resdir_weak(sc->rd, b->res_prefix)) {
		throw_status(sc->c, CS_WEAK_RULES);
		return SIGFS_OK;
	}
	if (sigfs_resdir_version(sc->rd) == 1) {
		throw_status(sc->c, CS_WEAK_ENVELOPE);
		return SIGFS_OK;
	}
	sc->rules = sigfs_resdir_rules(sc->rd);
	err = sigfs_bundle_add_exclusions(sc->rules, b);
	if (err)
		return err == SIGFS_ENOMEM ? err : (throw_status(sc->c, CS_RULES_INVALID), SIGFS_OK);
	for (size_t i = 0; i < sc->ntypes; i++)
		if (!sigfs_hash_md(sc->types[i])) {
			throw_status(sc->c, CS_SIGNATURE_FAILED);
			return SIGFS_OK;
		}
	sc->seen = calloc(sigfs_resdir_seal_count(sc->rd) + 1, 1);
	if (!sc->seen)
		return oom();
	sc->c->resources_checked = 1;
	err = scan(sc, "", 0);
	if (!err && !sc->thrown)
		err = leftovers(sc);
	return err;
}

static int check_bundle(struct scope *outer, sigfs_check *c, const sigfs_bundle *b, const sigfs_source *src,
			const char *display, int depth, size_t *items, const sigfs_anchors *anchors)
{
	struct scope sc;
	const struct sigfs_file *code = b->macho ? b->macho : b->detached;
	const struct sigfs_slice *ps;
	const struct sigfs_cd *cd;
	char *disp_res = join(display, b->resroot + strlen(b->rel) + (b->resroot[strlen(b->rel)] == '/'));
	int err = SIGFS_OK, strict_st = 0;

	if (!disp_res)
		return oom();
	memset(&sc, 0, sizeof sc);
	sc.src = src;
	sc.b = b;
	sc.c = c;
	sc.disp_res = disp_res;
	sc.disp_root = display;
	sc.items = items;
	sc.depth = depth;
	sc.outer = outer;
	sc.anchors = anchors;
	if (!b->exec) {
		c->status = CS_BAD_BUNDLE_FORMAT;
		goto out;
	}
	if (b->info_status || b->exec_status) {
		c->status = CS_NOT_VERIFIABLE;
		goto out;
	}
	if (!code) {
		c->status = CS_UNSIGNED;
		goto out;
	}
	ps = primary_slice(code);
	cd = sigfs_slice_cd(ps);
	/* the Mach-O verifier judges the main executable, its signature
	 * embedded or detached (slot 1 the bundle's Info.plist, slot 3 its
	 * CodeResources); its strict finding waits for the strict step */
	err = code_verify(&sc, b->exec, code, b, &c->status, c->arch, sizeof c->arch, &strict_st,
			  depth == 0 ? &c->dr : NULL);
	if (err)
		goto out;
	if (c->status)
		goto out;
	for (size_t i = 0; i < ps->ncds && sc.ntypes < SIGFS_MAX_CDS; i++)
		sc.types[sc.ntypes++] = ps->cds[i].hash_type;
	err = resources(&sc, cd);
	if (err || c->status)
		goto out;
	err = strict_structure(&sc, cd, &strict_st);
	if (!err && strict_st)
		c->status = strict_st;
out:
	if (!err && depth == 0) {
		lines_sort(&c->added);
		lines_sort(&c->modified);
		lines_sort(&c->missing);
		lines_sort(&c->walk);
		lines_sort(&c->nested);
		lines_sort(&c->strict);
		err = normalization(c);
	}
	free(sc.seen);
	sigfs_resdir_free(sc.rd);
	free(disp_res);
	return err;
}

int sigfs_bundle_check(sigfs_check **out, const sigfs_bundle *b, const sigfs_source *src, const char *display,
		       const sigfs_anchors *anchors)
{
	size_t items = 0;
	sigfs_check *c = calloc(1, sizeof *c);
	int err;

	*out = NULL;
	if (!c)
		return oom();
	c->dr = -1;
	err = check_bundle(NULL, c, b, src, display, 0, &items, anchors);
	if (err) {
		sigfs_check_free(c);
		return err;
	}
	*out = c;
	return SIGFS_OK;
}

void sigfs_check_free(sigfs_check *c)
{
	if (!c)
		return;
	free(c->subcomponent);
	lines_clear(&c->added);
	lines_clear(&c->modified);
	lines_clear(&c->missing);
	lines_clear(&c->walk);
	lines_clear(&c->nested);
	lines_clear(&c->strict);
	lines_clear(&c->normalization);
	free(c);
}

static void path_lines(sigfs_buf *out, const char *what, const struct sigfs_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		sigfs_buf_printf(out, "file %s: %s\n", what, l->v[i]);
}

void sigfs_check_render_verify(sigfs_buf *out, const sigfs_check *c, const char *display)
{
	const char *msg = sigfs_cs_message(c->status);

	if (c->status == CS_OK) {
		/* the requirement's lines as a Mach-O's (verify.c) */
		sigfs_buf_printf(out, "%s: valid on disk\n", display);
		if (c->dr == 1)
			sigfs_buf_printf(out, "%s: satisfies its Designated Requirement\n", display);
		else if (c->dr == 0)
			sigfs_buf_printf(out, "%s: does not satisfy its designated Requirement\n", display);
		return;
	}
	if (msg)
		sigfs_buf_printf(out, "%s: %s\n", display, msg);
	else
		sigfs_buf_printf(out, "%s: unknown error %d\n", display, c->status);
	if (c->subcomponent)
		sigfs_buf_printf(out, "In subcomponent: %s\n", c->subcomponent);
	if (c->arch[0])
		sigfs_buf_printf(out, "In architecture: %s\n", c->arch);
	path_lines(out, "added", &c->added);
	path_lines(out, "modified", &c->modified);
	path_lines(out, "missing", &c->missing);
}

void sigfs_check_render_status(sigfs_buf *out, const sigfs_check *c)
{
	int st = c->status == CS_OK && c->dr == 0 ? CS_REQ_FAILED : c->status;

	if (st == CS_OK)
		sigfs_buf_puts(out, "valid\n");
	else
		sigfs_buf_printf(out, "invalid %d %s\n", st,
				 sigfs_cs_name(st) ? sigfs_cs_name(st) : "unknown");
}
