/* sigfs core: the audit's rule table and its rendering (sigfs/audit.h).
 *
 * Each rule looks at one Mach-O's facts (or, for the subject-level rules,
 * at the subject) and may emit findings; all findings are sorted most
 * severe first, then by path, then in table order. Messages quote the
 * notary service's or the system's own words where there are some, so a
 * user can search for them. */
#include "sigfs/audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sev { ERROR = 0, WARNING = 1, NOTE = 2 };
static const char *const sev_name[] = {"error", "warning", "note"};

struct finding {
	int sev;
	size_t rule;
	const char *path;
	char *line; /* the whole line, newline included */
};

struct ctx {
	const struct sigfs_audit_subject *s;
	struct finding *f;
	size_t n, cap;
	size_t rule;
	int oom;
};

struct rule {
	const char *code;
	int sev;
	int subject; /* 1: checks the subject once (c NULL); 0: each Mach-O */
	/* Emit findings about code c. */
	void (*check)(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c);
	const char *apple; /* what Apple says, for sigfs_audit_codes and the README */
};

static void emit(struct ctx *x, const struct rule *r, const char *path, const char *fmt, ...)
    SIGFS_PRINTF(4, 5);

static void emit(struct ctx *x, const struct rule *r, const char *path, const char *fmt, ...)
{
	sigfs_buf b = SIGFS_BUF_INIT;
	char msg[1024];
	va_list ap;

	if (x->oom)
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct finding *nf = realloc(x->f, cap * sizeof *nf);

		if (!nf) {
			x->oom = 1;
			return;
		}
		x->f = nf;
		x->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sigfs_buf_printf(&b, "%s %s %s: %s\n", sev_name[r->sev], r->code, path, msg);
	if (sigfs_buf_status(&b)) {
		x->oom = 1;
		sigfs_buf_free(&b);
		return;
	}
	x->f[x->n].sev = r->sev;
	x->f[x->n].rule = x->rule;
	x->f[x->n].path = path;
	x->f[x->n].line = sigfs_buf_detach(&b, NULL);
	x->n++;
}

/* The entitlement `key` of c when it is a true bool. */
static int ent_true(const struct sigfs_audit_code *c, const char *key)
{
	return sigfs_pv_true(sigfs_pv_get(c->entitlements, key));
}

/* Keys AMFI checks against a profile: not com.apple.security.* (macOS
 * exceptions, TN3125), and Apple's (com.apple.*, or a documented key). */
static int restricted(const char *key)
{
	return strncmp(key, "com.apple.security.", 19) != 0 &&
	       (strncmp(key, "com.apple.", 10) == 0 || sigfs_entitlement_known(key));
}

/* The subject's main executable: code[0] of a bundle, the file itself. */
static const struct sigfs_audit_code *main_code(const struct ctx *x)
{
	return x->s->ncode && !x->s->no_main ? &x->s->code[0] : NULL;
}

static int is_nested(const struct ctx *x, const struct sigfs_audit_code *c)
{
	return x->s->bundle && c != main_code(x);
}

/* ---------------------------------------------------------------- rules */

static void r_not_developer_id(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if ((is_nested(x, c) && c->sign != SIGFS_AUDIT_SIGNED) || c->apple_software)
		return; /* adhoc-nested / unsigned-nested say it; Apple's own code is accepted */
	if (c->sign == SIGFS_AUDIT_UNSIGNED)
		emit(x, r, c->path,
		     "not signed; the notary service requires every executable to be signed with a Developer "
		     "ID "
		     "Application certificate (\"The binary is not signed\")");
	else if (c->sign == SIGFS_AUDIT_ADHOC)
		emit(x, r, c->path,
		     "%s, not with a Developer ID Application certificate; sign it with one (\"The binary is "
		     "not "
		     "signed with a valid Developer ID certificate\")",
		     c->linker_signed ? "linker-signed" : "signed ad hoc");
	else if (!c->developer_id)
		emit(x, r, c->path,
		     "signed with a certificate that is not a Developer ID Application certificate; re-sign "
		     "with "
		     "one (\"The binary is not signed with a valid Developer ID certificate\")");
}

static void r_no_timestamp(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->sign == SIGFS_AUDIT_SIGNED && !c->timestamp && !c->apple_software)
		emit(x, r, c->path,
		     "no secure timestamp; sign with `codesign --timestamp` (\"The signature does not "
		     "include a "
		     "secure timestamp\")");
}

static void r_no_runtime(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->sign == SIGFS_AUDIT_SIGNED && c->executable && !c->runtime)
		emit(x, r, c->path,
		     "the hardened runtime is off; sign with `codesign --options runtime` (\"The executable "
		     "does "
		     "not have the hardened runtime enabled\")");
}

static void r_get_task_allow(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (ent_true(c, "com.apple.security.get-task-allow"))
		emit(x, r, c->path,
		     "com.apple.security.get-task-allow is true (a debug build); remove it from the "
		     "entitlements "
		     "(\"The executable requests the com.apple.security.get-task-allow entitlement\")");
}

static void r_sdk_too_old(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->macos_sdk && c->macos_sdk < 0x000a0900u)
		emit(x, r, c->path,
		     "built with the macOS %u.%u SDK; rebuild with the 10.9 SDK or later (\"The binary uses "
		     "an SDK "
		     "older than the 10.9 SDK\")",
		     c->macos_sdk >> 16, (c->macos_sdk >> 8) & 0xff);
}

static void r_sha1_only(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->sign == SIGFS_AUDIT_SIGNED && !c->sha256)
		emit(x, r, c->path,
		     "only a SHA-1 CodeDirectory; re-sign with a current codesign, which adds SHA-256 (\"The "
		     "signature algorithm used is too weak\")");
}

static void r_adhoc_nested(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	const struct sigfs_audit_code *m = main_code(x);

	if (is_nested(x, c) && c->sign == SIGFS_AUDIT_ADHOC && m && m->sign == SIGFS_AUDIT_SIGNED)
		emit(x, r, c->path,
		     "%s inside a signed bundle; sign it with the bundle's Developer ID, inside out, before "
		     "the "
		     "bundle (\"The binary is not signed with a valid Developer ID certificate\")",
		     c->linker_signed ? "linker-signed" : "signed ad hoc");
}

static void r_unsigned_nested(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (is_nested(x, c) && c->sign == SIGFS_AUDIT_UNSIGNED)
		emit(x, r, c->path,
		     "an unsigned Mach-O inside the bundle; every Mach-O must be signed, inside out (\"The "
		     "binary "
		     "is not signed\")");
}

static void r_unknown_entitlement(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	size_t i, n = sigfs_pv_count(c->entitlements);
	const char *key;

	for (i = 0; i < n; i++) { /* n: entries of a plist already in memory */
		(void)sigfs_pv_at(c->entitlements, i, &key);
		if (key && !sigfs_entitlement_known(key))
			emit(x, r, c->path,
			     "entitlement %s is not one Apple documents; check its spelling, or remove it "
			     "(restricted unknown keys make AMFI refuse to launch the app)",
			     key);
	}
}

/* Network extension providers that Developer ID builds must spell with
 * -systemextension (Apple's NetworkExtension entitlement documentation). */
static void r_systemextension(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	static const char *const providers[] = {"packet-tunnel-provider", "app-proxy-provider",
						"content-filter-provider", "dns-proxy"};
	const sigfs_pv *v = sigfs_pv_get(c->entitlements, "com.apple.developer.networking.networkextension");
	size_t i, j, n = sigfs_pv_count(v);

	if (!c->developer_id)
		return;
	for (i = 0; i < n; i++) {
		const sigfs_pv *e = sigfs_pv_at(v, i, NULL);
		const char *s = sigfs_pv_bytes(e, NULL);

		if (sigfs_pv_type(e) != SIGFS_PV_STRING)
			continue;
		for (j = 0; j < sizeof providers / sizeof providers[0]; j++) {
			if (strcmp(s, providers[j]) == 0)
				emit(x, r, c->path,
				     "com.apple.developer.networking.networkextension has %s, the Mac App "
				     "Store "
				     "spelling; a Developer ID build needs %s-systemextension",
				     s, s);
		}
	}
}

static void r_not_in_profile(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	const sigfs_profile *p = x->s->profile;
	size_t i, n = sigfs_pv_count(c->entitlements);
	const char *key;

	if (c != main_code(x) || !x->s->bundle)
		return; /* the profile provisions the main executable */
	for (i = 0; i < n; i++) {
		const sigfs_pv *v = sigfs_pv_at(c->entitlements, i, &key);

		if (!key || !restricted(key))
			continue;
		if (!p) {
			emit(x, r, c->path,
			     "entitlement %s is restricted and no embedded provisioning profile allows it; "
			     "embed "
			     "a profile that does (else the app is killed at launch: \"Code Signature "
			     "Invalid\")",
			     key);
			continue;
		}
		if (sigfs_profile_judge(p, key, v) == SIGFS_ENT_NOT_ALLOWED)
			emit(x, r, c->path,
			     "entitlement %s is not allowed by %s; add the capability to the App ID and "
			     "regenerate the profile (else the app is killed at launch)",
			     key, x->s->profile_path ? x->s->profile_path : "the embedded profile");
	}
}

static void r_xml_der_mismatch(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->der == SIGFS_AUDIT_DER_DIFFERENT)
		emit(x, r, c->path,
		     "the XML and DER entitlements differ; re-sign with a current codesign so both come from "
		     "one "
		     "source (the system trusts the DER form)");
}

static void r_no_der(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->sign != SIGFS_AUDIT_UNSIGNED && c->entitlements && c->der == SIGFS_AUDIT_DER_ABSENT)
		emit(x, r, c->path,
		     "XML entitlements without their DER form; re-sign with codesign from macOS 11 or later "
		     "(iOS 15 and later refuse to launch such apps)");
}

static void r_team_mismatch(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	const struct sigfs_audit_code *m = main_code(x);

	if (!is_nested(x, c) || !m || !m->runtime || !m->team || !c->team ||
	    ent_true(m, "com.apple.security.cs.disable-library-validation") || strcmp(c->team, m->team) == 0)
		return;
	emit(x, r, c->path,
	     "signed by team %s but %s (team %s) has the hardened runtime without "
	     "com.apple.security.cs.disable-library-validation; library validation refuses to load it "
	     "(\"mapping "
	     "process and mapped file (non-platform) have different Team IDs\")",
	     c->team, m->path, m->team);
}

static void r_expired(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (c->sign == SIGFS_AUDIT_SIGNED && c->cert_expired && !c->timestamp)
		emit(x, r, c->path,
		     "the signing certificate has expired and the signature has no secure timestamp; re-sign "
		     "with a valid certificate and `--timestamp` (Gatekeeper: \"CSSMERR_TP_CERT_EXPIRED\")");
}

static void r_profile_expired(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	int64_t t;
	sigfs_buf b = SIGFS_BUF_INIT;

	if (!x->s->profile || sigfs_profile_expiration(x->s->profile, &t) != SIGFS_OK || t > x->s->now)
		return;
	sigfs_buf_time(&b, t);
	emit(x, r, x->s->profile_path ? x->s->profile_path : x->s->path,
	     "the provisioning profile expired on %s; download a current one and re-sign (the app will not "
	     "launch)",
	     b.len ? b.ptr : "?");
	sigfs_buf_free(&b);
}

static void r_profile_certificate(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	const struct sigfs_audit_code *m = main_code(x);
	const char *why;

	if (!x->s->profile)
		return;
	if (!sigfs_profile_signature_ok(x->s->profile, &why))
		emit(x, r, x->s->profile_path ? x->s->profile_path : x->s->path,
		     "the provisioning profile's signature is not valid (%s); download it again", why);
	if (m && m->sign == SIGFS_AUDIT_SIGNED &&
	    !sigfs_profile_has_certificate(x->s->profile, m->leaf_sha256))
		emit(x, r, m->path,
		     "signed with a certificate the provisioning profile does not list; sign with one of its "
		     "DeveloperCertificates or regenerate the profile with this certificate");
}

static void r_profile_unreadable(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	if (x->s->profile_unreadable)
		emit(x, r, x->s->profile_path ? x->s->profile_path : x->s->path,
		     "the embedded provisioning profile is not a signed profile; replace it with the one the "
		     "developer portal issued");
}

static void r_not_stapled(struct ctx *x, const struct rule *r, const struct sigfs_audit_code *c)
{
	const struct sigfs_audit_code *m = main_code(x);

	if (x->s->bundle && !x->s->stapled && m && m->developer_id)
		emit(x, r, x->s->path,
		     "no stapled notarization ticket; after notarization run `xcrun stapler staple` so "
		     "Gatekeeper "
		     "can check it offline");
}

static const struct rule rules[] = {
    {"not-developer-id", ERROR, 0, r_not_developer_id,
     "The binary is not signed with a valid Developer ID certificate."},
    {"no-secure-timestamp", ERROR, 0, r_no_timestamp, "The signature does not include a secure timestamp."},
    {"no-hardened-runtime", ERROR, 0, r_no_runtime,
     "The executable does not have the hardened runtime enabled."},
    {"get-task-allow", ERROR, 0, r_get_task_allow,
     "The executable requests the com.apple.security.get-task-allow entitlement."},
    {"sdk-too-old", ERROR, 0, r_sdk_too_old, "The binary uses an SDK older than the 10.9 SDK."},
    {"sha1-only", ERROR, 0, r_sha1_only, "The signature algorithm used is too weak."},
    {"adhoc-nested", ERROR, 0, r_adhoc_nested,
     "The binary is not signed with a valid Developer ID certificate."},
    {"unsigned-nested", ERROR, 0, r_unsigned_nested, "The binary is not signed."},
    {"needs-systemextension-suffix", ERROR, 0, r_systemextension,
     "Provisioning profile ... doesn't match the entitlements file's value for the "
     "com.apple.developer.networking.networkextension entitlement."},
    {"entitlement-not-in-profile", ERROR, 0, r_not_in_profile,
     "The executable requests entitlements its provisioning profile does not grant (launch: \"Code Signature "
     "Invalid\", AMFI \"no eligible provisioning profiles found\")."},
    {"entitlements-xml-der-mismatch", ERROR, 0, r_xml_der_mismatch,
     "The code signature's DER and XML entitlements disagree (launch refused on current systems)."},
    {"team-mismatch", ERROR, 0, r_team_mismatch,
     "Library Validation failed: mapping process and mapped file (non-platform) have different Team IDs."},
    {"expired-no-timestamp", ERROR, 0, r_expired,
     "CSSMERR_TP_CERT_EXPIRED (the certificate expired and no timestamp)."},
    {"profile-expired", ERROR, 1, r_profile_expired,
     "The provisioning profile has expired (the app does not launch)."},
    {"profile-not-matching", ERROR, 1, r_profile_certificate,
     "The provisioning profile does not include the signing certificate (\"no eligible provisioning profiles "
     "found\")."},
    {"profile-unreadable", ERROR, 1, r_profile_unreadable, "The embedded provisioning profile is malformed."},
    {"unknown-entitlement", WARNING, 0, r_unknown_entitlement,
     "An entitlement key Apple does not know (launch refused for restricted ones)."},
    {"no-der-entitlements", WARNING, 0, r_no_der,
     "The code signature lacks DER entitlements (iOS 15 and later: \"The code signature version is no longer "
     "supported\")."},
    {"not-stapled", NOTE, 1, r_not_stapled,
     "No stapled ticket: Gatekeeper must reach Apple's servers on first launch."},
};

/* ---------------------------------------------------------------- driver */

static int finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (x->sev != y->sev)
		return x->sev - y->sev;
	c = strcmp(x->path, y->path);
	if (c)
		return c;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->line, y->line);
}

int sigfs_audit_render(sigfs_buf *out, const struct sigfs_audit_subject *s)
{
	struct ctx x = {s, NULL, 0, 0, 0, 0};
	size_t i, k;

	for (k = 0; k < sizeof rules / sizeof rules[0]; k++) {
		x.rule = k;
		if (rules[k].subject)
			rules[k].check(&x, &rules[k], NULL);
		for (i = 0; !rules[k].subject && i < s->ncode; i++) /* ncode: facts already in memory */
			rules[k].check(&x, &rules[k], &s->code[i]);
	}
	if (x.n)
		qsort(x.f, x.n, sizeof *x.f, finding_cmp);
	for (i = 0; i < x.n; i++) {
		sigfs_buf_puts(out, x.f[i].line);
		free(x.f[i].line);
	}
	free(x.f);
	if (x.oom)
		return sigfs_error_set(SIGFS_ENOMEM, "audit: out of memory");
	return sigfs_buf_status(out);
}

int sigfs_audit_codes(sigfs_buf *out)
{
	size_t k;

	for (k = 0; k < sizeof rules / sizeof rules[0]; k++)
		sigfs_buf_printf(out, "%s\t%s\t%s\n", rules[k].code, sev_name[rules[k].sev], rules[k].apple);
	return sigfs_buf_status(out);
}
