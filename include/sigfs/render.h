/* sigfs core (being retired: use sigfs/tree.h): the virtual `.sig/` tree of
 * one loaded Mach-O file and the bytes of each of its files. Both frontends (the mount and sigfs-export) show
 * exactly this; nothing else decides names or content.
 *
 * Paths are relative to the `.sig/` directory, '/'-separated, without a
 * leading slash: "" is the .sig directory itself, "cdhash", "arm64",
 * "arm64/launch-constraints/self.plist". `arch` is the -o arch= preference
 * (NULL: Apple's order arm64e, arm64, x86_64h, x86_64, then the first). */
#ifndef SIGFS_RENDER_H
#define SIGFS_RENDER_H

#include "sigfs/buf.h"
#include "sigfs/file.h"
#include "sigfs/tree.h"

/* What `path` is inside the .sig tree. Cheap: decides from the parsed
 * structure, renders nothing. */
int sigfs_node(const sigfs_file *f, const char *arch, const char *path);

/* Call `fn` for each entry of directory `path` (not "." or ".."), in a
 * stable order. Stops early and returns fn's value if it returns non-zero.
 * SIGFS_ENOTFOUND if `path` is not a directory. */
typedef int (*sigfs_dir_fn)(void *arg, const char *name, int kind);
int sigfs_list(const sigfs_file *f, const char *arch, const char *path, sigfs_dir_fn fn, void *arg);

/* Append the bytes of file `path` to `out`. SIGFS_ENOTFOUND if absent. */
int sigfs_render(sigfs_buf *out, const sigfs_file *f, const char *arch, const char *path) SIGFS_WUR;

#endif
