/* sigfs core: a Mach-O judged as `codesign --verify --strict` judges it,
 * offline (Security StaticCode.cpp staticValidate, staticValidateCore,
 * validateExecutable, validateTopDirectory; machorep.cpp, macho++.cpp and
 * singlediskrep.cpp for the strict checks; xnu ubc_subr.c
 * cs_validate_codedirectory for the CodeDirectory geometry).
 *
 * Per slice, in Apple's order: every CodeDirectory's integrity, the CMS
 * (cms_verify.c), special slots 11 down to 1 (3 belongs to the resources
 * step), the top directory, the pages. The first failure is the slice's
 * status; the later checks still run so `checks` and `page-mismatches` say
 * everything, except that pages are not hashed when the geometry is bad.
 * Then, for the file: the other slices (team identifiers first), the
 * resource directory slot, the strict structure. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sigfs/cursor.h"
#include "sigfs/plist.h"
#include "sigfs/reqeval.h"
#include "verdict.h"

/* ---------------------------------------------------------------- names */

static const struct {
	int status;
	const char *name, *message;
} statuses[] = {
    {errSecCSUnsigned, "errSecCSUnsigned", "code object is not signed at all"},
    {errSecCSSignatureFailed, "errSecCSSignatureFailed",
     "invalid signature (code or signature have been modified)"},
    {errSecCSSignatureNotVerifiable, "errSecCSSignatureNotVerifiable",
     "the code cannot be read by the verifier (file system permissions etc.)"},
    {errSecCSSignatureUnsupported, "errSecCSSignatureUnsupported",
     "unsupported type or version of signature"},
    {errSecCSResourcesNotFound, "errSecCSResourcesNotFound",
     "code has no resources but signature indicates they must be present"},
    {errSecCSReqFailed, "errSecCSReqFailed", "code failed to satisfy specified code requirement(s)"},
    {errSecCSSignatureInvalid, "errSecCSSignatureInvalid", "invalid or unsupported format for signature"},
    {errSecCSInfoPlistFailed, "errSecCSInfoPlistFailed",
     "invalid Info.plist (plist or signature have been modified)"},
    {errSecCSResourceDirectoryFailed, "errSecCSResourceDirectoryFailed",
     "invalid resource directory (directory or signature have been modified)"},
    {errSecCSBadMainExecutable, "errSecCSBadMainExecutable", "main executable failed strict validation"},
    {errSecCSInvalidTeamIdentifier, "errSecCSInvalidTeamIdentifier", "a Team Identifier string is invalid"},
    {errSecCSBadTeamIdentifier, "errSecCSBadTeamIdentifier", "a Team Identifier is wrong or inappropriate"},
    {CSSMERR_TP_CERT_EXPIRED, "CSSMERR_TP_CERT_EXPIRED", "CSSMERR_TP_CERT_EXPIRED"},
    {CSSMERR_TP_CERT_NOT_VALID_YET, "CSSMERR_TP_CERT_NOT_VALID_YET", "CSSMERR_TP_CERT_NOT_VALID_YET"},
    {CSSMERR_TP_NOT_TRUSTED, "CSSMERR_TP_NOT_TRUSTED", "CSSMERR_TP_NOT_TRUSTED"},
};

static size_t status_index(int status)
{
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].status == status)
			break;
	return i;
}

const char *sigfs_osstatus_name(int status)
{
	size_t i = status_index(status);

	return i < sizeof statuses / sizeof statuses[0] ? statuses[i].name : "unknown";
}

const char *sigfs_osstatus_message(int status)
{
	size_t i = status_index(status);

	return i < sizeof statuses / sizeof statuses[0] ? statuses[i].message : "unknown error";
}

const char *sigfs_check_result_name(int result)
{
	static const char *const names[] = {"ok",	    "fail",  "absent",	"warn",	  "skipped",
					    "unverifiable", "adhoc", "unbound", "missing"};

	return result >= 0 && (size_t)result < sizeof names / sizeof names[0] ? names[result] : "?";
}

void sigfs_check_add(struct sigfs_slice_verdict *sv, const char *name, int result, const char *fmt, ...)
{
	struct sigfs_check_line *c;
	va_list ap;

	if (sv->nchecks >= SIGFS_VERIFY_MAX_CHECKS)
		return;
	c = &sv->checks[sv->nchecks++];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->result = result;
	c->detail[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->detail, sizeof c->detail, fmt, ap);
		va_end(ap);
	}
}

static void fail(int *status, int err)
{
	if (!*status)
		*status = err;
}

/* ---------------------------------------------------------------- CodeDirectory geometry */

static uint64_t cd_limit(const struct sigfs_cd *cd)
{
	return cd->version >= CS_SUPPORTSCODELIMIT64 && cd->code_limit64 ? cd->code_limit64 : cd->code_limit;
}

/* Apple's checkIntegrity and xnu's cs_validate_codedirectory, for what a
 * static check needs before any page is hashed: a sane page size, code
 * slots exactly covering the code limit, the limit inside the slice, a
 * scatter vector that ends inside the blob and stays in the slot array.
 * NULL when fine, else why. */
static const char *cd_geometry(const struct sigfs_cd *cd, uint64_t slice_size)
{
	uint64_t limit = cd_limit(cd);

	if (cd->version > 0x2F000)
		return "version";
	if (cd->page_size_log2 > 30) /* Universal's MAX_ALIGN; xnu wants 12 or 14 */
		return "page-size";
	if (cd->page_size_log2) {
		if (limit == 0 || cd->n_code != ((limit - 1) >> cd->page_size_log2) + 1)
			return "code-slots";
	} else if (cd->n_code != (limit > 0 ? 1u : 0u))
		return "code-slots";
	if (limit > slice_size)
		return "code-limit";
	if (cd->scatter_offset) {
		/* struct Scatter { count, base, targetOffset (64), spare (64) } */
		sigfs_cur c;
		uint32_t count, base;
		size_t n;

		sigfs_cur_init(&c, cd->p, cd->len);
		if (!sigfs_cur_skip(&c, cd->scatter_offset))
			return "scatter";
		for (n = 0;; n++) { /* bounded: each entry takes 24 bytes of the blob */
			if (!sigfs_cur_be32(&c, &count) || !sigfs_cur_be32(&c, &base) ||
			    !sigfs_cur_skip(&c, 16))
				return "scatter";
			if (count == 0)
				break;
			if (base > cd->n_code || count > cd->n_code - base)
				return "scatter";
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- special slots */

static const char *const slot_names[12] = {
    "codedirectory",
    "info-plist",
    "requirements",
    "resources",
    "top-directory",
    "entitlements",
    "rep-specific",
    "entitlements-der",
    "launch-constraint-self",
    "launch-constraint-parent",
    "launch-constraint-responsible",
    "library-constraint",
};

const char *sigfs_slot_name(uint32_t slot)
{
	return slot >= 1 && slot < 12 ? slot_names[slot] : "?";
}

/* The hash of special slot n (1-based) in cd, or NULL beyond nSpecialSlots. */
static const uint8_t *slot_hash(const struct sigfs_cd *cd, uint32_t n)
{
	if (n == 0 || n > cd->n_special)
		return NULL;
	return cd->p + cd->hash_offset - (size_t)n * cd->hash_size;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* The data special slot n is checked against: slot 1 the Info.plist (the
 * bundle's, else __TEXT,__info_plist), slot 3 the bundle's CodeResources,
 * the others the blob in the SuperBlob. NULL when there is none. */
static const uint8_t *slot_data(const struct sigfs_slice *s, const struct sigfs_verify_in *in, uint32_t n,
				size_t *len)
{
	const struct sigfs_blob *b;

	*len = 0;
	if (n == CSSLOT_INFOSLOT) {
		*len = in->bundle ? in->info_plist_len : s->info_plist_len;
		return in->bundle ? in->info_plist : s->info_plist;
	}
	if (n == CSSLOT_RESOURCEDIR) {
		*len = in->bundle ? in->resources_len : 0;
		return in->bundle ? in->resources : NULL;
	}
	b = sigfs_slice_blob(s, n);
	if (!b)
		return NULL;
	if (n == CSSLOT_APPLICATION || n == CSSLOT_REP_SPECIFIC) {
		/* raw components: what is hashed is the BlobWrapper's payload
		 * (sigblob.cpp blobData); no wrapper is no component */
		if (b->len < 8 || ((uint32_t)b->p[0] << 24 | (uint32_t)b->p[1] << 16 |
				   (uint32_t)b->p[2] << 8 | b->p[3]) != CSMAGIC_BLOBWRAPPER)
			return NULL;
		*len = b->len - 8;
		return b->p + 8;
	}
	*len = b->len;
	return b->p;
}

/* Fill sv->slots for slot n and say whether data and hash agree. */
static int judge_slot(struct sigfs_slice_verdict *sv, const struct sigfs_slice *s, const struct sigfs_cd *cd,
		      const struct sigfs_verify_in *in, uint32_t n, int *ok)
{
	const uint8_t *h = slot_hash(cd, n);
	int present = h && !all_zero(h, cd->hash_size);
	size_t len;
	const uint8_t *data = slot_data(s, in, n, &len);
	struct sigfs_slot_hash *e;
	size_t dl;
	int err;

	*ok = 1;
	if (!present && !data)
		return SIGFS_OK;
	e = &sv->slots[sv->nslots++];
	memset(e, 0, sizeof *e);
	e->slot = n;
	e->len = cd->hash_size;
	if (h)
		memcpy(e->expected, h, cd->hash_size);
	e->has_expected = h != NULL;
	if (data) {
		err = sigfs_hash(cd->hash_type, data, len, e->actual, &dl);
		if (err)
			return err;
		e->has_actual = 1;
	}
	if (!present)
		e->state = SIGFS_CHECK_UNBOUND; /* data, no hash: ignored by codesign */
	else if (!data)
		e->state = SIGFS_CHECK_MISSING;
	else
		e->state =
		    memcmp(e->actual, e->expected, cd->hash_size) == 0 ? SIGFS_CHECK_OK : SIGFS_CHECK_FAIL;
	*ok = e->state == SIGFS_CHECK_OK || e->state == SIGFS_CHECK_UNBOUND;
	return SIGFS_OK;
}

/* Slot 4: 0, every special slot with data, the alternates, the CMS slot. */
static int top_directory_ok(const struct sigfs_slice *s, const struct sigfs_cd *cd,
			    const struct sigfs_verify_in *in, const struct sigfs_blob *top)
{
	uint32_t want[12 + SIGFS_MAX_CDS + 1], n = 0, slot, got;
	size_t i, len;
	sigfs_cur c;

	want[n++] = CSSLOT_CODEDIRECTORY;
	for (slot = 1; slot <= CSSLOT_LIBRARY_CONSTRAINT; slot++) {
		const uint8_t *h = slot_hash(cd, slot);

		if (slot == CSSLOT_DER_ENTITLEMENTS && !(h && !all_zero(h, cd->hash_size)))
			continue;
		if (slot_data(s, in, slot, &len))
			want[n++] = slot;
	}
	for (i = 1; i < s->ncds; i++)
		want[n++] = CSSLOT_ALTERNATE_CODEDIRECTORIES + (uint32_t)(i - 1);
	want[n++] = CSSLOT_SIGNATURESLOT;
	/* the payload after the 8-byte blob header, as big-endian words */
	sigfs_cur_init(&c, top->p + 8, top->len - 8);
	if (c.len / 4 != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!sigfs_cur_be32(&c, &got) || got != want[i])
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- pages */

struct pagewalk {
	const struct sigfs_slice *s;
	struct sigfs_slice_verdict *sv;
	EVP_MD_CTX *ctx[SIGFS_MAX_CDS];
	const EVP_MD *md[SIGFS_MAX_CDS];
	size_t bad[SIGFS_MAX_CDS];    /* failing pages per CD */
	int64_t first[SIGFS_MAX_CDS]; /* first failing page, -1 */
};

/* Page `page` (at `off`, `size` bytes) is complete in every context. */
static int page_done(struct pagewalk *w, uint32_t page, uint64_t off, uint32_t size)
{
	size_t k;

	for (k = 0; k < w->s->ncds; k++) {
		const struct sigfs_cd *cd = &w->s->cds[k];
		uint8_t d[EVP_MAX_MD_SIZE];
		unsigned int dl = 0;
		const uint8_t *want =
		    page < cd->n_code ? cd->p + cd->hash_offset + (size_t)page * cd->hash_size : NULL;

		if (!EVP_DigestFinal_ex(w->ctx[k], d, &dl) || !EVP_DigestInit_ex2(w->ctx[k], w->md[k], NULL))
			return SIGFS_ENOMEM;
		if (want && dl >= cd->hash_size && memcmp(d, want, cd->hash_size) == 0)
			continue;
		if (w->first[k] < 0)
			w->first[k] = page;
		w->bad[k]++;
		if (w->sv->nmismatches >= SIGFS_VERIFY_MAX_MISMATCHES) {
			w->sv->mismatches_dropped++;
			continue;
		}
		if (!w->sv->mismatches) {
			w->sv->mismatches = calloc(64, sizeof *w->sv->mismatches);
			if (!w->sv->mismatches)
				return SIGFS_ENOMEM;
		} else if (w->sv->nmismatches >= 64 && !(w->sv->nmismatches & (w->sv->nmismatches - 1))) {
			void *p =
			    realloc(w->sv->mismatches, 2 * w->sv->nmismatches * sizeof *w->sv->mismatches);

			if (!p)
				return SIGFS_ENOMEM;
			w->sv->mismatches = p;
		}
		{
			struct sigfs_page_mismatch *m = &w->sv->mismatches[w->sv->nmismatches++];

			memset(m, 0, sizeof *m);
			m->hash_type = cd->hash_type;
			m->page = page;
			m->offset = off;
			m->size = size;
			m->len = cd->hash_size;
			if (want)
				memcpy(m->expected, want, cd->hash_size);
			memcpy(m->actual, d, cd->hash_size);
		}
	}
	return SIGFS_OK;
}

/* validateExecutable: the primary CodeDirectory's geometry, every page
 * hashed with every CodeDirectory's type, the last at its real length. One
 * sequential pass of SIGFS_VERIFY_CHUNK reads. SIGFS_EACCES, SIGFS_EIO: unreadable. */
static int hash_pages(struct pagewalk *w, const struct sigfs_verify_in *in, const struct sigfs_cd *pcd)
{
	uint64_t limit = cd_limit(pcd), pos = 0,
		 page_size = pcd->page_size_log2 ? (uint64_t)1 << pcd->page_size_log2 : limit;
	uint64_t in_page = 0, page_start = 0;
	uint32_t page = 0;
	uint8_t *buf = malloc(SIGFS_VERIFY_CHUNK);
	size_t k;
	int err = SIGFS_OK;

	if (!buf)
		return SIGFS_ENOMEM;
	for (k = 0; k < w->s->ncds; k++) {
		w->md[k] = sigfs_hash_md(w->s->cds[k].hash_type);
		w->ctx[k] = EVP_MD_CTX_new();
		w->first[k] = -1;
		if (!w->md[k] || !w->ctx[k] || !EVP_DigestInit_ex2(w->ctx[k], w->md[k], NULL)) {
			err = SIGFS_ENOMEM;
			goto out;
		}
	}
	while (pos < limit) { /* bounded: limit <= slice size (cd_geometry) */
		size_t n = limit - pos < SIGFS_VERIFY_CHUNK ? (size_t)(limit - pos) : SIGFS_VERIFY_CHUNK,
		       at = 0;

		err = sigfs_source_read_exact(in->src, in->rel, w->s->offset + pos, buf, n);
		if (err)
			goto out;
		while (at < n) {
			uint64_t want = page_size - in_page;
			size_t take = want < n - at ? (size_t)want : n - at;

			for (k = 0; k < w->s->ncds; k++)
				if (!EVP_DigestUpdate(w->ctx[k], buf + at, take)) {
					err = SIGFS_ENOMEM;
					goto out;
				}
			at += take;
			in_page += take;
			if (in_page == page_size || pos + at == limit) {
				err = page_done(w, page, page_start, (uint32_t)in_page);
				if (err)
					goto out;
				page++;
				page_start += in_page;
				in_page = 0;
			}
		}
		pos += n;
	}
out:
	for (k = 0; k < w->s->ncds; k++)
		EVP_MD_CTX_free(w->ctx[k]);
	free(buf);
	return err;
}

/* ---------------------------------------------------------------- one slice */

/* `pages <alg> <result>[ <detail>]` */
static void pages_line(struct sigfs_slice_verdict *sv, const struct sigfs_cd *cd, int result,
		       const char *detail)
{
	char name[40];

	snprintf(name, sizeof name, "pages %s", sigfs_hash_name(cd->hash_type));
	sigfs_check_add(sv, name, result, detail ? "%s" : NULL, detail);
}

static int slice_core(struct sigfs_slice_verdict *sv, const struct sigfs_slice *s,
		      const struct sigfs_verify_in *in)
{
	const struct sigfs_cd *cd;
	const char *why;
	char name[40], detail[64];
	int st = 0, geometry_ok = 1, err, ok;
	uint32_t n, top;
	size_t i, j;

	if (s->not_macho) {
		sigfs_check_add(sv, "codedirectory", SIGFS_CHECK_FAIL, "not-macho");
		sv->status = errSecCSSignatureInvalid;
		return SIGFS_OK;
	}
	if (!s->has_lc_sig) {
		sigfs_check_add(sv, "codedirectory", SIGFS_CHECK_ABSENT, NULL);
		sv->status = errSecCSUnsigned;
		return SIGFS_OK;
	}
	if (!s->cds_ok) {
		sigfs_check_add(sv, "codedirectory", SIGFS_CHECK_FAIL, "%s",
				sigfs_slice_reason(s)[0] ? sigfs_slice_reason(s) : "malformed");
		sv->status = s->ncds || s->nblobs ? errSecCSSignatureFailed : errSecCSSignatureInvalid;
		return SIGFS_OK;
	}
	sv->signed_ = 1;
	cd = &s->cds[s->primary];
	sv->team = cd->team;

	/* 1a. every CodeDirectory */
	for (i = 0; i < s->ncds; i++) {
		const struct sigfs_cd *c = &s->cds[i];

		for (j = 0; j < i; j++)
			if (s->cds[j].hash_type == c->hash_type)
				break;
		why = cd_geometry(c, s->size);
		snprintf(name, sizeof name, "codedirectory %s", sigfs_hash_name(c->hash_type));
		if (j < i) {
			sigfs_check_add(sv, name, SIGFS_CHECK_FAIL, "duplicate-hash-type");
			fail(&st, errSecCSSignatureInvalid);
		} else if (why) {
			sigfs_check_add(sv, name, SIGFS_CHECK_FAIL, "%s", why);
			/* a limit past the code is found by the page walk
			 * (validateExecutable), after the CMS and the slots */
			if (strcmp(why, "code-limit") != 0)
				fail(&st, strcmp(why, "version") == 0 ? errSecCSSignatureUnsupported
								      : errSecCSSignatureFailed);
			geometry_ok = 0;
		} else
			sigfs_check_add(sv, name, SIGFS_CHECK_OK, NULL);
		if (c->scatter_offset)
			sigfs_check_add(sv, "scatter", SIGFS_CHECK_SKIPPED, "present (ignored)");
	}

	/* 1b. the CMS, unless ad-hoc */
	if (cd->flags & CS_ADHOC)
		sigfs_check_add(sv, "cms", SIGFS_CHECK_ADHOC, NULL);
	else {
		int cst = 0;

		err = sigfs_cms_verify(sv, s, in->anchors, in->now, &cst);
		if (err)
			return err;
		fail(&st, cst);
	}

	/* 1c. special slots, highest first; 3 is the resources step's */
	top = cd->n_special < CSSLOT_LIBRARY_CONSTRAINT ? cd->n_special : CSSLOT_LIBRARY_CONSTRAINT;
	for (n = CSSLOT_LIBRARY_CONSTRAINT; n >= 1; n--) {
		err = judge_slot(sv, s, cd, in, n, &ok);
		if (err)
			return err;
		if (sv->nslots && sv->slots[sv->nslots - 1].slot == n) {
			snprintf(name, sizeof name, "slot %u %s", n, slot_names[n]);
			sigfs_check_add(sv, name, sv->slots[sv->nslots - 1].state, NULL);
		}
		if (!ok && n <= top && n != CSSLOT_RESOURCEDIR)
			fail(&st, n == CSSLOT_INFOSLOT ? errSecCSInfoPlistFailed : errSecCSSignatureFailed);
	}
	/* a DER payload that does not decode is reported, not fatal */
	if (!sigfs_slice_blob(s, CSSLOT_DER_ENTITLEMENTS))
		sigfs_check_add(sv, "entitlements-der", SIGFS_CHECK_ABSENT, NULL);
	else if ((why = sigfs_slice_slot_reason(s, CSSLOT_DER_ENTITLEMENTS)) != NULL)
		sigfs_check_add(sv, "entitlements-der", SIGFS_CHECK_FAIL, "%s", why);
	else
		sigfs_check_add(sv, "entitlements-der", SIGFS_CHECK_OK, NULL);

	/* 1d. the top directory */
	{
		const struct sigfs_blob *tb = sigfs_slice_blob(s, CSSLOT_APPLICATION);
		const uint8_t *h = slot_hash(cd, CSSLOT_APPLICATION);

		if (!tb || !h || all_zero(h, cd->hash_size))
			sigfs_check_add(sv, "top-directory", SIGFS_CHECK_ABSENT, NULL);
		else if (top_directory_ok(s, cd, in, tb))
			sigfs_check_add(sv, "top-directory", SIGFS_CHECK_OK, NULL);
		else {
			sigfs_check_add(sv, "top-directory", SIGFS_CHECK_FAIL, NULL);
			fail(&st, errSecCSSignatureFailed);
		}
	}

	/* 1e. pages */
	if (in->skip_pages || !geometry_ok) {
		for (i = 0; i < s->ncds; i++)
			pages_line(sv, &s->cds[i], SIGFS_CHECK_SKIPPED, NULL);
		if (!geometry_ok)
			fail(&st, errSecCSSignatureFailed);
	} else {
		struct pagewalk w;
		uint32_t npages = cd->n_code;

		memset(&w, 0, sizeof w);
		w.s = s;
		w.sv = sv;
		err = hash_pages(&w, in, cd);
		/* permissions: a verdict (never a false valid); SIGFS_EIO (the
		 * file changed or vanished since it was loaded) goes to the
		 * caller, which loads it again rather than judge a mix */
		if (err == SIGFS_EACCES) {
			for (i = 0; i < s->ncds; i++)
				pages_line(sv, &s->cds[i], SIGFS_CHECK_FAIL, "unreadable");
			fail(&st, errSecCSSignatureNotVerifiable);
		} else if (err)
			return err;
		else
			for (i = 0; i < s->ncds; i++) {

				if (w.bad[i]) {
					snprintf(detail, sizeof detail, "first=%lld", (long long)w.first[i]);
					pages_line(sv, &s->cds[i], SIGFS_CHECK_FAIL, detail);
					fail(&st, errSecCSSignatureFailed);
				} else {
					snprintf(detail, sizeof detail, "%u/%u", npages, npages);
					pages_line(sv, &s->cds[i], SIGFS_CHECK_OK, detail);
				}
			}
	}
	sv->status = st;
	return SIGFS_OK;
}

/* Strict structure of one slice: the primary CodeDirectory's limit is the
 * signature's offset (singlediskrep.cpp), __LINKEDIT ends the slice
 * (macho++.cpp validateStructure); a detached signature's limit is the
 * file's size. */
static void slice_strict(struct sigfs_slice_verdict *sv, const struct sigfs_slice *s)
{
	const struct sigfs_cd *cd = sigfs_slice_cd(s);

	if (!sv->signed_)
		return;
	if (s->detached) {
		/* a plain file (singlediskrep.cpp strictValidate): the code
		 * limit covers exactly the whole file */
		if (cd && cd_limit(cd) == s->size)
			sigfs_check_add(sv, "strict-code-limit", SIGFS_CHECK_OK, NULL);
		else {
			sigfs_check_add(sv, "strict-code-limit", SIGFS_CHECK_FAIL, NULL);
			sv->strict = errSecCSSignatureInvalid;
		}
		return;
	}
	if (s->has_linkedit_end && s->linkedit_end == s->size)
		sigfs_check_add(sv, "strict-linkedit", SIGFS_CHECK_OK, NULL);
	else {
		sigfs_check_add(sv, "strict-linkedit", SIGFS_CHECK_FAIL, NULL);
		fail(&sv->strict, errSecCSBadMainExecutable);
	}
	if (cd && cd_limit(cd) == s->sig_dataoff)
		sigfs_check_add(sv, "strict-code-limit", SIGFS_CHECK_OK, NULL);
	else {
		sigfs_check_add(sv, "strict-code-limit", SIGFS_CHECK_FAIL, NULL);
		/* thrown before the structure check (SingleDiskRep first) */
		sv->strict = errSecCSSignatureInvalid;
	}
}

/* Universal::isSuspicious: every gap (after the header, between slices by
 * offset) zero-filled, those after a slice shorter than the next slice's
 * alignment, nothing after the last slice. */
static int universal_ok(const struct sigfs_file *f, const struct sigfs_verify_in *in, int *ok)
{
	size_t order[SIGFS_MAX_SLICES], i, j, n = f->nslices;
	uint64_t prev_end = 0;
	uint8_t buf[4096];

	*ok = 1;
	if (!f->universal)
		return SIGFS_OK;
	for (i = 0; i < n; i++) {
		order[i] = i;
		for (j = i; j > 0 && f->slices[order[j - 1]].offset > f->slices[order[j]].offset; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	}
	/* the fat header and its table end the first gap */
	prev_end = 8 + (uint64_t)n * (f->fat64 ? 32 : 20);
	for (i = 0; i < n; i++) {
		const struct sigfs_slice *s = &f->slices[order[i]];
		uint64_t gap = s->offset - prev_end, off;

		/* a slice past the end of the file (malformed) is not read for */
		if (s->offset > f->size || s->size > f->size - s->offset) {
			*ok = 0;
			return SIGFS_OK;
		}
		/* only a gap after a slice must be shorter than the alignment */
		if (s->offset < prev_end || (i > 0 && (s->align > 30 || gap >= ((uint64_t)1 << s->align)))) {
			*ok = 0;
			return SIGFS_OK;
		}
		for (off = 0; off < gap;) { /* gap < the file size, read in pages */
			size_t want = gap - off < sizeof buf ? (size_t)(gap - off) : sizeof buf, k;
			int err = sigfs_source_read_exact(in->src, in->rel, prev_end + off, buf, want);

			if (err)
				return err;
			for (k = 0; k < want; k++)
				if (buf[k]) {
					*ok = 0;
					return SIGFS_OK;
				}
			off += want;
		}
		prev_end = s->offset + s->size;
	}
	*ok = prev_end == f->size;
	return SIGFS_OK;
}

/* ---------------------------------------------------------------- the requirement */

/* The caller's requirement against the primary slice (SecStaticCode's
 * validateRequirement): identifier, cdhash, team, the chain as built, the
 * Info.plist slot 1 is bound to, the XML entitlements, the timestamp. */
static int judge_requirement(sigfs_verdict *v, const struct sigfs_slice *s, const struct sigfs_verify_in *in)
{
	struct sigfs_slice_verdict *sv = &v->slices[0];
	const struct sigfs_cd *cd = sigfs_slice_cd(s);
	const struct sigfs_blob *ents = sigfs_slice_blob(s, CSSLOT_ENTITLEMENTS);
	const uint8_t *certs[SIGFS_VERIFY_MAX_CHAIN];
	sigfs_plist *info = NULL, *ent = NULL;
	sigfs_req_context ctx;
	sigfs_req_result res;
	size_t len, i;
	const uint8_t *ip = slot_data(s, in, CSSLOT_INFOSLOT, &len);
	int err;

	if (!cd)
		return SIGFS_OK;
	memset(&ctx, 0, sizeof ctx);
	ctx.identifier = cd->ident;
	memcpy(ctx.cdhash, cd->cdhash, sizeof ctx.cdhash);
	ctx.platform = cd->platform;
	ctx.team_id = cd->team;
	for (i = 0; i < sv->nchain; i++)
		certs[i] = sv->chain[i];
	ctx.certs = certs;
	ctx.cert_lens = sv->chain_len;
	ctx.ncerts = cd->flags & CS_ADHOC ? 0 : sv->nchain;
	ctx.anchors = in->anchors;
	ctx.has_timestamp = sv->has_timestamp;
	ctx.timestamp = sv->timestamp;
	/* what does not decode is absent to the requirement */
	if (ip && sigfs_plist_from_xml(&info, ip, len) == SIGFS_ENOMEM)
		return SIGFS_ENOMEM;
	if (ents && ents->len > 8 && sigfs_plist_from_xml(&ent, ents->p + 8, ents->len - 8) == SIGFS_ENOMEM) {
		sigfs_plist_free(info);
		return SIGFS_ENOMEM;
	}
	ctx.info = info ? sigfs_plist_root(info) : NULL;
	ctx.entitlements = ent ? sigfs_plist_root(ent) : NULL;
	err = sigfs_req_evaluate(&res, in->requirement, in->requirement_len, &ctx);
	sigfs_plist_free(info);
	sigfs_plist_free(ent);
	if (err == SIGFS_ENOMEM)
		return err;
	if (err) {
		sigfs_check_add(sv, "requirement designated", SIGFS_CHECK_FAIL, "%s", sigfs_error_last());
		v->dr = 0;
	} else if (res.verdict == SIGFS_REQ_TRUE) {
		sigfs_check_add(sv, "requirement designated", SIGFS_CHECK_OK, NULL);
		v->dr = 1;
	} else if (res.verdict == SIGFS_REQ_FALSE) {
		sigfs_check_add(sv, "requirement designated", SIGFS_CHECK_FAIL, "%s", res.why);
		v->dr = 0;
	} else
		sigfs_check_add(sv, "requirement designated", SIGFS_CHECK_UNVERIFIABLE, "%s", res.why);
	return SIGFS_OK;
}

/* ---------------------------------------------------------------- the file */

struct worker {
	sigfs_verdict *v;
	const sigfs_file *f;
	const struct sigfs_verify_in *in;
	size_t first, step; /* slices first, first + step, … */
	int err;
	char msg[256];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t k;

	for (k = w->first; k < w->v->nslices && !w->err; k += w->step) {
		struct sigfs_slice_verdict *sv = &w->v->slices[k];

		w->err = slice_core(sv, &w->f->slices[sv->slice], w->in);
		if (!w->err)
			slice_strict(sv, &w->f->slices[sv->slice]);
	}
	if (w->err)
		snprintf(w->msg, sizeof w->msg, "%s", sigfs_error_last());
	return NULL;
}

/* Every slice's core and strict checks; the slices of a universal file on
 * two threads (the machine this is written for has two cores; a slice's
 * pages are one sequential read either way). */
static int judge_slices(sigfs_verdict *v, const sigfs_file *f, const struct sigfs_verify_in *in)
{
	struct worker a = {v, f, in, 0, 1, 0, ""}, b;
	pthread_t t;
	int threaded = 0;

	if (v->nslices > 1) {
		a.step = 2;
		b = a;
		b.first = 1;
		threaded = pthread_create(&t, NULL, work, &b) == 0;
		if (!threaded)
			a.step = 1;
	}
	work(&a);
	if (threaded) {
		pthread_join(t, NULL);
		if (!a.err && b.err)
			return sigfs_error_set(b.err, "%s", b.msg);
	}
	return a.err ? sigfs_error_set(a.err, "%s", a.msg) : SIGFS_OK;
}

void sigfs_verdict_free(sigfs_verdict *v)
{
	size_t i, k;

	if (!v)
		return;
	for (i = 0; i < v->nslices; i++) {
		free(v->slices[i].mismatches);
		free(v->slices[i].cdhashes_plist);
		for (k = 0; k < v->slices[i].nchain; k++)
			free(v->slices[i].chain[k]);
	}
	free(v->slices);
	free(v);
}

size_t sigfs_verdict_bytes(const sigfs_verdict *v)
{
	size_t i, k, n;

	if (!v)
		return 0;
	n = sizeof *v + v->nslices * sizeof *v->slices;
	for (i = 0; i < v->nslices; i++) { /* what sigfs_verdict_free frees */
		n += v->slices[i].nmismatches * sizeof *v->slices[i].mismatches;
		n += v->slices[i].cdhashes_plist_len;
		for (k = 0; k < v->slices[i].nchain; k++)
			n += v->slices[i].chain_len[k];
	}
	return n;
}

int sigfs_verify_file(sigfs_verdict **out, const sigfs_file *f, const struct sigfs_verify_in *in)
{
	sigfs_verdict *v;
	size_t i, k, n;
	int err = SIGFS_OK, uok = 1;

	*out = NULL;
	if (f->nslices == 0 || in->primary >= f->nslices)
		return sigfs_error_set(SIGFS_EMALFORMED, "verify: no slice %zu in a file of %zu", in->primary,
				       f->nslices);
	v = calloc(1, sizeof *v);
	n = in->only_slice >= 0 ? 1 : f->nslices;
	if (v)
		v->slices = calloc(n, sizeof *v->slices);
	if (!v || !v->slices) {
		sigfs_verdict_free(v);
		return sigfs_error_set(SIGFS_ENOMEM, "verify: out of memory for %zu slices", n);
	}
	v->dr = -1;
	/* codesign's order: the primary slice, then the others in file order */
	for (i = 0, k = 0; k < n; i++, k++) {
		size_t si = in->only_slice >= 0 ? (size_t)in->only_slice
			    : i == 0		? in->primary
						: i - 1 + (i - 1 >= in->primary);

		if (si >= f->nslices) {
			err = sigfs_error_set(SIGFS_EMALFORMED, "verify: no slice %zu", si);
			goto fail;
		}
		v->slices[k].slice = si;
		snprintf(v->slices[k].arch, sizeof v->slices[k].arch, "%s", f->slices[si].arch);
	}
	v->nslices = n;
	err = judge_slices(v, f, in);
	if (err)
		goto fail;

	/* step 1-2: the first slice's failure, else the others' (team ids first) */
	for (k = 0; k < v->nslices && !v->status; k++) {
		const struct sigfs_slice_verdict *sv = &v->slices[k];
		const char *t0 = v->slices[0].team, *t = sv->team;

		if (k > 0 && ((!t0 || !t) ? t0 != t : strcmp(t0, t) != 0)) {
			v->status = errSecCSSignatureInvalid; /* no architecture */
			break;
		}
		if (sv->status) {
			v->status = sv->status;
			v->arch = sv->arch[0] ? sv->arch : NULL; /* a plain file has none */
		}
	}
	/* step 4: the resource directory (slot 3; loadResources): a bound one
	 * must match; a bundle (it always has a resource root) without a
	 * bound one is -67056. The walk itself is the bundle's. */
	if (!v->status && v->slices[0].signed_) {
		int bound = 0;

		for (k = 0; k < v->slices[0].nslots; k++) {
			const struct sigfs_slot_hash *e = &v->slices[0].slots[k];

			if (e->slot != CSSLOT_RESOURCEDIR || e->state == SIGFS_CHECK_UNBOUND)
				continue;
			bound = 1;
			if (e->state == SIGFS_CHECK_FAIL || e->state == SIGFS_CHECK_MISSING)
				v->status = errSecCSResourceDirectoryFailed;
		}
		if (!v->status && in->bundle && !bound)
			v->status = errSecCSResourcesNotFound;
	}
	/* step 5: strict structure: the primary slice's code limit, then any
	 * slice's structure or the universal layout */
	if (in->only_slice < 0 && !in->skip_pages) {
		err = universal_ok(f, in, &uok);
		if (err == SIGFS_EACCES) {
			if (!v->status)
				v->status = errSecCSSignatureNotVerifiable;
			err = SIGFS_OK;
		} else if (err)
			goto fail;
		if (f->universal)
			sigfs_check_add(&v->slices[0], "strict-universal",
					uok ? SIGFS_CHECK_OK : SIGFS_CHECK_FAIL, NULL);
	}
	if (!v->status && v->slices[0].strict == errSecCSSignatureInvalid)
		v->status = errSecCSSignatureInvalid;
	for (k = 0; k < v->nslices && !v->status; k++)
		if (v->slices[k].strict)
			v->status = errSecCSBadMainExecutable;
	if (!v->status && !uok)
		v->status = errSecCSBadMainExecutable;
	/* the requirement (codesign -v: the designated one), valid code only */
	if (!v->status && in->requirement && !in->skip_pages) {
		err = judge_requirement(v, &f->slices[v->slices[0].slice], in);
		if (err)
			goto fail;
	}
	for (k = 0; k < v->nslices; k++)
		sigfs_check_add(&v->slices[k], "revocation", SIGFS_CHECK_UNVERIFIABLE, "(offline)");
	{
		const struct sigfs_cd *cd = sigfs_slice_cd(&f->slices[v->slices[0].slice]);

		if (cd) {
			memcpy(v->cdhash, cd->cdhash, cd->cdhash_len);
			v->cdhash_len = cd->cdhash_len;
		}
	}
	*out = v;
	return SIGFS_OK;
fail:
	sigfs_verdict_free(v);
	return err;
}

/* ---------------------------------------------------------------- text */

void sigfs_verdict_text(sigfs_buf *out, const sigfs_verdict *v, const char *display)
{
	if (v->status) {
		sigfs_buf_printf(out, "%s: %s\n", display, sigfs_osstatus_message(v->status));
		if (v->arch)
			sigfs_buf_printf(out, "In architecture: %s\n", v->arch);
		return;
	}
	sigfs_buf_printf(out, "%s: valid on disk\n", display);
	if (v->dr == 1)
		sigfs_buf_printf(out, "%s: satisfies its Designated Requirement\n", display);
	else if (v->dr == 0)
		sigfs_buf_printf(out, "%s: does not satisfy its designated Requirement\n", display);
}

void sigfs_verdict_status_line(sigfs_buf *out, const sigfs_verdict *v)
{
	int st = v->status ? v->status : v->dr == 0 ? errSecCSReqFailed : 0;

	if (!st)
		sigfs_buf_puts(out, "valid\n");
	else
		sigfs_buf_printf(out, "invalid %d %s\n", st, sigfs_osstatus_name(st));
}
