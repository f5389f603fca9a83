/* sigfs core: the audit — "will this pass notarization, Gatekeeper and
 * launch?" answered from the bytes alone (SPEC-VERIFY "The audit").
 *
 * The audit reads facts, never SOURCE: a small record per Mach-O (filled
 * from a parsed signature by sigfs_audit_code_load, or by the bundle and
 * verification modules), and per subject the bundle-level facts (profile,
 * stapled ticket). A rule table {code, severity, check, message} turns them
 * into lines `<error|warning|note> <code> <path>: <sentence>`, most severe
 * first, then by path. */
#ifndef SIGFS_AUDIT_H
#define SIGFS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"
#include "sigfs/plist.h"
#include "sigfs/profile.h"

/* How a Mach-O is signed (the weakest of its slices). */
enum sigfs_audit_sign {
	SIGFS_AUDIT_UNSIGNED = 0,
	SIGFS_AUDIT_ADHOC = 1,	/* ad-hoc (no certificate), linker-signed included */
	SIGFS_AUDIT_SIGNED = 2, /* with a certificate */
};

/* DER entitlements (slot 7) against the XML ones (slot 5). */
enum sigfs_audit_der {
	SIGFS_AUDIT_DER_ABSENT = 0,
	SIGFS_AUDIT_DER_SAME = 1,
	SIGFS_AUDIT_DER_DIFFERENT = 2,
};

/* Facts of one Mach-O. Unknown facts are 0/NULL (the rules that need them
 * stay silent). */
struct sigfs_audit_code {
	const char *path;	      /* mount-relative */
	int sign;		      /* enum sigfs_audit_sign */
	int linker_signed;	      /* CS_LINKER_SIGNED (with SIGFS_AUDIT_ADHOC) */
	int developer_id;	      /* leaf marker 1.2.840.113635.100.6.1.13 */
	int apple_software;	      /* Apple's own: leaf marker 1.2.840.113635.100.6.22, Apple-anchored */
	int timestamp;		      /* an RFC 3161 timestamp */
	int runtime;		      /* CS_RUNTIME in every slice */
	int executable;		      /* MH_EXECUTE */
	uint32_t macos_sdk;	      /* 0xXXXXYYZZ of a macOS slice (lowest), 0: none */
	int sha256;		      /* a SHA-256 CodeDirectory in every signed slice */
	const char *team;	      /* CodeDirectory team id, NULL: none */
	const sigfs_pv *entitlements; /* the XML entitlements dict, NULL: none */
	int der;		      /* enum sigfs_audit_der */
	int cert_expired;	      /* the leaf's notAfter is past */
	uint8_t leaf_sha256[32];      /* valid when sign == SIGFS_AUDIT_SIGNED */
	sigfs_plist *owned;	      /* what sigfs_audit_code_load parsed (freed by _clear) */
	char *owned_team;	      /* its copy of the team id (freed by _clear) */
};

typedef struct sigfs_file sigfs_file; /* sigfs/file.h */

/* Fill c from a loaded Mach-O (all slices; the entitlements, team and leaf
 * of the first signed one), judged at `now`. `path` is kept, not copied;
 * nothing else points into f, which may be freed at once. Fails only with
 * SIGFS_ENOMEM. */
int sigfs_audit_code_load(struct sigfs_audit_code *c, const sigfs_file *f, const char *path,
			  int64_t now) SIGFS_WUR;
void sigfs_audit_code_clear(struct sigfs_audit_code *c);

/* What is audited: one loose Mach-O (ncode 1, bundle 0), or a bundle with
 * code[0] its main executable and the rest the Mach-O files inside it. */
struct sigfs_audit_subject {
	const char *path; /* the bundle or the file, mount-relative */
	int bundle;
	int no_main; /* a bundle without a Mach-O main executable: code[0] is not one */
	const struct sigfs_audit_code *code;
	size_t ncode;
	const sigfs_profile *profile; /* the embedded profile, NULL: none */
	const char *profile_path;
	int profile_unreadable; /* embedded, but not a profile */
	int stapled;		/* a stapled notarization ticket */
	int64_t now;		/* seconds since the epoch */
};

/* The audit file's content; empty when clean. */
int sigfs_audit_render(sigfs_buf *out, const struct sigfs_audit_subject *s) SIGFS_WUR;

/* Every audit code with its severity and the Apple message or rejection it
 * prevents, as the README lists them: `<code>\t<severity>\t<what Apple says>`. */
int sigfs_audit_codes(sigfs_buf *out) SIGFS_WUR;

/* 1 when `key` is an Apple entitlement of core/data/entitlements.tsv
 * (compared without regard to case, as Apple's documentation URLs are). */
int sigfs_entitlement_known(const char *key);

#endif
