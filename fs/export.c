/* sigfs-export SOURCE DEST: the `.sig/` tree of every subject under SOURCE
 * (each entry sigfs_probe gives a kind: Mach-O files today, bundles and
 * profiles through the same calls) and the directories leading to them,
 * written as ordinary files through the same core and the same SOURCE
 * reader (fs/tree.c) the mount uses. No FUSE. `--only LIST` writes just the
 * named files of each tree; `--jsonl` writes no files but one JSON line per
 * Mach-O to stdout, its values rendered by the same core calls as the files.
 *
 * SOURCE is walked iteratively (an explicit stack of directories, one heap
 * path), so its depth costs heap, never C stack. Each `.sig/` tree is
 * written into a temporary directory beside its final name and renamed into
 * place, so DEST never holds half a tree or a mix of two exports' trees. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "anchors.h"
#include "sigfs/archive.h"
#include "sigfs/sigfs.h"
#include "sigfs/tree.h"
#include "tree.h"

static struct {
	const char *arch;
	const char *anchors;
	const char *suffix;
	int quiet, force, jsonl, verify;
	char **only; /* --only: paths inside .sig/, checked against the catalogue */
	size_t nonly;
} opt = {NULL, NULL, ".sig", 0, 0, 0, 0, NULL, 0};

static struct {
	sigfs_fstree *tree;
	sigfs_source src;
	sigfs_subject_opts sopts;
	sigfs_anchors *anchors; /* -o anchors= */
	const char *dest;	/* canonical DEST */
	int destfd;
	unsigned long files, subjects, with_arch;
	char *archive;		  /* first archive met in the walk (rel path) */
	const char *archive_what; /* and its format */
	int failures, progress;
	struct timespec last_progress;
	unsigned long tmp_seq;
	char *outrel; /* the DEST directory last written into (rel), and its fd */
	int outfd;
} run;

static void usage(FILE *out)
{
	fprintf(out, "usage: sigfs-export [options] SOURCE DEST\n"
		     "       sigfs-export [options] --jsonl SOURCE\n"
		     "\n"
		     "Write the .sig/ tree of every Mach-O file and bundle under SOURCE (a directory\n"
		     "or one Mach-O file) into DEST, with the directories leading to them. DEST and its\n"
		     "parents are created; an existing DEST must be empty unless --force is given.\n"
		     "\n"
		     "options:\n"
		     "    --only LIST         write only these files of each .sig/ tree: comma-separated\n"
		     "                        paths inside it (cdhash,entitlements.plist,arm64/cdhash);\n"
		     "                        a tree without any of them is not written\n"
		     "    --jsonl             no DEST: one JSON object per line on stdout for each\n"
		     "                        Mach-O file (path, format, status, and per slice arch,\n"
		     "                        status, identifier, team_id, cdhash, hash_type, flags)\n"
		     "    --verify            with --jsonl: add verify_status (the verify-status file:\n"
		     "                        hashes the whole binary, as codesign --verify does)\n"
		     "    -o arch=NAME        slice the top-level files describe (default: arm64e,\n"
		     "                        arm64, x86_64h, x86_64, then the first); a file without\n"
		     "                        that slice is reported and skipped\n"
		     "    -o anchors=FILE     PEM roots trusted like Apple's (enterprise and test PKIs)\n"
		     "    -o sigsuffix=.sig   name suffix of the signature directories\n"
		     "    -f, --force         write into a non-empty DEST, replacing each .sig/ tree\n"
		     "                        there as a whole\n"
		     "    -q                  no progress display\n"
		     "    -h, --help          show this help\n"
		     "    -V, --version       show the version\n"
		     "\n"
		     "exit status: 0 every file read, 1 some files could not be read or lack the\n"
		     "-o arch= slice, 2 bad usage, a non-empty DEST, or no Mach-O file in SOURCE\n");
}

static void clear_progress(void)
{
	if (run.progress)
		fputs("\r\033[K", stderr);
}

/* The one line reported for a file or directory that could not be exported. */
static void warn_path(const char *path, const char *what)
{
	clear_progress();
	fprintf(stderr, "sigfs-export: %s: %s\n", path, *what ? what : "failed");
	run.failures = 1;
}

/* What a failed core or source call says, without repeating the path. */
static const char *why(int code)
{
	switch (code) {
	case SIGFS_EACCES: return strerror(EACCES);
	case SIGFS_ENOTFOUND: return "vanished while exporting";
	case SIGFS_ENOMEM: return strerror(ENOMEM);
	default: return sigfs_error_last();
	}
}

static void show_progress(int final)
{
	struct timespec now;

	if (!run.progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && now.tv_sec - run.last_progress.tv_sec < 1)
		return;
	run.last_progress = now;
	fprintf(stderr, "\r\033[K%lu file%s, %lu %s%s%s", run.files, run.files == 1 ? "" : "s", run.subjects,
		opt.jsonl ? "Mach-O" : ".sig tree", run.subjects == 1 || opt.jsonl ? "" : "s",
		final ? "\n" : "");
}

/* A growable string: the walk's current path, a .sig tree's path. */
struct path {
	char *s;
	size_t len, cap;
};

/* Set p to its first `len` bytes, then "/name" (just "name" when len is 0). */
static int path_set(struct path *p, size_t len, const char *name)
{
	size_t need = len + 1 + strlen(name) + 1;

	if (need > p->cap) {
		size_t cap = need * 2;
		char *s = realloc(p->s, cap);

		if (!s)
			return -1;
		p->s = s;
		p->cap = cap;
	}
	p->len = len;
	if (len)
		p->s[p->len++] = '/';
	strcpy(p->s + p->len, name);
	p->len += strlen(name);
	return 0;
}

/* One directory's entries, sorted by name. */
struct entry {
	char *name;
	struct sigfs_stat st;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static void free_entries(struct entries *es)
{
	while (es->n)
		free(es->v[--es->n].name);
	free(es->v);
	es->v = NULL;
	es->cap = 0;
}

static int collect_entry(void *arg, const char *name, const struct sigfs_stat *st)
{
	struct entries *es = arg;

	if (es->n == es->cap) { /* bound: SIGFS_SOURCE_MAX_ENTRIES, enforced by the source */
		size_t cap = es->cap ? 2 * es->cap : 64;
		struct entry *v = realloc(es->v, cap * sizeof *v);

		if (!v)
			return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
		es->v = v;
		es->cap = cap;
	}
	if (!(es->v[es->n].name = strdup(name)))
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
	es->v[es->n++].st = *st;
	return 0;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Open (creating if needed) directory `name` under dirfd, never following
 * a symlink. */
static int mkdir_open(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Open directory <basefd>/<rel>, creating each directory of it (mkdir -p,
 * one component at a time: no length limit, no symlink followed). */
static int mkdirs(int basefd, const char *rel)
{
	const char *p = rel, *slash;
	char name[NAME_MAX + 1];
	int fd = dup(basefd), next;

	while (fd >= 0 && *p) { /* one component per pass: bounded by strlen(rel) */
		size_t len;

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		next = mkdir_open(fd, name, 0755);
		close(fd);
		fd = next;
		p += len + (slash != NULL);
	}
	return fd;
}

/* Names of one .sig directory, as the core lists them. */
struct names {
	char **name;
	int *node;
	size_t n, cap;
};

static int collect_name(void *arg, const char *name, int node)
{
	struct names *ns = arg;

	if (ns->n == ns->cap) { /* bound: the core's catalogue, a few dozen entries */
		size_t cap = ns->cap ? 2 * ns->cap : 32;
		char **nn = realloc(ns->name, cap * sizeof *nn);
		int *nk = nn ? realloc(ns->node, cap * sizeof *nk) : NULL;

		if (nn)
			ns->name = nn;
		if (!nk)
			return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
		ns->node = nk;
		ns->cap = cap;
	}
	if (!(ns->name[ns->n] = strdup(name)))
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
	ns->node[ns->n++] = node;
	return 0;
}

/* The first render failure of a tree, kept for its one stderr line. */
struct tree_err {
	char *first;
	unsigned count;
};

/* Write file or link `path` (relative to .sig, of node `kind`) as `name`
 * in dirfd, with its real content (expensive files too); `buf` is scratch.
 * -1 with errno on a write failure; a render failure goes to *te. */
static int write_node(const sigfs_subject *s, const char *path, int kind, int dirfd, const char *name,
		      mode_t fmode, sigfs_buf *buf, struct tree_err *te)
{
	int fd, err = 0, rc;

	sigfs_buf_clear(buf);
	if ((rc = sigfs_tree_render(buf, s, &run.src, path)) != SIGFS_OK ||
	    (kind == SIGFS_NODE_LINK && (sigfs_buf_putc(buf, '\0'), sigfs_buf_status(buf)))) {
		if (!te->count++) {
			const char *w = why(rc ? rc : SIGFS_ENOMEM);
			size_t n = strlen(path) + strlen(w) + 3;

			if ((te->first = malloc(n)))
				snprintf(te->first, n, "%s: %s", path, w);
		}
		return 0;
	}
	if (kind == SIGFS_NODE_LINK)
		return symlinkat(buf->ptr, dirfd, name) < 0 ? -1 : 0;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fmode);
	if (fd < 0 || (buf->len && write(fd, buf->ptr, buf->len) != (ssize_t)buf->len))
		err = -1;
	if (fd >= 0 && close(fd) < 0)
		err = -1;
	return err;
}

/* Write the .sig subtree at `path` (relative to .sig) into dirfd: files
 * (expensive ones too, with their real content) and symlinks. Recursion is
 * bounded by the core's catalogue (a few levels). -1 with errno on a write
 * failure; render failures go to *te. */
static int write_tree(const sigfs_subject *s, const char *path, int dirfd, mode_t fmode, struct tree_err *te)
{
	struct names ns = {0};
	sigfs_buf buf = SIGFS_BUF_INIT;
	struct path sub = {0};
	size_t i;
	int fd, err = 0, rc;

	if ((rc = sigfs_tree_list(s, path, collect_name, &ns)) != SIGFS_OK) {
		err = -1;
		errno = rc == SIGFS_ENOMEM ? ENOMEM : EIO;
	}
	for (i = 0; i < ns.n && !err; i++) {
		int kind = ns.node[i] & SIGFS_NODE_KIND_MASK;

		if (path_set(&sub, 0, path) < 0 || path_set(&sub, sub.len, ns.name[i]) < 0) {
			err = -1;
			errno = ENOMEM;
			break;
		}
		if (kind == SIGFS_NODE_DIR) {
			fd = mkdir_open(dirfd, ns.name[i], 0755);
			err = fd < 0 ? -1 : write_tree(s, sub.s, fd, fmode, te);
			if (fd >= 0)
				close(fd);
			continue;
		}
		err = write_node(s, sub.s, kind, dirfd, ns.name[i], fmode, &buf, te);
	}
	for (i = 0; i < ns.n; i++)
		free(ns.name[i]);
	free(ns.name);
	free(ns.node);
	free(sub.s);
	sigfs_buf_free(&buf);
	return err;
}

/* What --only name `path` is in s: a file, a link, or (absent, or in this
 * tree a directory: B.sig/signature can be either) SIGFS_NODE_NONE. */
static int only_kind(const sigfs_subject *s, const char *path)
{
	int kind = sigfs_tree_node(s, path) & SIGFS_NODE_KIND_MASK;

	return kind == SIGFS_NODE_FILE || kind == SIGFS_NODE_LINK ? kind : SIGFS_NODE_NONE;
}

/* The --only files of s that it has. */
static size_t only_present(const sigfs_subject *s)
{
	size_t i, n = 0;

	for (i = 0; i < opt.nonly; i++) /* bound: the user's list */
		n += only_kind(s, opt.only[i]) != SIGFS_NODE_NONE;
	return n;
}

/* Write the --only files s has into dirfd (its .sig directory), each with
 * the directories that hold it; as write_tree otherwise. */
static int write_only(const sigfs_subject *s, int dirfd, mode_t fmode, struct tree_err *te)
{
	sigfs_buf buf = SIGFS_BUF_INIT;
	size_t i;
	int err = 0;

	for (i = 0; i < opt.nonly && !err; i++) { /* bound: the user's list */
		const char *path = opt.only[i], *slash = strrchr(path, '/');
		int kind = only_kind(s, path), fd = dirfd;

		if (kind == SIGFS_NODE_NONE)
			continue;
		if (slash) {
			char *dir = strndup(path, (size_t)(slash - path));

			fd = dir ? mkdirs(dirfd, dir) : -1;
			free(dir);
			if (fd < 0) {
				err = -1;
				break;
			}
		}
		err = write_node(s, path, kind, fd, slash ? slash + 1 : path, fmode, &buf, te);
		if (fd != dirfd)
			close(fd);
	}
	sigfs_buf_free(&buf);
	return err;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

/* Remove `name` under dirfd (a tree, a file), whose path for nftw is
 * `path`. nftw never follows symlinks here (FTW_PHYS) and stays on DEST's
 * file system (FTW_MOUNT). */
static int remove_tree(int dirfd, const char *name, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Put the finished tree `tmp` in place as `name` under dirfd (the
 * directory `dirpath`). An existing `name` (from an earlier export, with
 * --force) is swapped out in one rename and then removed, so a reader sees
 * the old tree or the new one. */
static int publish(int dirfd, const char *tmp, const char *name, const char *dirpath)
{
	char *oldpath;
	int rc;

	if (renameat(dirfd, tmp, dirfd, name) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOTDIR && errno != EISDIR)
		return -1;
#ifdef RENAME_EXCHANGE
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) < 0)
		return -1;
#else
	{
		/* no atomic exchange: move the old tree aside first (a reader may
		 * find neither for an instant, never a mix) */
		char aside[64];

		snprintf(aside, sizeof aside, ".sigfs-export.%ld.%lu.old", (long)getpid(), run.tmp_seq++);
		if (renameat(dirfd, name, dirfd, aside) < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
			return -1;
		tmp = aside;
	}
#endif
	if (!(oldpath = malloc(strlen(dirpath) + strlen(tmp) + 2)))
		return -1;
	sprintf(oldpath, "%s/%s", dirpath, tmp);
	rc = remove_tree(dirfd, tmp, oldpath);
	free(oldpath);
	return rc;
}

/* With -o arch=: the subject's slices, space-separated, when `arch` is not
 * one of them; else NULL (also for a subject that lists no slices). */
static char *missing_arch(const sigfs_subject *s)
{
	sigfs_buf b = SIGFS_BUF_INIT;
	char *list, *line, *save = NULL;
	size_t len;

	if (!opt.arch || (sigfs_tree_node(s, "archs") & SIGFS_NODE_KIND_MASK) != SIGFS_NODE_FILE ||
	    sigfs_tree_render(&b, s, &run.src, "archs") != SIGFS_OK || !(list = sigfs_buf_detach(&b, &len))) {
		sigfs_buf_free(&b);
		return NULL;
	}
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, opt.arch)) {
			free(list);
			return NULL;
		}
		if (save && save[-1] == '\0' && *save)
			save[-1] = ' ';
	}
	return list;
}

/* Subject `rel` of `kind` loaded, or NULL after its one stderr line (it
 * could not be read, or lacks the -o arch= slice). */
static sigfs_subject *load_subject(const char *rel, int kind, const char *shown)
{
	sigfs_subject *s = NULL;
	char *slices;
	int rc;

	if ((rc = sigfs_subject_load(&s, &run.src, rel, kind, &run.sopts)) != SIGFS_OK) {
		warn_path(shown, why(rc));
		return NULL;
	}
	if ((slices = missing_arch(s))) {
		clear_progress();
		fprintf(stderr, "sigfs-export: -o arch=%s: no such slice in %s (slices: %s)\n", opt.arch,
			shown, slices);
		run.failures = 1;
		free(slices);
		sigfs_subject_free(s);
		return NULL;
	}
	run.with_arch++;
	return s;
}

/* The open directory DEST/<reldir>, created if needed; -1 with errno. The
 * walk meets the subjects of one directory in a row, so the last one is
 * kept open (one mkdirat and openat per component saved per subject). The
 * fd stays the caller's to use, not to close. */
static int out_dir(const char *reldir)
{
	if (run.outrel && !strcmp(run.outrel, reldir))
		return run.outfd;
	if (run.outrel)
		close(run.outfd);
	free(run.outrel);
	run.outrel = NULL;
	if ((run.outfd = mkdirs(run.destfd, reldir)) < 0)
		return -1;
	if (!(run.outrel = strdup(reldir))) {
		close(run.outfd);
		errno = ENOMEM;
		return -1;
	}
	return run.outfd;
}

/* Export subject `rel` (of `kind`, its entry's permission bits `mode`) as
 * <signame> in the directory DEST/<reldir>. */
static void export_subject(const char *rel, int kind, uint32_t mode, const char *reldir, const char *signame,
			   const char *shown)
{
	sigfs_subject *s = load_subject(rel, kind, shown);
	struct tree_err te = {NULL, 0};
	char tmp[64], *dirpath;
	int outdir = -1, sigdir = -1, ok = 0;

	if (!s)
		return;
	if (opt.nonly && !only_present(s)) { /* nothing asked for is in this tree */
		sigfs_subject_free(s);
		return;
	}
	snprintf(tmp, sizeof tmp, ".sigfs-export.%ld.%lu", (long)getpid(), run.tmp_seq++);
	if ((dirpath = malloc(strlen(run.dest) + strlen(reldir) + 2)))
		sprintf(dirpath, "%s%s%s", run.dest, *reldir ? "/" : "", reldir);
	if (dirpath && (outdir = out_dir(reldir)) >= 0 && (sigdir = mkdir_open(outdir, tmp, 0755)) >= 0 &&
	    (opt.nonly ? write_only(s, sigdir, (mode & 0444) | 0200, &te)
		       : write_tree(s, "", sigdir, (mode & 0444) | 0200, &te)) == 0) {
		close(sigdir);
		sigdir = -1;
		ok = publish(outdir, tmp, signame, dirpath) == 0;
	}
	if (!ok) {
		char msg[128 + NAME_MAX];

		snprintf(msg, sizeof msg, "writing %s%s%s: %s", reldir, *reldir ? "/" : "", signame,
			 strerror(errno));
		warn_path(shown, msg);
		if (outdir >= 0 && dirpath) {
			char *p = malloc(strlen(dirpath) + sizeof tmp + 1);

			if (p) {
				sprintf(p, "%s/%s", dirpath, tmp);
				remove_tree(outdir, tmp, p);
				free(p);
			}
		}
	} else if (te.count) {
		char more[64];

		snprintf(more, sizeof more, " (and %u more)", te.count - 1);
		clear_progress();
		fprintf(stderr, "sigfs-export: %s: %s%s\n", shown, te.first ? te.first : "render failed",
			te.count > 1 ? more : "");
		run.failures = 1;
	}
	free(te.first);
	free(dirpath);
	if (sigdir >= 0)
		close(sigdir);
	sigfs_subject_free(s);
}

/* --jsonl: set `key` of o to the bytes p[0..n) as a JSON string; bytes
 * that are not UTF-8 (a path, an identifier) give null there and `key`_hex,
 * the bytes in lowercase hex, beside it. -1 when out of memory. */
static int json_bytes(json_t *o, const char *key, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	json_t *v = json_stringn(p, n);
	char *h, hkey[32];
	size_t i;
	int rc;

	if (v)
		return json_object_set_new(o, key, v);
	if (!(h = malloc(2 * n + 1)))
		return -1;
	for (i = 0; i < n; i++) { /* bound: n, the caller's string */
		h[2 * i] = hex[(uint8_t)p[i] >> 4];
		h[2 * i + 1] = hex[(uint8_t)p[i] & 15];
	}
	h[2 * n] = '\0';
	snprintf(hkey, sizeof hkey, "%s_hex", key);
	rc =
	    json_object_set_new(o, key, json_null()) || json_object_set_new(o, hkey, json_string(h)) ? -1 : 0;
	free(h);
	return rc;
}

/* --jsonl: set `key` of o to the content of .sig file `path` without its
 * final newline (exactly what the exported file holds), or null when the
 * tree has no such file. *b keeps the content. A core error code on a
 * failed render, -1 when out of memory. */
static int json_file(json_t *o, const char *key, const sigfs_subject *s, const char *path, sigfs_buf *b)
{
	int rc;

	sigfs_buf_clear(b);
	if ((sigfs_tree_node(s, path) & SIGFS_NODE_KIND_MASK) != SIGFS_NODE_FILE)
		return json_object_set_new(o, key, json_null());
	if ((rc = sigfs_tree_render(b, s, &run.src, path)) != SIGFS_OK)
		return rc;
	return json_bytes(o, key, b->ptr, b->len && b->ptr[b->len - 1] == '\n' ? b->len - 1 : b->len);
}

/* The algorithm of the line of `cdhashes` (SPEC: "<alg> <40 hex> <full
 * hex>" per CodeDirectory) whose truncated hash is cdhash[0..40); NULL if
 * none. *alen is its length. */
static const char *hash_type(const sigfs_buf *cdhashes, const char *cdhash, size_t *alen)
{
	const char *line = cdhashes->ptr, *end = line + cdhashes->len, *sp, *nl;

	for (; line < end; line = nl + 1) { /* one line per CodeDirectory */
		if (!(nl = memchr(line, '\n', (size_t)(end - line))))
			break;
		sp = memchr(line, ' ', (size_t)(nl - line));
		if (sp && nl - sp > 41 && sp[41] == ' ' && !memcmp(sp + 1, cdhash, 40)) {
			*alen = (size_t)(sp - line);
			return line;
		}
	}
	return NULL;
}

/* The fields of one slice into sl: `dir` is "" (a thin file's .sig/ is its
 * only slice) or "<arch>". hash_type: the cdhashes line of the cdhash. */
static int json_slice(json_t *sl, const sigfs_subject *s, const char *dir)
{
	static const char *const files[][2] = {
	    {"status", "status"}, {"identifier", "identifier"}, {"team_id", "team-id"},
	    {"cdhash", "cdhash"}, {"flags", "flags"},		{NULL, "cdhashes"},
	};
	sigfs_buf b = SIGFS_BUF_INIT;
	struct path p = {0};
	char cdhash[40] = "";
	const char *alg = NULL;
	size_t i, alen = 0;
	int rc = 0;

	for (i = 0; i < sizeof files / sizeof files[0] && !rc; i++) {
		if (path_set(&p, 0, dir) < 0 || path_set(&p, p.len, files[i][1]) < 0) {
			rc = -1;
			break;
		}
		if (files[i][0])
			rc = json_file(sl, files[i][0], s, p.s, &b);
		else if (*cdhash) /* the cdhash file exists: so does cdhashes (SPEC) */
			rc = sigfs_tree_render(&b, s, &run.src, p.s);
		if (!rc && !strcmp(files[i][1], "cdhash") && b.len == 41)
			memcpy(cdhash, b.ptr, 40);
	}
	if (!rc && *cdhash)
		alg = hash_type(&b, cdhash, &alen);
	if (!rc)
		rc = alg ? json_bytes(sl, "hash_type", alg, alen)
			 : json_object_set_new(sl, "hash_type", json_null());
	if (!rc && opt.verify)
		rc = path_set(&p, 0, dir) < 0 || path_set(&p, p.len, "verify-status") < 0
			 ? -1
			 : json_file(sl, "verify_status", s, p.s, &b);
	free(p.s);
	sigfs_buf_free(&b);
	return rc;
}

/* --jsonl: the line of Mach-O subject `rel` on stdout, its values rendered
 * from the same .sig files an export writes (a universal file's slices
 * from F.sig/<arch>/, a thin file's from F.sig/). */
static void jsonl_subject(const char *rel, const char *shown)
{
	sigfs_subject *s = load_subject(rel, SIGFS_KIND_MACHO, shown);
	sigfs_buf archs = SIGFS_BUF_INIT, b = SIGFS_BUF_INIT;
	json_t *o = json_object(), *slices = json_array();
	char *arch, *save = NULL, *line;
	int rc = !o || !slices ? -1 : 0;

	if (!s)
		goto out;
	if (!rc)
		rc = json_bytes(o, "path", shown, strlen(shown));
	if (!rc)
		rc = json_file(o, "format", s, "format", &b);
	if (!rc)
		rc = json_file(o, "status", s, "status", &b);
	if (!rc && opt.verify) /* all slices, as codesign --verify judges the file */
		rc = json_file(o, "verify_status", s, "verify-status", &b);
	if (!rc)
		rc = json_object_set(o, "slices", slices);
	if (!rc)
		rc = sigfs_tree_render(&archs, s, &run.src, "archs");
	/* bound: one line per slice, at most SIGFS_MAX_SLICES */
	for (arch = rc || !archs.len ? NULL : strtok_r(archs.ptr, "\n", &save); arch && !rc;
	     arch = strtok_r(NULL, "\n", &save)) {
		json_t *sl = json_object();

		if (!sl || json_array_append_new(slices, sl) || json_bytes(sl, "arch", arch, strlen(arch)))
			rc = -1;
		else
			rc = json_slice(
			    sl, s,
			    (sigfs_tree_node(s, arch) & SIGFS_NODE_KIND_MASK) == SIGFS_NODE_DIR ? arch : "");
	}
	if (!rc) {
		if ((line = json_dumps(o, JSON_COMPACT)))
			puts(line); /* a failed write shows in ferror(stdout) at the end */
		else
			rc = -1;
		free(line);
	}
	if (rc)
		warn_path(shown, why(rc == -1 ? SIGFS_ENOMEM : rc));
out:
	sigfs_buf_free(&archs);
	sigfs_buf_free(&b);
	json_decref(slices);
	json_decref(o);
	sigfs_subject_free(s);
}

/* One entry of SOURCE: probe it and, for a subject, write <name><suffix>/
 * under DEST/<reldir>. `name` is what DEST calls it (rel's last component,
 * or the file's name for a single-file SOURCE). */
static void visit(const char *rel, const char *name, const struct sigfs_stat *st, const char *reldir)
{
	uint8_t head[SIGFS_ARCHIVE_HEAD];
	size_t got = 0;
	char *signame, *sibling;
	const char *shown = *rel ? rel : name;
	int kind, rc;

	if (st->type == SIGFS_FT_REG) {
		run.files++;
		show_progress(0);
		rc = run.src.read(run.src.ctx, rel, 0, head, sizeof head, &got);
		if (rc != SIGFS_OK) {
			warn_path(shown, why(rc));
			return;
		}
	}
	kind = sigfs_probe(&run.src, rel, st, st->type == SIGFS_FT_REG ? head : NULL, got);
	if (kind == SIGFS_KIND_NONE) {
		const char *what = st->type == SIGFS_FT_REG ? sigfs_archive_format(head, got, NULL, 0) : NULL;

		if (what && !run.archive && (run.archive = strdup(shown)))
			run.archive_what = what;
		return;
	}
	if (opt.jsonl) { /* Mach-O files only: bundles and profiles have no line */
		if (kind == SIGFS_KIND_MACHO) {
			run.subjects++;
			jsonl_subject(rel, shown);
		}
		return;
	}
	if (!(signame = malloc(strlen(name) + strlen(opt.suffix) + 1)) ||
	    !(sibling = malloc(strlen(reldir) + strlen(name) + strlen(opt.suffix) + 2))) {
		free(signame);
		warn_path(shown, strerror(ENOMEM));
		return;
	}
	sprintf(signame, "%s%s", name, opt.suffix);
	sprintf(sibling, "%s%s%s", reldir, *reldir ? "/" : "", signame);
	/* a real entry of that name wins; a name too long is no valid name */
	if (strlen(signame) <= NAME_MAX &&
	    (!*rel || run.src.stat(run.src.ctx, sibling, &(struct sigfs_stat){0}) == SIGFS_ENOTFOUND)) {
		run.subjects++;
		export_subject(rel, kind, st->mode, reldir, signame, shown);
	}
	free(sibling);
	free(signame);
}

/* One directory of the walk: its sorted entries and the next to visit. */
struct frame {
	struct entries es;
	size_t next;
	size_t pathlen; /* length of its path in the walk's path buffer */
};

/* Walk SOURCE (a directory) depth-first in name order without recursion:
 * the stack holds one frame per directory being walked (heap linear in
 * SOURCE's depth); every member is reached through the tree's source by
 * its path, never following a symlink. */
static void walk(void)
{
	struct frame *stack = NULL, *top;
	struct path path = {0};
	size_t depth = 0, cap = 0;
	int enter = 1, rc;

	if (path_set(&path, 0, "") < 0) {
		warn_path(".", strerror(ENOMEM));
		return;
	}
	for (;;) {
		if (enter) { /* list the directory path.s and push it */
			struct frame fr = {{NULL, 0, 0}, 0, path.len};

			enter = 0;
			if (depth == cap) { /* bound: SOURCE's depth */
				struct frame *grown = realloc(stack, (cap ? 2 * cap : 16) * sizeof *stack);

				if (!grown) {
					warn_path(*path.s ? path.s : ".", strerror(ENOMEM));
					break;
				}
				stack = grown;
				cap = cap ? 2 * cap : 16;
			}
			rc = run.src.list(run.src.ctx, path.s, collect_entry, &fr.es);
			if (rc != SIGFS_OK) {
				warn_path(*path.s ? path.s : ".", rc == SIGFS_EUNSUPPORTED
								      ? "more than 1000000 entries: skipped"
								      : why(rc));
				free_entries(&fr.es);
			} else {
				if (fr.es.n) /* an empty directory has no array */
					qsort(fr.es.v, fr.es.n, sizeof *fr.es.v, cmp_entries);
				stack[depth++] = fr;
			}
		}
		if (!depth)
			break;
		top = &stack[depth - 1];
		if (top->next == top->es.n) { /* leave it */
			free_entries(&top->es);
			depth--;
			continue;
		}
		{
			const struct entry *e = &top->es.v[top->next++];
			char *reldir;

			if (path_set(&path, top->pathlen, e->name) < 0 ||
			    !(reldir = strndup(path.s, top->pathlen))) {
				warn_path(e->name, strerror(ENOMEM));
				continue;
			}
			if (path.len >= PATH_MAX) /* the source's bound on a member's path */
				warn_path(reldir,
					  "nested too deeply (paths past PATH_MAX): the rest skipped");
			else if (e->st.type == SIGFS_FT_REG || e->st.type == SIGFS_FT_DIR)
				visit(path.s, e->name, &e->st, reldir);
			free(reldir);
			enter = e->st.type == SIGFS_FT_DIR && path.len < PATH_MAX;
		}
	}
	while (depth)
		free_entries(&stack[--depth].es);
	free(stack);
	free(path.s);
}

/* `p` made absolute and canonical, though its last components may not
 * exist yet: the longest existing prefix through realpath, the rest
 * normalised lexically (what is missing will be created as plain
 * directories). NULL with errno set. */
static char *canonical(const char *p)
{
	char *work = strdup(p), *real = NULL, *out, *slash, *save = NULL, *c;
	size_t cut;

	if (!work)
		return NULL;
	/* the longest prefix realpath resolves; bound: one try per component */
	for (cut = strlen(work);;) {
		char keep = work[cut];

		work[cut] = '\0';
		real = realpath(cut ? work : ".", NULL);
		work[cut] = keep;
		if (real || errno != ENOENT || !cut)
			break;
		while (cut && work[cut - 1] == '/')
			cut--;
		while (cut && work[cut - 1] != '/')
			cut--;
		if (cut == 1 && work[0] == '/')
			continue; /* "/" itself is tried next */
		while (cut > 1 && work[cut - 1] == '/')
			cut--;
	}
	if (!real || !(out = malloc(strlen(real) + strlen(work + cut) + 2))) {
		free(real);
		free(work);
		return NULL;
	}
	strcpy(out, real);
	free(real);
	for (c = strtok_r(work + cut, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			slash = strrchr(out, '/');
			*(slash == out ? slash + 1 : slash) = '\0';
			continue;
		}
		if (strcmp(out, "/"))
			strcat(out, "/");
		strcat(out, c);
	}
	free(work);
	return out;
}

/* 1 when directory fd holds no entry. */
static int is_empty(int fd)
{
	int dfd = dup(fd), empty = 1;
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while (empty && (e = readdir(d))) /* stops at the first entry */
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

static int parse_o(const char *arg)
{
	char *list = strdup(arg), *save = NULL, *o;

	if (!list)
		return -1;
	for (o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		const char **val = !strncmp(o, "arch=", 5) && o[5]	? &opt.arch
				   : !strncmp(o, "anchors=", 8) && o[8] ? &opt.anchors
				   : !strncmp(o, "sigsuffix=", 10) && o[10] && !strchr(o + 10, '/')
				       ? &opt.suffix
				       : NULL;

		if (val) {
			if (!(*val = strdup(strchr(o, '=') + 1))) {
				fprintf(stderr, "sigfs-export: %s\n", strerror(ENOMEM));
				free(list);
				return -1;
			}
		} else {
			fprintf(stderr, "sigfs-export: unknown or invalid option '-o %s' (see --help)\n", o);
			free(list);
			return -1;
		}
	}
	free(list);
	return 0;
}

/* Names --only takes: more than the catalogue holds for a few slices. */
#define SIGFS_EXPORT_MAX_ONLY 256

/* --only LIST: each name checked against the catalogue of every kind of
 * subject (sigfs_tree_catalogued), before any subject is loaded; a name
 * given twice is kept once. */
static int parse_only(const char *arg)
{
	const char *p = arg, *comma;

	for (;;) { /* one name per pass: bounded by strlen(arg) */
		size_t len, i;
		char *name;
		int node;

		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (!(name = strndup(p, len))) {
			fprintf(stderr, "sigfs-export: %s\n", strerror(ENOMEM));
			return -1;
		}
		node = sigfs_tree_catalogued(name) & SIGFS_NODE_KIND_MASK;
		if (!len) {
			fprintf(stderr, "sigfs-export: --only: an empty name in '%s' (see --help)\n", arg);
			free(name);
			return -1;
		}
		if (node != SIGFS_NODE_FILE && node != SIGFS_NODE_LINK) {
			fprintf(stderr,
				"sigfs-export: --only: '%s' is no file of a .sig/ tree (give names such as "
				"cdhash,arm64/cdhash; see the catalogue in sigfs(1))\n",
				name);
			free(name);
			return -1;
		}
		for (i = 0; i < opt.nonly && strcmp(opt.only[i], name); i++)
			;
		if (i < opt.nonly) {
			free(name);
		} else if (opt.nonly == SIGFS_EXPORT_MAX_ONLY) {
			fprintf(stderr, "sigfs-export: --only: more than %d names\n", SIGFS_EXPORT_MAX_ONLY);
			free(name);
			return -1;
		} else {
			char **grown = realloc(opt.only, (opt.nonly + 1) * sizeof *grown);

			if (!grown) {
				free(name);
				fprintf(stderr, "sigfs-export: %s\n", strerror(ENOMEM));
				return -1;
			}
			opt.only = grown;
			opt.only[opt.nonly++] = name;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int parse_args(int argc, char *const *argv, const char **src, const char **dst)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("sigfs-export %s\n", SIGFS_VERSION);
			exit(0);
		} else if (!strcmp(a, "-q")) {
			opt.quiet = 1;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--force")) {
			opt.force = 1;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			if (parse_o(argv[++i]) < 0)
				return -1;
		} else if (!strcmp(a, "--only") && i + 1 < argc) {
			if (parse_only(argv[++i]) < 0)
				return -1;
		} else if (!strncmp(a, "--only=", 7)) {
			if (parse_only(a + 7) < 0)
				return -1;
		} else if (!strcmp(a, "--jsonl")) {
			opt.jsonl = 1;
		} else if (!strcmp(a, "--verify")) {
			opt.verify = 1;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "sigfs-export: unknown option '%s' (see --help)\n", a);
			return -1;
		} else if (!*src) {
			*src = a;
		} else if (!*dst) {
			*dst = a;
		} else {
			fprintf(stderr, "sigfs-export: too many arguments (see --help)\n");
			return -1;
		}
	}
	if (opt.jsonl) {
		const char *clash = *dst ? "DEST" : opt.nonly ? "--only" : opt.force ? "--force" : NULL;

		if (clash) {
			fprintf(stderr,
				"sigfs-export: --jsonl writes to stdout: no %s with it (see --help)\n",
				clash);
			return -1;
		}
		if (!*src) {
			fprintf(stderr, "sigfs-export: --jsonl needs SOURCE (see --help)\n");
			return -1;
		}
		return 0;
	}
	if (opt.verify) {
		fprintf(stderr,
			"sigfs-export: --verify goes with --jsonl (an export writes the verify-status "
			"files; --only verify-status for just those)\n");
		return -1;
	}
	if (!*src || !*dst) {
		fprintf(stderr, "sigfs-export: SOURCE and DEST are required (see --help)\n");
		return -1;
	}
	return 0;
}

/* A SOURCE that is one file: 0 when it is a subject, else (after one line
 * naming an archive or disk image by its magic bytes) -1. */
static int check_single(const char *src, const struct sigfs_stat *st)
{
	uint8_t head[SIGFS_ARCHIVE_HEAD], tail[SIGFS_ARCHIVE_TAIL];
	size_t h = 0, t = 0;
	const char *what;
	int rc = run.src.read(run.src.ctx, "", 0, head, sizeof head, &h);

	if (rc != SIGFS_OK) {
		fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src, why(rc));
		return -1;
	}
	if (sigfs_probe(&run.src, "", st, head, h) != SIGFS_KIND_NONE)
		return 0;
	if (st->size >= sizeof tail &&
	    run.src.read(run.src.ctx, "", st->size - sizeof tail, tail, sizeof tail, &t) != SIGFS_OK)
		t = 0;
	what = sigfs_archive_format(head, h, t == sizeof tail ? tail : NULL, t);
	if (what)
		fprintf(stderr, "sigfs-export: SOURCE '%s' is %s, not a Mach-O file: unpack it first\n", src,
			what);
	else
		fprintf(stderr,
			"sigfs-export: SOURCE '%s' is not a Mach-O file: give a Mach-O file or a directory\n",
			src);
	return -1;
}

/* Create DEST (canonical `cdst`, as given `dst`) and open it as
 * run.destfd; *created when it did not exist. -1 after its one line. */
static int open_dest(const char *dst, const char *cdst, int *created)
{
	int rc;

	*created = access(cdst, F_OK) < 0;
	if ((rc = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		run.destfd = mkdirs(rc, cdst + 1); /* canonical: absolute, no symlink */
		close(rc);
	}
	if (rc < 0 || run.destfd < 0) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return -1;
	}
	run.dest = cdst;
	if (!*created && !opt.force && !is_empty(run.destfd)) {
		fprintf(stderr,
			"sigfs-export: DEST '%s' is not empty: give a new directory, or --force to replace "
			"the .sig/ trees in it\n",
			dst);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = NULL, *dst = NULL, *base = NULL;
	/* the canonical paths live as long as the program (static: every exit
	 * path below leaves them reachable, as run.tree is) */
	static char *csrc, *cdst;
	struct sigfs_stat sst;
	int rc, created = 0, single;

	if (parse_args(argc, argv, &src, &dst) < 0)
		return 2;
	if ((rc = sigfs_fstree_open(&run.tree, src)) < 0) {
		fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src,
			rc == -EINVAL ? "not a directory or regular file" : strerror(-rc));
		return 2;
	}
	sigfs_fstree_source(run.tree, &run.src);
	single = sigfs_fstree_is_file(run.tree);
	if (!(csrc = canonical(src)) || (!opt.jsonl && !(cdst = canonical(dst)))) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return 2;
	}
	if (!single && !opt.jsonl && !strncmp(cdst, csrc, strlen(csrc)) &&
	    (cdst[strlen(csrc)] == '/' || !cdst[strlen(csrc)] || !strcmp(csrc, "/"))) {
		fprintf(stderr, "sigfs-export: DEST '%s' is inside SOURCE '%s': choose a DEST outside it\n",
			dst, src);
		return 2;
	}
	if ((rc = run.src.stat(run.src.ctx, "", &sst)) != SIGFS_OK) {
		fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src, why(rc));
		return 2;
	}
	if (single) {
		base = strrchr(csrc, '/') + 1; /* canonical: absolute */
		run.sopts.root_name = base;
		if (check_single(src, &sst) < 0)
			return 2;
	}
	run.sopts.arch = opt.arch;
	if (opt.anchors && sigfs_read_anchors("sigfs-export", opt.anchors, &run.anchors) < 0)
		return 2;
	run.sopts.anchors = run.anchors; /* lives until exit, as run does */
	if (!opt.jsonl && open_dest(dst, cdst, &created) < 0)
		return 2;
	run.progress = !opt.quiet && isatty(2);
	if (single)
		visit("", base, &sst, "");
	else
		walk();
	show_progress(1);
	if (run.outrel)
		close(run.outfd);
	free(run.outrel);
	if (!opt.jsonl)
		close(run.destfd);
	sigfs_fstree_close(run.tree);
	if (opt.jsonl && (fflush(stdout) == EOF || ferror(stdout))) {
		fprintf(stderr, "sigfs-export: writing to stdout: %s\n", strerror(errno));
		return 1;
	}
	if (run.subjects == 0) {
		if (created)
			rmdir(cdst);
		if (run.archive)
			fprintf(
			    stderr,
			    "sigfs-export: no Mach-O file in SOURCE '%s' (%lu file%s), but %s is %s: unpack "
			    "it first\n",
			    src, run.files, run.files == 1 ? "" : "s", run.archive, run.archive_what);
		else
			fprintf(
			    stderr,
			    "sigfs-export: no Mach-O file in SOURCE '%s' (%lu file%s): nothing to export\n",
			    src, run.files, run.files == 1 ? "" : "s");
		return 2;
	}
	if (opt.arch && run.with_arch == 0)
		return 2; /* every subject said which slices it has */
	return run.failures ? 1 : 0;
}
