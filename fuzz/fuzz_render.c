/* Fuzz target: a whole file parsed and every virtual file of its .sig/ tree
 * rendered (the BoringSSL fuzz/spki.cc pattern: parse, then use all of it). */
#include <stdio.h>
#include <string.h>

#include "sigfs/sigfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

struct walk {
	const sigfs_file *f;
	const char *arch;
	char path[256];
	int depth;
};

static int visit(void *arg, const char *name, int kind)
{
	struct walk *w = arg;
	size_t len = strlen(w->path);
	sigfs_buf b = SIGFS_BUF_INIT;

	if (len + strlen(name) + 2 >= sizeof w->path || w->depth > 4)
		return 0;
	snprintf(w->path + len, sizeof w->path - len, "%s%s", len ? "/" : "", name);
	if (sigfs_node(w->f, w->arch, w->path) != kind)
		__builtin_trap(); /* list and node must agree */
	if (kind == SIGFS_NODE_DIR) {
		w->depth++;
		sigfs_list(w->f, w->arch, w->path, visit, w);
		w->depth--;
	} else {
		(void)sigfs_render(&b, w->f, w->arch, w->path);
	}
	sigfs_buf_free(&b);
	w->path[len] = '\0';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = {data, size};
	sigfs_file *f;
	struct walk w;

	if (sigfs_file_load(&f, mem_read, &m, size) != SIGFS_OK)
		return 0;
	memset(&w, 0, sizeof w);
	w.f = f;
	sigfs_list(f, NULL, "", visit, &w);
	w.arch = "x86_64";
	sigfs_list(f, w.arch, "", visit, &w);
	sigfs_file_free(f);
	return 0;
}
