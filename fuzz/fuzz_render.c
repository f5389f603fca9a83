/* Fuzz target: a whole file parsed and every virtual file of its .sig/ tree
 * rendered (the BoringSSL fuzz/spki.cc pattern: parse, then use all of it). */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

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
		IGNORE(sigfs_render(&b, w->f, w->arch, w->path));
	}
	sigfs_buf_free(&b);
	w->path[len] = '\0';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem m = {data, size};
	sigfs_file *f;
	struct walk w;

	if (sigfs_file_load(&f, fuzz_mem_read, &m, size) != SIGFS_OK)
		return 0;
	memset(&w, 0, sizeof w);
	w.f = f;
	sigfs_list(f, NULL, "", visit, &w);
	w.arch = "x86_64";
	sigfs_list(f, w.arch, "", visit, &w);
	sigfs_file_free(f);
	return 0;
}
