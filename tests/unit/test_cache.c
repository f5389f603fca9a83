/* Unit tests: fs/cache.c, the mount's shared caches (no FUSE): LRU eviction
 * under the byte budget, entries larger than the budget, references that
 * outlive eviction, the second insert of a key returning the first, and
 * keys that differ in any one field, a subject charged again after a render
 * kept a verdict in it. Costs follow cache.c's charging rule: content + path
 * length + 128 bytes per entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <cmocka.h>

#include "../../fs/cache.h"
#include "readall.h"
#include "sigfs/buf.h"
#include "sigfs/verify.h"
#include "sigfs/memsource.h"
#include "sigfs/tree.h"

#define OVERHEAD 128 /* SFC_ENTRY_OVERHEAD */

static const struct sfc_key K = {1, 2, 3, 4, 5, 6};

static struct sfc_blob *blob_of(char c, size_t len)
{
	char *p = malloc(len);
	struct sfc_blob *b;

	assert_non_null(p);
	memset(p, c, len);
	b = sfc_blob_new(p, len);
	free(p);
	assert_non_null(b);
	return b;
}

/* Cache a fresh blob for (K, path) and drop our reference. */
static void put(struct sfc *c, const char *path, size_t len)
{
	sfc_blob_unref(sfc_blob_put(c, &K, path, blob_of(path[0], len)));
}

static int cached(struct sfc *c, const char *path)
{
	struct sfc_blob *b = sfc_blob_get(c, &K, path);

	sfc_blob_unref(b);
	return b != NULL;
}

/* Room for exactly three 1000-byte blobs with one-letter paths. */
static void test_lru_eviction(void **state)
{
	struct sfc *c = sfc_new(3 * (1000 + 1 + OVERHEAD));

	(void)state;
	assert_non_null(c);
	put(c, "a", 1000);
	put(c, "b", 1000);
	put(c, "c", 1000);
	assert_true(cached(c, "a") && cached(c, "b") && cached(c, "c"));
	/* order now (most recent first): c b a; a fourth evicts a */
	put(c, "d", 1000);
	assert_false(cached(c, "a"));
	/* touch b: order b d c; a fifth evicts c, not b */
	assert_true(cached(c, "b"));
	put(c, "e", 1000);
	assert_false(cached(c, "c"));
	assert_true(cached(c, "b") && cached(c, "d") && cached(c, "e"));
	/* one byte more than the room left after two entries evicts two */
	put(c, "f", 1000 + 1000 + 1 + OVERHEAD + 1);
	assert_true(cached(c, "f"));
	assert_int_equal(cached(c, "b") + cached(c, "d") + cached(c, "e"), 0);
	sfc_free(c);
}

/* An entry that alone exceeds the budget is handed back, not cached, and
 * evicts nothing. */
static void test_larger_than_budget(void **state)
{
	struct sfc *c = sfc_new(2000);
	struct sfc_blob *b = blob_of('x', 2000), *r;

	(void)state;
	put(c, "a", 100);
	r = sfc_blob_put(c, &K, "big", b);
	assert_ptr_equal(r, b);
	assert_int_equal(atomic_load(&r->refs), 1);
	assert_false(cached(c, "big"));
	assert_true(cached(c, "a"));
	sfc_blob_unref(r);
	sfc_free(c);
}

/* A reference held across eviction keeps the bytes; the cache's own
 * reference is dropped. */
static void test_ref_outlives_eviction(void **state)
{
	struct sfc *c = sfc_new(1000 + 1 + OVERHEAD);
	struct sfc_blob *held;

	(void)state;
	put(c, "a", 1000);
	held = sfc_blob_get(c, &K, "a");
	assert_non_null(held);
	assert_int_equal(atomic_load(&held->refs), 2); /* cache + us */
	put(c, "b", 1000);			       /* evicts a */
	assert_false(cached(c, "a"));
	assert_int_equal(atomic_load(&held->refs), 1);
	assert_int_equal(held->len, 1000);
	assert_true(held->data[0] == 'a' && held->data[999] == 'a' && held->data[1000] == '\0');
	sfc_blob_unref(held);
	sfc_free(c); /* frees b, still cached */
}

/* Two threads that missed on one key: the second insert gets the first
 * entry back and its own blob is released. */
static void test_second_insert_returns_first(void **state)
{
	struct sfc *c = sfc_new(1 << 20);
	struct sfc_blob *b1 = blob_of('1', 10), *b2 = blob_of('2', 10), *r1, *r2;

	(void)state;
	atomic_fetch_add(&b2->refs, 1); /* watch b2 after handing it over */
	r1 = sfc_blob_put(c, &K, "p", b1);
	r2 = sfc_blob_put(c, &K, "p", b2);
	assert_ptr_equal(r1, b1);
	assert_ptr_equal(r2, b1);
	assert_int_equal(atomic_load(&b2->refs), 1); /* only our watch */
	assert_int_equal(atomic_load(&b1->refs), 3); /* cache, r1, r2 */
	sfc_blob_unref(b2);
	sfc_blob_unref(r1);
	sfc_blob_unref(r2);
	sfc_free(c);
}

/* A file changed in any one field of its key is a new key: the old entry
 * is not served for it. */
static void test_key_fields(void **state)
{
	struct sfc *c = sfc_new(1 << 20);
	struct sfc_key k[6];
	struct sfc_blob *b;
	int i;

	(void)state;
	put(c, "p", 10);
	for (i = 0; i < 6; i++)
		k[i] = K;
	k[0].dev++;
	k[1].ino++;
	k[2].size++;
	k[3].mtime_sec++;
	k[4].mtime_nsec++;
	k[5].path++; /* the same inode under another name is another subject */
	for (i = 0; i < 6; i++) {
		assert_null(sfc_blob_get(c, &k[i], "p"));
		assert_null(sfc_file_get(c, &k[i]));
		assert_int_equal(sfc_probe_get(c, &k[i]), -1);
	}
	/* the path is part of a blob's key too */
	assert_null(sfc_blob_get(c, &K, "q"));
	b = sfc_blob_get(c, &K, "p");
	assert_non_null(b);
	sfc_blob_unref(b);
	sfc_free(c);
}

/* A loaded subject: a 4-byte file (too small for a Mach-O header, so it
 * loads without reading past its size) through an in-memory source. */
static sigfs_subject *tiny_file(void)
{
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_subject *s = NULL;
	sigfs_source src;

	assert_non_null(t);
	assert_int_equal(sigfs_mem_add_file(t, "f", "\xcf\xfa\xed\xfe", 4, 0644), SIGFS_OK);
	sigfs_mem_source(t, &src);
	assert_int_equal(sigfs_subject_load(&s, &src, "f", SIGFS_KIND_MACHO, NULL), SIGFS_OK);
	sigfs_mem_free(t); /* a subject keeps nothing of its source */
	return s;
}

static void test_files(void **state)
{
	struct sfc *c = sfc_new(1 << 20);
	struct sfc_file *e1, *e2, *g;

	(void)state;
	assert_null(sfc_file_get(c, &K));
	e1 = sfc_file_put(c, &K, tiny_file());
	assert_non_null(e1);
	/* a second load of the same version is freed, the first returned */
	e2 = sfc_file_put(c, &K, tiny_file());
	assert_ptr_equal(e1, e2);
	g = sfc_file_get(c, &K);
	assert_ptr_equal(g, e1);
	assert_int_equal(atomic_load(&e1->refs), 4); /* cache, e1, e2, g */
	sfc_file_unref(g);
	sfc_file_unref(e2);
	sfc_free(c); /* drops the cache's reference only */
	assert_int_equal(atomic_load(&e1->refs), 1);
	sfc_file_unref(e1);
}

/* A verified subject holds its verdict: the cache charges it again and
 * evicts it when it no longer fits (the mount's memory followed only the
 * bytes read, 2.25 times under; 115 -> 64 MiB on a 2,000-binary walk). */
static void test_reaccount_after_verify(void **state)
{
	size_t len = 0;
	uint8_t *bytes = read_all("tests/corpus/files/codex-libffi-dylib/libffi.8.dylib", &len);
	sigfs_memtree *t = sigfs_mem_new(0);
	sigfs_subject *s = NULL;
	sigfs_source src;
	sigfs_buf b = SIGFS_BUF_INIT;

	(void)state;
	assert_non_null(bytes);
	assert_non_null(t);
	assert_int_equal(sigfs_mem_add_file(t, "f", bytes, len, 0644), SIGFS_OK);
	sigfs_mem_source(t, &src);
	assert_int_equal(sigfs_subject_load(&s, &src, "f", SIGFS_KIND_MACHO, NULL), SIGFS_OK);
	uint64_t before = sigfs_subject_footprint(s);
	assert_true(before >= 2 * sigfs_subject_bytes_read(s));
	/* room for the subject as loaded, not for it with a verdict */
	struct sfc *c = sfc_new((size_t)before + 4096 + OVERHEAD + 1000);
	struct sfc_file *f = sfc_file_put(c, &K, s);
	assert_non_null(f);
	struct sfc_file *g = sfc_file_get(c, &K);
	assert_ptr_equal(g, f);
	sfc_file_unref(g);
	assert_int_equal(sigfs_tree_render(&b, f->s, &src, "verify"), SIGFS_OK);
	assert_true(sigfs_subject_footprint(f->s) >= before + sizeof(sigfs_verdict));
	sfc_file_reaccount(c, f);
	assert_null(sfc_file_get(c, &K)); /* evicted: it outgrew the budget */
	sfc_file_unref(f);
	sigfs_buf_free(&b);
	sfc_free(c);
	sigfs_mem_free(t);
	free(bytes);
}

static void test_probe_and_null_cache(void **state)
{
	struct sfc *c = sfc_new(1 << 20);
	struct sfc_blob *b = blob_of('x', 5);
	struct sfc_file *e;

	(void)state;
	assert_int_equal(sfc_probe_get(c, &K), -1);
	sfc_probe_put(c, &K, 1);
	assert_int_equal(sfc_probe_get(c, &K), 1);
	sfc_probe_put(c, &K, 0);
	assert_int_equal(sfc_probe_get(c, &K), 0);
	sfc_free(c);
	/* cache=never: nothing is kept, puts pass their value through */
	assert_int_equal(sfc_probe_get(NULL, &K), -1);
	sfc_probe_put(NULL, &K, 1);
	assert_ptr_equal(sfc_blob_put(NULL, &K, "p", b), b);
	assert_null(sfc_blob_get(NULL, &K, "p"));
	sfc_blob_unref(b);
	e = sfc_file_put(NULL, &K, tiny_file());
	assert_non_null(e);
	assert_null(sfc_file_get(NULL, &K));
	sfc_file_unref(e);
	sfc_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lru_eviction),
	    cmocka_unit_test(test_larger_than_budget),
	    cmocka_unit_test(test_ref_outlives_eviction),
	    cmocka_unit_test(test_second_insert_returns_first),
	    cmocka_unit_test(test_key_fields),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_probe_and_null_cache),
	    cmocka_unit_test(test_reaccount_after_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
