/* sigfs core: provisioning profiles in the tree — P.sig/ beside every
 * `*.provisionprofile` / `*.mobileprovision` file (a subject of its own) and
 * B.sig/provisioning/ of a bundle that embeds one (SPEC-VERIFY
 * "Provisioning profiles"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"
#include "sigfs/bundle.h"
#include "sigfs/audit.h"
#include "sigfs/profile.h"

int sigfs_profile_item_load(struct sigfs_profile_item **out, const sigfs_source *src, const char *rel,
			    const sigfs_anchors *anchors, uint64_t *bytes_read)
{
	struct sigfs_profile_item *it = calloc(1, sizeof *it);
	struct sigfs_stat st;
	uint8_t *der = NULL;
	int err;

	*out = NULL;
	if (!it || !(it->rel = strdup(rel))) {
		free(it);
		return sigfs_error_set(SIGFS_ENOMEM, "%s: out of memory", rel);
	}
	err = src->stat(src->ctx, rel, &st);
	if (!err && st.type != SIGFS_FT_REG)
		err = sigfs_error_set(SIGFS_EIO, "%s: no longer a regular file", rel);
	if (err == SIGFS_EACCES)
		goto unreadable;
	if (err)
		goto fail;
	if (st.size == 0 || st.size > SIGFS_PROFILE_MAX_SIZE) {
		snprintf(it->err, sizeof it->err, "%llu bytes; a provisioning profile is 1 to %zu bytes",
			 (unsigned long long)st.size, SIGFS_PROFILE_MAX_SIZE);
		*out = it;
		return SIGFS_OK;
	}
	der = malloc((size_t)st.size);
	if (!der) {
		err = sigfs_error_set(SIGFS_ENOMEM, "%s: out of memory for %llu bytes", rel,
				      (unsigned long long)st.size);
		goto fail;
	}
	err = sigfs_source_read_exact(src, rel, 0, der, (size_t)st.size);
	if (err == SIGFS_EACCES)
		goto unreadable;
	if (err)
		goto fail;
	if (bytes_read)
		*bytes_read += st.size;
	err = sigfs_profile_parse(&it->p, der, (size_t)st.size, anchors);
	if (err == SIGFS_EMALFORMED) {
		snprintf(it->err, sizeof it->err, "%s", sigfs_error_last());
		err = SIGFS_OK;
	}
	if (err)
		goto fail;
	free(der);
	*out = it;
	return SIGFS_OK;
unreadable: /* data, like a profile that does not parse */
	snprintf(it->err, sizeof it->err, "cannot be read (permission denied)");
	free(der);
	*out = it;
	return SIGFS_OK;
fail:
	free(der);
	sigfs_profile_item_free(it);
	return err;
}

int sigfs_bundle_profile_load(struct sigfs_profile_item **out, const struct sigfs_bundle *b,
			      const sigfs_source *src, const sigfs_anchors *anchors, uint64_t *bytes_read)
{
	static const char *const names[] = {"embedded.provisionprofile", "embedded.mobileprovision"};
	struct sigfs_stat st;
	sigfs_buf path = SIGFS_BUF_INIT;
	size_t i;
	int err = SIGFS_OK;

	*out = NULL;
	for (i = 0; i < 2 && !*out && !err; i++) {
		sigfs_buf_clear(&path);
		if (*b->resroot)
			sigfs_buf_printf(&path, "%s/", b->resroot);
		sigfs_buf_puts(&path, names[i]);
		err = sigfs_buf_status(&path);
		if (err)
			break;
		err = src->stat(src->ctx, path.ptr, &st);
		if (err == SIGFS_ENOTFOUND) {
			err = SIGFS_OK;
			continue;
		}
		if (!err || err == SIGFS_EACCES)
			err = sigfs_profile_item_load(out, src, path.ptr, anchors, bytes_read);
	}
	sigfs_buf_free(&path);
	return err;
}

void sigfs_profile_item_free(struct sigfs_profile_item *it)
{
	if (!it)
		return;
	sigfs_profile_free(it->p);
	free(it->rel);
	free(it);
}

/* ---------------------------------------------------------------- rows */

static int parsed(const struct view *v)
{
	return v->profile && v->profile->p;
}

static int always(const struct view *v)
{
	return v->profile != NULL;
}

static int has_entitlements(const struct view *v)
{
	return parsed(v) && sigfs_pv_type(sigfs_profile_get(v->profile->p, "Entitlements")) == SIGFS_PV_DICT;
}

static int has_certificates(const struct view *v)
{
	return parsed(v) && sigfs_pv_count(sigfs_profile_get(v->profile->p, "DeveloperCertificates")) > 0;
}

/* The main executable of the bundle whose provisioning/ this is. */
static const struct sigfs_file *main_macho(const struct view *v)
{
	return v->subj->kind == SIGFS_KIND_BUNDLE ? ((const sigfs_bundle *)v->item)->macho : NULL;
}

/* In a bundle: the main executable's claims can be checked. */
static int has_claims(const struct view *v)
{
	return parsed(v) && main_macho(v) != NULL;
}

static int r_payload(const struct view *v, sigfs_buf *b)
{
	size_t len;
	const uint8_t *p = sigfs_profile_payload(v->profile->p, &len);

	sigfs_buf_put(b, p, len);
	return sigfs_buf_status(b);
}

static int r_summary(const struct view *v, sigfs_buf *b)
{
	if (!v->profile->p) {
		sigfs_buf_printf(b, "Signature=fail malformed: %s\n", v->profile->err);
		return sigfs_buf_status(b);
	}
	return sigfs_profile_summary(b, v->profile->p);
}

static int r_entitlements(const struct view *v, sigfs_buf *b)
{
	return sigfs_profile_entitlements_xml(b, v->profile->p);
}

static int r_certificates(const struct view *v, sigfs_buf *b)
{
	return sigfs_profile_certificates_pem(b, v->profile->p);
}

static int r_check(const struct view *v, sigfs_buf *b)
{
	struct sigfs_audit_code c;
	struct sigfs_profile_claim cl;
	int64_t now = (int64_t)time(NULL);
	int err = sigfs_audit_code_load(&c, main_macho(v), "", now);

	if (err)
		return err;
	cl.entitlements = c.entitlements;
	cl.leaf_sha256 = c.sign == SIGFS_AUDIT_SIGNED ? c.leaf_sha256 : NULL;
	cl.team_id = c.team;
	cl.now = now;
	err = sigfs_profile_check(b, v->profile->p, &cl);
	sigfs_audit_code_clear(&c);
	return err;
}

#define F SIGFS_NODE_FILE

static const struct row profile_rows[] = {
    {"profile.plist", F, parsed, r_payload, NULL},
    {"summary", F, always, r_summary, NULL},
    {"entitlements.plist", F, has_entitlements, r_entitlements, NULL},
    {"certificates.pem", F, has_certificates, r_certificates, NULL},
};

static const struct row bundle_rows[] = {
    {"entitlements-check", F, has_claims, r_check, NULL},
};

#undef F

static const struct dirtab profile_tab = {.parts = {ROWS(profile_rows)}};
static const struct dirtab provisioning_tab = {.parts = {ROWS(profile_rows), ROWS(bundle_rows)}};

const struct row sigfs_provisioning_rows[1] = {
    {"provisioning", SIGFS_NODE_DIR, always, NULL, &provisioning_tab},
};

/* ---------------------------------------------------------------- the kind */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static int profile_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st,
			 const uint8_t *head, size_t headlen)
{
	return st->type == SIGFS_FT_REG &&
	       (ends_with(rel, ".provisionprofile") || ends_with(rel, ".mobileprovision"));
}

static int profile_load(struct sigfs_subject *subj, const sigfs_source *src)
{
	struct sigfs_profile_item *it;
	int err = sigfs_profile_item_load(&it, src, subj->rel, subj->opts.anchors, &subj->bytes_read);

	subj->data = it;
	return err;
}

static void profile_free(struct sigfs_subject *subj)
{
	sigfs_profile_item_free(subj->data);
	subj->data = NULL;
}

static void profile_view(const struct sigfs_subject *subj, struct view *v)
{
	memset(v, 0, sizeof *v);
	v->subj = subj;
	v->profile = subj->data;
}

const struct kind_ops sigfs_kind_profile = {
    .kind = SIGFS_KIND_PROFILE,
    .probe = profile_probe,
    .load = profile_load,
    .free = profile_free,
    .root = &profile_tab,
    .root_view = profile_view,
};
