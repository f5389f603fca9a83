/* Unit tests of bundles (core/bundle.c, core/resources.c, core/seal.c) over
 * the in-memory source.
 *
 * The bundle is an .xcframework with a detached signature assembled here by
 * hand, independently of sigfs: the CodeDirectory bytes follow Apple's
 * layout (xnu cs_blobs.h CS_CodeDirectory, version 0x20400, one SHA-256 code
 * slot over the whole Info.plist, special slots 1 and 3), CodeResources is
 * written as Apple's signer writes it for a shallow bundle (VERIFY-NOTES
 * §1.2, §1.5: `files` with SHA-1 data, `files2` with {hash2}, the shallow
 * default rules), digests come from OpenSSL. Expected texts are codesign's
 * (VERIFY-NOTES §2.5, §2.6, §8 scenarios 11-15, 17, 20, 25-28, 30, 33). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/evp.h>

#include "certgen.h"
#include "sigfs/bundle.h"
#include "sigfs/memsource.h"
#include "sigfs/tree.h"
#include "sigfs/trust.h"

#define B "X.xcframework"

static const char info_plist[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<plist version=\"1.0\"><dict>"
				 "<key>CFBundlePackageType</key><string>XFWK</string>"
				 "<key>XCFrameworkFormatVersion</key><string>1.0</string>"
				 "</dict></plist>\n";

struct res {
	const char *path, *data, *link;
	int optional;
};

/* The sealed contents (relative to the bundle root). */
static const struct res sealed[] = {
    {"ios-arm64/F.framework/Headers/F.h", "int f(void);\n", NULL, 0},
    {"ios-arm64/F.framework/F", "binary\n", NULL, 0},
    {"ios-arm64/F.framework/Current", NULL, "Headers", 0},
    {"ios-arm64/F.framework/en.lproj/x.strings", "\"a\" = \"b\";\n", NULL, 1},
    {"ios-arm64/F.framework/Base.lproj/y.nib", "nib\n", NULL, 0},
    {"caf\xc3\xa9.txt", "coffee\n", NULL, 0}, /* NFC */
};

static void digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
	unsigned int len = 0;

	assert_true(EVP_Digest(p, n, out, &len, md, NULL));
}

static void b64(char *out, const uint8_t *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

static void cat(char *dst, size_t cap, const char *fmt, ...) SIGFS_PRINTF(3, 4);
static void cat(char *dst, size_t cap, const char *fmt, ...)
{
	size_t at = strlen(dst);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst + at, cap - at, fmt, ap);
	va_end(ap);
}

enum { V2 = 0, V1_ONLY = 1, CUSTOM_OMIT = 2 };

static char *code_resources(int variant)
{
	size_t cap = 1 << 16;
	char *x = calloc(1, cap), h[128];
	uint8_t d[32];

	cat(x, cap,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist "
	    "version=\"1.0\"><dict><key>files</key><dict>");
	for (size_t i = 0; i < sizeof sealed / sizeof sealed[0]; i++) {
		if (sealed[i].link)
			continue; /* V1 holds regular files only */
		digest(EVP_sha1(), sealed[i].data, strlen(sealed[i].data), d);
		b64(h, d, 20);
		if (sealed[i].optional)
			cat(x, cap,
			    "<key>%s</key><dict><key>hash</key><data>%s</data><key>optional</key><true/></"
			    "dict>",
			    sealed[i].path, h);
		else
			cat(x, cap, "<key>%s</key><data>%s</data>", sealed[i].path, h);
	}
	cat(x, cap, "</dict>");
	if (variant != V1_ONLY) {
		cat(x, cap, "<key>files2</key><dict>");
		for (size_t i = 0; i < sizeof sealed / sizeof sealed[0]; i++) {
			if (sealed[i].link) {
				cat(x, cap, "<key>%s</key><dict><key>symlink</key><string>%s</string></dict>",
				    sealed[i].path, sealed[i].link);
				continue;
			}
			digest(EVP_sha256(), sealed[i].data, strlen(sealed[i].data), d);
			b64(h, d, 32);
			cat(x, cap, "<key>%s</key><dict><key>hash2</key><data>%s</data>%s</dict>",
			    sealed[i].path, h, sealed[i].optional ? "<key>optional</key><true/>" : "");
		}
		cat(x, cap, "</dict>");
	}
	/* shallow bundle rules (bundlediskrep.cpp defaultResourceRules) */
	cat(x, cap,
	    "<key>rules</key><dict>"
	    "<key>^.*</key><true/>"
	    "<key>^.*\\.lproj/</key><dict><key>optional</key><true/><key>weight</key><real>1000</real></dict>"
	    "<key>^.*\\.lproj/locversion.plist$</key><dict><key>omit</key><true/><key>weight</"
	    "key><real>1100</real></dict>"
	    "<key>^Base\\.lproj/</key><dict><key>weight</key><real>1010</real></dict>"
	    "<key>^version.plist$</key><true/>"
	    "</dict>");
	if (variant != V1_ONLY)
		cat(x, cap,
		    "<key>rules2</key><dict>"
		    "<key>.*\\.dSYM($|/)</key><dict><key>weight</key><real>11</real></dict>"
		    "<key>^(.*/)?\\.DS_Store$</key><dict><key>omit</key><true/><key>weight</key><real>2000</"
		    "real></dict>"
		    "<key>^.*</key><true/>"
		    "<key>^.*\\.lproj/</key><dict><key>optional</key><true/><key>weight</key><real>1000</"
		    "real></dict>"
		    "<key>^.*\\.lproj/locversion.plist$</key><dict><key>omit</key><true/><key>weight</"
		    "key><real>1100</real></dict>"
		    "<key>^Base\\.lproj/</key><dict><key>weight</key><real>1010</real></dict>"
		    "<key>^Info\\.plist$</key><dict><key>omit</key><true/><key>weight</key><real>20</real></"
		    "dict>"
		    "<key>^PkgInfo$</key><dict><key>omit</key><true/><key>weight</key><real>20</real></dict>"
		    "<key>^embedded\\.provisionprofile$</key><dict><key>weight</key><real>20</real></dict>"
		    "<key>^version\\.plist$</key><dict><key>weight</key><real>20</real></dict>"
		    "%s</dict>",
		    variant == CUSTOM_OMIT ? "<key>^cache/</key><dict><key>omit</key><true/><key>weight</"
					     "key><real>30</real></dict>"
					   : "");
	cat(x, cap, "</dict></plist>\n");
	return x;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* CS_CodeDirectory 0x20400: 88-byte header, identifier, 3 special slots
 * (4 with `top`: slot 4 bound to those bytes), one code slot (pageSize 0:
 * the whole Info.plist); ad-hoc and slot 2 unbound unless resign() says
 * otherwise. */
static size_t code_directory_top(uint8_t *cd, const char *cr, const uint8_t *top, size_t toplen)
{
	static const char id[] = "com.example.X";
	uint32_t nspecial = top ? 4 : 3;
	size_t hdr = 88, idoff = hdr, hashoff = hdr + sizeof id + nspecial * 32, len = hashoff + 32;

	memset(cd, 0, len);
	be32(cd, 0xfade0c02);
	be32(cd + 4, (uint32_t)len);
	be32(cd + 8, 0x20400);
	be32(cd + 12, 0x2); /* adhoc */
	be32(cd + 16, (uint32_t)hashoff);
	be32(cd + 20, (uint32_t)idoff);
	be32(cd + 24, nspecial);	      /* nSpecialSlots */
	be32(cd + 28, 1);		      /* nCodeSlots */
	be32(cd + 32, sizeof info_plist - 1); /* codeLimit */
	cd[36] = 32;			      /* hashSize */
	cd[37] = 2;			      /* SHA-256 */
	cd[39] = 0;			      /* pageSize: one page */
	memcpy(cd + idoff, id, sizeof id);
	digest(EVP_sha256(), cr, strlen(cr), cd + hashoff - 3 * 32);			/* slot 3 */
	digest(EVP_sha256(), info_plist, sizeof info_plist - 1, cd + hashoff - 1 * 32); /* slot 1 */
	digest(EVP_sha256(), info_plist, sizeof info_plist - 1, cd + hashoff);		/* code */
	if (top)
		digest(EVP_sha256(), top, toplen, cd + hashoff - 4 * 32); /* slot 4 */
	return len;
}

static size_t code_directory(uint8_t *cd, const char *cr)
{
	return code_directory_top(cd, cr, NULL, 0);
}

static sigfs_memtree *make_bundle(int variant)
{
	sigfs_memtree *t = sigfs_mem_new(0);
	char *cr = code_resources(variant);
	uint8_t cd[512];
	size_t cdlen = code_directory(cd, cr);

	assert_non_null(t);
	assert_int_equal(sigfs_mem_add_file(t, B "/Info.plist", info_plist, sizeof info_plist - 1, 0644), 0);
	for (size_t i = 0; i < sizeof sealed / sizeof sealed[0]; i++) {
		char p[256];

		snprintf(p, sizeof p, B "/%s", sealed[i].path);
		if (sealed[i].link)
			assert_int_equal(sigfs_mem_add_symlink(t, p, sealed[i].link), 0);
		else
			assert_int_equal(
			    sigfs_mem_add_file(t, p, sealed[i].data, strlen(sealed[i].data), 0644), 0);
	}
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeResources", cr, strlen(cr), 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeDirectory", cd, cdlen, 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeSignature", "", 0, 0644), 0);
	free(cr);
	return t;
}

/* The -o anchors= set of the CMS tests (pki_setup). */
static sigfs_anchors *test_anchors;

/* What B.sig/verify says for the tree (and verify-status, walk, strict,
 * normalization when asked). */
static char *verify_all(sigfs_memtree *t, char **status, char **walk, char **strict, char **norm)
{
	sigfs_source src;
	sigfs_bundle *b = NULL;
	sigfs_check *c = NULL;
	sigfs_buf out = SIGFS_BUF_INIT, w = SIGFS_BUF_INIT, s = SIGFS_BUF_INIT, n = SIGFS_BUF_INIT;

	sigfs_mem_source(t, &src);
	assert_int_equal(sigfs_bundle_load(&b, &src, B), 0);
	assert_int_equal(sigfs_bundle_check(&c, b, &src, B, test_anchors), 0);
	sigfs_check_render_verify(&out, c, B);
	if (status) {
		sigfs_buf st = SIGFS_BUF_INIT;

		sigfs_check_render_status(&st, c);
		*status = sigfs_buf_detach(&st, NULL);
	}
	sigfs_lines_render(&w, &c->walk);
	sigfs_lines_render(&s, &c->strict);
	sigfs_lines_render(&n, &c->normalization);
	if (walk)
		*walk = w.len ? sigfs_buf_detach(&w, NULL) : strdup("");
	if (strict)
		*strict = s.len ? sigfs_buf_detach(&s, NULL) : strdup("");
	if (norm)
		*norm = n.len ? sigfs_buf_detach(&n, NULL) : strdup("");
	sigfs_buf_free(&w);
	sigfs_buf_free(&s);
	sigfs_buf_free(&n);
	sigfs_check_free(c);
	sigfs_bundle_free(b);
	return sigfs_buf_detach(&out, NULL);
}

static char *verify(sigfs_memtree *t, char **walk, char **strict, char **norm)
{
	return verify_all(t, NULL, walk, strict, norm);
}

/* B.sig/verify and verify-status (NULL: not compared). */
static void expect_verify(sigfs_memtree *t, const char *want, const char *want_status)
{
	char *status, *got = verify_all(t, &status, NULL, NULL, NULL);

	assert_string_equal(got, want);
	if (want_status)
		assert_string_equal(status, want_status);
	free(got);
	free(status);
}

/* B.sig/verify and B.sig/strict. */
static void expect_strict(sigfs_memtree *t, const char *want, const char *want_strict)
{
	char *strict, *got = verify(t, NULL, &strict, NULL);

	assert_string_equal(got, want);
	assert_string_equal(strict, want_strict);
	free(got);
	free(strict);
}

static void expect(sigfs_memtree *t, const char *want)
{
	expect_verify(t, want, NULL);
	sigfs_mem_free(t);
}

#define VALID	     B ": valid on disk\n" B ": satisfies its Designated Requirement\n"
#define BAD_RESOURCE B ": a sealed resource is missing or invalid\n"
#define SIG_FAILED   B ": invalid signature (code or signature have been modified)\n"

static void test_probe_and_shape(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	sigfs_source src;
	struct sigfs_stat st;
	sigfs_bundle *b = NULL;

	(void)state;
	sigfs_mem_source(t, &src);
	assert_int_equal(src.stat(src.ctx, B, &st), 0);
	assert_int_equal(sigfs_bundle_probe(&src, B, &st), 1);
	assert_int_equal(src.stat(src.ctx, B "/ios-arm64", &st), 0);
	assert_int_equal(sigfs_bundle_probe(&src, B "/ios-arm64", &st), 0);
	assert_int_equal(sigfs_bundle_load(&b, &src, B), 0);
	assert_int_equal(b->shape, SIGFS_SHAPE_FLAT);
	assert_string_equal(b->format, "bundle");
	assert_string_equal(b->exec, B "/Info.plist");
	assert_int_equal(b->sigloc, SIGFS_SIGLOC_DETACHED);
	sigfs_bundle_free(b);
	sigfs_mem_free(t);
}

static void test_valid(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	char *walk, *strict;
	char *got;

	(void)state;
	got = verify(t, &walk, &strict, NULL);
	assert_string_equal(got, VALID);
	assert_string_equal(walk, "excluded\t" B "/Info.plist\n"
				  "excluded\t" B "/_CodeSignature\n"
				  "sealed-ok\t" B "/caf\xc3\xa9.txt\n"
				  "sealed-ok\t" B "/ios-arm64/F.framework/Base.lproj/y.nib\n"
				  "sealed-ok\t" B "/ios-arm64/F.framework/Current\n"
				  "sealed-ok\t" B "/ios-arm64/F.framework/F\n"
				  "sealed-ok\t" B "/ios-arm64/F.framework/Headers/F.h\n"
				  "sealed-ok\t" B "/ios-arm64/F.framework/en.lproj/x.strings\n");
	assert_string_equal(strict, "");
	free(got);
	free(walk);
	free(strict);
	sigfs_mem_free(t);
}

static void test_header_modified(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/F.framework/Headers/F.h", "int g;\n", 7, 0644),
			 0);
	expect(t, BAD_RESOURCE "file modified: " B "/ios-arm64/F.framework/Headers/F.h\n");
}

static void test_info_plist_edited(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/Info.plist", "<plist/>", 8, 0644), 0);
	expect(t, B ": invalid Info.plist (plist or signature have been modified)\n");
}

static void test_extra_codesignature_file(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeRequirements-2", "x", 1, 0644), 0);
	expect_strict(t, B ": unsealed contents present in the bundle root\n",
		      "unsealed-codesignature CodeRequirements-2\n");
	sigfs_mem_free(t);
}

static void test_mixed_order(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	/* scenario 13 + 14: added in several places, one modified, one missing */
	assert_int_equal(sigfs_mem_add_file(t, B "/z.txt", "z", 1, 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/a.txt", "a", 1, 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/._a.txt", "a", 1, 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/F.framework/F", "changed\n", 8, 0644), 0);
	assert_int_equal(sigfs_mem_remove(t, B "/ios-arm64/F.framework/Base.lproj/y.nib"), 0);
	expect(t, BAD_RESOURCE "file added: " B "/._a.txt\n"
			       "file added: " B "/a.txt\n"
			       "file added: " B "/z.txt\n"
			       "file modified: " B "/ios-arm64/F.framework/F\n"
			       "file missing: " B "/ios-arm64/F.framework/Base.lproj/y.nib\n");
}

static void test_detritus_listed(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/._F.h", "a", 1, 0644), 0);
	expect_strict(t, BAD_RESOURCE "file added: " B "/ios-arm64/._F.h\n",
		      "detritus " B "/ios-arm64/._F.h\n");
	sigfs_mem_free(t);
}

static void test_optional_missing(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	char *got, *walk;

	(void)state;
	assert_int_equal(sigfs_mem_remove(t, B "/ios-arm64/F.framework/en.lproj/x.strings"), 0);
	got = verify(t, &walk, NULL, NULL);
	assert_string_equal(got, VALID);
	assert_non_null(strstr(walk, "optional-missing\t" B "/ios-arm64/F.framework/en.lproj/x.strings\n"));
	free(got);
	free(walk);
	sigfs_mem_free(t);
}

static void test_ds_store(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/.DS_Store", "x", 1, 0644), 0);
	expect(t, VALID);
	t = make_bundle(V2);
	assert_int_equal(sigfs_mem_add_file(t, B "/z.txt", "z", 1, 0644), 0);
	assert_int_equal(sigfs_mem_add_symlink(t, B "/ios-arm64/.DS_Store", "../x"), 0);
	expect(t, B ": .DS_Store files cannot be a symlink\n");
}

static void test_code_resources_edited_deleted(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeResources", "<plist/>", 8, 0644), 0);
	expect(t, B ": invalid resource directory (directory or signature have been modified)\n");
	t = make_bundle(V2);
	assert_int_equal(sigfs_mem_remove(t, B "/_CodeSignature/CodeResources"), 0);
	expect(t, B ": invalid resource directory (directory or signature have been modified)\n");
}

static void test_symlinks(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	/* scenario 26: a sealed symlink retargeted */
	assert_int_equal(sigfs_mem_add_symlink(t, B "/ios-arm64/F.framework/Current", "Base.lproj"), 0);
	expect(t, BAD_RESOURCE "file modified: " B "/ios-arm64/F.framework/Current\n");
	/* scenario 27: a link leaving the bundle, sealed as such */
	t = make_bundle(V2);
	assert_int_equal(sigfs_mem_add_symlink(t, B "/ios-arm64/F.framework/Current", "../../../etc/passwd"),
			 0);
	{
		char *got, *strict;

		got = verify(t, NULL, &strict, NULL);
		/* the seal says "Headers": the retarget is seen first */
		assert_string_equal(got, BAD_RESOURCE "file modified: " B "/ios-arm64/F.framework/Current\n");
		free(got);
		free(strict);
	}
	sigfs_mem_free(t);
}

static void test_nfc_nfd(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	char *got, *norm;

	(void)state;
	assert_int_equal(sigfs_mem_remove(t, B "/caf\xc3\xa9.txt"), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/cafe\xcc\x81.txt", "coffee\n", 7, 0644), 0);
	got = verify(t, NULL, NULL, &norm);
	assert_string_equal(got, BAD_RESOURCE "file added: " B "/cafe\xcc\x81.txt\n"
					      "file missing: " B "/caf\xc3\xa9.txt\n");
	assert_string_equal(norm, B "/cafe\xcc\x81.txt\t" B "/caf\xc3\xa9.txt\tNFD->NFC\n");
	free(got);
	free(norm);
	sigfs_mem_free(t);
}

static void test_unreadable(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/F.framework/F", "binary\n", 7, 0), 0);
	expect(t, B ": the code cannot be read by the verifier (file system permissions etc.)\n");
}

static void test_weak_envelopes(void **state)
{
	(void)state;
	expect(make_bundle(CUSTOM_OMIT), B ": resource envelope is obsolete (custom omit rules)\n");
	/* hasWeakResourceRules looks for the V1 catch-all "^Resources/" whatever
	 * the shape: a shallow V1 envelope is weak before it is V1 */
	expect(make_bundle(V1_ONLY), B ": resource envelope is obsolete (custom omit rules)\n");
}

static void test_fifo_unsupported(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(sigfs_mem_add_other(t, B "/pipe"), 0);
	expect(t, B ": unsupported resource found (something not a directory, file or symlink)\n");
}

/* ---- B.sig/ through the tree API (what both frontends show) ---- */

static int collect_name(void *arg, const char *name, int node)
{
	sigfs_buf *b = arg;

	sigfs_buf_printf(b, "%s %s\n", name, (node & SIGFS_NODE_EXPENSIVE) ? "x" : "-");
	return 0;
}

static char *tree_file(const sigfs_subject *s, const sigfs_source *src, const char *path)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	assert_int_equal(sigfs_tree_render(&b, s, src, path), 0);
	return b.len ? sigfs_buf_detach(&b, NULL) : strdup("");
}

static void test_tree_rows(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	sigfs_source src;
	struct sigfs_stat st;
	sigfs_subject *s = NULL;
	sigfs_buf names = SIGFS_BUF_INIT;
	char *x;

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/new.txt", "n", 1, 0644), 0);
	sigfs_mem_source(t, &src);
	assert_int_equal(src.stat(src.ctx, B, &st), 0);
	assert_int_equal(sigfs_probe(&src, B, &st, NULL, 0), SIGFS_KIND_BUNDLE);
	assert_int_equal(sigfs_subject_load(&s, &src, B, SIGFS_KIND_BUNDLE, NULL), 0);
	assert_int_equal(sigfs_tree_list(s, "", collect_name, &names), 0);
	assert_string_equal(
	    names.ptr, "verify x\nverify-status x\nformat -\nmain-executable -\n"
		       "signature-location -\nrules -\nsealed -\nresources x\nresource-walk x\n"
		       "nested x\ninfo-plist -\nstrict x\nnormalization x\nticket -\nsignature -\naudit x\n");
	assert_int_equal(sigfs_tree_node(s, "signature") & SIGFS_NODE_KIND_MASK, SIGFS_NODE_DIR);
	x = tree_file(s, &src, "verify");
	assert_string_equal(x, BAD_RESOURCE "file added: " B "/new.txt\n");
	free(x);
	x = tree_file(s, &src, "verify-status");
	assert_string_equal(x, "invalid -67054 errSecCSBadResource\n");
	free(x);
	x = tree_file(s, &src, "resources");
	assert_string_equal(x, "file added: " B "/new.txt\n");
	free(x);
	x = tree_file(s, &src, "format");
	assert_string_equal(x, "bundle\n");
	free(x);
	x = tree_file(s, &src, "main-executable");
	assert_string_equal(x, B "/Info.plist\n");
	free(x);
	x = tree_file(s, &src, "signature-location");
	assert_string_equal(x, "detached (_CodeSignature)\n");
	free(x);
	x = tree_file(s, &src, "ticket");
	assert_string_equal(x, "none\n");
	free(x);
	x = tree_file(s, &src, "signature/identifier");
	assert_string_equal(x, "com.example.X\n");
	free(x);
	/* the detached signature's verdict is B.sig/verify alone */
	assert_int_equal(sigfs_tree_node(s, "signature/verify"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_node(s, "signature/checks"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_node(s, "signature/slot-hashes"), SIGFS_NODE_NONE);
	{
		/* slot 1 = SHA-256 of the Info.plist bytes */
		uint8_t d[32];
		char want[128] = "bound sha256=";

		digest(EVP_sha256(), info_plist, sizeof info_plist - 1, d);
		for (size_t i = 0; i < 32; i++)
			cat(want, sizeof want, "%02x", d[i]);
		cat(want, sizeof want, " ok\n");
		x = tree_file(s, &src, "info-plist");
		assert_string_equal(x, want);
		free(x);
	}
	x = tree_file(s, &src, "rules");
	assert_string_equal(x, "0\texclude\t^CodeResources$\n"
			       "0\texclude,soft\t^Info\\.plist$\n"
			       "0\texclude\t^_CodeSignature$\n"
			       "0\texclude\t^_MASReceipt$\n"
			       "2000\tomit\t^(.*/)?\\.DS_Store$\n"
			       "1100\tomit\t^.*\\.lproj/locversion.plist$\n"
			       "1010\t-\t^Base\\.lproj/\n"
			       "1000\toptional\t^.*\\.lproj/\n"
			       "20\tomit\t^Info\\.plist$\n"
			       "20\tomit\t^PkgInfo$\n"
			       "20\t-\t^embedded\\.provisionprofile$\n"
			       "20\t-\t^version\\.plist$\n"
			       "11\t-\t.*\\.dSYM($|/)\n"
			       "1\t-\t^.*\n");
	free(x);
	x = tree_file(s, &src, "sealed");
	assert_non_null(strstr(x, B "/ios-arm64/F.framework/Current\tsymlink\tHeaders\n"));
	assert_non_null(strstr(x, B "/ios-arm64/F.framework/en.lproj/x.strings\tfile\tsha256="));
	assert_non_null(strstr(x, " optional\n"));
	free(x);
	sigfs_buf_free(&names);
	sigfs_subject_free(s);
	sigfs_mem_free(t);
}

/* The verdict follows the tree: a change under B shows at the next read. */
static void test_tree_follows_changes(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	sigfs_source src;
	sigfs_subject *s = NULL;
	char *x;

	(void)state;
	sigfs_mem_source(t, &src);
	assert_int_equal(sigfs_subject_load(&s, &src, B, SIGFS_KIND_BUNDLE, NULL), 0);
	x = tree_file(s, &src, "verify");
	assert_string_equal(x, VALID);
	free(x);
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/F.framework/Headers/F.h", "int g;\n", 7, 0644),
			 0);
	x = tree_file(s, &src, "verify");
	assert_string_equal(x, BAD_RESOURCE "file modified: " B "/ios-arm64/F.framework/Headers/F.h\n");
	free(x);
	x = tree_file(s, &src, "resources");
	assert_string_equal(x, "file modified: " B "/ios-arm64/F.framework/Headers/F.h\n");
	free(x);
	assert_int_equal(
	    sigfs_mem_add_file(t, B "/ios-arm64/F.framework/Headers/F.h", "int f(void);\n", 13, 0644), 0);
	x = tree_file(s, &src, "verify-status");
	assert_string_equal(x, "valid\n");
	free(x);
	sigfs_subject_free(s);
	sigfs_mem_free(t);
}

/* Write `n` slot numbers as CodeTopDirectory and a CodeDirectory binding
 * slot 4 to them. */
static void put_top(sigfs_memtree *t, const uint32_t *list, size_t n)
{
	char *cr = code_resources(V2);
	uint8_t cd[512], top[32];
	size_t cdlen;

	for (size_t i = 0; i < n; i++)
		be32(top + 4 * i, list[i]);
	cdlen = code_directory_top(cd, cr, top, 4 * n);
	free(cr);
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeDirectory", cd, cdlen, 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeTopDirectory", top, 4 * n, 0644), 0);
}

/* A top directory (_CodeSignature/CodeTopDirectory, slot 4): its file holds
 * the raw list of slots, which slot 4 hashes as it is (sigblob.cpp blobData:
 * a raw component is not a blob), and the list must be exactly slot 0, the
 * special slots with data, the alternates, the CMS slot (StaticCode.cpp
 * validateTopDirectory). */
static void test_detached_top_directory(void **state)
{
	static const uint32_t want[] = {0, 1, 3, 4, 0x10000}, wrong[] = {0, 1, 3, 0x10000};
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	put_top(t, want, 5);
	expect_verify(t, VALID, "valid\n");
	/* a list that leaves slot 4 out, hashed as bound: the list is wrong */
	put_top(t, wrong, 4);
	expect_verify(t, SIG_FAILED, NULL);
	sigfs_mem_free(t);
}

/* ---- sideband data and names that are not UTF-8 ---- */

#define SIDEBAND B ": resource fork, Finder information, or similar detritus not allowed\n"

/* VERIFY-NOTES §2.2, §2.4 (StaticCode.cpp validateResource, bundlediskrep.cpp
 * strictValidateStructure): a resource fork or Finder information on a
 * sealed file or on the bundle root is -66999 without a file line; other
 * attributes are nobody's business. */
static void test_sideband(void **state)
{
	sigfs_memtree *t = make_bundle(V2);

	(void)state;
	assert_int_equal(
	    sigfs_mem_add_xattr(t, B "/ios-arm64/F.framework/Headers/F.h", "com.apple.quarantine"), 0);
	assert_int_equal(sigfs_mem_add_xattr(t, B, "com.apple.lastuseddate#PS"), 0);
	expect_verify(t, VALID, "valid\n");

	assert_int_equal(
	    sigfs_mem_add_xattr(t, B "/ios-arm64/F.framework/Headers/F.h", "com.apple.FinderInfo"), 0);
	expect_strict(t, SIDEBAND, "sideband " B "/ios-arm64/F.framework/Headers/F.h com.apple.FinderInfo\n");
	expect_verify(t, SIDEBAND, "invalid -66999 errSecCSInvalidAssociatedFileData\n");
	/* a modified resource visited first is the headline, its line kept */
	assert_int_equal(sigfs_mem_add_file(t, B "/caf\xc3\xa9.txt", "tea\n", 4, 0644), 0);
	expect_verify(t, BAD_RESOURCE "file modified: " B "/caf\xc3\xa9.txt\n", NULL);
	sigfs_mem_free(t);

	t = make_bundle(V2);
	assert_int_equal(sigfs_mem_add_xattr(t, B, "com.apple.ResourceFork"), 0);
	expect_strict(t, SIDEBAND, "sideband " B " com.apple.ResourceFork\n");
	sigfs_mem_free(t);
	/* the main executable (here the Info.plist, excluded from the walk) */
	t = make_bundle(V2);
	assert_int_equal(sigfs_mem_add_xattr(t, B "/Info.plist", "com.apple.FinderInfo"), 0);
	expect_strict(t, SIDEBAND, "sideband " B "/Info.plist com.apple.FinderInfo\n");
	sigfs_mem_free(t);
}

/* A name that is not UTF-8 cannot be a key of CodeResources (an XML
 * plist): it is added, never sealed or normalised (VERIFY-NOTES §1.7). */
static void test_non_utf8_name(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	char *got, *walk, *norm;

	(void)state;
	assert_int_equal(sigfs_mem_add_file(t, B "/ios-arm64/caf\xe9.txt", "x", 1, 0644), 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/\xff\xfe", "y", 1, 0644), 0);
	got = verify(t, &walk, NULL, &norm);
	assert_string_equal(got, BAD_RESOURCE "file added: " B "/ios-arm64/caf\xe9.txt\n"
					      "file added: " B "/\xff\xfe\n");
	assert_non_null(strstr(walk, "added\t" B "/\xff\xfe\n"));
	assert_string_equal(norm, "");
	free(got);
	free(walk);
	free(norm);
	sigfs_mem_free(t);
}

/* ---- detached signatures: the CMS and the designated requirement ---- */

/* A requirement set holding one designated requirement `identifier "id"`
 * (Security requirement.h: set {magic, length, count, (type 3, offset)},
 * requirement {magic, length, kind 1 = expression, opIdent 2, string}). */
static size_t dr_ident(uint8_t *out, const char *id)
{
	size_t n = strlen(id), pad = (n + 3) & ~(size_t)3, rlen = 12 + 4 + 4 + pad, len = 20 + rlen;

	memset(out, 0, len);
	be32(out, 0xfade0c01);
	be32(out + 4, (uint32_t)len);
	be32(out + 8, 1);
	be32(out + 12, 3); /* kSecDesignatedRequirementType */
	be32(out + 16, 20);
	be32(out + 20, 0xfade0c00);
	be32(out + 24, (uint32_t)rlen);
	be32(out + 28, 1);
	be32(out + 32, 2); /* opIdent */
	be32(out + 36, (uint32_t)n);
	memcpy(out + 40, id, n);
	return len;
}

/* Re-sign the bundle's CodeDirectory: `flags` (0x2 ad-hoc), slot 2 bound
 * to `reqs` (written as _CodeSignature/CodeRequirements) when given; the
 * digest of slot 2 is over the blob as the file holds it. *cdlen, cd out. */
static void resign(sigfs_memtree *t, uint32_t flags, const uint8_t *reqs, size_t reqs_len, uint8_t *cd,
		   size_t *cdlen)
{
	char *cr = code_resources(V2);
	size_t hashoff;

	*cdlen = code_directory(cd, cr);
	free(cr);
	be32(cd + 12, flags);
	hashoff = (size_t)cd[16] << 24 | (size_t)cd[17] << 16 | (size_t)cd[18] << 8 | cd[19];
	if (reqs) {
		digest(EVP_sha256(), reqs, reqs_len, cd + hashoff - 2 * 32);
		assert_int_equal(
		    sigfs_mem_add_file(t, B "/_CodeSignature/CodeRequirements", reqs, reqs_len, 0644), 0);
	}
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeDirectory", cd, *cdlen, 0644), 0);
}

/* A root CA and a leaf it issued, made now (certgen.h), and the root as
 * the -o anchors= set. */
static tcert ca, leaf;

static int pki_setup(void **state)
{
	static const char *const ca_ext[] = {"basicConstraints:critical,CA:TRUE",
					     "keyUsage:critical,keyCertSign,cRLSign", NULL};
	static const char *const leaf_ext[] = {"keyUsage:critical,digitalSignature",
					       "extendedKeyUsage:codeSigning", NULL};
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	char *pem;

	(void)state;
	if (!tcert_make(&ca, "/O=Bundle Test/CN=Bundle Test Root", NULL, now - 86400, now + 86400 * 365,
			ca_ext) ||
	    !tcert_make(&leaf, "/O=Bundle Test/CN=Bundle Test Signer", &ca, now - 86400, now + 86400 * 365,
			leaf_ext))
		return -1;
	pem = tcert_pem(&ca, &n);
	if (!pem || sigfs_anchors_from_pem(&test_anchors, pem, n) != SIGFS_OK)
		return -1;
	free(pem);
	return 0;
}

static int pki_teardown(void **state)
{
	(void)state;
	sigfs_anchors_free(test_anchors);
	tcert_free(&leaf);
	tcert_free(&ca);
	return 0;
}

/* The CMS codesign writes: detached SignedData over `cd` by the leaf, the
 * root in the certificates, DER as _CodeSignature/CodeSignature holds it
 * (raw, no BlobWrapper: codedirectory.cpp slotAttributes). */
static void put_cms(sigfs_memtree *t, const uint8_t *cd, size_t cdlen)
{
	BIO *in = BIO_new_mem_buf(cd, (int)cdlen);
	STACK_OF(X509) *certs = sk_X509_new_null();
	CMS_ContentInfo *cms;
	unsigned char *der = NULL;
	int n;

	assert_non_null(in);
	assert_non_null(certs);
	assert_true(sk_X509_push(certs, ca.x) > 0);
	cms = CMS_sign(leaf.x, leaf.key, certs, in, CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
	assert_non_null(cms);
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeSignature", der, (size_t)n, 0644), 0);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	sk_X509_free(certs);
	BIO_free(in);
}

#define DR_FAILED B ": valid on disk\n" B ": does not satisfy its designated Requirement\n"

/* VERIFY-NOTES §8 30: a CMS-signed detached signature verifies as a
 * Mach-O's does, its designated requirement evaluated. */
static void test_detached_cms(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	uint8_t cd[512], other[512], reqs[64];
	size_t cdlen, olen, rlen = dr_ident(reqs, "com.example.X");

	(void)state;
	resign(t, 0, reqs, rlen, cd, &cdlen);
	put_cms(t, cd, cdlen);
	expect_verify(t, VALID, "valid\n");

	/* the CMS over another CodeDirectory (its identifier byte changed):
	 * the messageDigest differs (VERIFY-NOTES §3.4, §8 6), no arch line */
	memcpy(other, cd, cdlen);
	olen = cdlen;
	other[88] ^= 0x20;
	put_cms(t, other, olen);
	expect_verify(t, SIG_FAILED, "invalid -67061 errSecCSSignatureFailed\n");

	/* a CMS whose signature bytes were damaged (its last byte) */
	put_cms(t, cd, cdlen);
	{
		sigfs_source src;
		uint8_t der[4096];
		size_t n = 0;
		struct sigfs_stat st;

		sigfs_mem_source(t, &src);
		assert_int_equal(src.stat(src.ctx, B "/_CodeSignature/CodeSignature", &st), 0);
		assert_true(st.size < sizeof der);
		n = (size_t)st.size;
		assert_int_equal(sigfs_source_read_exact(&src, B "/_CodeSignature/CodeSignature", 0, der, n),
				 0);
		der[n - 1] ^= 1;
		assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeSignature", der, n, 0644), 0);
	}
	expect_verify(t, SIG_FAILED, NULL);

	/* not ad-hoc, and an empty CMS: the decoder fails as for a Mach-O */
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeSignature", "", 0, 0644), 0);
	expect_verify(t, SIG_FAILED, NULL);
	sigfs_mem_free(t);
}

/* The designated requirement is evaluated for an ad-hoc detached
 * signature too: codesign -v's second line, -67050 in verify-status. */
static void test_detached_dr(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	uint8_t cd[512], reqs[64];
	size_t cdlen, rlen;

	(void)state;
	rlen = dr_ident(reqs, "com.example.X");
	resign(t, 0x2, reqs, rlen, cd, &cdlen);
	expect_verify(t, VALID, "valid\n");

	rlen = dr_ident(reqs, "com.example.other");
	resign(t, 0x2, reqs, rlen, cd, &cdlen);
	expect_verify(t, DR_FAILED, "invalid -67050 errSecCSReqFailed\n");

	/* a signed one, requirement not met */
	resign(t, 0, reqs, rlen, cd, &cdlen);
	put_cms(t, cd, cdlen);
	expect_verify(t, DR_FAILED, NULL);
	sigfs_mem_free(t);
}

/* A detached signature's code limit: one past the file is found by the
 * page walk, after slot 1 (Info.plist grown: -67030 first, VERIFY-NOTES
 * §4); one short of it leaves the code slot matching and fails strict last
 * (singlediskrep.cpp strictValidate: the limit covers exactly the file,
 * -67045). */
static void test_detached_code_limit(void **state)
{
	sigfs_memtree *t = make_bundle(V2);
	uint8_t cd[512];
	size_t cdlen, hashoff, n = sizeof info_plist - 1;
	char big[sizeof info_plist + 1];

	(void)state;
	memcpy(big, info_plist, n);
	big[n] = '\n';
	assert_int_equal(sigfs_mem_add_file(t, B "/Info.plist", big, n + 1, 0644), 0);
	expect_verify(t, B ": invalid Info.plist (plist or signature have been modified)\n", NULL);

	/* the limit one byte short, code slot and slot 1 right */
	assert_int_equal(sigfs_mem_add_file(t, B "/Info.plist", info_plist, n, 0644), 0);
	resign(t, 0x2, NULL, 0, cd, &cdlen);
	hashoff = (size_t)cd[16] << 24 | (size_t)cd[17] << 16 | (size_t)cd[18] << 8 | cd[19];
	be32(cd + 32, (uint32_t)(n - 1));
	digest(EVP_sha256(), info_plist, n - 1, cd + hashoff);
	assert_int_equal(sigfs_mem_add_file(t, B "/_CodeSignature/CodeDirectory", cd, cdlen, 0644), 0);
	expect_verify(t, B ": invalid or unsupported format for signature\n",
		      "invalid -67045 errSecCSSignatureInvalid\n");
	sigfs_mem_free(t);
}

/* ---- rules ---- */

static void test_rules_order_and_match(void **state)
{
	sigfs_rules *r = NULL;
	sigfs_buf b = SIGFS_BUF_INIT;
	const struct sigfs_rule *m;

	(void)state;
	assert_int_equal(sigfs_rules_new(&r), 0);
	assert_int_equal(sigfs_rules_add(r, "^.*", 1, 0), 0);
	assert_int_equal(sigfs_rules_add(r, "^Resources/", 20, 0), 0);
	assert_int_equal(sigfs_rules_add(r, "^Resources/.*\\.lproj/", 1000, SIGFS_RULE_OPTIONAL), 0);
	assert_int_equal(sigfs_rules_add(r, "^Resources/Base\\.lproj/", 1010, 0), 0);
	assert_int_equal(sigfs_rules_add(r, "^(.*/)?\\.DS_Store$", 2000, SIGFS_RULE_OMIT), 0);
	assert_int_equal(sigfs_rules_add(r, "^_CodeSignature$", 0, SIGFS_RULE_EXCLUSION), 0);
	assert_int_equal(sigfs_rules_add(r, "^[^/]+$", 10, SIGFS_RULE_NESTED), 0);
	sigfs_rules_render(&b, r);
	assert_string_equal(b.ptr, "0\texclude\t^_CodeSignature$\n"
				   "2000\tomit\t^(.*/)?\\.DS_Store$\n"
				   "1010\t-\t^Resources/Base\\.lproj/\n"
				   "1000\toptional\t^Resources/.*\\.lproj/\n"
				   "20\t-\t^Resources/\n"
				   "10\tnested\t^[^/]+$\n"
				   "1\t-\t^.*\n");
	m = sigfs_rules_match(r, "Resources/fr.lproj/x.strings");
	assert_string_equal(m->pattern, "^Resources/.*\\.lproj/");
	m = sigfs_rules_match(r, "Resources/Base.lproj/x.nib");
	assert_int_equal(m->weight, 1010);
	m = sigfs_rules_match(r, "Resources/a/.DS_Store");
	assert_true(m->flags & SIGFS_RULE_OMIT);
	m = sigfs_rules_match(r, "_CodeSignature");
	assert_true(m->flags & SIGFS_RULE_EXCLUSION);
	m = sigfs_rules_match(r, "README");
	assert_true(m->flags & SIGFS_RULE_NESTED);
	/* case-sensitive, unanchored unless anchored */
	m = sigfs_rules_match(r, "resources/x");
	assert_string_equal(m->pattern, "^.*");
	sigfs_buf_free(&b);
	sigfs_rules_free(r);
}

static void test_rules_bounds(void **state)
{
	sigfs_rules *r = NULL;
	char big[SIGFS_RULE_MAX_PATTERN + 2];

	(void)state;
	assert_int_equal(sigfs_rules_new(&r), 0);
	assert_int_equal(sigfs_rules_add(r, "(", 1, 0), SIGFS_EMALFORMED);
	assert_int_equal(sigfs_rules_add(r, "(a)\\1", 1, 0), SIGFS_EMALFORMED);
	assert_int_equal(sigfs_rules_add(r, "((a{100}){100}){100}", 1, 0), SIGFS_EMALFORMED);
	assert_int_equal(sigfs_rules_add(r, "a{2,30}", 1, 0), 0);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(sigfs_rules_add(r, big, 1, 0), SIGFS_EMALFORMED);
	for (int i = 1; i < SIGFS_RULES_MAX; i++) {
		char p[32];

		snprintf(p, sizeof p, "^x%d$", i);
		assert_int_equal(sigfs_rules_add(r, p, 1, 0), 0);
	}
	assert_int_equal(sigfs_rules_add(r, "^one-too-many$", 1, 0), SIGFS_EMALFORMED);
	sigfs_rules_free(r);
}

static void test_resdir_shapes(void **state)
{
	static const char *const bad[][2] = {
	    {"not a plist", "-67056"},
	    {"<plist><dict><key>files</key><dict/></dict></plist>", "-67056"},
	    {"<plist><dict><key>rules</key><dict/><key>files</key><dict/><key>files2</key><dict/></dict></"
	     "plist>",
	     "-67055"},
	    {"<plist><dict><key>rules</key><dict/><key>files</key><dict><key>a</key><string>x</string></dict>"
	     "</dict></plist>",
	     "-67055"},
	    {"<plist><dict><key>rules</key><dict><key>(</key><true/></dict><key>files</key><dict/></dict></"
	     "plist>",
	     "-67053"},
	    {"<plist><dict><key>rules</key><dict><key>a</key><dict><key>weight</key><string>1</string></dict>"
	     "</dict><key>files</key><dict/></dict></plist>",
	     "-67053"},
	};
	sigfs_resdir *d = NULL;
	int cs = 0;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sigfs_resdir_parse(&d, &cs, (const uint8_t *)bad[i][0], strlen(bad[i][0])),
				 0);
		assert_null(d);
		assert_int_equal(cs, atoi(bad[i][1]));
	}
	{
		static const char ok[] =
		    "<plist><dict><key>rules</key><dict/><key>files</key><dict/><key>rules2</key><dict>"
		    "<key>^.*</key><true/></dict><key>files2</key><dict>"
		    "<key>b</key><dict><key>symlink</key><string>a</string></dict>"
		    "<key>a</key><dict><key>cdhash</key><data>AAEC</data><key>requirement</"
		    "key><string>cdhash "
		    "H\"00\"</string><key>symlink</key><string>ignored</string></dict>"
		    "</dict></dict></plist>";
		const struct sigfs_seal *s;

		assert_int_equal(sigfs_resdir_parse(&d, &cs, (const uint8_t *)ok, sizeof ok - 1), 0);
		assert_int_equal(cs, 0);
		assert_int_equal(sigfs_resdir_version(d), 2);
		assert_int_equal(sigfs_resdir_seal_count(d), 2);
		s = sigfs_resdir_seal(d, 0);
		assert_string_equal(s->path, "a");
		assert_int_equal(s->kind, SIGFS_SEAL_NESTED);
		assert_int_equal(s->cdhash_len, 3);
		s = sigfs_resdir_find(d, "b");
		assert_int_equal(s->kind, SIGFS_SEAL_SYMLINK);
		assert_string_equal(s->symlink, "a");
		assert_int_equal(sigfs_resdir_weak(d, ""), 0);
		sigfs_resdir_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_and_shape),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_header_modified),
	    cmocka_unit_test(test_info_plist_edited),
	    cmocka_unit_test(test_extra_codesignature_file),
	    cmocka_unit_test(test_mixed_order),
	    cmocka_unit_test(test_detritus_listed),
	    cmocka_unit_test(test_optional_missing),
	    cmocka_unit_test(test_ds_store),
	    cmocka_unit_test(test_code_resources_edited_deleted),
	    cmocka_unit_test(test_symlinks),
	    cmocka_unit_test(test_nfc_nfd),
	    cmocka_unit_test(test_unreadable),
	    cmocka_unit_test(test_weak_envelopes),
	    cmocka_unit_test(test_fifo_unsupported),
	    cmocka_unit_test(test_tree_rows),
	    cmocka_unit_test(test_tree_follows_changes),
	    cmocka_unit_test(test_rules_order_and_match),
	    cmocka_unit_test(test_rules_bounds),
	    cmocka_unit_test(test_resdir_shapes),
	    cmocka_unit_test(test_sideband),
	    cmocka_unit_test(test_non_utf8_name),
	    cmocka_unit_test(test_detached_cms),
	    cmocka_unit_test(test_detached_dr),
	    cmocka_unit_test(test_detached_code_limit),
	    cmocka_unit_test(test_detached_top_directory),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
