/* sigfs core: the audit's facts of one Mach-O, from its parsed signature
 * (sigfs/audit.h). The certificate facts (Developer ID marker, expiry) are
 * read from the leaf's DER with OpenSSL. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "certcache.h"
#include "internal.h"
#include "sigfs/audit.h"
#include "sigfs/trust.h"

#define MH_EXECUTE     2u
#define PLATFORM_MACOS 1u

static int has_ext(X509 *x, const char *oid_text)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(oid_text, 1);
	int found = x && oid && X509_get_ext_by_OBJ(x, oid, -1) >= 0;

	ASN1_OBJECT_free(oid);
	return found;
}

/* The leaf's Developer ID Application or Apple software marker, expiry. */
static void leaf_facts(struct sigfs_audit_code *c, const struct sigfs_slice *s, int64_t now, int first)
{
	const sigfs_cms *cms = sigfs_slice_cms(s);
	const uint8_t *der, *root;
	size_t len, root_len, hl;
	X509 *x;
	time_t t = (time_t)now;
	uint8_t md[CS_HASH_MAX_SIZE];

	if (!cms || sigfs_cms_cert_der(cms, 0, &der, &len) != SIGFS_OK) {
		c->developer_id = c->apple_software = 0;
		return;
	}
	x = sigfs_certcache_get(der, len); /* decoded once per process */
	if (!has_ext(x, "1.2.840.113635.100.6.1.13"))
		c->developer_id = 0;
	if (!(has_ext(x, "1.2.840.113635.100.6.22") &&
	      sigfs_cms_cert_der(cms, sigfs_cms_cert_count(cms) - 1, &root, &root_len) == SIGFS_OK &&
	      sigfs_anchor_is_apple(root, root_len)))
		c->apple_software = 0;
	if (x && X509_cmp_time(X509_get0_notAfter(x), &t) < 0)
		c->cert_expired = 1;
	if (first && sigfs_hash(CS_HASHTYPE_SHA256, der, len, md, &hl) == SIGFS_OK)
		memcpy(c->leaf_sha256, md, 32);
	X509_free(x);
}

static int has_sha256(const struct sigfs_slice *s)
{
	size_t i;

	for (i = 0; i < s->ncds; i++) {
		if (s->cds[i].hash_type >= CS_HASHTYPE_SHA256 && s->cds[i].hash_type <= CS_HASHTYPE_SHA384)
			return 1;
	}
	return 0;
}

static const uint8_t *slot_payload(const struct sigfs_slice *s, uint32_t slot, size_t *len)
{
	const struct sigfs_blob *b = sigfs_slice_slot_ok(s, slot) ? sigfs_slice_blob(s, slot) : NULL;

	if (!b || b->len < 8)
		return NULL;
	*len = b->len - 8;
	return b->p + 8;
}

/* Entitlements of the first signed slice, XML against DER. */
static int entitlement_facts(struct sigfs_audit_code *c, const struct sigfs_slice *s)
{
	const uint8_t *p;
	size_t len;
	sigfs_plist *der = NULL;
	int rc;

	p = slot_payload(s, CSSLOT_ENTITLEMENTS, &len);
	if (p) {
		rc = sigfs_plist_from_xml(&c->owned, p, len);
		if (rc == SIGFS_ENOMEM)
			return rc;
		if (rc == SIGFS_OK && sigfs_pv_type(sigfs_plist_root(c->owned)) == SIGFS_PV_DICT)
			c->entitlements = sigfs_plist_root(c->owned);
	}
	p = slot_payload(s, CSSLOT_DER_ENTITLEMENTS, &len);
	if (!p)
		return SIGFS_OK;
	rc = sigfs_plist_from_der(&der, p, len);
	if (rc == SIGFS_ENOMEM)
		return rc;
	if (rc == SIGFS_OK && c->entitlements && sigfs_pv_equal(sigfs_plist_root(der), c->entitlements))
		c->der = SIGFS_AUDIT_DER_SAME;
	else /* different, or a DER blob that does not decode */
		c->der = SIGFS_AUDIT_DER_DIFFERENT;
	sigfs_plist_free(der);
	return SIGFS_OK;
}

int sigfs_audit_code_load(struct sigfs_audit_code *c, const sigfs_file *f, const char *path, int64_t now)
{
	size_t i;
	int first = 1, rc;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->sign = SIGFS_AUDIT_SIGNED;
	c->developer_id = c->apple_software = c->timestamp = c->runtime = c->sha256 = 1;
	for (i = 0; i < f->nslices; i++) { /* at most SIGFS_MAX_SLICES */
		const struct sigfs_slice *s = &f->slices[i];
		const struct sigfs_cd *cd = sigfs_slice_cd(s);
		enum sigfs_status st = sigfs_slice_status(s);
		int64_t ts;
		uint32_t sdk = 0;

		if (s->filetype == MH_EXECUTE)
			c->executable = 1;
		if (s->has_build_version && s->build_platform == PLATFORM_MACOS)
			sdk = s->build_sdk;
		else if (s->has_version_min_macos)
			sdk = s->vmin_sdk;
		if (sdk && (!c->macos_sdk || sdk < c->macos_sdk))
			c->macos_sdk = sdk;
		if (st != SIGFS_ST_SIGNED && st != SIGFS_ST_ADHOC) {
			c->sign = SIGFS_AUDIT_UNSIGNED;
			c->runtime = 0;
			continue;
		}
		if (!cd || !(cd->flags & CS_RUNTIME))
			c->runtime = 0;
		if (st == SIGFS_ST_ADHOC) {
			if (c->sign > SIGFS_AUDIT_ADHOC)
				c->sign = SIGFS_AUDIT_ADHOC;
			if (cd && (cd->flags & CS_LINKER_SIGNED))
				c->linker_signed = 1;
			c->developer_id = c->apple_software = 0;
		} else {
			if (sigfs_cms_timestamp_time(sigfs_slice_cms(s), &ts) != SIGFS_OK)
				c->timestamp = 0;
			if (!has_sha256(s))
				c->sha256 = 0;
			leaf_facts(c, s, now, first);
		}
		if (first) {
			first = 0;
			if (cd && cd->team) {
				c->owned_team = strdup(cd->team); /* NUL-terminated inside the CD */
				if (!c->owned_team)
					return sigfs_error_set(SIGFS_ENOMEM, "audit: out of memory");
				c->team = c->owned_team;
			}
			rc = entitlement_facts(c, s);
			if (rc)
				return rc;
		}
	}
	if (c->sign != SIGFS_AUDIT_SIGNED)
		c->developer_id = c->apple_software = c->timestamp = 0;
	return SIGFS_OK;
}

void sigfs_audit_code_clear(struct sigfs_audit_code *c)
{
	sigfs_plist_free(c->owned);
	free(c->owned_team);
	memset(c, 0, sizeof *c);
}
