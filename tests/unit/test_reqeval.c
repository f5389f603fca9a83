/* Unit tests: the requirement interpreter (core/reqeval.c).
 *
 * Requirements are assembled by hand (tests/unit/reqasm.h); certificates are
 * made at test time with OpenSSL (tests/unit/certgen.h); every expected
 * verdict is written from Apple's reqinterp.cpp, requirement.cpp,
 * csutilities.cpp and legacydevid.cpp, not from sigfs's output. The corpus
 * cases evaluate the real designated requirements of
 * tests/corpus/expected/ID.json (an independent parser's output) against the
 * chains and cdhashes recorded there. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "certgen.h"
#include "reqasm.h"
#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/plist.h"
#include "sigfs/reqeval.h"
#include "sigfs/requirement.h"
#include "sigfs/trust.h"

#define Y2020	   1577836800
#define Y2040	   2208988800
#define CF(unix_s) ((int64_t)(unix_s)-978307200) /* CFAbsoluteTime seconds */

/* DER content of the OIDs used below */
static const uint8_t oid_devid_leaf[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x0d};
static const uint8_t oid_devid_ca[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06};
static const uint8_t oid_apple_policy[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x05, 0x01};
static const uint8_t oid_devid_date[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x21};

/* Info.plist and entitlements of the code under test */
static const char info_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
			       "<key>CFBundleIdentifier</key><string>com.acme.tool</string>"
			       "<key>CFBundleVersion</key><string>1.10</string>"
			       "<key>LSMinimumSystemVersion</key><string>10.13</string>"
			       "<key>Arr</key><array><string>a</string><string>b</string></array>"
			       "<key>Yes</key><true/><key>No</key><false/><key>Num</key><integer>5</integer>"
			       "<key>Sub</key><dict><key>k</key><string>v</string></dict>"
			       "<key>When</key><date>2020-01-01T00:00:00Z</date>"
			       "</dict></plist>";
static const char ent_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
    "<key>com.apple.security.app-sandbox</key><true/>"
    "<key>keychain-access-groups</key><array><string>TEAM123456.com.acme</string></array>"
    "<key>com.apple.application-identifier</key><string>TEAM123456.com.acme.tool</string>"
    "</dict></plist>";

/* The chain: Acme Root (a user anchor) -> an intermediate that imitates
 * Apple's code-signing CA -> a Developer ID style leaf. */
static struct {
	tcert root, inter, leaf, leaf2, leaf_late, leaf_badate;
	const uint8_t *der[3];
	size_t len[3];
	sigfs_anchors *anchors;
	sigfs_plist *info, *ent;
	sigfs_req_context ctx;
} fx;

static int setup(void **state)
{
	static const char *const inter_ext[] = {"1.2.840.113635.100.6.2.6", NULL};
	static const char *const leaf_ext[] = {"1.2.840.113635.100.6.1.13", "1.2.840.113635.100.6.22",
					       /* UTF8String "20190301000000Z": Developer ID account date */
					       "1.2.840.113635.100.6.1.33=0c0f32303139303330313030303030305a",
					       "certificatePolicies:1.2.840.113635.100.5.1",
					       "subjectAltName:email:alt@acme.test", NULL};
	static const char *const leaf2_ext[] = {"1.2.840.113635.100.6.1.13", NULL};
	/* "20190501000000Z": after the 2019-04-07 cut-off */
	static const char *const late_ext[] = {"1.2.840.113635.100.6.1.33=0c0f32303139303530313030303030305a",
					       NULL};
	/* an OCTET STRING, not a UTF8String */
	static const char *const badate_ext[] = {
	    "1.2.840.113635.100.6.1.33=040f32303139303330313030303030305a", NULL};
	char *pem;
	size_t n;

	(void)state;
	assert_true(tcert_make(&fx.root, "/O=Acme Test/CN=Acme Root", NULL, Y2020, Y2040, NULL));
	assert_true(tcert_make(&fx.inter, "/C=US/O=Apple Inc./CN=Apple Code Signing Certification Authority",
			       &fx.root, Y2020, Y2040, inter_ext));
	assert_true(
	    tcert_make(&fx.leaf,
		       "/CN=Developer ID Application: Acme (TEAM123456)/OU=TEAM123456/O=Acme Corp/C=US/"
		       "emailAddress=dev@acme.test",
		       &fx.inter, Y2020, Y2040, leaf_ext));
	assert_true(
	    tcert_make(&fx.leaf2, "/CN=second/OU=first/OU=second", &fx.inter, Y2020, Y2040, leaf2_ext));
	assert_true(tcert_make(&fx.leaf_late, "/CN=late", &fx.inter, Y2020, Y2040, late_ext));
	assert_true(tcert_make(&fx.leaf_badate, "/CN=bad date", &fx.inter, Y2020, Y2040, badate_ext));
	pem = tcert_pem(&fx.root, &n);
	assert_int_equal(sigfs_anchors_from_pem(&fx.anchors, pem, n), SIGFS_OK);
	free(pem);
	assert_int_equal(sigfs_plist_from_xml(&fx.info, (const uint8_t *)info_xml, sizeof info_xml - 1),
			 SIGFS_OK);
	assert_int_equal(sigfs_plist_from_xml(&fx.ent, (const uint8_t *)ent_xml, sizeof ent_xml - 1),
			 SIGFS_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tcert_free(&fx.root);
	tcert_free(&fx.inter);
	tcert_free(&fx.leaf);
	tcert_free(&fx.leaf2);
	tcert_free(&fx.leaf_late);
	tcert_free(&fx.leaf_badate);
	sigfs_anchors_free(fx.anchors);
	sigfs_plist_free(fx.info);
	sigfs_plist_free(fx.ent);
	return 0;
}

/* The default context: leaf, inter, root; user anchors; plists. */
static int reset(void **state)
{
	(void)state;
	memset(&fx.ctx, 0, sizeof fx.ctx);
	fx.der[0] = fx.leaf.der, fx.len[0] = fx.leaf.len;
	fx.der[1] = fx.inter.der, fx.len[1] = fx.inter.len;
	fx.der[2] = fx.root.der, fx.len[2] = fx.root.len;
	fx.ctx.identifier = "com.acme.tool";
	memset(fx.ctx.cdhash, 0xab, sizeof fx.ctx.cdhash);
	fx.ctx.team_id = "TEAM123456";
	fx.ctx.certs = fx.der;
	fx.ctx.cert_lens = fx.len;
	fx.ctx.ncerts = 3;
	fx.ctx.anchors = fx.anchors;
	fx.ctx.info = sigfs_plist_root(fx.info);
	fx.ctx.entitlements = sigfs_plist_root(fx.ent);
	return 0;
}

static void set_leaf(const tcert *leaf)
{
	fx.der[0] = leaf->der;
	fx.len[0] = leaf->len;
}

/* Evaluate b against fx.ctx; SIGFS_OK and the verdict, or the error. */
static int run(bytes *b, sigfs_req_result *res)
{
	int rc = sigfs_req_evaluate(res, b->p, b->n, &fx.ctx);

	free(b->p);
	b->p = NULL;
	return rc;
}

static void expect(int verdict, bytes b, int line)
{
	sigfs_req_result res;
	int rc = run(&b, &res);

	if (rc != SIGFS_OK)
		fail_msg("line %d: evaluate failed (%d): %s", line, rc, sigfs_error_last());
	if (res.verdict != verdict)
		fail_msg("line %d: verdict %d, expected %d (%s)", line, res.verdict, verdict, res.why);
	if (verdict == SIGFS_REQ_TRUE)
		assert_string_equal(res.why, "");
	else if (res.why[0] == '\0')
		fail_msg("line %d: no why for verdict %d", line, verdict);
}

static void expect_fail(int code, int32_t osstatus, bytes b, int line)
{
	sigfs_req_result res;
	int rc = run(&b, &res);

	if (rc != code)
		fail_msg("line %d: rc %d, expected %d (%s)", line, rc, code, sigfs_error_last());
	assert_int_equal(res.osstatus, osstatus);
	assert_true(sigfs_error_last()[0] != '\0');
}

#define T_(...)		   expect(SIGFS_REQ_TRUE, req(__VA_ARGS__), __LINE__)
#define F_(...)		   expect(SIGFS_REQ_FALSE, req(__VA_ARGS__), __LINE__)
#define U_(...)		   expect(SIGFS_REQ_UNVERIFIABLE, req(__VA_ARGS__), __LINE__)
#define ERR(code, st, ...) expect_fail(code, st, req(__VA_ARGS__), __LINE__)

static void test_constants_identifier_cdhash(void **state)
{
	uint8_t h32[32];

	(void)state;
	T_("w", opTrue);
	F_("w", opFalse);
	T_("ws", opIdent, "com.acme.tool");
	F_("ws", opIdent, "com.acme.other");
	F_("ws", opIdent, "com.acme");
	/* std::string == const char *: an operand with a NUL inside never equals */
	F_("wd", opIdent, "com.acme.tool\0", (size_t)14);
	T_("wh", opCDHash, 0xab);
	F_("wh", opCDHash, 0xcd);
	/* CFEqual on the 20-byte cdhash: a longer operand with the same start differs */
	memset(h32, 0xab, sizeof h32);
	F_("wd", opCDHash, h32, sizeof h32);
	T_("ww", opPlatform, 0u);
	F_("ww", opPlatform, 2u);
	fx.ctx.platform = 2;
	T_("ww", opPlatform, 2u);
	/* flag bits on a known opcode are ignored, as Apple masks them */
	T_("w", opTrue | 0x80000000u);

	/* without a CodeDirectory: false, and Apple reads no operand, so the
	 * operand's length word is read as the next opcode. Here "x" is stored
	 * as the word 1 (opTrue) and its padded byte: with a CodeDirectory the
	 * "or" has no right operand (errSecCSReqInvalid), without one it is
	 * "identifier or always" */
	ERR(SIGFS_EMALFORMED, -67052, "wws", opOr, opIdent, "x");
	fx.ctx.identifier = NULL;
	F_("ws", opIdent, "com.acme.tool");
	F_("wh", opCDHash, 0xab);
	F_("ww", opPlatform, 2u);
	F_("w", opNotarized);
	T_("wws", opOr, opIdent, "x");
}

static void test_anchors(void **state)
{
	uint8_t sha1[SHA_DIGEST_LENGTH];
	sigfs_req_result res;
	bytes b;

	(void)state;
	/* the user's root counts as Apple's */
	T_("w", opAppleGenericAnchor);
	T_("w", opAppleAnchor);
	/* anchor apple wants the software-signing marker in the leaf */
	set_leaf(&fx.leaf2);
	T_("w", opAppleGenericAnchor);
	F_("w", opAppleAnchor);
	reset(state);
	/* a two-certificate chain: cert(-2) is the leaf, not Apple's CA */
	fx.der[1] = fx.root.der, fx.len[1] = fx.root.len;
	fx.ctx.ncerts = 2;
	T_("w", opAppleGenericAnchor);
	F_("w", opAppleAnchor);
	reset(state);
	/* without the user's anchors the test root is nobody's */
	fx.ctx.anchors = NULL;
	b = req("w", opAppleGenericAnchor);
	assert_int_equal(run(&b, &res), SIGFS_OK);
	assert_int_equal(res.verdict, SIGFS_REQ_FALSE);
	assert_string_equal(res.why, "anchor apple generic: the anchor is not Apple's");
	F_("w", opAppleAnchor);
	fx.ctx.ncerts = 0;
	F_("w", opAppleGenericAnchor);
	F_("w", opAppleAnchor);
	reset(state);

	/* certificate N = H"sha1": the SHA-1 of that certificate's DER */
	SHA1(fx.root.der, fx.root.len, sha1);
	T_("wwd", opAnchorHash, (uint32_t)-1, sha1, sizeof sha1);
	T_("wwd", opAnchorHash, 2u, sha1, sizeof sha1);
	F_("wwd", opAnchorHash, 0u, sha1, sizeof sha1);
	F_("wwd", opAnchorHash, 3u, sha1, sizeof sha1);
	F_("wwd", opAnchorHash, (uint32_t)-4, sha1, sizeof sha1);
	SHA1(fx.leaf.der, fx.leaf.len, sha1);
	T_("wwd", opAnchorHash, 0u, sha1, sizeof sha1);
	/* getSHA1: any other length is errSecCSReqInvalid, certificate or not */
	ERR(SIGFS_EMALFORMED, -67052, "wwd", opAnchorHash, 0u, sha1, (size_t)16);
	ERR(SIGFS_EMALFORMED, -67052, "wwd", opAnchorHash, 9u, sha1, (size_t)16);

	/* trust settings: known anchors are trusted roots; the rest is the Mac's */
	T_("ww", opTrustedCert, (uint32_t)-1);
	T_("ww", opTrustedCert, 2u);
	U_("ww", opTrustedCert, 0u);
	F_("ww", opTrustedCert, 5u);
	T_("w", opTrustedCerts);
	fx.ctx.anchors = NULL;
	U_("ww", opTrustedCert, (uint32_t)-1);
	U_("w", opTrustedCerts);
	fx.ctx.ncerts = 0;
	F_("w", opTrustedCerts);
	reset(state);
	U_("ws", opNamedAnchor, "generic");
	U_("ws", opNamedCode, "some.code");
}

static void test_info_and_entitlements(void **state)
{
	(void)state;
	/* legacy info[key] = value */
	T_("wss", opInfoKeyValue, "CFBundleVersion", "1.10");
	F_("wss", opInfoKeyValue, "CFBundleVersion", "1.1");
	F_("wss", opInfoKeyValue, "Missing", "1");
	/* exists: anything but a false boolean */
	T_("wsw", opInfoKeyField, "Yes", matchExists);
	F_("wsw", opInfoKeyField, "No", matchExists);
	T_("wsw", opInfoKeyField, "Num", matchExists);
	T_("wsw", opInfoKeyField, "Sub", matchExists);
	T_("wsw", opInfoKeyField, "Arr", matchExists);
	F_("wsw", opInfoKeyField, "Missing", matchExists);
	/* absent: only a missing key */
	T_("wsw", opInfoKeyField, "Missing", matchAbsent);
	F_("wsw", opInfoKeyField, "No", matchAbsent);
	/* equal: CFEqual with a string, so numbers and booleans never equal */
	T_("wsws", opInfoKeyField, "CFBundleIdentifier", matchEqual, "com.acme.tool");
	F_("wsws", opInfoKeyField, "CFBundleIdentifier", matchEqual, "com.acme.Tool");
	F_("wsws", opInfoKeyField, "Num", matchEqual, "5");
	F_("wsws", opInfoKeyField, "Yes", matchEqual, "true");
	/* the operand is a C string: cut at its first NUL */
	T_("wswd", opInfoKeyField, "CFBundleVersion", matchEqual, "1.10\0junk", (size_t)9);
	/* arrays: any element */
	T_("wsws", opInfoKeyField, "Arr", matchEqual, "b");
	F_("wsws", opInfoKeyField, "Arr", matchEqual, "c");
	/* substrings; an empty needle is never found (CFStringFind) */
	T_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchContains, "0.1");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchContains, "11");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchContains, "");
	T_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchBeginsWith, "10.");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchBeginsWith, "0.");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchBeginsWith, "10.13.1");
	T_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchEndsWith, ".13");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchEndsWith, "10.");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchEndsWith, "");
	F_("wsws", opInfoKeyField, "Num", matchContains, "5");
	/* inequalities compare strings numerically: 1.10 > 1.9, 1.010 = 1.10 */
	T_("wsws", opInfoKeyField, "CFBundleVersion", matchGreaterThan, "1.9");
	F_("wsws", opInfoKeyField, "CFBundleVersion", matchLessThan, "1.9");
	T_("wsws", opInfoKeyField, "CFBundleVersion", matchLessEqual, "1.10");
	T_("wsws", opInfoKeyField, "CFBundleVersion", matchGreaterEqual, "1.010");
	F_("wsws", opInfoKeyField, "CFBundleVersion", matchEqual, "1.010");
	F_("wsws", opInfoKeyField, "CFBundleVersion", matchGreaterThan, "1.010");
	T_("wsws", opInfoKeyField, "CFBundleVersion", matchLessThan, "1.10a");
	T_("wsws", opInfoKeyField, "CFBundleVersion", matchLessThan, "2");
	T_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchGreaterEqual, "10.9");
	F_("wsws", opInfoKeyField, "LSMinimumSystemVersion", matchLessEqual, "10.9");
	/* never numbers */
	F_("wsws", opInfoKeyField, "Num", matchLessThan, "9");
	/* dates, seconds since 2001 */
	T_("wswq", opInfoKeyField, "When", matchOn, CF(Y2020));
	F_("wswq", opInfoKeyField, "When", matchOn, CF(Y2020) + 1);
	T_("wswq", opInfoKeyField, "When", matchBefore, CF(Y2020) + 1);
	F_("wswq", opInfoKeyField, "When", matchBefore, CF(Y2020));
	T_("wswq", opInfoKeyField, "When", matchAfter, CF(Y2020) - 1);
	F_("wswq", opInfoKeyField, "When", matchAfter, CF(Y2020));
	T_("wswq", opInfoKeyField, "When", matchOnOrBefore, CF(Y2020));
	F_("wswq", opInfoKeyField, "When", matchOnOrBefore, CF(Y2020) - 1);
	T_("wswq", opInfoKeyField, "When", matchOnOrAfter, CF(Y2020));
	F_("wswq", opInfoKeyField, "When", matchOnOrAfter, CF(Y2020) + 1);
	F_("wswq", opInfoKeyField, "CFBundleVersion", matchOn, CF(Y2020));
	F_("wsws", opInfoKeyField, "When", matchEqual, "2020-01-01T00:00:00Z");
	/* an unknown match operator reads one data operand and is false */
	T_("wwswsw", opOr, opInfoKeyField, "CFBundleVersion", 99u, "1.10", opTrue);
	F_("wsws", opInfoKeyField, "CFBundleVersion", 99u, "1.10");

	/* entitlements */
	T_("wsw", opEntitlementField, "com.apple.security.app-sandbox", matchExists);
	F_("wsws", opEntitlementField, "com.apple.security.app-sandbox", matchEqual, "true");
	T_("wsws", opEntitlementField, "keychain-access-groups", matchEqual, "TEAM123456.com.acme");
	T_("wsws", opEntitlementField, "com.apple.application-identifier", matchBeginsWith, "TEAM123456.");
	T_("wsw", opEntitlementField, "get-task-allow", matchAbsent);
	F_("wsw", opEntitlementField, "get-task-allow", matchExists);

	/* no Info.plist, no entitlements: every key is kCFNull */
	fx.ctx.info = NULL;
	fx.ctx.entitlements = NULL;
	T_("wsw", opInfoKeyField, "CFBundleVersion", matchAbsent);
	F_("wsw", opInfoKeyField, "CFBundleVersion", matchExists);
	F_("wss", opInfoKeyValue, "CFBundleVersion", "1.10");
	T_("wsw", opEntitlementField, "com.apple.security.app-sandbox", matchAbsent);
	F_("wsw", opEntitlementField, "com.apple.security.app-sandbox", matchExists);
	/* match operands must be UTF-8 (makeCFString throws) */
	ERR(SIGFS_EMALFORMED, -67052, "wsws", opInfoKeyField, "K", matchEqual, "\xff");
}

static void test_certificate_fields(void **state)
{
	sigfs_req_result res;
	bytes b;

	(void)state;
	T_("wwsws", opCertField, 0u, "subject.CN", matchEqual, "Developer ID Application: Acme (TEAM123456)");
	T_("wwsws", opCertField, 0u, "subject.OU", matchEqual, "TEAM123456");
	T_("wwsws", opCertField, 0u, "subject.O", matchBeginsWith, "Acme");
	T_("wwsws", opCertField, 0u, "subject.C", matchEqual, "US");
	T_("wwsws", opCertField, 1u, "subject.O", matchEqual, "Apple Inc.");
	T_("wwsws", opCertField, (uint32_t)-2, "subject.CN", matchContains, "Code Signing");
	T_("wwsws", opCertField, (uint32_t)-1, "subject.CN", matchEqual, "Acme Root");
	T_("wwsw", opCertField, 0u, "subject.CN", matchExists);
	b = req("wwsws", opCertField, 0u, "subject.OU", matchEqual, "OTHER");
	assert_int_equal(run(&b, &res), SIGFS_OK);
	assert_int_equal(res.verdict, SIGFS_REQ_FALSE);
	assert_string_equal(res.why, "certificate leaf[subject.OU] = OTHER: the value is \"TEAM123456\"");
	/* a field the certificate lacks is false, whatever the operator */
	F_("wwsw", opCertField, 0u, "subject.STREET", matchExists);
	F_("wwsw", opCertField, 0u, "subject.STREET", matchAbsent);
	/* a key Apple does not know, or a certificate that is not there */
	F_("wwsw", opCertField, 0u, "subject.XX", matchExists);
	F_("wwsw", opCertField, 3u, "subject.CN", matchExists);
	F_("wwsw", opCertField, 3u, "subject.CN", matchAbsent);
	/* email: subjectAltName and subject addresses, any of them */
	T_("wwsws", opCertField, 0u, "email", matchEqual, "alt@acme.test");
	T_("wwsws", opCertField, 0u, "email", matchEqual, "dev@acme.test");
	F_("wwsws", opCertField, 0u, "email", matchEqual, "x@acme.test");
	/* an empty array exists (SecCertificateCopyEmailAddresses never fails) */
	T_("wwsw", opCertField, 2u, "email", matchExists);
	F_("wwsws", opCertField, 2u, "email", matchEqual, "");
	/* the last value of a repeated attribute wins */
	set_leaf(&fx.leaf2);
	T_("wwsws", opCertField, 0u, "subject.OU", matchEqual, "second");
	F_("wwsws", opCertField, 0u, "subject.OU", matchEqual, "first");
	reset(state);

	/* certificate N[field.OID]: extension present -> true, else kCFNull */
	T_("wwow", opCertGeneric, 0u, oid_devid_leaf, sizeof oid_devid_leaf, matchExists);
	T_("wwow", opCertGeneric, 1u, oid_devid_ca, sizeof oid_devid_ca, matchExists);
	F_("wwow", opCertGeneric, 0u, oid_devid_ca, sizeof oid_devid_ca, matchExists);
	T_("wwow", opCertGeneric, 0u, oid_devid_ca, sizeof oid_devid_ca, matchAbsent);
	F_("wwow", opCertGeneric, 0u, oid_devid_leaf, sizeof oid_devid_leaf, matchAbsent);
	F_("wwows", opCertGeneric, 0u, oid_devid_leaf, sizeof oid_devid_leaf, matchEqual, "1");
	F_("wwow", opCertGeneric, 7u, oid_devid_leaf, sizeof oid_devid_leaf, matchAbsent);
	/* certificate N[policy.OID] */
	T_("wwow", opCertPolicy, 0u, oid_apple_policy, sizeof oid_apple_policy, matchExists);
	F_("wwow", opCertPolicy, 2u, oid_apple_policy, sizeof oid_apple_policy, matchExists);
	T_("wwow", opCertPolicy, 2u, oid_apple_policy, sizeof oid_apple_policy, matchAbsent);
	/* certificate N[timestamp.OID]: a UTF8String of GeneralizedTime */
	T_("wwowq", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchOn, CF(1551398400));
	T_("wwowq", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchBefore,
	   CF(1551398400) + 1);
	F_("wwowq", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchAfter, CF(1551398400));
	T_("wwowq", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchOnOrAfter,
	   CF(1551398400));
	T_("wwow", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchExists);
	F_("wwows", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchEqual,
	   "20190301000000Z");
	T_("wwow", opCertFieldDate, 2u, oid_devid_date, sizeof oid_devid_date, matchAbsent);
	/* no certificate is kCFNull here (not false, as elsewhere) */
	T_("wwow", opCertFieldDate, 9u, oid_devid_date, sizeof oid_devid_date, matchAbsent);
	F_("wwow", opCertFieldDate, 9u, oid_devid_date, sizeof oid_devid_date, matchExists);
	/* not a UTF8String: no date */
	set_leaf(&fx.leaf_badate);
	T_("wwow", opCertFieldDate, 0u, oid_devid_date, sizeof oid_devid_date, matchAbsent);
}

static void test_offline_and_logic(void **state)
{
	sigfs_req_result res;
	bytes b;

	(void)state;
	U_("w", opNotarized);
	/* three-valued and/or/not */
	F_("www", opAnd, opNotarized, opFalse);
	F_("www", opAnd, opFalse, opNotarized);
	U_("www", opAnd, opNotarized, opTrue);
	T_("www", opAnd, opTrue, opTrue);
	T_("www", opOr, opNotarized, opTrue);
	U_("www", opOr, opFalse, opNotarized);
	F_("www", opOr, opFalse, opFalse);
	T_("ww", opNot, opFalse);
	U_("ww", opNot, opNotarized);
	b = req("ww", opNot, opTrue);
	assert_int_equal(run(&b, &res), SIGFS_OK);
	assert_int_equal(res.verdict, SIGFS_REQ_FALSE);
	assert_string_equal(res.why, "! always: the negated term holds");
	b = req("wwsw", opAnd, opIdent, "other", opTrue);
	assert_int_equal(run(&b, &res), SIGFS_OK);
	assert_string_equal(res.why, "identifier other: the identifier is \"com.acme.tool\"");
	/* the why is one line whatever the names hold */
	fx.ctx.identifier = "two\nlines";
	b = req("ws", opIdent, "a\tb\nc");
	assert_int_equal(run(&b, &res), SIGFS_OK);
	assert_string_equal(res.why, "identifier \"a?b?c\": the identifier is \"two?lines\"");
	fx.ctx.identifier = "com.acme.tool";
	/* both operands are evaluated: an error on the right is an error */
	ERR(SIGFS_EMALFORMED, -67052, "www", opOr, opTrue, opIdent);
	ERR(SIGFS_EMALFORMED, -67052, "www", opAnd, opFalse, opAnchorHash);

	/* legacy: Developer ID date before 2019-04-07, timestamp before 2019-06-01 */
	fx.ctx.has_timestamp = 1;
	fx.ctx.timestamp = 1556668800; /* 2019-05-01 */
	T_("w", opLegacyDevID);
	fx.ctx.timestamp = 1561939200; /* 2019-07-01: Apple's legacy list decides */
	U_("w", opLegacyDevID);
	fx.ctx.has_timestamp = 0;
	U_("w", opLegacyDevID);
	fx.ctx.has_timestamp = 1;
	fx.ctx.timestamp = 1556668800;
	set_leaf(&fx.leaf_late); /* account created 2019-05-01 */
	F_("w", opLegacyDevID);
	set_leaf(&fx.leaf_badate);
	F_("w", opLegacyDevID);
	set_leaf(&fx.leaf2); /* no date: the timestamp decides */
	T_("w", opLegacyDevID);
	fx.ctx.ncerts = 0;
	F_("w", opLegacyDevID);
}

static void test_unknown_opcodes_and_errors(void **state)
{
	sigfs_req_result res;
	bytes b;
	int i;

	(void)state;
	/* opGenericFalse: skip the sized operand, false */
	F_("www", 0x80000000u | 77u, 4u, 0x01020304u);
	/* opGenericSkip: skip it, then evaluate what follows */
	T_("wwww", 0x40000000u | 77u, 4u, 0x01020304u, opTrue);
	F_("wwww", 0x40000000u | 77u, 4u, 0x01020304u, opFalse);
	ERR(SIGFS_EMALFORMED, -67052, "ww", 0x40000000u | 77u, 400u);
	/* no flag: errSecCSUnimplemented */
	ERR(SIGFS_EUNSUPPORTED, -67072, "w", 77u);
	ERR(SIGFS_EMALFORMED, -67052, "");

	/* kind other than exprForm: errSecCSReqUnsupported */
	b = req("w", opTrue);
	b.p[11] = 2;
	assert_int_equal(run(&b, &res), SIGFS_EUNSUPPORTED);
	assert_int_equal(res.osstatus, -67051);
	/* bad magic, a length past the bytes */
	b = req("w", opTrue);
	b.p[0] = 0;
	assert_int_equal(run(&b, &res), SIGFS_EMALFORMED);
	b = req("w", opTrue);
	b.p[7] += 4;
	assert_int_equal(run(&b, &res), SIGFS_EMALFORMED);
	/* reads stop at the blob's own length, not the buffer's */
	b = req("ww", opNot, opTrue);
	b.p[7] -= 4;
	assert_int_equal(run(&b, &res), SIGFS_EMALFORMED);

	/* Apple's stackLimit: 998 nested "not" and a constant (999 levels)
	 * evaluate; one more level is errSecCSReqInvalid */
	memset(&b, 0, sizeof b);
	b_w32(&b, CSMAGIC_REQUIREMENT);
	b_w32(&b, 0);
	b_w32(&b, 1);
	for (i = 0; i < 998; i++)
		b_w32(&b, opNot);
	b_w32(&b, opTrue);
	b_set32(&b, 4, (uint32_t)b.n);
	assert_int_equal(sigfs_req_evaluate(&res, b.p, b.n, &fx.ctx), SIGFS_OK);
	assert_int_equal(res.verdict, SIGFS_REQ_TRUE); /* an even number of nots */
	b.n -= 4;
	b_w32(&b, opNot);
	b_w32(&b, opTrue);
	b_set32(&b, 4, (uint32_t)b.n);
	assert_int_equal(run(&b, &res), SIGFS_EMALFORMED);
	assert_int_equal(res.osstatus, -67052);
}

/* A 1 MiB Info.plist string matched by many terms exceeds the work bound:
 * an error, not minutes of work. */
static void test_work_bound(void **state)
{
	sigfs_buf xml = SIGFS_BUF_INIT;
	sigfs_plist *pl = NULL;
	bytes b = {0};
	sigfs_req_result res;
	size_t i;

	(void)state;
	sigfs_buf_puts(&xml, "<plist version=\"1.0\"><dict><key>Big</key><string>");
	for (i = 0; i < ((size_t)1 << 20) / 16; i++)
		sigfs_buf_puts(&xml, "aaaaaaaaaaaaaaaa");
	sigfs_buf_puts(&xml, "</string></dict></plist>");
	assert_int_equal(sigfs_plist_from_xml(&pl, (const uint8_t *)xml.ptr, xml.len), SIGFS_OK);
	fx.ctx.info = sigfs_plist_root(pl);
	b_w32(&b, CSMAGIC_REQUIREMENT);
	b_w32(&b, 0);
	b_w32(&b, 1);
	for (i = 0; i < 100; i++) {
		b_w32(&b, opAnd);
		b_w32(&b, opInfoKeyField);
		b_data(&b, "Big", 3);
		b_w32(&b, matchContains);
		b_data(&b, "b", 1);
	}
	b_w32(&b, opTrue);
	b_set32(&b, 4, (uint32_t)b.n);
	assert_int_equal(run(&b, &res), SIGFS_EUNSUPPORTED);
	assert_non_null(strstr(sigfs_error_last(), "steps"));
	sigfs_plist_free(pl);
	sigfs_buf_free(&xml);
}

/* ---- the corpus: real designated requirements, explicit and implicit ---- */

/* Build fx.ctx from one slice of a corpus file (no user anchors). */
static void corpus_ctx(json_t *slice, uint8_t **der, size_t *len, size_t *n)
{
	json_t *certs = json_object_get(slice, "certificates");
	size_t i;

	memset(&fx.ctx, 0, sizeof fx.ctx);
	fx.ctx.identifier = json_string_value(json_object_get(slice, "identifier"));
	{
		bytes h = unhex(json_string_value(json_object_get(slice, "cdhash")));

		assert_int_equal(h.n, sizeof fx.ctx.cdhash);
		memcpy(fx.ctx.cdhash, h.p, h.n);
		free(h.p);
	}
	fx.ctx.team_id = json_string_value(json_object_get(slice, "team_id"));
	*n = json_array_size(certs);
	assert_true(*n <= 3);
	for (i = 0; i < *n; i++) {
		der[i] =
		    pem_to_der(json_string_value(json_object_get(json_array_get(certs, i), "pem")), &len[i]);
		assert_non_null(der[i]);
	}
	fx.ctx.certs = (const uint8_t *const *)der;
	fx.ctx.cert_lens = len;
	fx.ctx.ncerts = *n;
}

static void expect_blob(const uint8_t *blob, size_t len, int verdict)
{
	sigfs_req_result res;

	if (sigfs_req_evaluate(&res, blob, len, &fx.ctx) != SIGFS_OK)
		fail_msg("evaluate: %s", sigfs_error_last());
	if (res.verdict != verdict)
		fail_msg("verdict %d, expected %d: %s", res.verdict, verdict, res.why);
}

static void test_corpus_developer_id(void **state)
{
	static const char *const ids[] = {"codex-libffi-dylib", "sentry-cli-universal"};
	size_t k, s;

	(void)state;
	for (k = 0; k < 2; k++) {
		json_t *j = load_expected(ids[k]), *slices = json_object_get(j, "slices");

		for (s = 0; s < json_array_size(slices); s++) {
			json_t *slice = json_array_get(slices, s);
			json_t *reqs = json_object_get(slice, "requirements");
			uint8_t *der[3] = {0};
			size_t len[3], n, i;
			bytes blob;
			sigfs_buf dr = SIGFS_BUF_INIT;

			corpus_ctx(slice, der, len, &n);
			/* the explicit designated requirement, as stored */
			assert_int_equal(json_integer_value(json_object_get(json_array_get(reqs, 0), "type")),
					 3);
			blob = unhex(json_string_value(json_object_get(json_array_get(reqs, 0), "blob_hex")));
			expect_blob(blob.p, blob.n, SIGFS_REQ_TRUE);
			/* so does the same requirement compiled from its text, as a
			 * sealed nested-code requirement is */
			{
				const char *text =
				    json_string_value(json_object_get(json_array_get(reqs, 0), "text"));

				assert_int_equal(sigfs_req_compile(&dr, text, strlen(text)), SIGFS_OK);
				expect_blob((const uint8_t *)dr.ptr, dr.len, SIGFS_REQ_TRUE);
				sigfs_buf_clear(&dr);
			}
			/* the implicit one DRMaker would make satisfies it too */
			assert_int_equal(
			    sigfs_dr_make_cert(&dr, fx.ctx.identifier, (const uint8_t *const *)der, len, n),
			    SIGFS_OK);
			expect_blob((const uint8_t *)dr.ptr, dr.len, SIGFS_REQ_TRUE);
			/* other code under the same requirement does not */
			fx.ctx.identifier = "com.example.other";
			expect_blob(blob.p, blob.n, SIGFS_REQ_FALSE);
			expect_blob((const uint8_t *)dr.ptr, dr.len, SIGFS_REQ_FALSE);
			/* nor does the same code with a chain cut short of Apple's root */
			fx.ctx.identifier = json_string_value(json_object_get(slice, "identifier"));
			fx.ctx.ncerts = n - 1;
			expect_blob(blob.p, blob.n, SIGFS_REQ_FALSE);
			sigfs_buf_free(&dr);
			free(blob.p);
			for (i = 0; i < n; i++)
				free(der[i]);
		}
		json_decref(j);
	}
}

static void test_corpus_adhoc(void **state)
{
	static const char *const ids[] = {"sharp-node-arm64", "esbuild-arm64", "swc-node-arm64",
					  "fsevents-universal"};
	size_t k, s, tested = 0;

	(void)state;
	for (k = 0; k < 4; k++) {
		json_t *j = load_expected(ids[k]), *slices = json_object_get(j, "slices");

		for (s = 0; s < json_array_size(slices); s++) {
			json_t *slice = json_array_get(slices, s);
			uint8_t *der[3] = {0};
			uint8_t h[1][20];
			size_t len[3], n;
			sigfs_buf dr = SIGFS_BUF_INIT;

			if (!json_is_true(json_object_get(slice, "signed")))
				continue;
			corpus_ctx(slice, der, len, &n);
			assert_int_equal(n, 0);
			memcpy(h[0], fx.ctx.cdhash, 20);
			assert_int_equal(sigfs_dr_make_adhoc(&dr, (const uint8_t(*)[20])h, 1), SIGFS_OK);
			expect_blob((const uint8_t *)dr.ptr, dr.len, SIGFS_REQ_TRUE);
			fx.ctx.cdhash[19] ^= 1;
			expect_blob((const uint8_t *)dr.ptr, dr.len, SIGFS_REQ_FALSE);
			sigfs_buf_free(&dr);
			tested++;
		}
		json_decref(j);
	}
	assert_int_equal(tested, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_constants_identifier_cdhash, reset),
	    cmocka_unit_test_setup(test_anchors, reset),
	    cmocka_unit_test_setup(test_info_and_entitlements, reset),
	    cmocka_unit_test_setup(test_certificate_fields, reset),
	    cmocka_unit_test_setup(test_offline_and_logic, reset),
	    cmocka_unit_test_setup(test_unknown_opcodes_and_errors, reset),
	    cmocka_unit_test_setup(test_work_bound, reset),
	    cmocka_unit_test(test_corpus_developer_id),
	    cmocka_unit_test(test_corpus_adhoc),
	};

	return cmocka_run_group_tests_name("reqeval", tests, setup, teardown);
}
