/* sigfs core: the `audit` file (SPEC-VERIFY "The audit") of a Mach-O's
 * F.sig/: the facts of the whole file (every slice), judged now. A bundle's
 * B.sig/audit covers what is inside it (sigfs_audit_render with all its
 * Mach-O files and its profile). */
#include <time.h>

#include "catalogue.h"
#include "sigfs/audit.h"

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
