/* Fuzz target: a whole file as a single-file SOURCE, loaded as a subject and
 * every virtual file of its .sig/ tree rendered, the expensive ones too
 * (they read through the in-memory source) — the BoringSSL fuzz/spki.cc
 * pattern: parse, then use all of it. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "sigfs/memsource.h"
#include "sigfs/tree.h"

struct walk {
	const sigfs_subject *s;
	const sigfs_source *src;
	char path[256];
	int depth;
};

static int visit(void *arg, const char *name, int node)
{
	struct walk *w = arg;
	size_t len = strlen(w->path);
	sigfs_buf b = SIGFS_BUF_INIT;

	if (len + strlen(name) + 2 >= sizeof w->path || w->depth > 4)
		return 0;
	snprintf(w->path + len, sizeof w->path - len, "%s%s", len ? "/" : "", name);
	if (sigfs_tree_node(w->s, w->path) != node)
		__builtin_trap(); /* list and node must agree */
	if ((node & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR) {
		w->depth++;
		sigfs_tree_list(w->s, w->path, visit, w);
		w->depth--;
	} else {
		IGNORE(sigfs_tree_render(&b, w->s, w->src, w->path));
	}
	sigfs_buf_free(&b);
	w->path[len] = '\0';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const archs[] = {NULL, "x86_64"};
	sigfs_memtree *t = sigfs_mem_new(1);
	sigfs_source src;
	struct sigfs_stat st;
	sigfs_subject *s;
	struct walk w;
	size_t i;
	int kind;

	if (!t || sigfs_mem_add_file(t, "", data, size, 0644) != SIGFS_OK)
		goto out;
	sigfs_mem_source(t, &src);
	if (src.stat(src.ctx, "", &st) != SIGFS_OK)
		goto out;
	/* what the probe turns away still goes through the Mach-O loader:
	 * malformed input is data there, never a crash */
	kind = sigfs_probe(&src, "", &st, NULL, 0);
	if (kind == SIGFS_KIND_NONE)
		kind = SIGFS_KIND_MACHO;
	for (i = 0; i < sizeof archs / sizeof archs[0]; i++) {
		sigfs_subject_opts opts = {.arch = archs[i], .root_name = "F"};

		if (sigfs_subject_load(&s, &src, "", kind, &opts) != SIGFS_OK)
			continue;
		memset(&w, 0, sizeof w);
		w.s = s;
		w.src = &src;
		sigfs_tree_list(s, "", visit, &w);
		sigfs_subject_free(s);
	}
out:
	sigfs_mem_free(t);
	return 0;
}
