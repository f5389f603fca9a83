/* Unit tests of fs/tree.c: SOURCE on disk as a sigfs_source. A scratch
 * tree is built with plain POSIX calls, and every expectation is what those
 * calls put there (bytes written, link targets, entry names), or the
 * contract of sigfs/source.h (symlinks never followed, FIFOs never read).
 * Each test runs under alarm(): a read that blocks fails instead of hanging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../fs/tree.h"
#include "sigfs/error.h"

static char root[64];

static void put(const char *rel, const char *bytes)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, strlen(bytes), f), strlen(bytes));
	assert_int_equal(fclose(f), 0);
}

static void mk(const char *kind, const char *rel, const char *arg)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	if (strcmp(kind, "dir") == 0)
		assert_int_equal(mkdir(p, 0755), 0);
	else if (strcmp(kind, "link") == 0)
		assert_int_equal(symlink(arg, p), 0);
	else
		assert_int_equal(mkfifo(p, 0644), 0);
}

static int setup(void **state)
{
	strcpy(root, "/tmp/sigfs-fstree-XXXXXX");
	assert_non_null(mkdtemp(root));
	mk("dir", "a", NULL);
	mk("dir", "a/b", NULL);
	put("a/b/file", "0123456789");
	put("top", "hello");
	mk("link", "a/link", "b");
	mk("link", "a/esc", "/etc");
	mk("fifo", "a/fifo", NULL);
	alarm(10); /* a blocked read fails the test */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	alarm(0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static sigfs_fstree *open_tree(const char *sub, sigfs_source *src)
{
	char p[256];
	sigfs_fstree *t = NULL;
	snprintf(p, sizeof p, "%s%s", root, sub);
	assert_int_equal(sigfs_fstree_open(&t, p), 0);
	sigfs_fstree_source(t, src);
	return t;
}

static void test_read(void **state)
{
	sigfs_source src;
	sigfs_fstree *t = open_tree("", &src);
	char buf[32];
	size_t got = 99;

	assert_int_equal(sigfs_fstree_is_file(t), 0);
	assert_int_equal(src.read(src.ctx, "a/b/file", 3, buf, 4, &got), SIGFS_OK);
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "3456", 4);
	/* short only at end of file */
	assert_int_equal(src.read(src.ctx, "a/b/file", 8, buf, 10, &got), SIGFS_OK);
	assert_int_equal(got, 2);
	assert_memory_equal(buf, "89", 2);
	assert_int_equal(src.read(src.ctx, "a/b/file", 10, buf, 10, &got), SIGFS_OK);
	assert_int_equal(got, 0);
	assert_int_equal(sigfs_source_read_exact(&src, "top", 0, buf, 5), SIGFS_OK);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(sigfs_source_read_exact(&src, "top", 1, buf, 5), SIGFS_EIO);
	/* not a regular file */
	assert_int_equal(src.read(src.ctx, "a", 0, buf, 1, &got), SIGFS_EIO);
	assert_int_equal(src.read(src.ctx, "", 0, buf, 1, &got), SIGFS_EIO);
	sigfs_fstree_close(t);
}

/* A FIFO is never read and never blocks (alarm() above bounds the test). */
static void test_fifo_never_blocks(void **state)
{
	sigfs_source src;
	sigfs_fstree *t = open_tree("", &src);
	struct sigfs_stat st;
	struct stat nst;
	char buf[4];
	size_t got = 99;

	assert_int_equal(src.read(src.ctx, "a/fifo", 0, buf, 4, &got), SIGFS_EIO);
	assert_int_equal(got, 0);
	assert_int_equal(sigfs_fstree_open_file(t, "a/fifo", &nst), -EINVAL);
	assert_int_equal(src.stat(src.ctx, "a/fifo", &st), SIGFS_OK);
	assert_int_equal(st.type, SIGFS_FT_OTHER);
	sigfs_fstree_close(t);
}

/* Symlinks are never followed: not at the end, not on the way. */
static void test_symlinks(void **state)
{
	sigfs_source src;
	sigfs_fstree *t = open_tree("", &src);
	struct sigfs_stat st;
	char buf[16];
	size_t got = 0, len = 0;

	assert_int_equal(src.stat(src.ctx, "a/link", &st), SIGFS_OK);
	assert_int_equal(st.type, SIGFS_FT_LNK);
	assert_int_equal(st.size, 1); /* strlen("b") */
	assert_int_equal(src.stat(src.ctx, "a/link/file", &st), SIGFS_ENOTFOUND);
	assert_int_equal(src.read(src.ctx, "a/link/file", 0, buf, 4, &got), SIGFS_ENOTFOUND);
	assert_int_equal(src.read(src.ctx, "a/link", 0, buf, 4, &got), SIGFS_ENOTFOUND);
	assert_int_equal(src.stat(src.ctx, "a/esc/passwd", &st), SIGFS_ENOTFOUND);
	assert_int_equal(src.list(src.ctx, "a/esc", NULL, NULL), SIGFS_ENOTFOUND);
	assert_int_equal(src.readlink(src.ctx, "a/esc", buf, sizeof buf, &len), SIGFS_OK);
	assert_string_equal(buf, "/etc");
	assert_int_equal(len, 4);
	assert_int_equal(src.readlink(src.ctx, "a/esc", buf, 4, &len), SIGFS_EMALFORMED);
	sigfs_fstree_close(t);
}

/* Paths that are not a member's: absolute, "." or "..", empty components. */
static void test_bad_paths(void **state)
{
	static const char *bad[] = {"/a", "..", "a/..", "a/../top", "./top", "a//b", "a/", "a/./b"};
	sigfs_source src;
	sigfs_fstree *t = open_tree("/a", &src);
	struct sigfs_stat st;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(src.stat(src.ctx, bad[i], &st), SIGFS_ENOTFOUND);
	assert_int_equal(src.stat(src.ctx, "b/file", &st), SIGFS_OK);
	assert_int_equal(st.type, SIGFS_FT_REG);
	assert_int_equal(st.size, 10);
	sigfs_fstree_close(t);
}

struct seen {
	char names[8][16];
	int types[8];
	int n;
};

static int collect(void *arg, const char *name, const struct sigfs_stat *st)
{
	struct seen *s = arg;
	assert_true(s->n < 8);
	snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
	s->types[s->n++] = st->type;
	return 0;
}

static int stop_at_first(void *arg, const char *name, const struct sigfs_stat *st)
{
	++*(int *)arg;
	return 42;
}

static void test_list(void **state)
{
	sigfs_source src;
	sigfs_fstree *t = open_tree("", &src);
	struct seen s = {0};
	int want = 0, calls = 0;

	assert_int_equal(src.list(src.ctx, "a", collect, &s), SIGFS_OK);
	assert_int_equal(s.n, 4); /* b, link, esc, fifo; never "." or ".." */
	for (int i = 0; i < s.n; i++) {
		int type = strcmp(s.names[i], "b") == 0	     ? SIGFS_FT_DIR
			   : strcmp(s.names[i], "fifo") == 0 ? SIGFS_FT_OTHER
							     : SIGFS_FT_LNK;
		assert_true(strcmp(s.names[i], "b") == 0 || strcmp(s.names[i], "link") == 0 ||
			    strcmp(s.names[i], "esc") == 0 || strcmp(s.names[i], "fifo") == 0);
		assert_int_equal(s.types[i], type);
		want |= 1 << (s.names[i][0] - 'a');
	}
	assert_int_equal(want, (1 << 1) | (1 << ('l' - 'a')) | (1 << ('e' - 'a')) | (1 << ('f' - 'a')));
	memset(&s, 0, sizeof s);
	assert_int_equal(src.list(src.ctx, "", collect, &s), SIGFS_OK);
	assert_int_equal(s.n, 2); /* a, top */
	assert_int_equal(src.list(src.ctx, "a", stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);
	assert_int_equal(src.list(src.ctx, "top", collect, &s), SIGFS_ENOTFOUND);
	sigfs_fstree_close(t);
}

/* SOURCE that is one file: its only member is "". */
static void test_single_file(void **state)
{
	sigfs_source src;
	sigfs_fstree *t = open_tree("/a/b/file", &src);
	struct sigfs_stat st;
	char buf[16];

	assert_int_equal(sigfs_fstree_is_file(t), 1);
	assert_int_equal(src.stat(src.ctx, "", &st), SIGFS_OK);
	assert_int_equal(st.type, SIGFS_FT_REG);
	assert_int_equal(st.size, 10);
	assert_int_equal(sigfs_source_read_exact(&src, "", 0, buf, 10), SIGFS_OK);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(src.stat(src.ctx, "file", &st), SIGFS_ENOTFOUND);
	assert_int_equal(src.list(src.ctx, "", collect, NULL), SIGFS_ENOTFOUND);
	sigfs_fstree_close(t);
}

static void test_open_errors(void **state)
{
	char p[256];
	sigfs_fstree *t = NULL;

	snprintf(p, sizeof p, "%s/missing", root);
	assert_int_equal(sigfs_fstree_open(&t, p), -ENOENT);
	assert_null(t);
	snprintf(p, sizeof p, "%s/a/fifo", root);
	assert_int_equal(sigfs_fstree_open(&t, p), -EINVAL);
	assert_null(t);
}

static void test_pread(void **state)
{
	char p[256], buf[16];
	snprintf(p, sizeof p, "%s/top", root);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(sigfs_fd_pread(fd, buf, 16, 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(sigfs_fd_pread(fd, buf, 16, 5), 0);
	assert_int_equal(sigfs_fd_pread(fd, buf, 2, 3), 2);
	assert_memory_equal(buf, "lo", 2);
	close(fd);
	assert_int_equal(sigfs_fd_pread(-1, buf, 2, 0), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_never_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_single_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pread, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
