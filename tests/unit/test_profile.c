/* Unit tests for core/profile.c: provisioning profiles made at test time by
 * tests/unit/data/make-profiles.sh with `openssl cms -sign` (a test CA given
 * as an anchor, as -o anchors= does). Expected values come from that script's
 * inputs and from the openssl command line (fingerprints, PEM), never from
 * sigfs. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sigfs/plist.h"
#include "sigfs/profile.h"
#include "sigfs/memsource.h"
#include "sigfs/tree.h"
#include "sigfs/trust.h"

#include "profilefx.h"

static void test_payload_byte_for_byte(void **state)
{
	sigfs_profile *p = load("mac.der", fx.anchors);
	size_t len, plen;
	uint8_t *want = slurp("mac.plist", &len);
	const uint8_t *got = sigfs_profile_payload(p, &plen);
	(void)state;

	assert_int_equal(plen, len);
	assert_memory_equal(got, want, len);
	free(want);
	sigfs_profile_free(p);
}

static void test_summary_macos(void **state)
{
	sigfs_profile *p = load("mac.der", fx.anchors);
	sigfs_buf b = SIGFS_BUF_INIT;
	char want[2048];
	(void)state;

	/* The values make-profiles.sh wrote into mac.plist. */
	snprintf(want, sizeof want,
		 "Name=Example App Developer ID\n"
		 "UUID=6f1c4a0e-1111-4222-8333-944455566677\n"
		 "TeamIdentifier=TEAM1234AB\n"
		 "TeamName=Example Corp\n"
		 "AppIDName=Example App\n"
		 "ApplicationIdentifierPrefix=TEAM1234AB\n"
		 "Platform=OSX\n"
		 "ProfileDistributionType=DIRECT\n"
		 "CreationDate=2021-07-23T14:30:34Z\n"
		 "ExpirationDate=2049-01-01T00:00:00Z\n"
		 "ProvisionsAllDevices=true\n"
		 "DeveloperCertificate=%s\n"
		 "Signature=ok\n",
		 fx.dev_sha);
	assert_int_equal(sigfs_profile_summary(&b, p), SIGFS_OK);
	assert_string_equal(b.ptr, want);
	assert_true(sigfs_profile_is_macos(p));
	sigfs_buf_free(&b);
	sigfs_profile_free(p);
}

static void test_summary_ios_devices(void **state)
{
	sigfs_profile *p = load("ios.der", fx.anchors);
	sigfs_buf b = SIGFS_BUF_INIT;
	const char *why;
	(void)state;

	assert_int_equal(sigfs_profile_summary(&b, p), SIGFS_OK);
	assert_non_null(strstr(b.ptr, "\nPlatform=iOS,xrOS,visionOS\n"));
	assert_non_null(strstr(b.ptr, "\nProvisionedDevices=3\n"));
	assert_null(strstr(b.ptr, "ProvisionsAllDevices"));
	assert_null(strstr(b.ptr, "ProfileDistributionType"));
	assert_non_null(strstr(b.ptr, "\nExpirationDate=2049-02-03T04:05:06Z\n"));
	assert_false(sigfs_profile_is_macos(p));
	assert_true(sigfs_profile_signature_ok(p, &why));
	assert_string_equal(why, "ok anchor=\"Test Profile Root CA\"");
	sigfs_buf_free(&b);
	sigfs_profile_free(p);
}

static void test_entitlements_xml(void **state)
{
	sigfs_profile *p = load("ios.der", fx.anchors);
	sigfs_buf b = SIGFS_BUF_INIT;
	/* The Entitlements dict of ios.plist in Apple's XML form (keys sorted,
	 * tab-indented), written by hand from make-profiles.sh. */
	static const char want[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
				   "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
				   "<plist version=\"1.0\">\n"
				   "<dict>\n"
				   "\t<key>application-identifier</key>\n"
				   "\t<string>TEAM1234AB.*</string>\n"
				   "\t<key>aps-environment</key>\n"
				   "\t<string>development</string>\n"
				   "\t<key>com.apple.developer.team-identifier</key>\n"
				   "\t<string>TEAM1234AB</string>\n"
				   "\t<key>com.apple.security.application-groups</key>\n"
				   "\t<array>\n"
				   "\t\t<string>group.com.example.shared</string>\n"
				   "\t</array>\n"
				   "\t<key>get-task-allow</key>\n"
				   "\t<true/>\n"
				   "\t<key>keychain-access-groups</key>\n"
				   "\t<array>\n"
				   "\t\t<string>TEAM1234AB.*</string>\n"
				   "\t\t<string>com.apple.token</string>\n"
				   "\t</array>\n"
				   "</dict>\n"
				   "</plist>\n";
	(void)state;

	assert_int_equal(sigfs_profile_entitlements_xml(&b, p), SIGFS_OK);
	assert_string_equal(b.ptr, want);
	sigfs_buf_free(&b);
	sigfs_profile_free(p);
}

static void test_certificates_pem(void **state)
{
	sigfs_profile *p = load("mac.der", fx.anchors);
	sigfs_buf b = SIGFS_BUF_INIT;
	size_t len;
	uint8_t *want = slurp("dev.pem", &len); /* written by `openssl x509` */
	(void)state;

	assert_int_equal(sigfs_profile_certificates_pem(&b, p), SIGFS_OK);
	assert_string_equal(b.ptr, (const char *)want);
	assert_true(sigfs_profile_has_certificate(p, fx.dev_bin));
	free(want);
	sigfs_buf_free(&b);
	sigfs_profile_free(p);
}

static void test_signature_untrusted(void **state)
{
	sigfs_profile *p = load("untrusted.der", fx.anchors);
	sigfs_buf b = SIGFS_BUF_INIT;
	const char *why;
	(void)state;

	assert_false(sigfs_profile_signature_ok(p, &why));
	assert_string_equal(why, "not-anchored");
	assert_int_equal(sigfs_profile_summary(&b, p), SIGFS_OK);
	assert_non_null(strstr(b.ptr, "\nSignature=fail not-anchored\n"));
	sigfs_buf_free(&b);
	sigfs_profile_free(p);

	/* Without the test CA as an anchor, nothing the script made is trusted. */
	p = load("mac.der", NULL);
	assert_false(sigfs_profile_signature_ok(p, &why));
	assert_string_equal(why, "not-anchored");
	sigfs_profile_free(p);
}

static void test_signature_tampered(void **state)
{
	sigfs_profile *p = NULL;
	size_t len;
	uint8_t *der = slurp("mac.der", &len);
	uint8_t *at = memmem(der, len, "Example Corp</string>", 21);
	const char *why;
	(void)state;

	assert_non_null(at);
	at[0] = 'X'; /* inside the attached content: the messageDigest no longer matches */
	assert_int_equal(sigfs_profile_parse(&p, der, len, fx.anchors), SIGFS_OK);
	assert_false(sigfs_profile_signature_ok(p, &why));
	assert_string_equal(why, "bad-signature");
	free(der);
	sigfs_profile_free(p);
}

static void test_malformed(void **state)
{
	sigfs_profile *p = (sigfs_profile *)1;
	size_t len, n;
	uint8_t *der = slurp("detached.der", &len);
	static const uint8_t junk[] = "<?xml version=\"1.0\"?><plist><dict/></plist>";
	(void)state;

	assert_int_equal(sigfs_profile_parse(&p, der, len, fx.anchors), SIGFS_EMALFORMED);
	assert_null(p);
	assert_non_null(strstr(sigfs_error_last(), "no attached content"));
	free(der);
	assert_int_equal(sigfs_profile_parse(&p, junk, sizeof junk - 1, NULL), SIGFS_EMALFORMED);
	assert_int_equal(sigfs_profile_parse(&p, junk, 0, NULL), SIGFS_EMALFORMED);
	der = slurp("mac.der", &len);
	for (n = 1; n < len; n += 97) /* every truncation is refused, none crashes */
		assert_int_equal(sigfs_profile_parse(&p, der, n, NULL), SIGFS_EMALFORMED);
	free(der);
}

static void test_judge_rules(void **state)
{
	sigfs_profile *ios = load("ios.der", fx.anchors), *mac = load("mac.der", fx.anchors);
	sigfs_plist *c =
	    xml("<key>kg_ok</key><array><string>TEAM1234AB.com.example.shared</string>"
		"<string>com.apple.token</string></array>"
		"<key>kg_bad</key><array><string>TEAM1234AB.x</string><string>OTHER.group</string></array>"
		"<key>id</key><string>TEAM1234AB.com.example.app</string>"
		"<key>aps</key><string>production</string>"
		"<key>t</key><true/>"
		"<key>ne</key><array><string>packet-tunnel-provider</string></array>"
		"<key>ne_ok</key><array><string>packet-tunnel-provider-systemextension</string></array>");
	const sigfs_pv *r = sigfs_plist_root(c);
	(void)state;

	/* a wildcard string allows by prefix, every array element must be allowed */
	assert_int_equal(sigfs_profile_judge(ios, "keychain-access-groups", sigfs_pv_get(r, "kg_ok")),
			 SIGFS_ENT_ALLOWED);
	assert_int_equal(sigfs_profile_judge(ios, "keychain-access-groups", sigfs_pv_get(r, "kg_bad")),
			 SIGFS_ENT_NOT_ALLOWED);
	assert_int_equal(sigfs_profile_judge(ios, "application-identifier", sigfs_pv_get(r, "id")),
			 SIGFS_ENT_ALLOWED);
	assert_int_equal(sigfs_profile_judge(ios, "aps-environment", sigfs_pv_get(r, "aps")),
			 SIGFS_ENT_NOT_ALLOWED);
	/* iOS: get-task-allow needs the profile (which has it); a key it lacks is refused */
	assert_int_equal(sigfs_profile_judge(ios, "get-task-allow", sigfs_pv_get(r, "t")), SIGFS_ENT_ALLOWED);
	assert_int_equal(sigfs_profile_judge(ios, "com.apple.developer.siri", sigfs_pv_get(r, "t")),
			 SIGFS_ENT_NOT_ALLOWED);
	/* iOS: com.apple.security.* is not exempt; app groups are in the profile */
	assert_int_equal(sigfs_profile_judge(ios, "com.apple.security.get-task-allow", sigfs_pv_get(r, "t")),
			 SIGFS_ENT_NOT_ALLOWED);
	/* macOS: com.apple.security.* needs no profile */
	assert_int_equal(sigfs_profile_judge(mac, "com.apple.security.app-sandbox", sigfs_pv_get(r, "t")),
			 SIGFS_ENT_EXEMPT);
	assert_int_equal(sigfs_profile_judge(mac, "com.apple.security.cs.allow-jit", sigfs_pv_get(r, "t")),
			 SIGFS_ENT_EXEMPT);
	/* the profile allows only the -systemextension spelling */
	assert_int_equal(sigfs_profile_judge(mac, "com.apple.developer.networking.networkextension",
					     sigfs_pv_get(r, "ne")),
			 SIGFS_ENT_NOT_ALLOWED);
	assert_int_equal(sigfs_profile_judge(mac, "com.apple.developer.networking.networkextension",
					     sigfs_pv_get(r, "ne_ok")),
			 SIGFS_ENT_ALLOWED);
	sigfs_plist_free(c);

	/* a claim of 3000 groups, all allowed by TEAM1234AB.*, then one not */
	{
		sigfs_buf big = SIGFS_BUF_INIT;
		sigfs_plist *pl = NULL;
		size_t i;

		sigfs_buf_puts(&big, "<plist version=\"1.0\"><array>");
		for (i = 0; i < 3000; i++)
			sigfs_buf_printf(&big, "<string>TEAM1234AB.g%zu</string>", i);
		sigfs_buf_puts(&big, "</array></plist>");
		assert_int_equal(sigfs_plist_from_xml(&pl, (const uint8_t *)big.ptr, big.len), SIGFS_OK);
		assert_int_equal(sigfs_profile_judge(ios, "keychain-access-groups", sigfs_plist_root(pl)),
				 SIGFS_ENT_ALLOWED);
		sigfs_plist_free(pl);
		sigfs_buf_free(&big);
	}
	sigfs_profile_free(ios);
	sigfs_profile_free(mac);
}

static void check(const char *profile, const char *ents, const uint8_t *leaf, const char *team, int64_t now,
		  const char *want)
{
	sigfs_profile *p = load(profile, fx.anchors);
	sigfs_plist *c = xml(ents);
	struct sigfs_profile_claim cl = {sigfs_plist_root(c), leaf, team, now};
	sigfs_buf b = SIGFS_BUF_INIT;

	assert_int_equal(sigfs_profile_check(&b, p, &cl), SIGFS_OK);
	assert_string_equal(b.len ? b.ptr : "", want);
	sigfs_buf_free(&b);
	sigfs_plist_free(c);
	sigfs_profile_free(p);
}

/* VERIFY-NOTES §8 scenario 32, with make-profiles.sh's team and dates. */
static void test_check_scenario_32(void **state)
{
	char want[1024];
	static const char claims[] =
	    "<key>com.apple.application-identifier</key><string>TEAM1234AB.com.example.app</string>"
	    "<key>com.apple.developer.team-identifier</key><string>TEAM1234AB</string>"
	    "<key>com.apple.security.app-sandbox</key><true/>"
	    "<key>keychain-access-groups</key><array><string>TEAM1234AB.com.example.shared</string></array>";
	static const char bad[] =
	    "<key>com.apple.application-identifier</key><string>OTHER.com.example.app</string>"
	    "<key>keychain-access-groups</key><array><string>OTHER.group</string></array>";
	(void)state;

	snprintf(want, sizeof want,
		 "allowed com.apple.application-identifier\n"
		 "allowed com.apple.developer.team-identifier\n"
		 "exempt com.apple.security.app-sandbox\n"
		 "allowed keychain-access-groups\n"
		 "certificate in-profile %s\n"
		 "expired no 2049-01-01T00:00:00Z\n"
		 "app-id ok TEAM1234AB.com.example.app TEAM1234AB.com.example.app\n"
		 "team ok TEAM1234AB TEAM1234AB\n",
		 fx.dev_sha);
	check("mac.der", claims, fx.dev_bin, "TEAM1234AB", 1700000000, want);

	snprintf(want, sizeof want,
		 "not-allowed com.apple.application-identifier OTHER.com.example.app\n"
		 "not-allowed keychain-access-groups OTHER.group\n"
		 "expired yes 2022-07-23T14:30:34Z\n"
		 "app-id mismatch TEAM1234AB.com.example.app OTHER.com.example.app\n"
		 "team mismatch TEAM1234AB OTHER\n");
	check("expired.der", bad, NULL, "OTHER", 1700000000, want);
}

static void test_check_certificate_not_in_profile(void **state)
{
	uint8_t bin[32];
	char want[512];
	size_t i;
	(void)state;

	for (i = 0; i < 32; i++)
		sscanf(fx.stranger_sha + 2 * i, "%2hhx", &bin[i]);
	snprintf(want, sizeof want,
		 "allowed get-task-allow\n"
		 "certificate not-in-profile %s\n"
		 "expired no 2049-02-03T04:05:06Z\n"
		 "app-id mismatch TEAM1234AB.* -\n"
		 "team mismatch TEAM1234AB -\n",
		 fx.stranger_sha);
	check("ios.der", "<key>get-task-allow</key><true/>", bin, NULL, 1700000000, want);
}

static int list_names(void *arg, const char *name, int node)
{
	sigfs_buf *b = arg;

	sigfs_buf_printf(b, "%s%s ", name, (node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR ? "/" : "");
	return 0;
}

static sigfs_subject *tree_load(const sigfs_source *src, const char *rel, int want_kind)
{
	struct sigfs_stat st;
	sigfs_subject *s = NULL;
	sigfs_subject_opts o = {NULL, fx.anchors, NULL};

	assert_int_equal(src->stat(src->ctx, rel, &st), SIGFS_OK);
	assert_int_equal(sigfs_probe(src, rel, &st, NULL, 0), want_kind);
	if (want_kind == SIGFS_KIND_NONE)
		return NULL;
	assert_int_equal(sigfs_subject_load(&s, src, rel, want_kind, &o), SIGFS_OK);
	return s;
}

/* P.sig/ through the generic tree: what SPEC-VERIFY lists, for a profile
 * anywhere in SOURCE, and a summary that says why for one that is not. */
static void test_tree_p_sig(void **state)
{
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_source src;
	sigfs_subject *s;
	sigfs_buf b = SIGFS_BUF_INIT;
	size_t len, plen;
	uint8_t *der = slurp("ios.der", &len), *plist = slurp("ios.plist", &plen);
	(void)state;

	assert_int_equal(sigfs_mem_add_file(t, "dir/Team.mobileprovision", der, len, 0644), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_file(t, "dir/junk.provisionprofile", "junk", 4, 0644), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_file(t, "dir/ios.der", der, len, 0644), SIGFS_OK);
	sigfs_mem_source(t, &src);
	tree_load(&src, "dir/ios.der", SIGFS_KIND_NONE); /* by name only */

	s = tree_load(&src, "dir/Team.mobileprovision", SIGFS_KIND_PROFILE);
	assert_int_equal(sigfs_tree_list(s, "", list_names, &b), SIGFS_OK);
	assert_string_equal(b.ptr, "profile.plist summary entitlements.plist certificates.pem ");
	sigfs_buf_clear(&b);
	assert_int_equal(sigfs_tree_node(s, "summary"), SIGFS_NODE_FILE);
	assert_int_equal(sigfs_tree_node(s, "entitlements-check"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "profile.plist"), SIGFS_OK);
	assert_int_equal(b.len, plen);
	assert_memory_equal(b.ptr, plist, plen);
	sigfs_buf_clear(&b);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "summary"), SIGFS_OK);
	assert_non_null(strstr(b.ptr, "\nProvisionedDevices=3\n"));
	assert_non_null(strstr(b.ptr, "\nSignature=ok\n"));
	sigfs_buf_clear(&b);
	sigfs_subject_free(s);

	s = tree_load(&src, "dir/junk.provisionprofile", SIGFS_KIND_PROFILE);
	assert_int_equal(sigfs_tree_list(s, "", list_names, &b), SIGFS_OK);
	assert_string_equal(b.ptr, "summary ");
	sigfs_buf_clear(&b);
	assert_int_equal(sigfs_tree_render(&b, s, &src, "summary"), SIGFS_OK);
	assert_string_equal(
	    b.ptr, "Signature=fail malformed: profile: not a DER CMS SignedData (4 bytes); a "
		   "provisioning profile is one, as `openssl cms -cmsout -inform DER -print` shows\n");
	sigfs_subject_free(s);
	sigfs_buf_free(&b);
	free(der);
	free(plist);
	sigfs_mem_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_payload_byte_for_byte),
	    cmocka_unit_test(test_summary_macos),
	    cmocka_unit_test(test_summary_ios_devices),
	    cmocka_unit_test(test_entitlements_xml),
	    cmocka_unit_test(test_certificates_pem),
	    cmocka_unit_test(test_signature_untrusted),
	    cmocka_unit_test(test_signature_tampered),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_judge_rules),
	    cmocka_unit_test(test_check_scenario_32),
	    cmocka_unit_test(test_check_certificate_not_in_profile),
	    cmocka_unit_test(test_tree_p_sig),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
