/* sigfs core: the `.sig/` tree — which files exist for a slice and the
 * bytes of each (SPEC.md's table, codesign's formats). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "sigfs/plist.h"
#include "sigfs/render.h"
#include "sigfs/requirement.h"

/* What one directory of the tree describes. */
struct view {
	const struct sigfs_file *f;
	const struct sigfs_slice *s; /* NULL when the file has no slice at all */
	size_t si;
};

/* ---------------------------------------------------------------- helpers */

static void put_iso_time(sigfs_buf *b, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm)) {
		sigfs_buf_puts(b, "invalid-time");
		return;
	}
	sigfs_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
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

static size_t cert_count(const struct view *v)
{
	return v->s && v->s->cms ? sigfs_cms_cert_count(v->s->cms) : 0;
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
			err = sigfs_cms_cert_der(s->cms, i, &ders[i], &lens[i]);
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
	return v->s && v->s->cms && sigfs_cms_signing_time(v->s->cms, &t) == SIGFS_OK;
}
static int has_timestamp(const struct view *v)
{
	int64_t t;
	return v->s && v->s->cms && sigfs_cms_timestamp_time(v->s->cms, &t) == SIGFS_OK;
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
	case SIGFS_ST_MALFORMED: sigfs_buf_printf(b, "malformed: %s\n", s->reason); break;
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
	return sigfs_cms_chain_pem(v->s->cms, b);
}

static int put_authorities(const struct view *v, sigfs_buf *b, const char *prefix)
{
	size_t i, n = cert_count(v);
	int err;

	for (i = 0; i < n; i++) {
		sigfs_buf_puts(b, prefix);
		err = sigfs_cms_cert_cn(v->s->cms, i, b);
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
	int err = sigfs_cms_signing_time(v->s->cms, &t);

	if (err)
		return err;
	put_iso_time(b, t);
	sigfs_buf_putc(b, '\n');
	return SIGFS_OK;
}

static int r_timestamp(const struct view *v, sigfs_buf *b)
{
	int64_t t;
	int err = sigfs_cms_timestamp_time(v->s->cms, &t);

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
	sigfs_buf_printf(b, "Identifier=%s\n", cd->ident);
	sigfs_buf_puts(b, "Format=");
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
	if (s->cms) {
		const uint8_t *d;
		size_t dlen;
		uint32_t dtype;

		if (sigfs_cms_message_digest(s->cms, &d, &dlen, &dtype) == SIGFS_OK) {
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
	if (s->cms && sigfs_cms_timestamp_time(s->cms, &t) == SIGFS_OK) {
		sigfs_buf_puts(b, "Timestamp=");
		put_iso_time(b, t);
		sigfs_buf_putc(b, '\n');
	} else if (s->cms && sigfs_cms_signing_time(s->cms, &t) == SIGFS_OK) {
		sigfs_buf_puts(b, "Signed Time=");
		put_iso_time(b, t);
		sigfs_buf_putc(b, '\n');
	}
	{
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
	sigfs_buf_puts(b, "Sealed Resources=none\n");
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

struct entry {
	const char *name;
	int (*present)(const struct view *v);
	int (*render)(const struct view *v, sigfs_buf *b);
};

/* Files at the top of .sig/ only. */
static const struct entry top_only[] = {
    {"archs", always, r_archs},
    {"format", always, r_format},
};

/* Files of every slice (at the top for the preferred slice). */
static const struct entry per_slice[] = {
    {"status", always, r_status},
    {"identifier", has_cd, r_identifier},
    {"team-id", has_team, r_team},
    {"cdhash", has_cd, r_cdhash},
    {"cdhashes", has_cd, r_cdhashes},
    {"flags", has_cd, r_flags},
    {"info.txt", always, r_info_txt},
    {"requirements.txt", has_cd_reqs, r_requirements_txt},
    {"designated-requirement", has_cd_reqs, r_designated},
    {"requirements.bin", has_reqs, r_requirements_bin},
    {"entitlements.plist", has_ents_plist, r_ent_plist},
    {"entitlements.der", has_der, r_ent_der},
    {"entitlements.txt", has_ents, r_ent_txt},
    {"entitlements.json", has_ents, r_ent_json},
    {"chain.pem", has_certs, r_chain},
    {"authority", has_certs, r_authority},
    {"cms.der", has_cms, r_cms_der},
    {"signing-time", has_signing_time, r_signing_time},
    {"timestamp", has_timestamp, r_timestamp},
    {"codedirectory", has_cd, r_codedirectory},
    {"slots", has_cd, r_slots},
    {"info.plist", has_info_plist, r_info_plist},
};

#define LC_DIR "launch-constraints"
static const struct entry constraints[] = {
    {"self.plist", has_lc_self, r_lc_self},
    {"parent.plist", has_lc_parent, r_lc_parent},
    {"responsible.plist", has_lc_responsible, r_lc_responsible},
    {"library.plist", has_lc_library, r_lc_library},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

/* A resolved path: the directory it is in (`dir`: 0 top, 1 slice dir, 2
 * launch-constraints) and the entry named, if any. */
struct loc {
	struct view v;
	int top;
	int in_lc;
	const char *name; /* last component, NULL for the directory itself */
	size_t namelen;
};

static const struct entry *find(const struct entry *tab, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && memcmp(tab[i].name, name, len) == 0)
			return &tab[i];
	return NULL;
}

static int slice_named(const struct sigfs_file *f, const char *name, size_t len, size_t *si)
{
	size_t i;

	for (i = 0; i < f->nslices; i++)
		if (strlen(f->slices[i].arch) == len && memcmp(f->slices[i].arch, name, len) == 0) {
			*si = i;
			return 1;
		}
	return 0;
}

/* Resolve the directory part of `path`; returns 0 if it is no directory. */
static int locate(const struct sigfs_file *f, const char *arch, const char *path, struct loc *l)
{
	const char *p = path, *slash;
	size_t len, si;

	memset(l, 0, sizeof *l);
	l->v.f = f;
	l->top = 1;
	l->v.si = preferred(f, arch);
	l->v.s = f->nslices ? &f->slices[l->v.si] : NULL;
	while (*p == '/')
		p++;
	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (!slash || slash[1] == '\0') {
			l->name = len ? p : NULL;
			l->namelen = len;
			return 1;
		}
		/* p[0..len) must be a directory */
		if (l->top && !l->in_lc && slice_named(f, p, len, &si)) {
			l->top = 0;
			l->v.si = si;
			l->v.s = &f->slices[si];
		} else if (!l->in_lc && len == strlen(LC_DIR) && memcmp(p, LC_DIR, len) == 0 &&
			   has_constraints(&l->v)) {
			l->in_lc = 1;
		} else {
			return 0;
		}
		p = slash + 1;
	}
}

/* The entry `l` names, or NULL; *is_dir for directories. */
static const struct entry *resolve(const struct loc *l, int *kind)
{
	const struct entry *e;
	size_t si;

	*kind = SIGFS_NODE_NONE;
	if (!l->name) {
		*kind = SIGFS_NODE_DIR;
		return NULL;
	}
	if (l->in_lc) {
		e = find(constraints, NELEM(constraints), l->name, l->namelen);
	} else {
		if (l->top && slice_named(l->v.f, l->name, l->namelen, &si)) {
			*kind = SIGFS_NODE_DIR;
			return NULL;
		}
		if (l->namelen == strlen(LC_DIR) && memcmp(l->name, LC_DIR, l->namelen) == 0) {
			if (has_constraints(&l->v))
				*kind = SIGFS_NODE_DIR;
			return NULL;
		}
		e = l->top ? find(top_only, NELEM(top_only), l->name, l->namelen) : NULL;
		if (!e)
			e = find(per_slice, NELEM(per_slice), l->name, l->namelen);
	}
	if (e && e->present(&l->v))
		*kind = SIGFS_NODE_FILE;
	return e && *kind ? e : NULL;
}

int sigfs_node(const sigfs_file *f, const char *arch, const char *path)
{
	struct loc l;
	int kind;

	if (!locate(f, arch, path, &l))
		return SIGFS_NODE_NONE;
	resolve(&l, &kind);
	return kind;
}

static int list_table(const struct view *v, const struct entry *tab, size_t n, sigfs_dir_fn fn, void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (tab[i].present(v) && (rc = fn(arg, tab[i].name, SIGFS_NODE_FILE)) != 0)
			return rc;
	return 0;
}

int sigfs_list(const sigfs_file *f, const char *arch, const char *path, sigfs_dir_fn fn, void *arg)
{
	struct loc l;
	int kind, rc;
	size_t i;

	if (!locate(f, arch, path, &l))
		return SIGFS_ENOTFOUND;
	resolve(&l, &kind);
	if (kind != SIGFS_NODE_DIR)
		return SIGFS_ENOTFOUND;
	if (l.name) { /* step into the named directory */
		size_t si;

		if (l.top && slice_named(f, l.name, l.namelen, &si)) {
			l.top = 0;
			l.v.si = si;
			l.v.s = &f->slices[si];
		} else {
			l.in_lc = 1;
		}
	}
	if (l.in_lc)
		return list_table(&l.v, constraints, NELEM(constraints), fn, arg);
	if (l.top && (rc = list_table(&l.v, top_only, NELEM(top_only), fn, arg)) != 0)
		return rc;
	if ((rc = list_table(&l.v, per_slice, NELEM(per_slice), fn, arg)) != 0)
		return rc;
	if (has_constraints(&l.v) && (rc = fn(arg, LC_DIR, SIGFS_NODE_DIR)) != 0)
		return rc;
	if (l.top)
		for (i = 0; i < f->nslices; i++)
			if ((rc = fn(arg, f->slices[i].arch, SIGFS_NODE_DIR)) != 0)
				return rc;
	return 0;
}

int sigfs_render(sigfs_buf *out, const sigfs_file *f, const char *arch, const char *path)
{
	struct loc l;
	const struct entry *e;
	int kind, err;

	if (!locate(f, arch, path, &l))
		return SIGFS_ENOTFOUND;
	e = resolve(&l, &kind);
	if (!e)
		return SIGFS_ENOTFOUND;
	err = e->render(&l.v, out);
	return err ? err : sigfs_buf_status(out);
}
