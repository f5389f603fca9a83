/* Unit tests for core/verify.c and core/cms_verify.c on the real corpus
 * files (tests/corpus, expectations from tests/corpus/expected/<id>.json) and
 * on copies tampered at test time, each with its verdict written from
 * VERIFY-NOTES (§2.1 order, §2.6 codes, §3.2-3.4, §8 scenarios). Expected
 * page hashes are computed here with OpenSSL's SHA-256 over the page bytes,
 * not by the code under test. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "../../core/verdict.h"
#include "sigfs/file.h"
#include "sigfs/memsource.h"
#include "sigfs/tree.h"
#include "sigfs/trust.h"
#include "sigfs/verify.h"

#define SHARP	 "tests/corpus/files/sharp-node-arm64/sharp-darwin-arm64.node"
#define CODEX	 "tests/corpus/files/codex-libffi-dylib/libffi.8.dylib"
#define FSEVENTS "tests/corpus/files/fsevents-universal/fsevents.node"
#define NOTIFIER "tests/corpus/bundles/terminal-notifier.app/Contents/MacOS/terminal-notifier"

/* tests/corpus/expected/<id>.json */
#define SHARP_LIMIT   260112 /* code_limit = lc_code_signature.dataoff */
#define SHARP_SIG     260112
#define SHARP_CD_OFF  20 /* superblob blob slot 0 offset */
#define CODEX_LIMIT   119360
#define CODEX_SIG     119360
#define CODEX_REQ_OFF 1205 /* slot 2 blob offset, length 200 */
#define CODEX_CMS_OFF 1405 /* slot 0x10000 blob offset, length 9055 */
#define CODEX_CMS_LEN 9055
#define FSEV_ARM_OFF  98304
#define PAGE	      4096 /* page_size of all three */
/* 2026-11-13T06:41:05Z timestamp_time; the run's "now" for expiry */
#define NOW 1800000000

#include "readall.h"

struct run {
	sigfs_memtree *t;
	sigfs_source src;
	sigfs_file *f;
	sigfs_verdict *v;
	sigfs_buf text, status;
};

static int mem_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	return sigfs_source_read_exact(ctx, "", off, dst, len);
}

/* Load bytes as file "" of a memory tree and verify it. */
static void verify_bytes(struct run *r, const uint8_t *p, size_t n, int only, const sigfs_anchors *anchors)
{
	struct sigfs_verify_in in;
	size_t i;

	memset(r, 0, sizeof *r);
	r->t = sigfs_mem_new(1);
	assert_non_null(r->t);
	assert_int_equal(sigfs_mem_add_file(r->t, "", p, n, 0644), SIGFS_OK);
	sigfs_mem_source(r->t, &r->src);
	assert_int_equal(sigfs_file_load(&r->f, mem_read, &r->src, n), SIGFS_OK);
	memset(&in, 0, sizeof in);
	in.src = &r->src;
	in.rel = "";
	in.anchors = anchors;
	in.now = NOW;
	in.only_slice = only;
	/* Apple's order: arm64 first when present */
	for (i = 0; i < r->f->nslices; i++)
		if (strcmp(r->f->slices[i].arch, "arm64") == 0)
			in.primary = i;
	assert_int_equal(sigfs_verify_file(&r->v, r->f, &in), SIGFS_OK);
	sigfs_verdict_text(&r->text, r->v, "F");
	sigfs_verdict_status_line(&r->status, r->v);
	assert_int_equal(sigfs_buf_status(&r->text), SIGFS_OK);
	assert_int_equal(sigfs_buf_status(&r->status), SIGFS_OK);
}

static void run_free(struct run *r)
{
	sigfs_verdict_free(r->v);
	sigfs_file_free(r->f);
	sigfs_mem_free(r->t);
	sigfs_buf_free(&r->text);
	sigfs_buf_free(&r->status);
}

static void verify_file(struct run *r, const char *path, long flip, int only)
{
	size_t n = 0;
	uint8_t *p = read_all(path, &n);

	assert_non_null(p);
	if (flip >= 0) {
		assert_true((size_t)flip < n);
		p[flip] ^= 0x01;
	}
	verify_bytes(r, p, n, only, NULL);
	free(p);
}

/* The check line named `name` (and whose detail starts with `detail`). */
static const struct sigfs_check_line *check(const struct sigfs_slice_verdict *sv, const char *name,
					    const char *detail)
{
	size_t i;

	for (i = 0; i < sv->nchecks; i++)
		if (strcmp(sv->checks[i].name, name) == 0 &&
		    (!detail || strncmp(sv->checks[i].detail, detail, strlen(detail)) == 0))
			return &sv->checks[i];
	return NULL;
}

static void assert_check(const struct sigfs_slice_verdict *sv, const char *name, int result,
			 const char *detail)
{
	const struct sigfs_check_line *c = check(sv, name, NULL);

	if (!c)
		fail_msg("no check %s", name);
	if (c->result != result || (detail && strcmp(c->detail, detail) != 0))
		fail_msg("check %s: %s %s, expected %s %s", name, sigfs_check_result_name(c->result),
			 c->detail, sigfs_check_result_name(result), detail ? detail : "");
}

static void test_linker_signed_valid(void **state)
{
	struct run r;

	(void)state;
	verify_file(&r, SHARP, -1, -1);
	/* VERIFY-NOTES §8 scenario 1 (the DR line needs the interpreter) */
	assert_string_equal(r.status.ptr, "valid\n");
	assert_true(strncmp(r.text.ptr, "F: valid on disk\n", 17) == 0);
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_ADHOC, "");
	assert_check(&r.v->slices[0], "pages sha256", SIGFS_CHECK_OK, "64/64"); /* n_code_slots 64 */
	assert_check(&r.v->slices[0], "strict-linkedit", SIGFS_CHECK_OK, "");
	assert_check(&r.v->slices[0], "strict-code-limit", SIGFS_CHECK_OK, "");
	assert_check(&r.v->slices[0], "revocation", SIGFS_CHECK_UNVERIFIABLE, "(offline)");
	assert_int_equal(r.v->slices[0].nmismatches, 0);
	run_free(&r);
}

static void test_developer_id_valid(void **state)
{
	static const uint8_t cdhash2[32] = {0xd2, 0xa4, 0x4a, 0x00, 0x5a, 0x3c, 0x1e, 0x68, 0x21, 0xd0, 0xc9,
					    0x75, 0xc7, 0x96, 0xaa, 0xbd, 0xa6, 0xf4, 0xca, 0x18, 0x2a, 0xf6,
					    0x58, 0xea, 0xbc, 0xf3, 0x1e, 0xef, 0x7f, 0x7e, 0xe4, 0x4d};
	static const char plist_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist";
	struct run r;
	const struct sigfs_slice_verdict *sv;

	(void)state;
	verify_file(&r, CODEX, -1, -1);
	sv = &r.v->slices[0];
	/* VERIFY-NOTES §8 scenario 5 */
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(sv, "codedirectory sha256", SIGFS_CHECK_OK, "");
	assert_check(sv, "cms", SIGFS_CHECK_OK, "digest=sha256");
	assert_check(sv, "cms-cdhashes", SIGFS_CHECK_OK, "");
	assert_check(sv, "cms-cdhashes2", SIGFS_CHECK_OK, "");
	assert_check(sv, "chain", SIGFS_CHECK_OK, "anchor=\"Apple Root CA\"");
	assert_check(sv, "team-id", SIGFS_CHECK_OK, "2DC432GLL2");
	assert_check(sv, "validity", SIGFS_CHECK_OK, "at=timestamp 2026-11-13T06:41:05Z");
	assert_check(sv, "pages sha256", SIGFS_CHECK_OK, "30/30");
	assert_check(sv, "slot 2 requirements", SIGFS_CHECK_OK, "");
	/* cms_cdhashes2: one value, sha256 OID, the full cdhash */
	assert_int_equal(sv->ncdhashes2, 1);
	assert_string_equal(sv->cdhashes2[0].alg, "sha256");
	assert_memory_equal(sv->cdhashes2[0].hash, cdhash2, 32);
	assert_non_null(sv->cdhashes_plist);
	assert_memory_equal(sv->cdhashes_plist, plist_head, sizeof plist_head - 1);
	assert_memory_equal(r.v->cdhash, cdhash2, 32);
	run_free(&r);
}

static void test_universal_unsigned_slice(void **state)
{
	struct run r;

	(void)state;
	/* §8 scenario 8: x86_64 unsigned + arm64 linker-signed */
	verify_file(&r, FSEVENTS, -1, -1);
	assert_string_equal(r.text.ptr, "F: code object is not signed at all\nIn architecture: x86_64\n");
	assert_string_equal(r.status.ptr, "invalid -67062 errSecCSUnsigned\n");
	assert_string_equal(r.v->slices[0].arch, "arm64");
	run_free(&r);
	/* each slice alone */
	verify_file(&r, FSEVENTS, -1, 0);
	assert_string_equal(r.text.ptr, "F: code object is not signed at all\nIn architecture: x86_64\n");
	run_free(&r);
	verify_file(&r, FSEVENTS, -1, 1);
	assert_string_equal(r.status.ptr, "valid\n");
	run_free(&r);
}

static void test_truncated_universal(void **state)
{
	struct run r;
	size_t n = 0;
	uint8_t *p = read_all(FSEVENTS, &n);

	(void)state;
	/* cut inside the arm64 slice (98304 + 65322 bytes): a verdict, never
	 * an error, and no read past the end (the gap check stops there) */
	assert_non_null(p);
	verify_bytes(&r, p, 120000, -1, NULL);
	assert_int_not_equal(r.v->status, 0);
	assert_check(&r.v->slices[0], "strict-universal", SIGFS_CHECK_FAIL, "");
	run_free(&r);
	free(p);
}

static void test_unsigned_thin(void **state)
{
	struct run r;

	(void)state;
	/* terminal-notifier-unsigned: thin x86_64, no LC_CODE_SIGNATURE */
	verify_file(&r, NOTIFIER, -1, -1);
	assert_string_equal(r.text.ptr, "F: code object is not signed at all\nIn architecture: x86_64\n");
	assert_string_equal(r.status.ptr, "invalid -67062 errSecCSUnsigned\n");
	assert_check(&r.v->slices[0], "codedirectory", SIGFS_CHECK_ABSENT, "");
	run_free(&r);
}

/* One mismatching page: its line and an expected hash computed here. */
static void expect_one_page(const char *path, size_t flip, size_t page, size_t size)
{
	size_t n = 0;
	uint8_t *orig = read_all(path, &n), actual[32];
	struct run r;
	const struct sigfs_page_mismatch *m;

	assert_non_null(orig);
	verify_file(&r, path, (long)flip, -1);
	assert_string_equal(r.text.ptr, "F: invalid signature (code or signature have been modified)\n"
					"In architecture: arm64\n");
	assert_string_equal(r.status.ptr, "invalid -67061 errSecCSSignatureFailed\n");
	assert_int_equal(r.v->slices[0].nmismatches, 1);
	m = &r.v->slices[0].mismatches[0];
	assert_int_equal(m->page, page);
	assert_int_equal(m->offset, page * PAGE);
	assert_int_equal(m->size, size);
	/* expected: SHA-256 of the original page; actual: of the tampered one */
	SHA256(orig + page * PAGE, size, actual);
	assert_memory_equal(m->expected, actual, 32);
	orig[flip] ^= 1;
	SHA256(orig + page * PAGE, size, actual);
	assert_memory_equal(m->actual, actual, 32);
	run_free(&r);
	free(orig);
}

static void test_page_middle(void **state)
{
	(void)state;
	expect_one_page(SHARP, 30 * PAGE + 123, 30, PAGE);
}

static void test_page_last_partial(void **state)
{
	(void)state;
	/* code limit 260112 = 63 pages + 2064: the last page is 2064 bytes */
	expect_one_page(SHARP, SHARP_LIMIT - 1, 63, SHARP_LIMIT % PAGE);
}

static void test_adhoc_cd_tampered(void **state)
{
	struct run r, orig;

	(void)state;
	/* §8 scenario 4: an identifier byte of the ad-hoc CD: still valid,
	 * another cdhash. The identifier follows the 0x58-byte v0x20400
	 * header of the CD at SHARP_SIG + SHARP_CD_OFF. */
	verify_file(&orig, SHARP, -1, -1);
	verify_file(&r, SHARP, SHARP_SIG + SHARP_CD_OFF + 0x58, -1);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_memory_not_equal(r.v->cdhash, orig.v->cdhash, 32);
	run_free(&r);
	run_free(&orig);
}

static void test_cms_signature_flipped(void **state)
{
	struct run r;
	size_t n = 0;
	uint8_t *p = read_all(CODEX, &n);
	size_t at;

	(void)state;
	assert_non_null(p);
	/* §8 scenario 6: the RSA signature value is the last OCTET STRING
	 * before the unsigned attributes; flip a byte of the signer's 256-byte
	 * value, found as the only 0x04 0x82 0x01 0x00 in the CMS. */
	for (at = CODEX_SIG + CODEX_CMS_OFF; at + 4 < CODEX_SIG + CODEX_CMS_OFF + CODEX_CMS_LEN; at++)
		if (p[at] == 0x04 && p[at + 1] == 0x82 && p[at + 2] == 0x01 && p[at + 3] == 0x00)
			break;
	assert_true(at + 4 < CODEX_SIG + CODEX_CMS_OFF + CODEX_CMS_LEN);
	p[at + 4 + 100] ^= 0x01;
	verify_bytes(&r, p, n, -1, NULL);
	assert_string_equal(r.text.ptr, "F: invalid signature (code or signature have been modified)\n"
					"In architecture: arm64\n");
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_FAIL, "signature");
	run_free(&r);
	free(p);
}

static void test_requirements_slot_flipped(void **state)
{
	struct run r;

	(void)state;
	/* a byte of the requirement set's payload: slot 2 fails (-67061) */
	verify_file(&r, CODEX, CODEX_SIG + CODEX_REQ_OFF + 40, -1);
	assert_string_equal(r.status.ptr, "invalid -67061 errSecCSSignatureFailed\n");
	assert_check(&r.v->slices[0], "slot 2 requirements", SIGFS_CHECK_FAIL, "");
	assert_int_equal(r.v->slices[0].nslots, 1);
	assert_int_equal(r.v->slices[0].slots[0].state, SIGFS_CHECK_FAIL);
	run_free(&r);
}

static void test_cdhashes_plist_attribute_flipped(void **state)
{
	struct run r;
	size_t n = 0, at;
	uint8_t *p = read_all(CODEX, &n);
	static const char key[] = "0qRKAFo8Hmgh0Ml1x5aqvab0yhg=";

	(void)state;
	assert_non_null(p);
	/* the base64 cdhash inside the CDHashes plist (a signed attribute) */
	for (at = CODEX_SIG + CODEX_CMS_OFF; at + sizeof key < n; at++)
		if (memcmp(p + at, key, sizeof key - 1) == 0)
			break;
	assert_true(at + sizeof key < n);
	p[at] = 'A';
	verify_bytes(&r, p, n, -1, NULL);
	assert_string_equal(r.status.ptr, "invalid -67061 errSecCSSignatureFailed\n");
	/* the signed attributes changed: the signature fails first */
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_FAIL, "signature");
	run_free(&r);
	free(p);
}

static void test_cdhashes_checks(void **state)
{
	uint8_t want[2][CS_CDHASH_LEN];
	static const char pl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
				 "<key>cdhashes</key><array><data>AAECAwQFBgcICQoLDA0ODxAREhM=</data>"
				 "<data>FBUWFxgZGhscHR4fICEiIyQlJic=</data></array></dict></plist>\n";
	/* SEQUENCE { OID sha256, OCTET STRING 3 bytes } */
	static const uint8_t v2[] = {0x30, 0x10, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
				     0x03, 0x04, 0x02, 0x01, 0x04, 0x03, 0xaa, 0xbb, 0xcc};
	struct sigfs_cdhash2 e;
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		want[i / 20][i % 20] = (uint8_t)i;
	assert_int_equal(sigfs_cdhashes_plist_check((const uint8_t *)pl, sizeof pl - 1,
						    (const uint8_t(*)[CS_CDHASH_LEN])want, 2),
			 1);
	/* order-sensitive, count-sensitive */
	assert_int_equal(sigfs_cdhashes_plist_check((const uint8_t *)pl, sizeof pl - 1,
						    (const uint8_t(*)[CS_CDHASH_LEN])want, 1),
			 0);
	want[1][19] ^= 1;
	assert_int_equal(sigfs_cdhashes_plist_check((const uint8_t *)pl, sizeof pl - 1,
						    (const uint8_t(*)[CS_CDHASH_LEN])want, 2),
			 0);
	assert_int_equal(
	    sigfs_cdhashes_plist_check((const uint8_t *)"junk", 4, (const uint8_t(*)[CS_CDHASH_LEN])want, 2),
	    SIGFS_EMALFORMED);
	assert_int_equal(sigfs_cdhash2_parse(v2, sizeof v2, &e), SIGFS_OK);
	assert_string_equal(e.alg, "sha256");
	assert_int_equal(e.len, 3);
	assert_int_equal(e.hash[2], 0xcc);
	assert_int_equal(sigfs_cdhash2_parse(v2, sizeof v2 - 1, &e), SIGFS_EMALFORMED);
}

/* ---- the rows, through the tree (sigfs/tree.h) ---- */

struct tree {
	sigfs_memtree *t;
	sigfs_source src;
	sigfs_subject *s;
};

static void tree_load(struct tree *t, const char *path, const char *rel, long flip)
{
	size_t n = 0;
	uint8_t *p = read_all(path, &n);

	assert_non_null(p);
	if (flip >= 0)
		p[flip] ^= 1;
	t->t = sigfs_mem_new(0);
	assert_int_equal(sigfs_mem_add_file(t->t, rel, p, n, 0644), SIGFS_OK);
	free(p);
	sigfs_mem_source(t->t, &t->src);
	assert_int_equal(sigfs_subject_load(&t->s, &t->src, rel, SIGFS_KIND_MACHO, NULL), SIGFS_OK);
}

static char *tree_render(struct tree *t, const char *path)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	if (sigfs_tree_render(&b, t->s, &t->src, path) != SIGFS_OK) {
		sigfs_buf_free(&b);
		return NULL;
	}
	sigfs_buf_putc(&b, '\0');
	return sigfs_buf_detach(&b, NULL);
}

static void tree_free(struct tree *t)
{
	sigfs_subject_free(t->s);
	sigfs_mem_free(t->t);
}

static void assert_render(struct tree *t, const char *path, const char *want)
{
	char *got = tree_render(t, path);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_rows_developer_id(void **state)
{
	struct tree t;
	char *got;

	(void)state;
	tree_load(&t, CODEX, "lib/libffi.8.dylib", -1);
	/* expensive rows are flagged; listing renders nothing */
	assert_int_equal(sigfs_tree_node(t.s, "verify"), SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE);
	assert_int_equal(sigfs_tree_node(t.s, "checks"), SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE);
	assert_int_equal(sigfs_tree_node(t.s, "slot-hashes"), SIGFS_NODE_FILE);
	assert_render(&t, "verify-status", "valid\n");
	/* codesign's two lines; the explicit DR (anchor apple generic, the
	 * Developer ID markers, leaf OU 2DC432GLL2) holds */
	assert_render(&t, "verify",
		      "lib/libffi.8.dylib: valid on disk\n"
		      "lib/libffi.8.dylib: satisfies its Designated Requirement\n");
	assert_render(&t, "page-mismatches", "");
	/* expected/codex-libffi-dylib.json: cms_cdhashes2, special_slot_hashes["2"],
	 * n_special_slots 2 (slot 1 absent, no __info_plist) */
	assert_render(&t, "cms-cdhashes2",
		      "sha256 d2a44a005a3c1e6821d0c975c796aabda6f4ca182af658eabcf31eef7f7ee44d\n");
	assert_render(&t, "slot-hashes",
		      "2\trequirements\taed2878651cf56126c282d705b6e28a8447c94f4e046084bccf04605ff88c2e6\t"
		      "aed2878651cf56126c282d705b6e28a8447c94f4e046084bccf04605ff88c2e6\tok\n");
	/* cms_cdhashes_plist, byte for byte */
	assert_render(
	    &t, "cms-cdhashes.plist",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST "
	    "1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n"
	    "\t<key>cdhashes</key>\n\t<array>\n\t\t<data>\n\t\t0qRKAFo8Hmgh0Ml1x5aqvab0yhg=\n\t\t</data>\n"
	    "\t</array>\n</dict>\n</plist>\n");
	got = tree_render(&t, "checks");
	assert_non_null(got);
	assert_non_null(strstr(got, "\ncms ok digest=sha256\ncms-cdhashes ok\ncms-cdhashes2 ok\n"
				    "chain ok anchor=\"Apple Root CA\"\nteam-id ok 2DC432GLL2\n"));
	assert_non_null(strstr(got, "\nrevocation unverifiable (offline)\n"));
	free(got);
	tree_free(&t);
}

static void test_rows_tampered_page(void **state)
{
	struct tree t;
	char *got, want[256];
	size_t n = 0;
	uint8_t *p = read_all(SHARP, &n), h[32];
	int k, len = 0;

	(void)state;
	assert_non_null(p);
	tree_load(&t, SHARP, "sharp.node", 5 * PAGE + 7);
	assert_render(&t, "verify",
		      "sharp.node: invalid signature (code or signature have been modified)\n"
		      "In architecture: arm64\n");
	assert_render(&t, "verify-status", "invalid -67061 errSecCSSignatureFailed\n");
	/* expected = SHA-256 of the original page 5, actual = of the changed one */
	len = snprintf(want, sizeof want, "sha256 page 5 offset 0x5000 size 4096 expected ");
	SHA256(p + 5 * PAGE, PAGE, h);
	for (k = 0; k < 32; k++)
		len += snprintf(want + len, sizeof want - (size_t)len, "%02x", h[k]);
	len += snprintf(want + len, sizeof want - (size_t)len, " actual ");
	p[5 * PAGE + 7] ^= 1;
	SHA256(p + 5 * PAGE, PAGE, h);
	for (k = 0; k < 32; k++)
		len += snprintf(want + len, sizeof want - (size_t)len, "%02x", h[k]);
	snprintf(want + len, sizeof want - (size_t)len, "\n");
	assert_render(&t, "page-mismatches", want);
	got = tree_render(&t, "checks");
	if (!strstr(got, "\npages sha256 fail first=5\n"))
		fail_msg("%s", got);
	free(got);
	free(p);
	tree_free(&t);
}

static void test_rows_linker_signed(void **state)
{
	struct tree t;

	(void)state;
	/* §8 scenario 1: the implicit DR of ad-hoc code is its cdhash */
	tree_load(&t, SHARP, "sharp.node", -1);
	assert_render(&t, "verify",
		      "sharp.node: valid on disk\nsharp.node: satisfies its Designated Requirement\n");
	tree_free(&t);
}

static void test_rows_universal(void **state)
{
	struct tree t;

	(void)state;
	tree_load(&t, FSEVENTS, "fsevents.node", -1);
	assert_render(&t, "verify",
		      "fsevents.node: code object is not signed at all\nIn architecture: x86_64\n");
	assert_render(&t, "arm64/verify-status", "valid\n");
	assert_render(&t, "x86_64/verify",
		      "fsevents.node: code object is not signed at all\n"
		      "In architecture: x86_64\n");
	assert_int_equal(sigfs_tree_node(t.s, "x86_64/page-mismatches"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_node(t.s, "x86_64/slot-hashes"), SIGFS_NODE_NONE);
	tree_free(&t);
}

/* ---- signatures made at test time (tests/unit/data/make-verify.sh) ---- */

static char fxdir[64];
static int have_fx;
static sigfs_anchors *test_root;

static int fx_setup(void **state)
{
	char cmd[256], path[128];
	size_t n = 0;
	uint8_t *pem;
	int rc;

	(void)state;
	snprintf(fxdir, sizeof fxdir, "/tmp/sigfs-verify-XXXXXX");
	if (!mkdtemp(fxdir))
		return -1;
	snprintf(cmd, sizeof cmd, "sh tests/unit/data/make-verify.sh '%s' >/dev/null 2>&1", fxdir);
	rc = system(cmd);
	if (rc != 0) {
		/* 77: no toolchain; the fixture tests then skip */
		fprintf(stderr, "make-verify.sh: exit %d%s\n", rc,
			WEXITSTATUS(rc) == 77 ? " (skipping)" : "");
		return WEXITSTATUS(rc) == 77 ? 0 : -1;
	}
	snprintf(path, sizeof path, "%s/pki/root.pem", fxdir);
	pem = read_all(path, &n);
	if (!pem || sigfs_anchors_from_pem(&test_root, (const char *)pem, n) != SIGFS_OK)
		return -1;
	free(pem);
	have_fx = 1;
	return 0;
}

static int fx_teardown(void **state)
{
	char cmd[128];

	(void)state;
	sigfs_anchors_free(test_root);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fxdir);
	return system(cmd) == 0 ? 0 : -1;
}

static uint8_t *read_fx(const char *name, size_t *n)
{
	char path[128];
	uint8_t *p;

	if (!have_fx)
		skip();
	snprintf(path, sizeof path, "%s/%s", fxdir, name);
	p = read_all(path, n);
	assert_non_null(p);
	return p;
}

/* Verify the bytes of a fixture, with or without the test root. */
static void verify_fx_bytes(struct run *r, uint8_t *p, size_t n, int anchors, int64_t now)
{
	struct sigfs_verify_in in;

	memset(r, 0, sizeof *r);
	r->t = sigfs_mem_new(1);
	assert_int_equal(sigfs_mem_add_file(r->t, "", p, n, 0644), SIGFS_OK);
	free(p);
	sigfs_mem_source(r->t, &r->src);
	assert_int_equal(sigfs_file_load(&r->f, mem_read, &r->src, n), SIGFS_OK);
	memset(&in, 0, sizeof in);
	in.src = &r->src;
	in.rel = "";
	in.anchors = anchors ? test_root : NULL;
	in.now = now ? now : (int64_t)time(NULL);
	in.only_slice = -1;
	in.primary = r->f->nslices > 1 ? 1 : 0; /* lipo puts x86_64 first, arm64 second */
	assert_int_equal(sigfs_verify_file(&r->v, r->f, &in), SIGFS_OK);
	sigfs_verdict_text(&r->text, r->v, "F");
	sigfs_verdict_status_line(&r->status, r->v);
}

/* Verify fixture `name`, with a byte flipped `skip` bytes into the first
 * occurrence of `needle` when there is one. */
static void verify_fx(struct run *r, const char *name, const char *needle, size_t skip, int anchors,
		      int64_t now)
{
	size_t n = 0;
	uint8_t *p = read_fx(name, &n);

	if (needle) {
		uint8_t *at = memmem(p, n, needle, strlen(needle));

		assert_non_null(at);
		at[skip] ^= 1;
	}
	verify_fx_bytes(r, p, n, anchors, now);
}

#define Y2045 2366841600 /* 2045-01-01T00:00:00Z (date -u -d 2045-01-01 +%s) */

static void test_fx_devid_anchored(void **state)
{
	struct run r;
	const struct sigfs_check_line *c;

	(void)state;
	verify_fx(&r, "devid", NULL, 0, 1, 0);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(&r.v->slices[0], "chain", SIGFS_CHECK_OK, "anchor=\"Verify Test Root\"");
	/* an anchors= root counts as Apple's: the Developer ID markers make
	 * the team id checked against the leaf's OU */
	assert_check(&r.v->slices[0], "team-id", SIGFS_CHECK_OK, "VTEAM12345");
	assert_check(&r.v->slices[0], "timestamp", SIGFS_CHECK_OK, "anchor=\"Verify Test Root\"");
	assert_check(&r.v->slices[0], "slot 5 entitlements", SIGFS_CHECK_OK, "");
	c = check(&r.v->slices[0], "validity", NULL);
	assert_non_null(c);
	assert_true(strncmp(c->detail, "at=timestamp 20", 15) == 0);
	run_free(&r);
	/* decades later the timestamp still decides */
	verify_fx(&r, "devid", NULL, 0, 1, Y2045);
	assert_string_equal(r.status.ptr, "valid\n");
	run_free(&r);
}

static void test_fx_unknown_root(void **state)
{
	struct run r;

	(void)state;
	/* codesign evaluates trust with implicit anchors: a self-signed root
	 * that is no anchor leaves the signature valid on disk; only the
	 * designated requirement (anchor apple ...) can fail it */
	verify_fx(&r, "devid", NULL, 0, 0, 0);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(&r.v->slices[0], "chain", SIGFS_CHECK_FAIL, "not-anchored");
	assert_check(&r.v->slices[0], "team-id", SIGFS_CHECK_SKIPPED, "VTEAM12345 not-apple-developer-chain");
	run_free(&r);
}

/* The unknown root again through the tree: the designated requirement
 * (`identifier … and anchor apple generic`, mksig --dr) decides. */
static void test_fx_unknown_root_dr(void **state)
{
	struct tree t;
	sigfs_subject_opts o;
	size_t n = 0;
	uint8_t *p = read_fx("devid", &n);

	(void)state;
	memset(&t, 0, sizeof t);
	t.t = sigfs_mem_new(0);
	assert_int_equal(sigfs_mem_add_file(t.t, "app/devid", p, n, 0755), SIGFS_OK);
	free(p);
	sigfs_mem_source(t.t, &t.src);
	memset(&o, 0, sizeof o);
	assert_int_equal(sigfs_subject_load(&t.s, &t.src, "app/devid", SIGFS_KIND_MACHO, &o), SIGFS_OK);
	assert_render(&t, "verify",
		      "app/devid: valid on disk\napp/devid: does not satisfy its designated Requirement\n");
	assert_render(&t, "verify-status", "invalid -67050 errSecCSReqFailed\n");
	sigfs_subject_free(t.s);
	/* -o anchors= makes the root count as Apple's */
	o.anchors = test_root;
	assert_int_equal(sigfs_subject_load(&t.s, &t.src, "app/devid", SIGFS_KIND_MACHO, &o), SIGFS_OK);
	assert_render(&t, "verify",
		      "app/devid: valid on disk\napp/devid: satisfies its Designated Requirement\n");
	assert_render(&t, "verify-status", "valid\n");
	tree_free(&t);
}

static void test_fx_team_mismatch(void **state)
{
	struct run r;

	(void)state;
	verify_fx(&r, "devid-badteam", NULL, 0, 1, 0);
	assert_string_equal(r.text.ptr,
			    "F: a Team Identifier is wrong or inappropriate\nIn architecture: arm64\n");
	assert_string_equal(r.status.ptr, "invalid -66997 errSecCSBadTeamIdentifier\n");
	assert_check(&r.v->slices[0], "team-id", SIGFS_CHECK_FAIL, "cd=OTHER99999 cert=VTEAM12345");
	run_free(&r);
}

static void test_fx_broken_chain(void **state)
{
	struct run r;

	(void)state;
	verify_fx(&r, "devid-nointer", NULL, 0, 1, 0);
	/* cssmerr.h: CSSMERR_TP_NOT_TRUSTED = -2147409622 */
	assert_string_equal(r.text.ptr, "F: CSSMERR_TP_NOT_TRUSTED\nIn architecture: arm64\n");
	assert_string_equal(r.status.ptr, "invalid -2147409622 CSSMERR_TP_NOT_TRUSTED\n");
	assert_check(&r.v->slices[0], "chain", SIGFS_CHECK_FAIL, "broken-link 0");
	run_free(&r);
}

static void test_fx_expired(void **state)
{
	struct run r;

	(void)state;
	/* without a timestamp, expiry is tolerated */
	verify_fx(&r, "devid-notime", NULL, 0, 1, Y2045);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(&r.v->slices[0], "validity", SIGFS_CHECK_WARN, "expired at=now tolerated");
	assert_check(&r.v->slices[0], "timestamp", SIGFS_CHECK_ABSENT, "");
	run_free(&r);
	/* with one, the leaf must be valid at its time (cssmerr.h -2147409654) */
	verify_fx(&r, "devid-late-ts", NULL, 0, 1, 0);
	assert_string_equal(r.text.ptr, "F: CSSMERR_TP_CERT_EXPIRED\nIn architecture: arm64\n");
	assert_string_equal(r.status.ptr, "invalid -2147409654 CSSMERR_TP_CERT_EXPIRED\n");
	assert_check(&r.v->slices[0], "validity", SIGFS_CHECK_FAIL,
		     "expired at=timestamp 2045-01-01T00:00:00Z");
	run_free(&r);
}

static void test_fx_entitlements_flipped(void **state)
{
	struct run r;

	(void)state;
	/* a byte of the slot-5 payload (the XML entitlements) */
	verify_fx(&r, "devid", "com.apple.security.cs.allow-jit", 4, 1, 0);
	assert_string_equal(r.text.ptr, "F: invalid signature (code or signature have been modified)\n"
					"In architecture: arm64\n");
	assert_check(&r.v->slices[0], "slot 5 entitlements", SIGFS_CHECK_FAIL, "");
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_OK, "digest=sha256");
	run_free(&r);
}

static void test_fx_der_entitlements_undecodable(void **state)
{
	struct run r;
	const struct sigfs_check_line *c;

	(void)state;
	/* issue 9: a payload that does not decode is reported, the signature
	 * (whose slot 7 hash matches the bytes) stays valid */
	verify_fx(&r, "adhoc-badder", NULL, 0, 0, 0);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(&r.v->slices[0], "slot 7 entitlements-der", SIGFS_CHECK_OK, "");
	c = check(&r.v->slices[0], "entitlements-der", NULL);
	assert_non_null(c);
	assert_int_equal(c->result, SIGFS_CHECK_FAIL);
	assert_true(c->detail[0] != '\0');
	run_free(&r);
}

/* A byte of each special slot's payload, found by the blob's magic: the
 * first payload byte after the 8-byte header (20 for the requirement set:
 * past its count, its index entry and the requirement's own header). */
static void test_fx_each_slot_flipped(void **state)
{
	static const struct {
		const char *magic, *check;
		size_t skip;
	} slots[] = {
	    {"\xfa\xde\x0c\x01", "slot 2 requirements", 20},
	    {"\xfa\xde\x71\x71", "slot 5 entitlements", 8},
	    {"\xfa\xde\x71\x72", "slot 7 entitlements-der", 8},
	    {"\xfa\xde\x81\x81", "slot 8 launch-constraint-self", 8},
	};
	struct run r;
	size_t i;

	(void)state;
	verify_fx(&r, "slots", NULL, 0, 0, 0);
	assert_string_equal(r.status.ptr, "valid\n");
	for (i = 0; i < 4; i++)
		assert_check(&r.v->slices[0], slots[i].check, SIGFS_CHECK_OK, "");
	run_free(&r);
	for (i = 0; i < 4; i++) {
		verify_fx(&r, "slots", slots[i].magic, slots[i].skip, 0, 0);
		assert_string_equal(r.text.ptr,
				    "F: invalid signature (code or signature have been modified)\n"
				    "In architecture: arm64\n");
		assert_check(&r.v->slices[0], slots[i].check, SIGFS_CHECK_FAIL, "");
		run_free(&r);
	}
}

static void test_fx_dual_cd(void **state)
{
	struct run r;

	(void)state;
	verify_fx(&r, "dual", NULL, 0, 1, 0);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(&r.v->slices[0], "codedirectory sha1", SIGFS_CHECK_OK, "");
	assert_check(&r.v->slices[0], "codedirectory sha256", SIGFS_CHECK_OK, "");
	/* the CMS signs the slot-0 (sha1) CodeDirectory with SHA-256 */
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_OK, "digest=sha256");
	assert_check(&r.v->slices[0], "cms-cdhashes", SIGFS_CHECK_OK, "");
	assert_check(&r.v->slices[0], "cms-cdhashes2", SIGFS_CHECK_OK, "");
	assert_int_equal(r.v->slices[0].ncdhashes2, 2);
	run_free(&r);
}

static void test_fx_hash_agility(void **state)
{
	struct run r;
	size_t n = 0;
	uint8_t *p, *q;

	(void)state;
	/* the slot-0 (sha1) CodeDirectory's identifier: the CMS's messageDigest */
	verify_fx(&r, "dual", "com.example.dual", 0, 1, 0);
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_FAIL, "messageDigest");
	run_free(&r);
	/* §8 scenario 29: the alternate (slot 0x1000, sha256) CodeDirectory's
	 * identifier, the second "com.example.dual" of the file; slot 0 and
	 * the CMS stay intact */
	p = read_fx("dual", &n);
	q = memmem(p, n, "com.example.dual", 16);
	assert_non_null(q);
	q = memmem(q + 16, n - (size_t)(q + 16 - p), "com.example.dual", 16);
	assert_non_null(q);
	q[0] ^= 1;
	verify_fx_bytes(&r, p, n, 1, 0);
	assert_string_equal(r.status.ptr, "invalid -67061 errSecCSSignatureFailed\n");
	assert_check(&r.v->slices[0], "cms", SIGFS_CHECK_OK, "digest=sha256");
	assert_check(&r.v->slices[0], "cms-cdhashes", SIGFS_CHECK_FAIL, "mismatch");
	assert_check(&r.v->slices[0], "cms-cdhashes2", SIGFS_CHECK_FAIL, "mismatch");
	run_free(&r);
}

static void test_fx_universal_teams(void **state)
{
	struct run r;

	(void)state;
	/* §8 scenario 9: -67045 with no architecture line */
	verify_fx(&r, "uni-teams", NULL, 0, 0, 0);
	assert_string_equal(r.text.ptr, "F: invalid or unsupported format for signature\n");
	assert_string_equal(r.status.ptr, "invalid -67045 errSecCSSignatureInvalid\n");
	run_free(&r);
	verify_fx(&r, "uni-same", NULL, 0, 0, 0);
	assert_string_equal(r.status.ptr, "valid\n");
	assert_check(&r.v->slices[0], "strict-universal", SIGFS_CHECK_OK, "");
	run_free(&r);
	/* a byte in the zero padding after the fat header (llvm-lipo aligns
	 * the first slice at 0x1000 or more; the header ends at 8 + 2 * 20):
	 * every slice is intact, the strict structure is not (-67010, no
	 * architecture: strictValidate runs after the slices) */
	{
		size_t n = 0;
		uint8_t *p = read_fx("uni-same", &n);

		assert_true(n > 0x100);
		assert_int_equal(p[0x80], 0);
		p[0x80] = 1;
		verify_fx_bytes(&r, p, n, 0, 0);
	}
	assert_string_equal(r.text.ptr, "F: main executable failed strict validation\n");
	assert_check(&r.v->slices[0], "strict-universal", SIGFS_CHECK_FAIL, "");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_linker_signed_valid),
	    cmocka_unit_test(test_developer_id_valid),
	    cmocka_unit_test(test_universal_unsigned_slice),
	    cmocka_unit_test(test_unsigned_thin),
	    cmocka_unit_test(test_truncated_universal),
	    cmocka_unit_test(test_page_middle),
	    cmocka_unit_test(test_page_last_partial),
	    cmocka_unit_test(test_adhoc_cd_tampered),
	    cmocka_unit_test(test_cms_signature_flipped),
	    cmocka_unit_test(test_requirements_slot_flipped),
	    cmocka_unit_test(test_cdhashes_plist_attribute_flipped),
	    cmocka_unit_test(test_cdhashes_checks),
	    cmocka_unit_test(test_rows_developer_id),
	    cmocka_unit_test(test_rows_tampered_page),
	    cmocka_unit_test(test_rows_linker_signed),
	    cmocka_unit_test(test_rows_universal),
	};

	const struct CMUnitTest fx[] = {
	    cmocka_unit_test(test_fx_devid_anchored),
	    cmocka_unit_test(test_fx_unknown_root),
	    cmocka_unit_test(test_fx_unknown_root_dr),
	    cmocka_unit_test(test_fx_team_mismatch),
	    cmocka_unit_test(test_fx_broken_chain),
	    cmocka_unit_test(test_fx_expired),
	    cmocka_unit_test(test_fx_entitlements_flipped),
	    cmocka_unit_test(test_fx_dual_cd),
	    cmocka_unit_test(test_fx_each_slot_flipped),
	    cmocka_unit_test(test_fx_der_entitlements_undecodable),
	    cmocka_unit_test(test_fx_hash_agility),
	    cmocka_unit_test(test_fx_universal_teams),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + cmocka_run_group_tests(fx, fx_setup, fx_teardown);
}
