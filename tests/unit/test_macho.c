/* Unit tests: Mach-O probe and loader, SuperBlob and CodeDirectory parsing,
 * and the .sig/ catalogue, on hand-assembled bytes. Expected values are
 * written from Apple's layouts (mach-o/loader.h, mach-o/fat.h, cs_blobs.h)
 * and hashes computed here with OpenSSL over the bytes the test built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "sigfs/memsource.h"
#include "sigfs/sigfs.h"
#include "sigfs/tree.h"

/* ---- a little byte assembler ---- */
struct bb {
	uint8_t d[65536];
	size_t n;
};
static void be32(struct bb *b, uint32_t v)
{
	b->d[b->n++] = (uint8_t)(v >> 24);
	b->d[b->n++] = (uint8_t)(v >> 16);
	b->d[b->n++] = (uint8_t)(v >> 8);
	b->d[b->n++] = (uint8_t)v;
}
static void le32(struct bb *b, uint32_t v)
{
	b->d[b->n++] = (uint8_t)v;
	b->d[b->n++] = (uint8_t)(v >> 8);
	b->d[b->n++] = (uint8_t)(v >> 16);
	b->d[b->n++] = (uint8_t)(v >> 24);
}
static void be64(struct bb *b, uint64_t v)
{
	be32(b, (uint32_t)(v >> 32));
	be32(b, (uint32_t)v);
}
static void bytes(struct bb *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}
static void fill(struct bb *b, uint8_t c, size_t n)
{
	memset(b->d + b->n, c, n);
	b->n += n;
}
static void put_be32_at(struct bb *b, size_t at, uint32_t v)
{
	b->d[at] = (uint8_t)(v >> 24);
	b->d[at + 1] = (uint8_t)(v >> 16);
	b->d[at + 2] = (uint8_t)(v >> 8);
	b->d[at + 3] = (uint8_t)v;
}

/* CodeDirectory v0x20500, sha256 or sha1, ident, team, 2 special + 3 code. */
static void make_cd(struct bb *b, uint32_t flags, uint8_t hash_type, const char *ident, const char *team)
{
	size_t start = b->n, hs = hash_type == CS_HASHTYPE_SHA1 ? 20 : 32;
	size_t io = 96, to = io + strlen(ident) + 1, ho = to + (team ? strlen(team) + 1 : 0) + 2 * hs;

	be32(b, CSMAGIC_CODEDIRECTORY);
	be32(b, 0); /* length, patched */
	be32(b, 0x20500);
	be32(b, flags);
	be32(b, (uint32_t)ho);
	be32(b, (uint32_t)io);
	be32(b, 2); /* nSpecialSlots */
	be32(b, 3); /* nCodeSlots */
	be32(b, 3 * 4096);
	bytes(b, (uint8_t[]){(uint8_t)hs, hash_type, 0, 12}, 4);
	be32(b, 0);			  /* spare2 */
	be32(b, 0);			  /* scatter */
	be32(b, team ? (uint32_t)to : 0); /* teamOffset */
	be32(b, 0);			  /* spare3 */
	be64(b, 0);			  /* codeLimit64 */
	be64(b, 0);			  /* execSegBase */
	be64(b, 8192);			  /* execSegLimit */
	be64(b, 1);			  /* execSegFlags */
	be32(b, 0x000e0200);		  /* runtime 14.2.0 */
	be32(b, 0);			  /* preEncryptOffset */
	bytes(b, ident, strlen(ident) + 1);
	if (team)
		bytes(b, team, strlen(team) + 1);
	fill(b, 0xaa, hs); /* slot -2 */
	fill(b, 0x00, hs); /* slot -1: empty */
	fill(b, 0x01, hs);
	fill(b, 0x02, hs);
	fill(b, 0x03, hs);
	put_be32_at(b, start + 4, (uint32_t)(b->n - start));
}

/* A thin arm64 little-endian Mach-O with LC_BUILD_VERSION and a SuperBlob
 * holding the given CodeDirectories (slot 0, then 0x1000). */
static void make_macho(struct bb *b, uint32_t cputype, int ncds, const uint8_t *hash_types)
{
	struct bb cds[2];
	size_t sig_at = 4096, i, off;

	le32(b, 0xfeedfacf);
	le32(b, cputype);
	le32(b, 0);
	le32(b, 6); /* MH_DYLIB */
	le32(b, 2);
	le32(b, 24 + 16);
	le32(b, 0);
	le32(b, 0);
	le32(b, 0x32); /* LC_BUILD_VERSION */
	le32(b, 24);
	le32(b, 1);	     /* macOS */
	le32(b, 0x000b0000); /* 11.0 */
	le32(b, 0x000e0000); /* 14.0 */
	le32(b, 0);
	le32(b, 0x1d); /* LC_CODE_SIGNATURE */
	le32(b, 16);
	le32(b, (uint32_t)sig_at);
	le32(b, 0); /* patched */
	fill(b, 0, sig_at - b->n);
	for (i = 0; i < (size_t)ncds; i++) {
		cds[i].n = 0;
		make_cd(&cds[i], 0x10000, hash_types[i], "com.example.unit", "TEAM123456");
	}
	be32(b, CSMAGIC_EMBEDDED_SIGNATURE);
	be32(b, 0);
	be32(b, (uint32_t)ncds);
	off = 12 + 8 * (size_t)ncds;
	for (i = 0; i < (size_t)ncds; i++) {
		be32(b, i ? CSSLOT_ALTERNATE_CODEDIRECTORIES : CSSLOT_CODEDIRECTORY);
		be32(b, (uint32_t)off);
		off += cds[i].n;
	}
	for (i = 0; i < (size_t)ncds; i++)
		bytes(b, cds[i].d, cds[i].n);
	put_be32_at(b, sig_at + 4, (uint32_t)(b->n - sig_at));
	b->d[32 + 24 + 12] = (uint8_t)(b->n - sig_at);
	b->d[32 + 24 + 13] = (uint8_t)((b->n - sig_at) >> 8);
}

struct mem {
	const uint8_t *p;
	size_t n;
};
static int mem_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	const struct mem *m = ctx;

	if (off > m->n || len > m->n - off)
		return SIGFS_EIO;
	memcpy(dst, m->p + off, len);
	return SIGFS_OK;
}

static sigfs_file *load(const struct bb *b)
{
	struct mem m = {b->d, b->n};
	sigfs_file *f = NULL;

	assert_int_equal(sigfs_file_load(&f, mem_read, &m, b->n), SIGFS_OK);
	return f;
}

/* The bytes of b as a single-file SOURCE (rel ""), as the frontends see it. */
struct tree {
	sigfs_memtree *t;
	sigfs_source src;
};

static void tree_of(struct tree *tr, const struct bb *b)
{
	tr->t = sigfs_mem_new(1);
	assert_non_null(tr->t);
	assert_int_equal(sigfs_mem_add_file(tr->t, "", b->d, b->n, 0644), SIGFS_OK);
	sigfs_mem_source(tr->t, &tr->src);
}

/* The Mach-O subject of tr with -o arch=`arch`. */
static sigfs_subject *subject(const struct tree *tr, const char *arch)
{
	sigfs_subject_opts opts = {.arch = arch};
	sigfs_subject *s = NULL;

	assert_int_equal(sigfs_subject_load(&s, &tr->src, "", SIGFS_KIND_MACHO, &opts), SIGFS_OK);
	return s;
}

/* The node kind of `path` (flags dropped). */
static int node(const struct tree *tr, const char *arch, const char *path)
{
	sigfs_subject *s = subject(tr, arch);
	int kind = sigfs_tree_node(s, path) & SIGFS_NODE_KIND_MASK;

	sigfs_subject_free(s);
	return kind;
}

static char *render(const struct tree *tr, const char *arch, const char *path)
{
	sigfs_subject *s = subject(tr, arch);
	sigfs_buf out = SIGFS_BUF_INIT;
	int err = sigfs_tree_render(&out, s, &tr->src, path);

	sigfs_subject_free(s);
	if (err) {
		sigfs_buf_free(&out);
		return NULL;
	}
	sigfs_buf_putc(&out, '\0'); /* so empty files are "" */
	return sigfs_buf_detach(&out, NULL);
}

static void assert_file(const struct tree *tr, const char *arch, const char *path, const char *want)
{
	char *got = render(tr, arch, path);

	if (!want) {
		assert_null(got);
		assert_int_equal(node(tr, arch, path), SIGFS_NODE_NONE);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(node(tr, arch, path), SIGFS_NODE_FILE);
	free(got);
}

static void hexs(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The cdhash of the CodeDirectory at `cd` in b, computed with OpenSSL. */
static void cd_digest(const struct bb *b, size_t cd, const EVP_MD *md, char *hex, size_t *len)
{
	uint32_t l = (uint32_t)b->d[cd + 4] << 24 | (uint32_t)b->d[cd + 5] << 16 |
		     (uint32_t)b->d[cd + 6] << 8 | b->d[cd + 7];
	uint8_t d[64];
	unsigned int n;

	EVP_Digest(b->d + cd, l, d, &n, md, NULL);
	hexs(hex, d, n);
	*len = n;
}

/* ---------------------------------------------------------------- tests */

static void test_probe(void **state)
{
	static const uint8_t thin64[8] = {0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1};
	static const uint8_t thin32be[8] = {0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 18};
	static const uint8_t fat2[8] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2};
	static const uint8_t fat64[8] = {0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 1};
	static const uint8_t java[8] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x37}; /* class file v55 */
	static const uint8_t fat0[8] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0};
	static const uint8_t elf[8] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

	assert_true(sigfs_macho_probe(thin64, 8, 4096));
	assert_true(sigfs_macho_probe(thin32be, 8, 4096));
	assert_true(sigfs_macho_probe(fat2, 8, 48));
	assert_false(sigfs_macho_probe(fat2, 8, 47)); /* table does not fit */
	assert_true(sigfs_macho_probe(fat64, 8, 40));
	assert_false(sigfs_macho_probe(java, 8, 100000));
	assert_false(sigfs_macho_probe(fat0, 8, 4096));
	assert_false(sigfs_macho_probe(elf, 8, 4096));
	assert_false(sigfs_macho_probe(thin64, 4, 4));
}

static void test_thin_adhoc_sha256(void **state)
{
	static struct bb b;
	uint8_t ht[] = {CS_HASHTYPE_SHA256};
	char hex[129], want[512];
	size_t n;
	sigfs_file *f;
	struct tree tr;

	b.n = 0;
	make_macho(&b, 0x0100000c, 1, ht);
	f = load(&b);
	tree_of(&tr, &b);
	cd_digest(&b, 4096 + 20, EVP_sha256(), hex, &n);
	assert_int_equal(n, 32);
	assert_file(&tr, NULL, "status", "adhoc\n");
	assert_file(&tr, NULL, "archs", "arm64\n");
	assert_file(&tr, NULL, "format", "Mach-O thin (arm64)\n");
	assert_file(&tr, NULL, "identifier", "com.example.unit\n");
	assert_file(&tr, NULL, "team-id", "TEAM123456\n");
	assert_file(&tr, NULL, "flags", "0x10000(runtime)\n");
	snprintf(want, sizeof want, "%.40s\n", hex);
	assert_file(&tr, NULL, "cdhash", want);
	assert_file(&tr, "arm64", "arm64/cdhash", NULL); /* a thin file has no <arch>/ (SPEC) */
	snprintf(want, sizeof want, "sha256 %.40s %s\n", hex, hex);
	assert_file(&tr, NULL, "cdhashes", want);
	assert_file(&tr, NULL, "slots",
		    "    -2=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		    "    -1=0000000000000000000000000000000000000000000000000000000000000000\n"
		    "     0=0101010101010101010101010101010101010101010101010101010101010101\n"
		    "     1=0202020202020202020202020202020202020202020202020202020202020202\n"
		    "     2=0303030303030303030303030303030303030303030303030303030303030303\n");
	/* absent when their slot is absent */
	assert_file(&tr, NULL, "entitlements.plist", NULL);
	assert_file(&tr, NULL, "requirements.bin", NULL);
	assert_file(&tr, NULL, "chain.pem", NULL);
	assert_file(&tr, NULL, "cms.der", NULL);
	assert_file(&tr, NULL, "info.plist", NULL);
	assert_int_equal(node(&tr, NULL, "launch-constraints"), SIGFS_NODE_NONE);
	assert_int_equal(node(&tr, NULL, ""), SIGFS_NODE_DIR);
	assert_int_equal(node(&tr, NULL, "arm64"), SIGFS_NODE_NONE); /* thin: top level only */
	assert_int_equal(node(&tr, NULL, "arm64/archs"), SIGFS_NODE_NONE);
	assert_int_equal(node(&tr, NULL, "x86_64"), SIGFS_NODE_NONE);
	assert_int_equal(node(&tr, NULL, "arm64/arm64"), SIGFS_NODE_NONE);
	assert_int_equal(node(&tr, NULL, "nope"), SIGFS_NODE_NONE);
	/* the bytes read: headers, load commands and the signature — not the code */
	assert_int_equal(sigfs_file_bytes_read(f), 4 + 8 + 24 + 40 + (b.n - 4096));
	sigfs_file_free(f);
	sigfs_mem_free(tr.t);
}

static void test_info_txt(void **state)
{
	static struct bb b;
	uint8_t ht[] = {CS_HASHTYPE_SHA256};
	char hex[129], want[2048];
	size_t n;
	struct tree tr;

	b.n = 0;
	make_macho(&b, 0x0100000c, 1, ht);
	tree_of(&tr, &b);
	cd_digest(&b, 4096 + 20, EVP_sha256(), hex, &n);
	snprintf(want, sizeof want,
		 "Identifier=com.example.unit\n"
		 "Format=Mach-O thin (arm64)\n"
		 "CodeDirectory v=20500 size=%u flags=0x10000(runtime) hashes=3+2 location=embedded\n"
		 "VersionPlatform=1\n"
		 "VersionMin=720896\n"
		 "VersionSDK=917504\n"
		 "Hash type=sha256 size=32\n"
		 "CandidateCDHash sha256=%.40s\n"
		 "CandidateCDHashFull sha256=%s\n"
		 "Hash choices=sha256\n"
		 "Executable Segment base=0\n"
		 "Executable Segment limit=8192\n"
		 "Executable Segment flags=0x1\n"
		 "Page size=4096\n"
		 "CDHash=%.40s\n"
		 "Signature=adhoc\n"
		 "Info.plist=not bound\n"
		 "TeamIdentifier=TEAM123456\n"
		 "Runtime Version=14.2.0\n"
		 "Sealed Resources=none\n"
		 "Internal requirements=none\n",
		 96 + 17 + 11 + 5 * 32, hex, hex, hex);
	assert_file(&tr, NULL, "info.txt", want);
	sigfs_mem_free(tr.t);
}

/* sha1 in slot 0 and sha256 at 0x1000: the sha256 one is primary. */
static void test_alternate_cds(void **state)
{
	static struct bb b;
	uint8_t ht[] = {CS_HASHTYPE_SHA1, CS_HASHTYPE_SHA256};
	char h1[129], h2[129], want[512];
	size_t n1, n2, cd2;
	struct tree tr;

	b.n = 0;
	make_macho(&b, 0x0100000c, 2, ht);
	tree_of(&tr, &b);
	cd_digest(&b, 4096 + 28, EVP_sha1(), h1, &n1);
	cd2 = 4096 + 28 + (96 + 17 + 11 + 5 * 20);
	cd_digest(&b, cd2, EVP_sha256(), h2, &n2);
	snprintf(want, sizeof want, "%.40s\n", h2);
	assert_file(&tr, NULL, "cdhash", want);
	snprintf(want, sizeof want, "sha1 %s %s\nsha256 %.40s %s\n", h1, h1, h2, h2);
	assert_file(&tr, NULL, "cdhashes", want);
	sigfs_mem_free(tr.t);
}

/* A universal x86_64 + arm64 file: top level is arm64; -o arch picks. */
static void test_universal(void **state)
{
	static struct bb fat, s1, s2;
	uint8_t ht[] = {CS_HASHTYPE_SHA256};
	struct tree tr;

	s1.n = s2.n = fat.n = 0;
	make_macho(&s1, 0x01000007, 1, ht);
	s1.d[8] = 3;			/* x86_64 ALL */
	s1.d[4096 + 12 + 8 + 96] = 'C'; /* identifier "Com.example.unit": the two CDs differ */
	make_macho(&s2, 0x0100000c, 1, ht);
	be32(&fat, 0xcafebabe);
	be32(&fat, 2);
	be32(&fat, 0x01000007);
	be32(&fat, 3);
	be32(&fat, 8192);
	be32(&fat, (uint32_t)s1.n);
	be32(&fat, 12);
	be32(&fat, 0x0100000c);
	be32(&fat, 0);
	be32(&fat, 16384);
	be32(&fat, (uint32_t)s2.n);
	be32(&fat, 12);
	fill(&fat, 0, 8192 - fat.n);
	bytes(&fat, s1.d, s1.n);
	fill(&fat, 0, 16384 - fat.n);
	bytes(&fat, s2.d, s2.n);
	tree_of(&tr, &fat);
	assert_file(&tr, NULL, "archs", "x86_64\narm64\n");
	assert_file(&tr, NULL, "format", "Mach-O universal (x86_64 arm64)\n");
	assert_int_equal(node(&tr, NULL, "x86_64"), SIGFS_NODE_DIR);
	assert_int_equal(node(&tr, NULL, "arm64/status"), SIGFS_NODE_FILE);
	/* sha256 of each slice's CodeDirectory, truncated to 20 bytes, from
	 * `openssl dgst -sha256` over the bytes this test assembles: the top
	 * level is arm64 (Apple's order), -o arch= picks x86_64 */
	assert_file(&tr, NULL, "cdhash", "53ea36be196b4679490e301741e97fd86ea5e17c\n");
	assert_file(&tr, NULL, "arm64/cdhash", "53ea36be196b4679490e301741e97fd86ea5e17c\n");
	assert_file(&tr, NULL, "x86_64/cdhash", "76ec3552ce66d83c4e9f00359f6de449ea8cd23e\n");
	assert_file(&tr, "x86_64", "cdhash", "76ec3552ce66d83c4e9f00359f6de449ea8cd23e\n");
	assert_file(&tr, NULL, "x86_64/identifier", "Com.example.unit\n");
	assert_file(&tr, NULL, "identifier", "com.example.unit\n");
	sigfs_mem_free(tr.t);
}

/* Read failures are errors (the file shrank), not "malformed". */
static void test_short_read_is_eio(void **state)
{
	static struct bb b;
	uint8_t ht[] = {CS_HASHTYPE_SHA256};
	struct mem m;
	sigfs_file *f = NULL;

	b.n = 0;
	make_macho(&b, 0x0100000c, 1, ht);
	m.p = b.d;
	m.n = 100; /* the callback sees a file that shrank */
	assert_int_equal(sigfs_file_load(&f, mem_read, &m, b.n), SIGFS_EIO);
	assert_null(f);
}

/* A huge architecture count is malformed at the core level (the probe
 * already keeps such files from getting a .sig/). */
static void test_fat_count(void **state)
{
	static struct bb b;
	struct tree tr;

	b.n = 0;
	be32(&b, 0xcafebabe);
	be32(&b, 1000000);
	fill(&b, 0, 1016);
	tree_of(&tr, &b);
	assert_file(
	    &tr, NULL, "status",
	    "malformed: universal header: 1000000 architectures, the file holds at most 50 (limit 1024)\n");
	assert_file(&tr, NULL, "archs", "");
	assert_file(&tr, NULL, "cdhash", NULL);
	sigfs_mem_free(tr.t);
}

static void test_unsigned(void **state)
{
	static struct bb b;
	struct tree tr;

	b.n = 0;
	le32(&b, 0xfeedfacf);
	le32(&b, 0x01000007);
	le32(&b, 3);
	le32(&b, 2);
	le32(&b, 0);
	le32(&b, 0);
	le32(&b, 0);
	le32(&b, 0);
	fill(&b, 0, 64);
	tree_of(&tr, &b);
	assert_file(&tr, NULL, "status", "unsigned\n");
	assert_file(&tr, NULL, "format", "Mach-O thin (x86_64)\n");
	assert_file(&tr, NULL, "info.txt", "code object is not signed at all\n");
	assert_file(&tr, NULL, "identifier", NULL);
	assert_file(&tr, NULL, "requirements.txt", NULL);
	sigfs_mem_free(tr.t);
}

/* What sigfs_tree_list gives, checked entry by entry against a literal list
 * and against sigfs_tree_node for the same path. */
struct listing {
	const sigfs_subject *s;
	const char *dir;
	const char *const *want;
	size_t n;
};

static int check_entry(void *arg, const char *name, int node)
{
	struct listing *l = arg;
	int kind = node & SIGFS_NODE_KIND_MASK;
	char path[256];

	assert_non_null(l->want[l->n]);
	assert_string_equal(name, l->want[l->n]);
	snprintf(path, sizeof path, "%s%s%s", l->dir, *l->dir ? "/" : "", name);
	assert_int_equal(sigfs_tree_node(l->s, path) & SIGFS_NODE_KIND_MASK, kind);
	assert_int_equal(kind, SIGFS_NODE_FILE);
	l->n++;
	return 0;
}

static void test_list_matches_node(void **state)
{
	/* a thin file's top level is its only slice: no arm64/. The order is
	 * core/render_slice.c's top_tab: top_only, per_slice (present rows),
	 * sigfs_verify_rows (core/render_verify.c: no CMS, so no
	 * cms-cdhashes*), no launch-constraints, sigfs_audit_rows */
	static const char *const top[] = {
	    "archs",
	    "format",
	    "status",
	    "identifier",
	    "team-id",
	    "cdhash",
	    "cdhashes",
	    "flags",
	    "info.txt",
	    "requirements.txt",
	    "designated-requirement",
	    "codedirectory",
	    "slots",
	    "verify",
	    "verify-status",
	    "checks",
	    "page-mismatches",
	    "slot-hashes",
	    "audit",
	    NULL,
	};
	static struct bb b;
	uint8_t ht[] = {CS_HASHTYPE_SHA256};
	struct listing l = {NULL, "", top, 0};
	struct tree tr;
	sigfs_subject *s;
	int n = 0;

	b.n = 0;
	make_macho(&b, 0x0100000c, 1, ht);
	tree_of(&tr, &b);
	l.s = s = subject(&tr, NULL);
	assert_int_equal(sigfs_tree_list(s, "", check_entry, &l), 0);
	assert_null(top[l.n]); /* every expected entry came */
	assert_int_equal(sigfs_tree_list(s, "arm64", check_entry, &n), SIGFS_ENOTFOUND);
	assert_int_equal(sigfs_tree_list(s, "cdhash", check_entry, &n), SIGFS_ENOTFOUND);
	sigfs_subject_free(s);
	sigfs_mem_free(tr.t);
}

/* sigfs_tree_catalogued: names of SPEC.md's and SPEC-VERIFY.md's tables,
 * checked without a subject; presence plays no part. */
static void test_catalogued(void **state)
{
	static const struct {
		const char *path;
		int node;
	} cases[] = {
	    {"cdhash", SIGFS_NODE_FILE},
	    {"archs", SIGFS_NODE_FILE},
	    {"arm64/cdhash", SIGFS_NODE_FILE},	   /* any slice name: arch names are open-ended */
	    {"cpu7-3-1/team-id", SIGFS_NODE_FILE}, /* a renamed duplicate slice */
	    {"arm64", SIGFS_NODE_DIR},
	    {"launch-constraints", SIGFS_NODE_DIR},
	    {"launch-constraints/self.plist", SIGFS_NODE_FILE},
	    {"arm64/launch-constraints/library.plist", SIGFS_NODE_FILE},
	    {"verify", SIGFS_NODE_FILE | SIGFS_NODE_EXPENSIVE},
	    {"summary", SIGFS_NODE_FILE},			  /* P.sig/ */
	    {"provisioning/entitlements-check", SIGFS_NODE_FILE}, /* B.sig/ */
	    {"signature", SIGFS_NODE_LINK},			  /* B.sig/: link or directory */
	    {"signature/cdhash", SIGFS_NODE_FILE},
	    {"bogus", SIGFS_NODE_DIR}, /* could be a slice */
	    {"bogus/x", SIGFS_NODE_NONE},
	    {"archs/x", SIGFS_NODE_NONE},
	    {"arm64/archs", SIGFS_NODE_NONE}, /* top level only */
	    {"arm64/arm64/cdhash", SIGFS_NODE_NONE},
	    {"cdhash/", SIGFS_NODE_NONE},
	    {"", SIGFS_NODE_NONE},
	    {"/cdhash", SIGFS_NODE_NONE},
	    {"launch-constraints//self.plist", SIGFS_NODE_NONE},
	    {"./cdhash", SIGFS_NODE_NONE},
	    {"../cdhash", SIGFS_NODE_NONE},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sigfs_tree_catalogued(cases[i].path) != cases[i].node)
			fail_msg("%s: %#x, want %#x", cases[i].path, sigfs_tree_catalogued(cases[i].path),
				 cases[i].node);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_thin_adhoc_sha256),
	    cmocka_unit_test(test_info_txt),
	    cmocka_unit_test(test_alternate_cds),
	    cmocka_unit_test(test_universal),
	    cmocka_unit_test(test_short_read_is_eio),
	    cmocka_unit_test(test_fat_count),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_list_matches_node),
	    cmocka_unit_test(test_catalogued),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
