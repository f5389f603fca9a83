/* Fuzz target: a whole file judged as codesign --verify does (core/verify.c,
 * core/cms_verify.c): every CodeDirectory's geometry, the CMS re-decoded and
 * verified, special slots, pages read through an in-memory source, strict
 * checks, the explicit designated requirement; then the verdict's text, all slices and each slice alone. */
#include "../core/verdict.h"
#include "fuzz.h"
#include "sigfs/memsource.h"
#include "sigfs/requirement.h"

static int src_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	return sigfs_source_read_exact(ctx, "", off, dst, len);
}

static void judge(const sigfs_file *f, const sigfs_source *src, int only, size_t primary)
{
	struct sigfs_verify_in in;
	sigfs_verdict *v;
	sigfs_buf b = SIGFS_BUF_INIT;

	memset(&in, 0, sizeof in);
	in.src = src;
	in.rel = "";
	in.now = 1800000000;
	in.only_slice = only;
	in.primary = primary;
	/* the slice's explicit designated requirement, when it has one */
	{
		const struct sigfs_blob *set = sigfs_slice_blob(&f->slices[primary], CSSLOT_REQUIREMENTS);

		if (set && sigfs_reqset_find(&in.requirement, &in.requirement_len, set->p, set->len,
					     kSecDesignatedRequirementType) != SIGFS_OK)
			in.requirement = NULL;
	}
	if (sigfs_verify_file(&v, f, &in) != SIGFS_OK)
		return;
	sigfs_verdict_text(&b, v, "F");
	sigfs_verdict_status_line(&b, v);
	sigfs_verdict_free(v);
	sigfs_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_memtree *t = sigfs_mem_new(1);
	sigfs_source src;
	sigfs_file *f = NULL;
	size_t i;

	if (!t || sigfs_mem_add_file(t, "", data, size, 0644) != SIGFS_OK)
		goto out;
	sigfs_mem_source(t, &src);
	if (sigfs_file_load(&f, src_read, &src, size) != SIGFS_OK)
		goto out;
	for (i = 0; i < f->nslices && i < 4; i++) {
		(void)sigfs_slice_cms(&f->slices[i]); /* parsed at first use: use it */
		judge(f, &src, -1, i);
		judge(f, &src, (int)i, i);
	}
out:
	sigfs_file_free(f);
	sigfs_mem_free(t);
	return 0;
}
