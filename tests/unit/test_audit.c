/* Unit tests for the audit (core/audit.c, core/audit_macho.c,
 * core/entitlements.c): one case per audit code over hand-made facts,
 * each asserting the exact line, with the provisioning profiles of
 * make-profiles.sh; and the facts of the real corpus files. Expected lines
 * are the sentences SPEC-VERIFY's codes call for, written here by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sigfs/audit.h"
#include "sigfs/file.h"
#include "sigfs/memsource.h"
#include "sigfs/plist.h"
#include "sigfs/profile.h"
#include "sigfs/trust.h"
#include "sigfs/tree.h"

#include "profilefx.h"

#define NOW 1800000000 /* 2027-01-15 */

/* A notarizable main executable: Developer ID, timestamp, runtime, SHA-256,
 * DER entitlements equal to the XML ones. */
static struct sigfs_audit_code good(const char *path)
{
	struct sigfs_audit_code c;

	memset(&c, 0, sizeof c);
	c.path = path;
	c.sign = SIGFS_AUDIT_SIGNED;
	c.developer_id = c.timestamp = c.runtime = c.executable = c.sha256 = 1;
	c.macos_sdk = 0x000e0000;
	c.team = "TEAM1234AB";
	c.der = SIGFS_AUDIT_DER_SAME;
	memcpy(c.leaf_sha256, fx.dev_bin, 32);
	return c;
}

/* Audit `n` codes as bundle A.app (or, bundle 0, a loose file), with
 * profile `prof` (a make-profiles.sh name or NULL) and `ents` (XML dict
 * body or NULL) claimed by code[0]. */
static void audit(struct sigfs_audit_code *code, size_t n, int bundle, const char *prof, const char *ents,
		  int stapled, const char *want)
{
	struct sigfs_audit_subject s;
	sigfs_profile *p = prof ? load(prof, fx.anchors) : NULL;
	sigfs_plist *e = ents ? xml(ents) : NULL;
	sigfs_buf b = SIGFS_BUF_INIT;

	if (e)
		code[0].entitlements = sigfs_plist_root(e);
	memset(&s, 0, sizeof s);
	s.path = bundle ? "A.app" : code[0].path;
	s.bundle = bundle;
	s.code = code;
	s.ncode = n;
	s.profile = p;
	s.profile_path = p ? "A.app/Contents/embedded.provisionprofile" : NULL;
	s.stapled = stapled;
	s.now = NOW;
	assert_int_equal(sigfs_audit_render(&b, &s), SIGFS_OK);
	assert_string_equal(b.len ? b.ptr : "", want);
	sigfs_buf_free(&b);
	sigfs_plist_free(e);
	sigfs_profile_free(p);
}

#define MAIN "A.app/Contents/MacOS/A"

static void test_clean_notarizable_app(void **state)
{
	struct sigfs_audit_code c = good(MAIN);
	(void)state;

	audit(&c, 1, 1, NULL, "<key>com.apple.security.app-sandbox</key><true/>", 1, "");
	/* with the profile that lists its certificate and allows its claims */
	audit(&c, 1, 1, "mac.der",
	      "<key>com.apple.application-identifier</key><string>TEAM1234AB.com.example.app</string>"
	      "<key>keychain-access-groups</key><array><string>TEAM1234AB.com.example.app</string></array>",
	      1, "");
}

static void test_not_developer_id(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.developer_id = 0;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error not-developer-id tool: signed with a certificate that is not a Developer ID Application "
	      "certificate; re-sign with one (\"The binary is not signed with a valid Developer ID "
	      "certificate\")\n");
	c.apple_software = 1; /* Apple's own code, e.g. a Swift runtime library */
	c.timestamp = 0;
	audit(&c, 1, 0, NULL, NULL, 0, "");
	c.apple_software = 0;
	c.timestamp = 1;
	c.sign = SIGFS_AUDIT_ADHOC;
	c.linker_signed = 1;
	c.timestamp = 0;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error not-developer-id tool: linker-signed, not with a Developer ID Application certificate; "
	      "sign "
	      "it with one (\"The binary is not signed with a valid Developer ID certificate\")\n");
}

static void test_no_secure_timestamp(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.timestamp = 0;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error no-secure-timestamp tool: no secure timestamp; sign with `codesign --timestamp` (\"The "
	      "signature does not include a secure timestamp\")\n");
}

static void test_no_hardened_runtime(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.runtime = 0;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error no-hardened-runtime tool: the hardened runtime is off; sign with `codesign --options "
	      "runtime` (\"The executable does not have the hardened runtime enabled\")\n");
	c.executable = 0; /* a dylib needs none */
	audit(&c, 1, 0, NULL, NULL, 0, "");
}

static void test_get_task_allow(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	audit(
	    &c, 1, 0, NULL, "<key>com.apple.security.get-task-allow</key><true/>", 0,
	    "error get-task-allow tool: com.apple.security.get-task-allow is true (a debug build); remove it "
	    "from the entitlements (\"The executable requests the com.apple.security.get-task-allow "
	    "entitlement\")\n");
	audit(&c, 1, 0, NULL, "<key>com.apple.security.get-task-allow</key><false/>", 0, "");
}

static void test_sdk_too_old(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.macos_sdk = 0x000a0800;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error sdk-too-old tool: built with the macOS 10.8 SDK; rebuild with the 10.9 SDK or later "
	      "(\"The "
	      "binary uses an SDK older than the 10.9 SDK\")\n");
	c.macos_sdk = 0x000a0900;
	audit(&c, 1, 0, NULL, NULL, 0, "");
}

static void test_sha1_only(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.sha256 = 0;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error sha1-only tool: only a SHA-1 CodeDirectory; re-sign with a current codesign, which adds "
	      "SHA-256 (\"The signature algorithm used is too weak\")\n");
}

static void test_unsigned_and_adhoc_nested(void **state)
{
	struct sigfs_audit_code c[3] = {good(MAIN), good("A.app/Contents/Frameworks/libx.dylib"),
					good("A.app/Contents/Library/LoginItems/H.app/Contents/MacOS/H")};
	(void)state;

	c[1].sign = SIGFS_AUDIT_UNSIGNED;
	c[1].developer_id = c[1].timestamp = c[1].runtime = c[1].executable = 0;
	c[1].team = NULL;
	c[2].sign = SIGFS_AUDIT_ADHOC;
	c[2].developer_id = c[2].timestamp = 0;
	c[2].team = NULL;
	audit(c, 3, 1, NULL, NULL, 1,
	      "error unsigned-nested A.app/Contents/Frameworks/libx.dylib: an unsigned Mach-O inside the "
	      "bundle; "
	      "every Mach-O must be signed, inside out (\"The binary is not signed\")\n"
	      "error adhoc-nested A.app/Contents/Library/LoginItems/H.app/Contents/MacOS/H: signed ad hoc "
	      "inside a "
	      "signed bundle; sign it with the bundle's Developer ID, inside out, before the bundle (\"The "
	      "binary is "
	      "not signed with a valid Developer ID certificate\")\n");
}

static void test_unknown_entitlement(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	/* documented keys in another case than Apple's URL are known */
	assert_true(sigfs_entitlement_known("com.apple.developer.ClassKit-environment"));
	assert_true(sigfs_entitlement_known("com.apple.security.cs.disable-library-validation"));
	assert_false(sigfs_entitlement_known("com.apple.security.cs.allow-everything"));
	audit(
	    &c, 1, 0, NULL,
	    "<key>com.example.invented</key><true/><key>com.apple.security.cs.allow-jit</key><true/>", 0,
	    "warning unknown-entitlement tool: entitlement com.example.invented is not one Apple documents; "
	    "check its spelling, or remove it (restricted unknown keys make AMFI refuse to launch the "
	    "app)\n");
}

static void test_network_extension_spelling(void **state)
{
	struct sigfs_audit_code c = good(MAIN);
	(void)state;

	audit(&c, 1, 1, "mac.der",
	      "<key>com.apple.developer.networking.networkextension</key>"
	      "<array><string>packet-tunnel-provider</string></array>",
	      1,
	      "error needs-systemextension-suffix " MAIN
	      ": com.apple.developer.networking.networkextension has "
	      "packet-tunnel-provider, the Mac App Store spelling; a Developer ID build needs "
	      "packet-tunnel-provider-systemextension\n"
	      "error entitlement-not-in-profile " MAIN ": entitlement "
	      "com.apple.developer.networking.networkextension is not allowed by "
	      "A.app/Contents/embedded.provisionprofile; add the capability to the App ID and regenerate the "
	      "profile (else the app is killed at launch)\n");
	audit(&c, 1, 1, "mac.der",
	      "<key>com.apple.developer.networking.networkextension</key>"
	      "<array><string>packet-tunnel-provider-systemextension</string></array>",
	      1, "");
}

static void test_entitlement_not_in_profile(void **state)
{
	struct sigfs_audit_code c = good(MAIN);
	(void)state;

	audit(&c, 1, 1, "mac.der",
	      "<key>keychain-access-groups</key><array><string>OTHER.group</string></array>", 1,
	      "error entitlement-not-in-profile " MAIN
	      ": entitlement keychain-access-groups is not allowed by "
	      "A.app/Contents/embedded.provisionprofile; add the capability to the App ID and regenerate the "
	      "profile (else the app is killed at launch)\n");
	/* the profile's TEAM1234AB.* allows any group of the team */
	audit(&c, 1, 1, "mac.der",
	      "<key>keychain-access-groups</key><array><string>TEAM1234AB.anything</string></array>", 1, "");
	/* no profile at all */
	audit(&c, 1, 1, NULL, "<key>com.apple.developer.team-identifier</key><string>TEAM1234AB</string>", 1,
	      "error entitlement-not-in-profile " MAIN ": entitlement com.apple.developer.team-identifier is "
	      "restricted and no embedded provisioning profile allows it; embed a profile that does (else "
	      "the app "
	      "is killed at launch: \"Code Signature Invalid\")\n");
}

static void test_der_entitlements(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.der = SIGFS_AUDIT_DER_DIFFERENT;
	audit(&c, 1, 0, NULL, "<key>com.apple.security.cs.allow-jit</key><true/>", 0,
	      "error entitlements-xml-der-mismatch tool: the XML and DER entitlements differ; re-sign with a "
	      "current codesign so both come from one source (the system trusts the DER form)\n");
	c.der = SIGFS_AUDIT_DER_ABSENT;
	audit(&c, 1, 0, NULL, "<key>com.apple.security.cs.allow-jit</key><true/>", 0,
	      "warning no-der-entitlements tool: XML entitlements without their DER form; re-sign with "
	      "codesign "
	      "from macOS 11 or later (iOS 15 and later refuse to launch such apps)\n");
}

static void test_team_mismatch(void **state)
{
	struct sigfs_audit_code c[2] = {good(MAIN),
					good("A.app/Contents/Frameworks/Other.framework/Versions/A/Other")};
	(void)state;

	c[1].team = "ZZZZ999999";
	c[1].executable = 0;
	audit(
	    c, 2, 1, NULL, NULL, 1,
	    "error team-mismatch A.app/Contents/Frameworks/Other.framework/Versions/A/Other: signed by team "
	    "ZZZZ999999 but " MAIN " (team TEAM1234AB) has the hardened runtime without "
	    "com.apple.security.cs.disable-library-validation; library validation refuses to load it "
	    "(\"mapping "
	    "process and mapped file (non-platform) have different Team IDs\")\n");
	audit(c, 2, 1, NULL, "<key>com.apple.security.cs.disable-library-validation</key><true/>", 1, "");
}

static void test_expired_no_timestamp(void **state)
{
	struct sigfs_audit_code c = good("tool");
	(void)state;

	c.cert_expired = 1;
	audit(&c, 1, 0, NULL, NULL, 0, "");
	c.timestamp = 0;
	audit(&c, 1, 0, NULL, NULL, 0,
	      "error no-secure-timestamp tool: no secure timestamp; sign with `codesign --timestamp` (\"The "
	      "signature does not include a secure timestamp\")\n"
	      "error expired-no-timestamp tool: the signing certificate has expired and the signature has no "
	      "secure timestamp; re-sign with a valid certificate and `--timestamp` (Gatekeeper: "
	      "\"CSSMERR_TP_CERT_EXPIRED\")\n");
}

static void test_profile_expired_and_not_matching(void **state)
{
	struct sigfs_audit_code c = good(MAIN);
	size_t i;
	(void)state;

	audit(&c, 1, 1, "expired.der", NULL, 1,
	      "error profile-expired A.app/Contents/embedded.provisionprofile: the provisioning profile "
	      "expired on "
	      "2022-07-23T14:30:34Z; download a current one and re-sign (the app will not launch)\n");
	for (i = 0; i < 32; i++)
		sscanf(fx.stranger_sha + 2 * i, "%2hhx", &c.leaf_sha256[i]);
	audit(&c, 1, 1, "mac.der", NULL, 1,
	      "error profile-not-matching " MAIN
	      ": signed with a certificate the provisioning profile does not "
	      "list; sign with one of its DeveloperCertificates or regenerate the profile with this "
	      "certificate\n");
	memcpy(c.leaf_sha256, fx.dev_bin, 32);
	audit(
	    &c, 1, 1, "untrusted.der", NULL, 1,
	    "error profile-not-matching A.app/Contents/embedded.provisionprofile: the provisioning profile's "
	    "signature is not valid (not-anchored); download it again\n");
}

static void test_not_stapled_is_a_note(void **state)
{
	struct sigfs_audit_code c[2] = {good(MAIN), good("A.app/Contents/MacOS/helper")};
	(void)state;

	c[1].runtime = 0;
	audit(c, 2, 1, NULL, NULL, 0,
	      "error no-hardened-runtime A.app/Contents/MacOS/helper: the hardened runtime is off; sign with "
	      "`codesign --options runtime` (\"The executable does not have the hardened runtime enabled\")\n"
	      "note not-stapled A.app: no stapled notarization ticket; after notarization run `xcrun stapler "
	      "staple` so Gatekeeper can check it offline\n");
}

/* Facts of the real corpus files, against tests/corpus/MANIFEST.tsv. */
static int read_file(void *ctx, uint64_t off, void *dst, size_t len)
{
	FILE *f = ctx;

	return fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(dst, 1, len, f) == len ? SIGFS_OK : SIGFS_EIO;
}

static void corpus_audit(const char *file, const char *path, const char *want)
{
	FILE *fp = fopen(file, "rb");
	sigfs_file *f = NULL;
	struct sigfs_audit_code c;
	off_t size;

	assert_non_null(fp);
	fseeko(fp, 0, SEEK_END);
	size = ftello(fp);
	assert_int_equal(sigfs_file_load(&f, read_file, fp, (uint64_t)size), SIGFS_OK);
	assert_int_equal(sigfs_audit_code_load(&c, f, path, NOW), SIGFS_OK);
	audit(&c, 1, 0, NULL, NULL, 0, want);
	sigfs_audit_code_clear(&c);
	sigfs_file_free(f);
	fclose(fp);
}

static void test_corpus_facts(void **state)
{
	(void)state;
	/* developer-id, runtime, timestamp, a dylib: notarizable */
	corpus_audit("tests/corpus/files/codex-libffi-dylib/libffi.8.dylib", "libffi.8.dylib", "");
	/* linker-signed */
	corpus_audit("tests/corpus/files/sharp-node-arm64/sharp-darwin-arm64.node", "sharp.node",
		     "error not-developer-id sharp.node: linker-signed, not with a Developer ID Application "
		     "certificate; sign it with one (\"The binary is not signed with a valid Developer ID "
		     "certificate\")\n");
	/* x86_64 unsigned, arm64 linker-signed: the weakest slice counts */
	corpus_audit(
	    "tests/corpus/files/fsevents-universal/fsevents.node", "fsevents.node",
	    "error not-developer-id fsevents.node: not signed; the notary service requires every executable "
	    "to be signed with a Developer ID Application certificate (\"The binary is not signed\")\n");
}

static uint8_t *read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void add_copy(sigfs_memtree *t, const char *rel, const char *path)
{
	size_t len;
	uint8_t *p = read_path(path, &len);

	assert_int_equal(sigfs_mem_add_file(t, rel, p, len, 0644), SIGFS_OK);
	free(p);
}

/* B.sig/ of an app made of corpus files (tests/corpus/MANIFEST.tsv): main
 * executable libffi (Developer ID, team 2DC432GLL2, timestamp), a
 * linker-signed sharp.node and a half-unsigned fsevents.node inside, and
 * make-profiles.sh's macOS profile, which lists another certificate. */
static void test_bundle_tree(void **state)
{
	static const char info[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
				   "<key>CFBundleExecutable</key><string>A</string>"
				   "<key>CFBundleIdentifier</key><string>com.example.app</string>"
				   "<key>CFBundlePackageType</key><string>APPL</string></dict></plist>\n";
	/* codex-libffi-dylib.json: slices[0].certificates[0].sha256, team_id */
	static const char want_check[] = "certificate not-in-profile "
					 "b56f50f76177f32bcd23ef1bf0a2ecde5dcf1ced0e2296b5b20f812926cd8480\n"
					 "expired no 2049-01-01T00:00:00Z\n"
					 "app-id mismatch TEAM1234AB.com.example.app -\n"
					 "team mismatch TEAM1234AB 2DC432GLL2\n";
	static const char want_audit[] =
	    "error unsigned-nested A.app/Contents/Frameworks/fsevents.node: an unsigned Mach-O inside the "
	    "bundle; "
	    "every Mach-O must be signed, inside out (\"The binary is not signed\")\n"
	    "error adhoc-nested A.app/Contents/Frameworks/sharp.node: linker-signed inside a signed bundle; "
	    "sign it "
	    "with the bundle's Developer ID, inside out, before the bundle (\"The binary is not signed with "
	    "a valid "
	    "Developer ID certificate\")\n"
	    "error profile-not-matching A.app/Contents/MacOS/A: signed with a certificate the provisioning "
	    "profile "
	    "does not list; sign with one of its DeveloperCertificates or regenerate the profile with this "
	    "certificate\n"
	    "note not-stapled A.app: no stapled notarization ticket; after notarization run `xcrun stapler "
	    "staple` "
	    "so Gatekeeper can check it offline\n";
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_source src;
	struct sigfs_stat st;
	sigfs_subject *s = NULL;
	sigfs_subject_opts o = {NULL, fx.anchors, NULL};
	sigfs_buf b = SIGFS_BUF_INIT;
	char path[160];
	(void)state;

	assert_int_equal(sigfs_mem_add_file(t, "A.app/Contents/Info.plist", info, sizeof info - 1, 0644),
			 SIGFS_OK);
	add_copy(t, "A.app/Contents/MacOS/A", "tests/corpus/files/codex-libffi-dylib/libffi.8.dylib");
	add_copy(t, "A.app/Contents/Frameworks/sharp.node",
		 "tests/corpus/files/sharp-node-arm64/sharp-darwin-arm64.node");
	add_copy(t, "A.app/Contents/Frameworks/fsevents.node",
		 "tests/corpus/files/fsevents-universal/fsevents.node");
	snprintf(path, sizeof path, "%s/mac.der", fx.dir);
	add_copy(t, "A.app/Contents/embedded.provisionprofile", path);
	sigfs_mem_source(t, &src);
	assert_int_equal(src.stat(src.ctx, "A.app", &st), SIGFS_OK);
	assert_int_equal(sigfs_probe(&src, "A.app", &st, NULL, 0), SIGFS_KIND_BUNDLE);
	assert_int_equal(sigfs_subject_load(&s, &src, "A.app", SIGFS_KIND_BUNDLE, &o), SIGFS_OK);

	assert_int_equal(sigfs_tree_node(s, "audit"), SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE);
	assert_int_equal(sigfs_tree_node(s, "provisioning") & SIGFS_NODE_KIND_MASK, SIGFS_NODE_DIR);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "provisioning/entitlements-check"), SIGFS_OK);
	assert_string_equal(b.ptr, want_check);
	sigfs_buf_clear(&b);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "provisioning/summary"), SIGFS_OK);
	assert_non_null(strstr(b.ptr, "\nSignature=ok\n"));
	sigfs_buf_clear(&b);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "audit"), SIGFS_OK);
	assert_string_equal(b.ptr, want_audit);
	sigfs_buf_free(&b);
	sigfs_subject_free(s);

	/* a file in the profile's place that is no profile */
	assert_int_equal(sigfs_mem_remove(t, "A.app/Contents/embedded.provisionprofile"), SIGFS_OK);
	assert_int_equal(
	    sigfs_mem_add_file(t, "A.app/Contents/embedded.provisionprofile", "<plist/>", 8, 0644), SIGFS_OK);
	assert_int_equal(sigfs_subject_load(&s, &src, "A.app", SIGFS_KIND_BUNDLE, &o), SIGFS_OK);
	assert_int_equal(sigfs_tree_node(s, "provisioning/entitlements-check"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "audit"), SIGFS_OK);
	assert_non_null(
	    strstr(b.ptr, "error profile-unreadable A.app/Contents/embedded.provisionprofile: the "
			  "embedded provisioning profile is not a signed profile; replace it with the one "
			  "the developer portal issued\n"));
	sigfs_buf_clear(&b);
	sigfs_subject_free(s);

	/* without the profile: no provisioning/, and nothing about it */
	assert_int_equal(sigfs_mem_remove(t, "A.app/Contents/embedded.provisionprofile"), SIGFS_OK);
	assert_int_equal(sigfs_subject_load(&s, &src, "A.app", SIGFS_KIND_BUNDLE, &o), SIGFS_OK);
	assert_int_equal(sigfs_tree_node(s, "provisioning"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "audit"), SIGFS_OK);
	assert_null(strstr(b.ptr, "profile"));
	assert_non_null(strstr(b.ptr, "error adhoc-nested A.app/Contents/Frameworks/sharp.node: "));
	sigfs_buf_free(&b);
	sigfs_subject_free(s);
	sigfs_mem_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_notarizable_app),
	    cmocka_unit_test(test_not_developer_id),
	    cmocka_unit_test(test_no_secure_timestamp),
	    cmocka_unit_test(test_no_hardened_runtime),
	    cmocka_unit_test(test_get_task_allow),
	    cmocka_unit_test(test_sdk_too_old),
	    cmocka_unit_test(test_sha1_only),
	    cmocka_unit_test(test_unsigned_and_adhoc_nested),
	    cmocka_unit_test(test_unknown_entitlement),
	    cmocka_unit_test(test_network_extension_spelling),
	    cmocka_unit_test(test_entitlement_not_in_profile),
	    cmocka_unit_test(test_der_entitlements),
	    cmocka_unit_test(test_team_mismatch),
	    cmocka_unit_test(test_expired_no_timestamp),
	    cmocka_unit_test(test_profile_expired_and_not_matching),
	    cmocka_unit_test(test_not_stapled_is_a_note),
	    cmocka_unit_test(test_corpus_facts),
	    cmocka_unit_test(test_bundle_tree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
