/* sigfs core: provisioning profiles (`embedded.provisionprofile`,
 * `embedded.mobileprovision`, any `*.provisionprofile` / `*.mobileprovision`):
 * a CMS SignedData whose attached content is an XML plist (Apple TN3125).
 *
 * The CMS is unwrapped and its signature checked with OpenSSL; the signer's
 * chain is judged as code's is (issuer links verified, ending at one of
 * Apple's anchors or a user's, sigfs/trust.h; validity at the signing time,
 * expiry without one tolerated). A profile whose signature or chain is bad
 * is still shown (Signature=fail), as codesign shows a broken signature.
 *
 * sigfs_profile_parse copies what it keeps. OpenSSL types never leave
 * core/profile.c. A parsed profile is immutable and may be shared by
 * threads. */
#ifndef SIGFS_PROFILE_H
#define SIGFS_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"
#include "sigfs/plist.h"

typedef struct sigfs_profile sigfs_profile;
typedef struct sigfs_anchors sigfs_anchors; /* sigfs/trust.h */

/* Real profiles are 5 to 30 KB; larger input is SIGFS_EMALFORMED. */
#define SIGFS_PROFILE_MAX_SIZE ((size_t)4 << 20)
/* Bound on DeveloperCertificates entries (real profiles: a few dozen). */
#define SIGFS_PROFILE_MAX_CERTS 1000

/* Parse the DER bytes of a profile. SIGFS_EMALFORMED (with a message) when
 * they are no CMS SignedData with attached content, or the content is no
 * plist dictionary; a bad signature is not an error. `anchors` (may be
 * NULL) adds roots beside Apple's; it is not kept. */
int sigfs_profile_parse(sigfs_profile **out, const uint8_t *der, size_t len,
			const sigfs_anchors *anchors) SIGFS_WUR;
void sigfs_profile_free(sigfs_profile *p);

/* The CMS content (the XML plist) byte for byte: profile.plist. */
const uint8_t *sigfs_profile_payload(const sigfs_profile *p, size_t *len);
/* The value of a top-level key of the payload, NULL when absent. */
const sigfs_pv *sigfs_profile_get(const sigfs_profile *p, const char *key);

/* 1 when the CMS signature verifies and the signer's chain is trusted;
 * *why (may be NULL) gets "ok anchor=\"<name>\"" or the reason it fails
 * ("not-anchored", "bad-signature", "broken-link 1", …). */
int sigfs_profile_signature_ok(const sigfs_profile *p, const char **why);

/* 1 when Platform lists "OSX" (a macOS profile). */
int sigfs_profile_is_macos(const sigfs_profile *p);

/* ExpirationDate, seconds since the epoch; SIGFS_ENOTFOUND when absent. */
int sigfs_profile_expiration(const sigfs_profile *p, int64_t *t) SIGFS_WUR;

/* 1 when the certificate whose DER has this SHA-256 is one of
 * DeveloperCertificates. */
int sigfs_profile_has_certificate(const sigfs_profile *p, const uint8_t sha256[32]);

/* The generated files of P.sig/ (and B.sig/provisioning/). */
int sigfs_profile_summary(sigfs_buf *out, const sigfs_profile *p) SIGFS_WUR;
int sigfs_profile_entitlements_xml(sigfs_buf *out, const sigfs_profile *p) SIGFS_WUR;
int sigfs_profile_certificates_pem(sigfs_buf *out, const sigfs_profile *p) SIGFS_WUR;

/* How the profile judges one entitlement the code claims (TN3125 rules,
 * VERIFY-NOTES §6): exempt on macOS for the com.apple.security.* keys
 * (sandbox, hardened runtime exceptions, get-task-allow, app groups);
 * otherwise allowed when the profile's Entitlements hold the key with a
 * value that allows the claim — equal, a string ending in '*' as a prefix,
 * an array allowing every element claimed. */
enum sigfs_ent_verdict {
	SIGFS_ENT_ALLOWED = 0,
	SIGFS_ENT_NOT_ALLOWED = 1,
	SIGFS_ENT_EXEMPT = 2,
};
int sigfs_profile_judge(const sigfs_profile *p, const char *key, const sigfs_pv *claimed);

/* What the code signed with a profile says about itself. */
struct sigfs_profile_claim {
	const sigfs_pv *entitlements; /* dict of the code's entitlements, NULL: none */
	const uint8_t *leaf_sha256;   /* 32 bytes, NULL: no certificate (ad-hoc) */
	const char *team_id;	      /* the CodeDirectory's, NULL: none */
	int64_t now;		      /* seconds since the epoch */
};

/* entitlements-check: one line per claimed key, sorted bytewise
 * (`allowed K`, `not-allowed K <value>`, `exempt K`), then
 * `certificate in-profile|not-in-profile <sha256>`, `expired no|yes <date>`,
 * `app-id ok|mismatch <profile> <code>`, `team ok|mismatch <profile> <code>`. */
int sigfs_profile_check(sigfs_buf *out, const sigfs_profile *p,
			const struct sigfs_profile_claim *c) SIGFS_WUR;

/* One line of a value for a finding: a string as is, a bool true/false, an
 * integer in decimal, an array as its elements joined by ','; control
 * characters as '?', at most `max` bytes then "…". */
void sigfs_pv_summary(sigfs_buf *out, const sigfs_pv *v, size_t max);

#endif
