/* Fuzz target: a provisioning profile (CMS SignedData with an attached
 * plist) and everything derived from it: the summary, entitlements,
 * certificates, entitlements-check with the profile's own entitlements as
 * the claim, and the audit's profile rules. */
#include "fuzz.h"

#include "sigfs/audit.h"
#include "sigfs/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t leaf[32];
	sigfs_profile *p;
	sigfs_buf b = SIGFS_BUF_INIT;
	struct sigfs_profile_claim claim;
	struct sigfs_audit_code code;
	struct sigfs_audit_subject subj;
	const sigfs_pv *ents;
	const char *why, *key;
	size_t i, n, len;
	int64_t t;

	if (sigfs_profile_parse(&p, data, size, NULL) != SIGFS_OK)
		return 0;
	(void)sigfs_profile_payload(p, &len);
	(void)sigfs_profile_signature_ok(p, &why);
	(void)sigfs_profile_is_macos(p);
	(void)sigfs_profile_has_certificate(p, leaf);
	IGNORE(sigfs_profile_expiration(p, &t));
	IGNORE(sigfs_profile_summary(&b, p));
	IGNORE(sigfs_profile_entitlements_xml(&b, p));
	IGNORE(sigfs_profile_certificates_pem(&b, p));

	ents = sigfs_profile_get(p, "Entitlements");
	n = sigfs_pv_count(ents);
	for (i = 0; i < n; i++) {
		const sigfs_pv *v = sigfs_pv_at(ents, i, &key);

		if (key)
			(void)sigfs_profile_judge(p, key, v);
	}
	claim.entitlements = ents;
	claim.leaf_sha256 = leaf;
	claim.team_id = "TEAM1234AB";
	claim.now = 1800000000;
	IGNORE(sigfs_profile_check(&b, p, &claim));

	memset(&code, 0, sizeof code);
	code.path = "A.app/Contents/MacOS/A";
	code.sign = SIGFS_AUDIT_SIGNED;
	code.developer_id = code.executable = 1;
	code.team = "TEAM1234AB";
	code.entitlements = ents;
	memset(&subj, 0, sizeof subj);
	subj.path = "A.app";
	subj.bundle = 1;
	subj.code = &code;
	subj.ncode = 1;
	subj.profile = p;
	subj.profile_path = "A.app/Contents/embedded.provisionprofile";
	subj.now = 1800000000;
	IGNORE(sigfs_audit_render(&b, &subj));

	sigfs_profile_free(p);
	sigfs_buf_free(&b);
	return 0;
}
