/* sigfs core: the entries of SOURCE that get a `.sig/` tree (subjects: a
 * Mach-O file, a bundle directory, a provisioning profile), and that tree —
 * which names exist and the bytes of each. Both frontends (the mount and
 * sigfs-export) show exactly this; nothing else decides names or content.
 *
 * Subjects are addressed by their path relative to SOURCE's root through
 * one sigfs_source rooted there (a SOURCE that is a single file: rel "").
 * Paths inside the tree are relative to the `.sig/` directory,
 * '/'-separated, without a leading slash: "" is the .sig directory itself,
 * "cdhash", "arm64/launch-constraints/self.plist", "provisioning/summary".
 *
 * Listing and sigfs_tree_node never render and never read SOURCE;
 * sigfs_tree_render may read through `src` (pages, resources, Info.plist). */
#ifndef SIGFS_TREE_H
#define SIGFS_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"
#include "sigfs/source.h"

enum sigfs_kind {
	SIGFS_KIND_NONE = 0, /* no .sig for this entry */
	SIGFS_KIND_MACHO = 1,
	SIGFS_KIND_BUNDLE = 2,
	SIGFS_KIND_PROFILE = 3,
};

typedef struct sigfs_anchors sigfs_anchors; /* sigfs/trust.h */

/* Options of a mount or an export that change what a tree shows. */
typedef struct sigfs_subject_opts {
	const char *arch;	      /* -o arch= (NULL: Apple's order) */
	const sigfs_anchors *anchors; /* -o anchors= roots beside Apple's (NULL: none) */
	const char *root_name;	      /* name shown for rel "" (a single-file SOURCE) */
} sigfs_subject_opts;

/* What the entry `rel` (lstat `st`) is. Cheap enough for every entry of a
 * listing: a regular file is judged on its first SIGFS_PROBE_LEN bytes
 * (`head`/`headlen` when the caller already has them, else read through
 * src), a directory on a few stats of its members (never a walk). */
int sigfs_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st, const uint8_t *head,
		size_t headlen);

typedef struct sigfs_subject sigfs_subject;

/* Load the subject `rel` of `kind` (from sigfs_probe): reads what listing
 * its tree needs (for a Mach-O: headers, load commands, signature). Content
 * that is wrong is data (status, findings), never an error: fails only with
 * SIGFS_ENOMEM, SIGFS_EIO, SIGFS_EACCES, SIGFS_ENOTFOUND (vanished). `o` is
 * copied (its strings and anchors must outlive the subject). An immutable
 * subject may be used from many threads at once. */
int sigfs_subject_load(sigfs_subject **out, const sigfs_source *src, const char *rel, int kind,
		       const sigfs_subject_opts *o) SIGFS_WUR;
void sigfs_subject_free(sigfs_subject *s);
int sigfs_subject_kind(const sigfs_subject *s);
/* The SOURCE-relative path the subject was loaded from. */
const char *sigfs_subject_rel(const sigfs_subject *s);
/* Source bytes read by sigfs_subject_load (for the benchmarks). */
uint64_t sigfs_subject_bytes_read(const sigfs_subject *s);
/* An estimate of the heap bytes `s` holds now, including what renders
 * computed and kept in it since the load (verdicts): what a cache of
 * subjects charges for it. Thread-safe. */
uint64_t sigfs_subject_footprint(const sigfs_subject *s);

/* Node kinds, with flags or'ed in. */
enum {
	SIGFS_NODE_NONE = 0, /* no such entry */
	SIGFS_NODE_DIR = 1,
	SIGFS_NODE_FILE = 2,
	SIGFS_NODE_LINK = 3, /* a symlink; its target is what render gives */
	SIGFS_NODE_KIND_MASK = 0xff,
	SIGFS_NODE_EXPENSIVE = 0x100, /* content hashes code or walks a tree: served
					 as /proc serves files (st_size 0, direct
					 I/O); sigfs-export writes its real size */
};

/* What `path` is (a SIGFS_NODE_* kind with flags). Renders nothing. */
int sigfs_tree_node(const sigfs_subject *s, const char *path);

/* What `path` is in the catalogue of any kind, without a subject: the
 * node of the first row of that name whatever a subject would show (a
 * dynamic directory such as F.sig/<arch>/ matches any name), or
 * SIGFS_NODE_NONE when no subject could ever have it. For checking a
 * user's list of names before any subject is loaded (sigfs-export --only). */
int sigfs_tree_catalogued(const char *path);

/* Call `fn` for each entry of directory `path` (not "." or ".."), in a
 * stable order, with its node kind and flags. Stops early and returns fn's
 * value if it returns non-zero; SIGFS_ENOTFOUND if `path` is no directory. */
typedef int (*sigfs_tree_fn)(void *arg, const char *name, int node);
int sigfs_tree_list(const sigfs_subject *s, const char *path, sigfs_tree_fn fn, void *arg);

/* Append the bytes of file `path` (a link: its target) to `out`, reading
 * through `src` where the content needs it. SIGFS_ENOTFOUND if absent;
 * SIGFS_EIO/SIGFS_EACCES only when what must be read cannot be. */
int sigfs_tree_render(sigfs_buf *out, const sigfs_subject *s, const sigfs_source *src,
		      const char *path) SIGFS_WUR;

#endif
