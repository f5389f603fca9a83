/* Unit tests: a slice's CMS is parsed at its first use, once, from any
 * thread (core/signature.c). The Developer ID dylib of the corpus and its
 * expectations (tests/corpus/expected/codex-libffi-dylib.json). Run from the
 * repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "internal.h"
#include "readall.h"
#include "sigfs/memsource.h"
#include "sigfs/tree.h"

#define REAL_FILE "tests/corpus/files/codex-libffi-dylib/libffi.8.dylib"
/* expected json, slices[0]: superblob blob of slot 65536 at 119360 + 1405,
 * 9055 bytes; cdhash, identifier and certificates[].subject_cn */
#define REAL_CMS_OFF (119360 + 1405 + 8)
#define REAL_CMS_LEN (9055 - 8)
#define REAL_CDHASH  "d2a44a005a3c1e6821d0c975c796aabda6f4ca18\n"
#define REAL_AUTHORITY                                                                                       \
	"Developer ID Application: OpenAI OpCo, LLC (2DC432GLL2)\nDeveloper ID Certification Authority\n"    \
	"Apple Root CA\n"

static uint8_t *file;
static size_t file_len;

static int setup(void **state)
{
	(void)state;
	file = read_all(REAL_FILE, &file_len);
	return file && file_len > REAL_CMS_OFF + REAL_CMS_LEN ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(file);
	return 0;
}

struct loaded {
	sigfs_memtree *t;
	sigfs_source src;
	sigfs_subject *s;
};

static void load(struct loaded *l, const uint8_t *bytes, size_t len)
{
	sigfs_subject_opts o = {.root_name = "F"};

	l->t = sigfs_mem_new(1);
	assert_non_null(l->t);
	assert_int_equal(sigfs_mem_add_file(l->t, "", bytes, len, 0644), SIGFS_OK);
	sigfs_mem_source(l->t, &l->src);
	assert_int_equal(sigfs_subject_load(&l->s, &l->src, "", SIGFS_KIND_MACHO, &o), SIGFS_OK);
}

static void unload(struct loaded *l)
{
	sigfs_subject_free(l->s);
	sigfs_mem_free(l->t);
}

static void render_is(struct loaded *l, const char *path, const char *want)
{
	sigfs_buf b = SIGFS_BUF_INIT;

	assert_int_equal(sigfs_tree_render(&b, l->s, &l->src, path), SIGFS_OK);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.ptr, want, b.len);
	sigfs_buf_free(&b);
}

/* Loading, looking up and rendering cdhash parse no CMS; the first file
 * that needs it parses it once, the next ones reuse that parse. */
static void test_cdhash_does_not_parse(void **state)
{
	unsigned long before = sigfs_cms_parse_count();
	struct loaded l;

	(void)state;
	load(&l, file, file_len);
	assert_int_equal(sigfs_tree_node(l.s, "cdhash"), SIGFS_NODE_FILE);
	render_is(&l, "cdhash", REAL_CDHASH);
	render_is(&l, "identifier", "com.openai.codex.voice.libffi.8.dylib\n");
	assert_int_equal(sigfs_cms_parse_count(), before);

	render_is(&l, "authority", REAL_AUTHORITY);
	assert_int_equal(sigfs_cms_parse_count(), before + 1);
	render_is(&l, "status", "signed\n");
	render_is(&l, "timestamp", "2026-11-13T06:41:05Z\n");
	assert_int_equal(sigfs_tree_node(l.s, "chain.pem"), SIGFS_NODE_FILE);
	assert_int_equal(sigfs_cms_parse_count(), before + 1);
	unload(&l);
}

/* A CMS that does not decode, found at first use: status says what the
 * parser says, as when it was parsed at load, and the files derived from
 * the CMS are absent. */
static void test_malformed_found_lazily(void **state)
{
	uint8_t *bad = malloc(file_len);
	sigfs_cms *cms = NULL;
	char want[SIGFS_REASON_LEN + 16];
	struct loaded l;

	(void)state;
	assert_non_null(bad);
	memcpy(bad, file, file_len);
	/* the SignedData's version INTEGER (02 01 01 after 30 82 xx xx 06 09
	 * <oid> a0 82 xx xx 30 82 xx xx) becomes a BOOLEAN */
	assert_memory_equal(bad + REAL_CMS_OFF + 23, "\x02\x01\x01", 3);
	bad[REAL_CMS_OFF + 23] = 0x01;
	assert_int_equal(sigfs_cms_parse(&cms, bad + REAL_CMS_OFF, REAL_CMS_LEN), SIGFS_EMALFORMED);
	assert_null(cms);
	snprintf(want, sizeof want, "malformed: %.*s\n", SIGFS_REASON_LEN - 1, sigfs_error_last());
	assert_non_null(strstr(want, "cms: not a DER CMS ContentInfo"));

	load(&l, bad, file_len);
	assert_int_equal(sigfs_tree_node(l.s, "cdhash"), SIGFS_NODE_FILE);
	render_is(&l, "status", want);
	assert_int_equal(sigfs_tree_node(l.s, "authority"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_node(l.s, "timestamp"), SIGFS_NODE_NONE);
	assert_int_equal(sigfs_tree_node(l.s, "cms.der"), SIGFS_NODE_FILE);
	unload(&l);
	free(bad);
}

#define RACERS 8
#define ROUNDS 20

struct race {
	pthread_barrier_t *go;
	const struct sigfs_slice *s;
	const sigfs_cms *got;
};

static void *racer(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->go);
	r->got = sigfs_slice_cms(r->s);
	return NULL;
}

static int mem_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	(void)ctx;
	if (off > file_len || len > file_len - off)
		return SIGFS_EIO;
	memcpy(dst, file + off, len);
	return SIGFS_OK;
}

/* Threads racing the first use of one loaded signature: one parse, one
 * result for all of them (run under TSAN too: make TSAN=1 check-unit). */
static void test_race_one_parse(void **state)
{
	pthread_barrier_t go;
	pthread_t th[RACERS];
	struct race r[RACERS];
	int round, i;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		unsigned long before = sigfs_cms_parse_count();
		sigfs_file *f = NULL;

		assert_int_equal(sigfs_file_load(&f, mem_read, NULL, file_len), SIGFS_OK);
		assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
		for (i = 0; i < RACERS; i++) {
			r[i].go = &go;
			r[i].s = &f->slices[0];
			assert_int_equal(pthread_create(&th[i], NULL, racer, &r[i]), 0);
		}
		for (i = 0; i < RACERS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&go);
		assert_int_equal(sigfs_cms_parse_count() - before, 1);
		for (i = 0; i < RACERS; i++) {
			assert_non_null(r[i].got);
			assert_ptr_equal(r[i].got, r[0].got);
		}
		assert_int_equal(sigfs_cms_cert_count(r[0].got), 3);
		before = sigfs_cms_parse_count();
		assert_ptr_equal(sigfs_slice_cms(&f->slices[0]), r[0].got);
		assert_int_equal(sigfs_cms_parse_count(), before);
		sigfs_file_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cdhash_does_not_parse),
	    cmocka_unit_test(test_malformed_found_lazily),
	    cmocka_unit_test(test_race_one_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
