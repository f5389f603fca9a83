/* Unit tests of the generic .sig tree (core/render.c, core/subject.c) and the
 * in-memory source (core/source.c), on hand-assembled inputs.
 *
 * Expectations come from the formats themselves: a 64-bit Mach-O header
 * (mach-o/loader.h: magic 0xfeedfacf, cputype 0x0100000c arm64) without
 * LC_CODE_SIGNATURE is unsigned; a universal header (0xcafebabe, big endian)
 * lists its slices; a thin file has no <arch>/ directory (SPEC), a universal
 * one has one per slice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sigfs/memsource.h"
#include "sigfs/tree.h"

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* mach_header_64 with no load commands: 32 bytes. */
static void thin(uint8_t *p, uint32_t cputype, uint32_t subtype)
{
	memset(p, 0, 32);
	le32(p, 0xfeedfacf);
	le32(p + 4, cputype);
	le32(p + 8, subtype);
	le32(p + 12, 6); /* MH_DYLIB */
}

struct names {
	char buf[1024];
	int n;
};

static int collect(void *arg, const char *name, int node)
{
	struct names *c = arg;
	size_t len = strlen(c->buf);

	snprintf(c->buf + len, sizeof c->buf - len, "%s%s%s", c->n++ ? " " : "", name,
		 (node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR ? "/" : "");
	return 0;
}

static char *render(const sigfs_subject *s, const sigfs_source *src, const char *path)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	if (sigfs_tree_render(&b, s, src, path) != SIGFS_OK) {
		sigfs_buf_free(&b);
		return NULL;
	}
	sigfs_buf_putc(&b, '\0');
	return sigfs_buf_detach(&b, NULL);
}

static void test_memsource(void **state)
{
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_source src;
	struct sigfs_stat st;
	char buf[16];
	size_t got;

	assert_non_null(t);
	assert_int_equal(sigfs_mem_add_file(t, "a/b/file", "hello", 5, 0644), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_symlink(t, "a/link", "b"), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_other(t, "a/fifo"), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_file(t, "a/secret", "x", 1, 0), SIGFS_OK);
	sigfs_mem_source(t, &src);

	assert_int_equal(src.stat(src.ctx, "a/b", &st), SIGFS_OK); /* parents made */
	assert_int_equal(st.type, SIGFS_FT_DIR);
	assert_int_equal(src.read(src.ctx, "a/b/file", 1, buf, sizeof buf, &got), SIGFS_OK);
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "ello", 4);
	/* a symlink is never followed, not even in the middle of a path */
	assert_int_equal(src.stat(src.ctx, "a/link/file", &st), SIGFS_ENOTFOUND);
	assert_int_equal(src.stat(src.ctx, "a/link", &st), SIGFS_OK);
	assert_int_equal(st.type, SIGFS_FT_LNK);
	assert_int_equal(src.readlink(src.ctx, "a/link", buf, sizeof buf, &got), SIGFS_OK);
	assert_string_equal(buf, "b");
	assert_int_equal(src.readlink(src.ctx, "a/link", buf, 1, &got), SIGFS_EMALFORMED);
	assert_int_equal(src.read(src.ctx, "a/fifo", 0, buf, 1, &got), SIGFS_EIO);
	assert_int_equal(src.read(src.ctx, "a/secret", 0, buf, 1, &got), SIGFS_EACCES);
	/* read_exact: a short file is EIO */
	assert_int_equal(sigfs_source_read_exact(&src, "a/b/file", 0, buf, 5), SIGFS_OK);
	assert_int_equal(sigfs_source_read_exact(&src, "a/b/file", 0, buf, 6), SIGFS_EIO);
	assert_int_equal(sigfs_mem_remove(t, "a/b"), SIGFS_OK);
	assert_int_equal(src.stat(src.ctx, "a/b/file", &st), SIGFS_ENOTFOUND);
	sigfs_mem_free(t);
}

static int count_entry(void *arg, const char *name, const struct sigfs_stat *st)
{
	(*(int *)arg)++;
	return 0;
}

static void test_memsource_list(void **state)
{
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_source src;
	int n = 0;

	assert_int_equal(sigfs_mem_add_file(t, "d/x", "1", 1, 0644), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_file(t, "d/y", "2", 1, 0644), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_file(t, "d/sub/z", "3", 1, 0644), SIGFS_OK);
	sigfs_mem_source(t, &src);
	assert_int_equal(src.list(src.ctx, "d", count_entry, &n), SIGFS_OK);
	assert_int_equal(n, 3); /* x, y, sub — not sub/z */
	n = 0;
	assert_int_equal(src.list(src.ctx, "", count_entry, &n), SIGFS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(src.list(src.ctx, "d/x", count_entry, &n), SIGFS_ENOTFOUND);
	sigfs_mem_free(t);
}

static void test_thin_subject(void **state)
{
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_source src;
	struct sigfs_stat st;
	sigfs_subject *s;
	struct names c = {{0}, 0};
	uint8_t m[32];
	char *got;

	thin(m, 0x0100000c, 0);
	assert_int_equal(sigfs_mem_add_file(t, "lib/x.dylib", m, sizeof m, 0644), SIGFS_OK);
	assert_int_equal(sigfs_mem_add_file(t, "lib/text", "hello world\n", 12, 0644), SIGFS_OK);
	sigfs_mem_source(t, &src);

	assert_int_equal(src.stat(src.ctx, "lib/text", &st), SIGFS_OK);
	assert_int_equal(sigfs_probe(&src, "lib/text", &st, NULL, 0), SIGFS_KIND_NONE);
	assert_int_equal(src.stat(src.ctx, "lib", &st), SIGFS_OK);
	assert_int_equal(sigfs_probe(&src, "lib", &st, NULL, 0), SIGFS_KIND_NONE);
	assert_int_equal(src.stat(src.ctx, "lib/x.dylib", &st), SIGFS_OK);
	assert_int_equal(sigfs_probe(&src, "lib/x.dylib", &st, NULL, 0), SIGFS_KIND_MACHO);
	assert_int_equal(sigfs_probe(&src, "lib/x.dylib", &st, m, 8), SIGFS_KIND_MACHO);

	assert_int_equal(sigfs_subject_load(&s, &src, "lib/x.dylib", SIGFS_KIND_MACHO, NULL), SIGFS_OK);
	assert_int_equal(sigfs_subject_kind(s), SIGFS_KIND_MACHO);
	/* the 32-byte header read as test_macho accounts it (magic 4, then 8 + 24);
	 * no load commands, no code */
	assert_int_equal(sigfs_subject_bytes_read(s), 4 + 8 + 24);
	assert_int_equal(sigfs_tree_list(s, "", collect, &c), SIGFS_OK);
	/* no arm64/: thin; verify, verify-status, checks: every Mach-O (SPEC-VERIFY) */
	assert_string_equal(c.buf, "archs format status info.txt verify verify-status checks audit");
	assert_int_equal(sigfs_tree_node(s, "arm64"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_node(s, ""), SIGFS_NODE_DIR);
	assert_int_equal(sigfs_tree_node(s, "status"), SIGFS_NODE_FILE);
	assert_int_equal(sigfs_tree_node(s, "status/x"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_list(s, "status", collect, &c), SIGFS_ENOTFOUND);
	got = render(s, &src, "status");
	assert_string_equal(got, "unsigned\n");
	free(got);
	got = render(s, &src, "format");
	assert_string_equal(got, "Mach-O thin (arm64)\n");
	free(got);
	assert_null(render(s, &src, "cdhash"));
	sigfs_subject_free(s);

	/* a vanished entry is an error of the load, not a crash */
	assert_int_equal(sigfs_subject_load(&s, &src, "lib/gone", SIGFS_KIND_MACHO, NULL), SIGFS_ENOTFOUND);
	assert_null(s);
	sigfs_mem_free(t);
}

static void test_universal_subject(void **state)
{
	sigfs_memtree *t = sigfs_mem_new(1);
	sigfs_source src;
	struct sigfs_stat st;
	sigfs_subject *s;
	struct names c = {{0}, 0};
	sigfs_subject_opts o = {.arch = "x86_64", .root_name = "fat"};
	uint8_t m[4096 * 3];
	char *got;

	/* fat_header + two fat_arch: x86_64 at 4096, arm64 at 8192, 32 bytes each */
	memset(m, 0, sizeof m);
	be32(m, 0xcafebabe);
	be32(m + 4, 2);
	be32(m + 8, 0x01000007);
	be32(m + 12, 3);
	be32(m + 16, 4096);
	be32(m + 20, 32);
	be32(m + 24, 12);
	be32(m + 28, 0x0100000c);
	be32(m + 32, 0);
	be32(m + 36, 8192);
	be32(m + 40, 32);
	be32(m + 44, 12);
	thin(m + 4096, 0x01000007, 3);
	thin(m + 8192, 0x0100000c, 0);
	assert_int_equal(sigfs_mem_add_file(t, "", m, sizeof m, 0644), SIGFS_OK);
	sigfs_mem_source(t, &src);
	assert_int_equal(src.stat(src.ctx, "", &st), SIGFS_OK);
	assert_int_equal(sigfs_probe(&src, "", &st, NULL, 0), SIGFS_KIND_MACHO);
	assert_int_equal(sigfs_subject_load(&s, &src, "", SIGFS_KIND_MACHO, &o), SIGFS_OK);
	assert_int_equal(sigfs_tree_list(s, "", collect, &c), SIGFS_OK);
	assert_string_equal(c.buf,
			    "archs format status info.txt verify verify-status checks audit x86_64/ arm64/");
	memset(&c, 0, sizeof c);
	assert_int_equal(sigfs_tree_list(s, "arm64/", collect, &c), SIGFS_OK);
	assert_string_equal(c.buf, "status info.txt verify verify-status checks");
	assert_int_equal(sigfs_tree_node(s, "arm64/archs"), SIGFS_NODE_NONE); /* top level only */
	assert_int_equal(sigfs_tree_node(s, "arm64//status"), SIGFS_NODE_FILE);
	got = render(s, &src, "archs");
	assert_string_equal(got, "x86_64\narm64\n");
	free(got);
	got = render(s, &src, "format");
	assert_string_equal(got, "Mach-O universal (x86_64 arm64)\n");
	free(got);
	sigfs_subject_free(s);
	sigfs_mem_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memsource),
	    cmocka_unit_test(test_memsource_list),
	    cmocka_unit_test(test_thin_subject),
	    cmocka_unit_test(test_universal_subject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
