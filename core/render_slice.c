/* sigfs core: the Mach-O subject — its `.sig/` rows (which files exist for a
 * slice and the bytes of each, in codesign's formats), its directories (top,
 * per slice of a universal file, launch-constraints) and how it loads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "sigfs/bundle.h"
#include "sigfs/plist.h"
#include "sigfs/requirement.h"

/* ---------------------------------------------------------------- helpers */

static void put_iso_time(sigfs_buf *b, int64_t t)
{
	if (!sigfs_time_iso8601(b, t))
		sigfs_buf_puts(b, "invalid-time");
}

/* codesign's CodeDirectory flag names (Security: kSecCodeDirectoryFlagTable). */
static void put_flags(sigfs_buf *b, uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	    {CS_HOST, "host"},
	    {CS_ADHOC, "adhoc"},
	    {CS_HARD, "hard"},
	    {CS_KILL, "kill"},
	    {CS_CHECK_EXPIRATION, "expires"},
	    {CS_RESTRICT, "restrict"},
	    {CS_ENFORCEMENT, "enforcement"},
	    {CS_REQUIRE_LV, "library-validation"},
	    {CS_RUNTIME, "runtime"},
	    {CS_LINKER_SIGNED, "linker-signed"},
	};
	uint32_t left = flags;
	size_t i;
	int n = 0;

	sigfs_buf_printf(b, "0x%x(", flags);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(flags & names[i].bit))
			continue;
		sigfs_buf_printf(b, "%s%s", n++ ? "," : "", names[i].name);
		left &= ~names[i].bit;
	}
	if (left)
		sigfs_buf_printf(b, "%s???", n++ ? "," : "");
	if (!n)
		sigfs_buf_puts(b, "none");
	sigfs_buf_putc(b, ')');
}

static const char *cd_alg(const struct sigfs_cd *cd)
{
	return sigfs_hash_name(cd->hash_type);
}

static const struct sigfs_cd *cd_of(const struct view *v)
{
	return v->s ? sigfs_slice_cd(v->s) : NULL;
}

static const struct sigfs_blob *blob_of(const struct view *v, uint32_t slot)
{
	return v->s ? sigfs_slice_blob(v->s, slot) : NULL;
}

/* The slice's CMS, parsed at first use (NULL: none or unparsable). */
static const sigfs_cms *cms_of(const struct view *v)
{
	return v->s ? sigfs_slice_cms(v->s) : NULL;
}

static size_t cert_count(const struct view *v)
{
	return cms_of(v) ? sigfs_cms_cert_count(cms_of(v)) : 0;
}

static void put_format(sigfs_buf *b, const struct sigfs_file *f)
{
	size_t i;

	sigfs_buf_puts(b, f->universal ? "Mach-O universal (" : "Mach-O thin (");
	for (i = 0; i < f->nslices; i++)
		sigfs_buf_printf(b, "%s%s", i ? " " : "", f->slices[i].arch);
	sigfs_buf_putc(b, ')');
}

/* CodeDirectories of a slice in ascending hash type. */
static size_t cds_by_type(const struct sigfs_slice *s, const struct sigfs_cd **out)
{
	size_t i, j, n = 0;

	if (!s->cds_ok)
		return 0;
	for (i = 0; i < s->ncds; i++) {
		for (j = n; j > 0 && out[j - 1]->hash_type > s->cds[i].hash_type; j--)
			out[j] = out[j - 1];
		out[j] = &s->cds[i];
		n++;
	}
	return n;
}

/* The implicit designated requirement as a requirement blob. */
static int implicit_dr(const struct view *v, sigfs_buf *blob)
{
	const struct sigfs_slice *s = v->s;
	const struct sigfs_cd *cd = cd_of(v);
	size_t i, j, n = 0, ncerts = cert_count(v);
	int err;

	if (!cd)
		return SIGFS_ENOTFOUND;
	if (ncerts) {
		const uint8_t *ders[SIGFS_CMS_MAX_CERTS];
		size_t lens[SIGFS_CMS_MAX_CERTS];

		for (i = 0; i < ncerts && i < SIGFS_CMS_MAX_CERTS; i++) {
			err = sigfs_cms_cert_der(cms_of(v), i, &ders[i], &lens[i]);
			if (err)
				return err;
		}
		return sigfs_dr_make_cert(blob, cd->ident, ders, lens, i);
	} else {
		/* this slice's CodeDirectories, then every other slice's, slices
		 * in ascending cputype/subtype (defaultDesignatedRequirement) */
		size_t order[SIGFS_MAX_SLICES], no = 0;
		uint8_t(*hashes)[20];
		const struct sigfs_cd *cds[SIGFS_MAX_CDS];

		for (i = 0; i < v->f->nslices; i++) {
			const struct sigfs_slice *o = &v->f->slices[i];

			if (i == v->si)
				continue;
			for (j = no; j > 0; j--) {
				const struct sigfs_slice *p = &v->f->slices[order[j - 1]];
				if (p->cputype < o->cputype ||
				    (p->cputype == o->cputype && p->cpusubtype <= o->cpusubtype))
					break;
				order[j] = order[j - 1];
			}
			order[j] = i;
			no++;
		}
		hashes = calloc((no + 1) * SIGFS_MAX_CDS, sizeof *hashes);
		if (!hashes)
			return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
		for (i = 0; i <= no; i++) {
			const struct sigfs_slice *o = i == 0 ? s : &v->f->slices[order[i - 1]];
			size_t k, m = cds_by_type(o, cds);

			for (k = 0; k < m; k++)
				memcpy(hashes[n++], cds[k]->cdhash, 20);
		}
		err = sigfs_dr_make_adhoc(blob, (const uint8_t(*)[20])hashes, n);
		free(hashes);
		return err;
	}
}

/* Text of the implicit designated requirement. */
static int implicit_dr_text(const struct view *v, sigfs_buf *b)
{
	sigfs_buf blob = SIGFS_BUF_INIT;
	int err = implicit_dr(v, &blob);

	if (!err)
		err = sigfs_buf_status(&blob);
	if (!err)
		err = sigfs_req_decompile(b, (const uint8_t *)blob.ptr, blob.len);
	sigfs_buf_free(&blob);
	return err;
}

/* Explicit designated requirement blob, if the set has one. */
static int explicit_dr(const struct view *v, const uint8_t **req, size_t *len)
{
	const struct sigfs_blob *set = blob_of(v, CSSLOT_REQUIREMENTS);

	if (!set)
		return SIGFS_ENOTFOUND;
	return sigfs_reqset_find(req, len, set->p, set->len, kSecDesignatedRequirementType);
}

int sigfs_view_dr(const struct view *v, sigfs_buf *blob)
{
	const uint8_t *req;
	size_t len;
	int err = explicit_dr(v, &req, &len);

	if (err == SIGFS_OK) {
		sigfs_buf_put(blob, req, len);
		return sigfs_buf_status(blob);
	}
	return err == SIGFS_ENOTFOUND ? implicit_dr(v, blob) : err;
}

/* Slot present and (for decoded payloads) decodable. */
static int slot_ok(const struct view *v, uint32_t slot)
{
	return v->s && sigfs_slice_slot_ok(v->s, slot);
}

/* The entitlements as a plist: the XML payload if it decodes, else DER. */
static int entitlements(const struct view *v, sigfs_plist **pl)
{
	const struct sigfs_blob *b;

	if (slot_ok(v, CSSLOT_ENTITLEMENTS)) {
		b = blob_of(v, CSSLOT_ENTITLEMENTS);
		return sigfs_plist_from_xml(pl, b->p + 8, b->len - 8);
	}
	if (slot_ok(v, CSSLOT_DER_ENTITLEMENTS)) {
		b = blob_of(v, CSSLOT_DER_ENTITLEMENTS);
		return sigfs_plist_from_der(pl, b->p + 8, b->len - 8);
	}
	return SIGFS_ENOTFOUND;
}

static int put_plist(sigfs_buf *b, sigfs_plist *pl, int (*fmt)(sigfs_buf *, const sigfs_plist *))
{
	int err = fmt(b, pl);

	sigfs_plist_free(pl);
	return err;
}

/* ------------------------------------------------------- presence tests */

static int has_cd(const struct view *v)
{
	return cd_of(v) != NULL;
}
static int has_team(const struct view *v)
{
	return has_cd(v) && cd_of(v)->team;
}
static int always(const struct view *v)
{
	return 1;
}
static int has_reqs(const struct view *v)
{
	return blob_of(v, CSSLOT_REQUIREMENTS) != NULL;
}
/* requirements.txt / designated-requirement need a decodable set (or none) */
static int has_cd_reqs(const struct view *v)
{
	return has_cd(v) && (!has_reqs(v) || slot_ok(v, CSSLOT_REQUIREMENTS));
}
/* entitlements.plist: the raw XML as it is, or XML rendered from valid DER */
static int has_ents_plist(const struct view *v)
{
	return blob_of(v, CSSLOT_ENTITLEMENTS) || slot_ok(v, CSSLOT_DER_ENTITLEMENTS);
}
static int has_ents(const struct view *v)
{
	return slot_ok(v, CSSLOT_ENTITLEMENTS) || slot_ok(v, CSSLOT_DER_ENTITLEMENTS);
}
static int has_der(const struct view *v)
{
	return blob_of(v, CSSLOT_DER_ENTITLEMENTS) != NULL;
}
static int has_certs(const struct view *v)
{
	return cert_count(v) > 0;
}
static int has_cms(const struct view *v)
{
	const struct sigfs_blob *b = blob_of(v, CSSLOT_SIGNATURESLOT);
	return b && b->len > 8;
}
static int has_signing_time(const struct view *v)
{
	int64_t t;
	return cms_of(v) && sigfs_cms_signing_time(cms_of(v), &t) == SIGFS_OK;
}
static int has_timestamp(const struct view *v)
{
	int64_t t;
	return cms_of(v) && sigfs_cms_timestamp_time(cms_of(v), &t) == SIGFS_OK;
}
static int has_info_plist(const struct view *v)
{
	return v->s && v->s->info_plist;
}
static int has_lc_self(const struct view *v)
{
	return slot_ok(v, CSSLOT_LAUNCH_CONSTRAINT_SELF);
}
static int has_lc_parent(const struct view *v)
{
	return slot_ok(v, CSSLOT_LAUNCH_CONSTRAINT_PARENT);
}
static int has_lc_responsible(const struct view *v)
{
	return slot_ok(v, CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE);
}
static int has_lc_library(const struct view *v)
{
	return slot_ok(v, CSSLOT_LIBRARY_CONSTRAINT);
}
static int has_constraints(const struct view *v)
{
	return has_lc_self(v) || has_lc_parent(v) || has_lc_responsible(v) || has_lc_library(v);
}

/* ------------------------------------------------------------ renderers */

static int r_status(const struct view *v, sigfs_buf *b)
{
	const struct sigfs_slice *s = v->s;

	if (!s) {
		sigfs_buf_printf(b, "malformed: %s\n", v->f->reason);
		return SIGFS_OK;
	}
	switch (sigfs_slice_status(s)) {
	case SIGFS_ST_UNSIGNED: sigfs_buf_puts(b, "unsigned\n"); break;
	case SIGFS_ST_ADHOC: sigfs_buf_puts(b, "adhoc\n"); break;
	case SIGFS_ST_SIGNED: sigfs_buf_puts(b, "signed\n"); break;
	case SIGFS_ST_NOTMACHO: sigfs_buf_printf(b, "not-macho: %s\n", s->reason); break;
	case SIGFS_ST_MALFORMED: sigfs_buf_printf(b, "malformed: %s\n", sigfs_slice_reason(s)); break;
	}
	return SIGFS_OK;
}

static int r_archs(const struct view *v, sigfs_buf *b)
{
	size_t i;

	for (i = 0; i < v->f->nslices; i++)
		sigfs_buf_printf(b, "%s\n", v->f->slices[i].arch);
	return SIGFS_OK;
}

static int r_format(const struct view *v, sigfs_buf *b)
{
	put_format(b, v->f);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_identifier(const struct view *v, sigfs_buf *b)
{
	sigfs_buf_printf(b, "%s\n", cd_of(v)->ident);
	return SIGFS_OK;
}

static int r_team(const struct view *v, sigfs_buf *b)
{
	sigfs_buf_printf(b, "%s\n", cd_of(v)->team);
	return SIGFS_OK;
}

static int r_cdhash(const struct view *v, sigfs_buf *b)
{
	sigfs_buf_hex(b, cd_of(v)->cdhash, CS_CDHASH_LEN);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_cdhashes(const struct view *v, sigfs_buf *b)
{
	size_t i;

	for (i = 0; i < v->s->ncds; i++) {
		const struct sigfs_cd *cd = &v->s->cds[i];

		sigfs_buf_printf(b, "%s ", cd_alg(cd));
		sigfs_buf_hex(b, cd->cdhash, CS_CDHASH_LEN);
		sigfs_buf_putc(b, ' ');
		sigfs_buf_hex(b, cd->cdhash, cd->cdhash_len);
		sigfs_buf_putc(b, '\n');
	}
	return SIGFS_OK;
}

static int r_flags(const struct view *v, sigfs_buf *b)
{
	put_flags(b, cd_of(v)->flags);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_codedirectory(const struct view *v, sigfs_buf *b)
{
	sigfs_buf_put(b, cd_of(v)->p, cd_of(v)->len);
	return SIGFS_OK;
}

static int r_slots(const struct view *v, sigfs_buf *b)
{
	const struct sigfs_cd *cd = cd_of(v);
	int64_t slot;

	/* parse_cd checked n_special * hash_size <= hash_offset and
	 * hash_offset + n_code * hash_size <= len */
	for (slot = -(int64_t)cd->n_special; slot < (int64_t)cd->n_code; slot++) {
		sigfs_buf_printf(b, "%6lld=", (long long)slot);
		sigfs_buf_hex(b, cd->p + cd->hash_offset + slot * cd->hash_size, cd->hash_size);
		sigfs_buf_putc(b, '\n');
	}
	return SIGFS_OK;
}

static int r_requirements_txt(const struct view *v, sigfs_buf *b)
{
	const struct sigfs_blob *set = blob_of(v, CSSLOT_REQUIREMENTS);
	const uint8_t *req;
	size_t len;
	int err;

	if (set) {
		err = sigfs_reqset_dump(b, set->p, set->len);
		if (err)
			return err;
	}
	err = explicit_dr(v, &req, &len);
	if (err != SIGFS_ENOTFOUND)
		return err;
	sigfs_buf_puts(b, "# designated => ");
	err = implicit_dr_text(v, b);
	sigfs_buf_putc(b, '\n');
	return err;
}

static int r_designated(const struct view *v, sigfs_buf *b)
{
	const uint8_t *req;
	size_t len;
	int err = explicit_dr(v, &req, &len);

	if (err == SIGFS_OK)
		err = sigfs_req_decompile(b, req, len);
	else if (err == SIGFS_ENOTFOUND)
		err = implicit_dr_text(v, b);
	sigfs_buf_putc(b, '\n');
	return err;
}

static int r_raw_blob(const struct view *v, sigfs_buf *b, uint32_t slot, size_t skip)
{
	const struct sigfs_blob *bl = blob_of(v, slot);

	sigfs_buf_put(b, bl->p + skip, bl->len - skip);
	return SIGFS_OK;
}

static int r_requirements_bin(const struct view *v, sigfs_buf *b)
{
	return r_raw_blob(v, b, CSSLOT_REQUIREMENTS, 0);
}

static int r_ent_der(const struct view *v, sigfs_buf *b)
{
	return r_raw_blob(v, b, CSSLOT_DER_ENTITLEMENTS, 8);
}

static int r_cms_der(const struct view *v, sigfs_buf *b)
{
	return r_raw_blob(v, b, CSSLOT_SIGNATURESLOT, 8);
}

static int r_ent_plist(const struct view *v, sigfs_buf *b)
{
	sigfs_plist *pl;
	int err;

	if (blob_of(v, CSSLOT_ENTITLEMENTS))
		return r_raw_blob(v, b, CSSLOT_ENTITLEMENTS, 8);
	err = entitlements(v, &pl);
	return err ? err : put_plist(b, pl, sigfs_plist_to_xml);
}

static int r_ent_txt(const struct view *v, sigfs_buf *b)
{
	sigfs_plist *pl;
	int err = entitlements(v, &pl);

	return err ? err : put_plist(b, pl, sigfs_plist_to_text);
}

static int r_ent_json(const struct view *v, sigfs_buf *b)
{
	sigfs_plist *pl;
	int err = entitlements(v, &pl);

	return err ? err : put_plist(b, pl, sigfs_plist_to_json);
}

static int r_constraint(const struct view *v, sigfs_buf *b, uint32_t slot)
{
	const struct sigfs_blob *bl = blob_of(v, slot);
	sigfs_plist *pl;
	int err = sigfs_plist_from_der(&pl, bl->p + 8, bl->len - 8);

	return err ? err : put_plist(b, pl, sigfs_plist_to_xml);
}
static int r_lc_self(const struct view *v, sigfs_buf *b)
{
	return r_constraint(v, b, CSSLOT_LAUNCH_CONSTRAINT_SELF);
}
static int r_lc_parent(const struct view *v, sigfs_buf *b)
{
	return r_constraint(v, b, CSSLOT_LAUNCH_CONSTRAINT_PARENT);
}
static int r_lc_responsible(const struct view *v, sigfs_buf *b)
{
	return r_constraint(v, b, CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE);
}
static int r_lc_library(const struct view *v, sigfs_buf *b)
{
	return r_constraint(v, b, CSSLOT_LIBRARY_CONSTRAINT);
}

static int r_chain(const struct view *v, sigfs_buf *b)
{
	return sigfs_cms_chain_pem(cms_of(v), b);
}

static int put_authorities(const struct view *v, sigfs_buf *b, const char *prefix)
{
	size_t i, n = cert_count(v);
	int err;

	for (i = 0; i < n; i++) {
		sigfs_buf_puts(b, prefix);
		err = sigfs_cms_cert_cn(cms_of(v), i, b);
		if (err && err != SIGFS_ENOTFOUND)
			return err;
		sigfs_buf_putc(b, '\n');
	}
	return SIGFS_OK;
}

static int r_authority(const struct view *v, sigfs_buf *b)
{
	return put_authorities(v, b, "");
}

static int r_signing_time(const struct view *v, sigfs_buf *b)
{
	int64_t t;
	int err = sigfs_cms_signing_time(cms_of(v), &t);

	if (err)
		return err;
	put_iso_time(b, t);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_timestamp(const struct view *v, sigfs_buf *b)
{
	int64_t t;
	int err = sigfs_cms_timestamp_time(cms_of(v), &t);

	if (err)
		return err;
	put_iso_time(b, t);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_info_plist(const struct view *v, sigfs_buf *b)
{
	sigfs_buf_put(b, v->s->info_plist, v->s->info_plist_len);
	return SIGFS_OK;
}

/* The lines of `codesign -d -vvv`, without Executable=. */
static int r_info_txt(const struct view *v, sigfs_buf *b)
{
	sigfs_bundle *bundle = NULL;
	const struct sigfs_slice *s = v->s;
	const struct sigfs_cd *cd = cd_of(v), *cds[SIGFS_MAX_CDS];
	const struct sigfs_blob *set, *cms;
	size_t i, n;
	int64_t t;
	int err;

	if (s && sigfs_slice_status(s) == SIGFS_ST_UNSIGNED) {
		sigfs_buf_puts(b, "code object is not signed at all\n");
		return SIGFS_OK;
	}
	if (!cd)
		return r_status(v, b);
	/* a bundle's main executable: codesign prints the bundle's lines */
	if (v->src && sigfs_bundle_of_executable(v->src, v->subj->rel, &bundle) == SIGFS_ENOMEM)
		return SIGFS_ENOMEM;
	sigfs_buf_printf(b, "Identifier=%s\n", cd->ident);
	sigfs_buf_puts(b, "Format=");
	if (bundle)
		sigfs_buf_puts(b, bundle->format);
	else
		put_format(b, v->f);
	sigfs_buf_printf(b, "\nCodeDirectory v=%x size=%zu flags=", cd->version, cd->len);
	put_flags(b, cd->flags);
	sigfs_buf_printf(b, " hashes=%u+%u location=embedded\n", cd->n_code, cd->n_special);
	if (s->has_build_version)
		sigfs_buf_printf(b, "VersionPlatform=%u\nVersionMin=%u\nVersionSDK=%u\n", s->build_platform,
				 s->build_minos, s->build_sdk);
	sigfs_buf_printf(b, "Hash type=%s size=%u\n", cd_alg(cd), cd->hash_size);
	n = cds_by_type(s, cds);
	for (i = 0; i < n; i++) {
		sigfs_buf_printf(b, "CandidateCDHash %s=", cd_alg(cds[i]));
		sigfs_buf_hex(b, cds[i]->cdhash, CS_CDHASH_LEN);
		sigfs_buf_printf(b, "\nCandidateCDHashFull %s=", cd_alg(cds[i]));
		sigfs_buf_hex(b, cds[i]->cdhash, cds[i]->cdhash_len);
		sigfs_buf_putc(b, '\n');
	}
	sigfs_buf_puts(b, "Hash choices=");
	for (i = 0; i < n; i++)
		sigfs_buf_printf(b, "%s%s", i ? "," : "", cd_alg(cds[i]));
	sigfs_buf_putc(b, '\n');
	if (cms_of(v)) {
		const uint8_t *d;
		size_t dlen;
		uint32_t dtype;

		if (sigfs_cms_message_digest(cms_of(v), &d, &dlen, &dtype) == SIGFS_OK) {
			sigfs_buf_puts(b, "CMSDigest=");
			sigfs_buf_hex(b, d, dlen);
			sigfs_buf_printf(b, "\nCMSDigestType=%u\n", dtype);
		}
	}
	if (cd->version >= CS_SUPPORTSEXECSEG)
		sigfs_buf_printf(b,
				 "Executable Segment base=%llu\nExecutable Segment limit=%llu\nExecutable "
				 "Segment flags=0x%llx\n",
				 (unsigned long long)cd->exec_seg_base,
				 (unsigned long long)cd->exec_seg_limit,
				 (unsigned long long)cd->exec_seg_flags);
	if (cd->page_size_log2)
		sigfs_buf_printf(b, "Page size=%u\n", cd->page_size_log2 < 32 ? 1u << cd->page_size_log2 : 0);
	else
		sigfs_buf_puts(b, "Page size=none\n");
	sigfs_buf_puts(b, "CDHash=");
	sigfs_buf_hex(b, cd->cdhash, CS_CDHASH_LEN);
	sigfs_buf_putc(b, '\n');
	cms = blob_of(v, CSSLOT_SIGNATURESLOT);
	if (has_certs(v))
		sigfs_buf_printf(b, "Signature size=%zu\n", cms->len - 8);
	else
		sigfs_buf_puts(b, "Signature=adhoc\n");
	err = put_authorities(v, b, "Authority=");
	if (err)
		return err;
	if (cms_of(v) && sigfs_cms_timestamp_time(cms_of(v), &t) == SIGFS_OK) {
		sigfs_buf_puts(b, "Timestamp=");
		put_iso_time(b, t);
		sigfs_buf_putc(b, '\n');
	} else if (cms_of(v) && sigfs_cms_signing_time(cms_of(v), &t) == SIGFS_OK) {
		sigfs_buf_puts(b, "Signed Time=");
		put_iso_time(b, t);
		sigfs_buf_putc(b, '\n');
	}
	if (bundle) {
		sigfs_bundle_exec_lines(b, bundle, cd, SIGFS_EXEC_LINE_INFO);
	} else {
		/* bound: the CodeDirectory carries a non-zero Info.plist hash */
		int bound = 0;
		sigfs_plist *pl;

		if (cd->n_special >= CSSLOT_INFOSLOT && s->info_plist) {
			const uint8_t *h = cd->p + cd->hash_offset - CSSLOT_INFOSLOT * cd->hash_size;
			for (i = 0; i < cd->hash_size; i++)
				bound |= h[i];
		}
		if (bound && sigfs_plist_from_xml(&pl, s->info_plist, s->info_plist_len) == SIGFS_OK) {
			sigfs_buf_printf(b, "Info.plist entries=%zu\n", sigfs_plist_dict_count(pl));
			sigfs_plist_free(pl);
		} else {
			sigfs_buf_puts(b, "Info.plist=not bound\n");
		}
	}
	if (cd->team)
		sigfs_buf_printf(b, "TeamIdentifier=%s\n", cd->team);
	else
		sigfs_buf_puts(b, "TeamIdentifier=not set\n");
	if (cd->version >= CS_SUPPORTSRUNTIME && cd->runtime)
		sigfs_buf_printf(b, "Runtime Version=%u.%u.%u\n", cd->runtime >> 16,
				 (cd->runtime >> 8) & 0xff, cd->runtime & 0xff);
	if (bundle)
		sigfs_bundle_exec_lines(b, bundle, cd, SIGFS_EXEC_LINE_RESOURCES);
	else
		sigfs_buf_puts(b, "Sealed Resources=none\n");
	sigfs_bundle_free(bundle);
	set = blob_of(v, CSSLOT_REQUIREMENTS);
	if (set) {
		uint32_t count;

		if (sigfs_reqset_count(&count, set->p, set->len) == SIGFS_OK)
			sigfs_buf_printf(b, "Internal requirements count=%u size=%zu\n", count, set->len);
		else /* status says why */
			sigfs_buf_printf(b, "Internal requirements=malformed size=%zu\n", set->len);
	} else {
		sigfs_buf_puts(b, "Internal requirements=none\n");
	}
	return SIGFS_OK;
}

/* ------------------------------------------------------------ catalogue */

#define F SIGFS_NODE_FILE

/* Files at the top of .sig/ only. */
static const struct row top_only[] = {
    {"archs", F, always, r_archs, NULL},
    {"format", F, always, r_format, NULL},
};

/* Files of every slice (at the top for the preferred slice). */
static const struct row per_slice[] = {
    {"status", F, always, r_status, NULL},
    {"identifier", F, has_cd, r_identifier, NULL},
    {"team-id", F, has_team, r_team, NULL},
    {"cdhash", F, has_cd, r_cdhash, NULL},
    {"cdhashes", F, has_cd, r_cdhashes, NULL},
    {"flags", F, has_cd, r_flags, NULL},
    {"info.txt", F, always, r_info_txt, NULL},
    {"requirements.txt", F, has_cd_reqs, r_requirements_txt, NULL},
    {"designated-requirement", F, has_cd_reqs, r_designated, NULL},
    {"requirements.bin", F, has_reqs, r_requirements_bin, NULL},
    {"entitlements.plist", F, has_ents_plist, r_ent_plist, NULL},
    {"entitlements.der", F, has_der, r_ent_der, NULL},
    {"entitlements.txt", F, has_ents, r_ent_txt, NULL},
    {"entitlements.json", F, has_ents, r_ent_json, NULL},
    {"chain.pem", F, has_certs, r_chain, NULL},
    {"authority", F, has_certs, r_authority, NULL},
    {"cms.der", F, has_cms, r_cms_der, NULL},
    {"signing-time", F, has_signing_time, r_signing_time, NULL},
    {"timestamp", F, has_timestamp, r_timestamp, NULL},
    {"codedirectory", F, has_cd, r_codedirectory, NULL},
    {"slots", F, has_cd, r_slots, NULL},
    {"info.plist", F, has_info_plist, r_info_plist, NULL},
};

static const struct row constraints[] = {
    {"self.plist", F, has_lc_self, r_lc_self, NULL},
    {"parent.plist", F, has_lc_parent, r_lc_parent, NULL},
    {"responsible.plist", F, has_lc_responsible, r_lc_responsible, NULL},
    {"library.plist", F, has_lc_library, r_lc_library, NULL},
};

#undef F

static const struct dirtab lc_tab = {.parts = {ROWS(constraints)}};

static const struct row lc_dir[] = {
    {"launch-constraints", SIGFS_NODE_DIR, has_constraints, NULL, &lc_tab},
};

/* F.sig/<arch>/ of a universal file: that slice alone. */
const struct dirtab sigfs_slice_tab = {.parts = {ROWS(per_slice), ROWS(sigfs_verify_rows), ROWS(lc_dir)}};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The slice the top of .sig/ describes: -o arch=, else Apple's order
 * arm64e, arm64, x86_64h, x86_64, else the first. */
static size_t preferred(const struct sigfs_file *f, const char *arch)
{
	static const char *const order[] = {"arm64e", "arm64", "x86_64h", "x86_64"};
	size_t i, k;

	if (arch)
		for (i = 0; i < f->nslices; i++)
			if (strcmp(f->slices[i].arch, arch) == 0)
				return i;
	for (k = 0; k < NELEM(order); k++)
		for (i = 0; i < f->nslices; i++)
			if (strcmp(f->slices[i].arch, order[k]) == 0)
				return i;
	return 0;
}

/* Only a universal file has a directory per slice: a thin file's top level
 * is its only slice (SPEC). */
static size_t n_slices(const struct view *v)
{
	return v->f->universal ? v->f->nslices : 0;
}

static const char *slice_name(const struct view *v, size_t i)
{
	return v->f->slices[i].arch;
}

static void slice_view(const struct view *v, size_t i, struct view *out)
{
	*out = *v;
	out->top = 0;
	out->si = i;
	out->s = &v->f->slices[i];
}

static const struct dirtab top_tab = {
    .parts = {ROWS(top_only), ROWS(per_slice), ROWS(sigfs_verify_rows), ROWS(lc_dir), ROWS(sigfs_audit_rows)},
    .nchildren = n_slices,
    .child_name = slice_name,
    .child_view = slice_view,
    .child_tab = &sigfs_slice_tab,
};

/* ---------------------------------------------------------------- the kind */

struct rel_reader {
	const sigfs_source *src;
	const char *rel;
	uint64_t n;
};

static int read_member(void *ctx, uint64_t off, void *dst, size_t len)
{
	struct rel_reader *r = ctx;

	r->n += len;
	return sigfs_source_read_exact(r->src, r->rel, off, dst, len);
}

static int macho_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st,
		       const uint8_t *head, size_t headlen)
{
	uint8_t buf[SIGFS_PROBE_LEN];
	size_t got = 0;

	if (st->type != SIGFS_FT_REG || st->size < 4)
		return 0;
	if (!head) {
		if (src->read(src->ctx, rel, 0, buf, sizeof buf, &got) != SIGFS_OK)
			return 0;
		head = buf;
		headlen = got;
	}
	return sigfs_macho_probe(head, headlen, st->size);
}

static int macho_load(struct sigfs_subject *subj, const sigfs_source *src)
{
	struct rel_reader r = {src, subj->rel, 0};
	struct sigfs_stat st;
	int err = src->stat(src->ctx, subj->rel, &st);

	if (err)
		return err;
	if (st.type != SIGFS_FT_REG)
		return sigfs_error_set(SIGFS_EIO, "%s: no longer a regular file", subj->display);
	err = sigfs_file_load(&subj->file, read_member, &r, st.size);
	subj->bytes_read = r.n;
	return err;
}

static void macho_free(struct sigfs_subject *subj)
{
	sigfs_file_free(subj->file);
	subj->file = NULL;
}

/* The view at the top of a Mach-O's .sig/. */
void sigfs_macho_view(const struct sigfs_subject *subj, struct view *v)
{
	const struct sigfs_file *f = subj->file;

	memset(v, 0, sizeof *v);
	v->subj = subj;
	v->f = f;
	v->top = 1;
	v->si = preferred(f, subj->opts.arch);
	v->s = f->nslices ? &f->slices[v->si] : NULL;
}

const struct kind_ops sigfs_kind_macho = {
    .kind = SIGFS_KIND_MACHO,
    .probe = macho_probe,
    .load = macho_load,
    .free = macho_free,
    .root = &top_tab,
    .root_view = sigfs_macho_view,
};
