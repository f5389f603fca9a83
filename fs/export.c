/* sigfs-export SOURCE DEST: the `.sig/` trees of every Mach-O under SOURCE
 * (and the directories leading to them) written as ordinary files, through
 * the same core the mount uses. No FUSE.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sigfs/archive.h"
#include "sigfs/sigfs.h"

/* Entries of one SOURCE directory that are listed (the core's bound for a
 * source listing); a larger directory is reported and skipped. */
#define MAX_DIR_ENTRIES 1000000

static struct {
	const char *arch;
	const char *suffix;
	int quiet, force;
} opt = {NULL, ".sig", 0, 0};

static struct {
	unsigned long files, macho, with_arch, written;
	char *archive;		  /* first archive met in the walk (rel path) */
	const char *archive_what; /* and its format */
	int failures, progress;
	struct timespec last_progress;
	unsigned long tmp_seq;
} run;

static void usage(FILE *out)
{
	fprintf(out, "usage: sigfs-export [options] SOURCE DEST\n"
		     "\n"
		     "Write the .sig/ tree of every Mach-O file under SOURCE (a directory or one\n"
		     "Mach-O file) into DEST, with the directories leading to them. DEST and its\n"
		     "parents are created; an existing DEST must be empty unless --force is given.\n"
		     "\n"
		     "options:\n"
		     "    -o arch=NAME        slice the top-level files describe (default: arm64e,\n"
		     "                        arm64, x86_64h, x86_64, then the first); a file without\n"
		     "                        that slice is reported and skipped\n"
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
	fprintf(stderr, "sigfs-export: %s: %s\n", path, what);
	run.failures = 1;
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
	fprintf(stderr, "\r\033[K%lu file%s, %lu Mach-O%s", run.files, run.files == 1 ? "" : "s", run.macho,
		final ? "\n" : "");
}

static int read_fd(void *ctx, uint64_t off, void *dst, size_t len)
{
	int fd = *(int *)ctx;
	uint8_t *p = dst;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sigfs_error_set(SIGFS_EIO, "read at 0x%llx: %s", (unsigned long long)off,
					       n < 0 ? strerror(errno) : "file shrank");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return SIGFS_OK;
}

/* A growable string (the walk's current path). */
struct path {
	char *s;
	size_t len, cap;
};

/* Set p to its first `len` bytes plus "/name" (or "name" when len is 0). */
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

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of directory fd (not "." or ".."), sorted; *n set. NULL on error
 * with errno set (E2BIG past MAX_DIR_ENTRIES). Does not take fd. */
static char **list_dir(int fd, size_t *n)
{
	int dfd = dup(fd), err = 0;
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		err = errno;
		if (dfd >= 0)
			close(dfd);
		errno = err;
		return NULL;
	}
	rewinddir(d);
	while (!err && (errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == MAX_DIR_ENTRIES) { /* bound: MAX_DIR_ENTRIES names */
			err = E2BIG;
			break;
		}
		if (*n == cap) {
			char **grown = realloc(names, (cap ? 2 * cap : 64) * sizeof *names);

			if (!grown) {
				err = ENOMEM;
				break;
			}
			names = grown;
			cap = cap ? 2 * cap : 64;
		}
		if (!(names[*n] = strdup(e->d_name)))
			err = ENOMEM;
		else
			(*n)++;
	}
	if (!err && errno)
		err = errno;
	closedir(d);
	if (err) {
		free_names(names, *n);
		errno = err;
		return NULL;
	}
	qsort(names, *n, sizeof *names, cmp_names);
	return names ? names : calloc(1, sizeof *names);
}

/* Open (creating if needed) directory `name` under dirfd, never following
 * a symlink. */
static int mkdir_open(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Open DEST/<rel>, creating each directory of it (one component at a time:
 * no length limit, no symlink followed). */
static int mkdirs(int destfd, const char *rel)
{
	const char *p = rel, *slash;
	char name[NAME_MAX + 1];
	int fd = dup(destfd), next;

	while (fd >= 0 && *p) {
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
	int *kind;
	size_t n, cap;
};

static int collect(void *arg, const char *name, int kind)
{
	struct names *ns = arg;

	if (ns->n == ns->cap) { /* bound: the core's catalogue, a few dozen entries */
		size_t cap = ns->cap ? 2 * ns->cap : 32;
		char **nn = realloc(ns->name, cap * sizeof *nn);
		int *nk = nn ? realloc(ns->kind, cap * sizeof *nk) : NULL;

		if (nn)
			ns->name = nn;
		if (!nk)
			return SIGFS_ENOMEM;
		ns->kind = nk;
		ns->cap = cap;
	}
	if (!(ns->name[ns->n] = strdup(name)))
		return SIGFS_ENOMEM;
	ns->kind[ns->n++] = kind;
	return 0;
}

/* The first render failure of a file's tree, kept for its one stderr line. */
struct tree_err {
	char *first;
	unsigned count;
};

/* Write the .sig subtree at `path` (relative to .sig) into dirfd. Recursion
 * is bounded by the core's catalogue (a .sig tree is at most 3 levels). -1
 * with errno on a write failure; render failures go to *te. */
static int write_tree(const sigfs_file *f, const char *path, int dirfd, mode_t fmode, struct tree_err *te)
{
	struct names ns = {0};
	sigfs_buf buf = SIGFS_BUF_INIT;
	struct path sub = {0};
	size_t i;
	int fd, err;

	err = sigfs_list(f, opt.arch, path, collect, &ns) ? -1 : 0;
	if (err)
		errno = ENOMEM;
	for (i = 0; i < ns.n && !err; i++) {
		if (path_set(&sub, 0, path) < 0 || (*path && path_set(&sub, sub.len, ns.name[i]) < 0) ||
		    (!*path && path_set(&sub, 0, ns.name[i]) < 0)) {
			err = -1;
			errno = ENOMEM;
			break;
		}
		if (ns.kind[i] == SIGFS_NODE_DIR) {
			fd = mkdir_open(dirfd, ns.name[i], 0755);
			err = fd < 0 ? -1 : write_tree(f, sub.s, fd, fmode, te);
			if (fd >= 0)
				close(fd);
			continue;
		}
		sigfs_buf_clear(&buf);
		if (sigfs_render(&buf, f, opt.arch, sub.s) != SIGFS_OK) {
			if (!te->count++) {
				size_t n = strlen(sub.s) + strlen(sigfs_error_last()) + 3;

				if ((te->first = malloc(n)))
					snprintf(te->first, n, "%s: %s", sub.s, sigfs_error_last());
			}
			continue;
		}
		fd = openat(dirfd, ns.name[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fmode);
		if (fd < 0 || (buf.len && write(fd, buf.ptr, buf.len) != (ssize_t)buf.len))
			err = -1;
		if (fd >= 0 && close(fd) < 0)
			err = -1;
	}
	for (i = 0; i < ns.n; i++)
		free(ns.name[i]);
	free(ns.name);
	free(ns.kind);
	free(sub.s);
	sigfs_buf_free(&buf);
	return err;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

/* Remove `name` under dirfd (a tree, a file), whose path for messages and
 * nftw is `path`. nftw never follows symlinks here (FTW_PHYS) and stays on
 * DEST's file system (FTW_MOUNT). */
static int remove_tree(int dirfd, const char *name, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Put the finished tree `tmp` in place as `name` under dirfd. An existing
 * `name` (from an earlier export, with --force) is swapped out in one
 * rename and then removed, so a reader sees the old tree or the new one. */
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

/* The slices of f, space-separated, or NULL when `arch` is one of them. */
static char *missing_arch(const sigfs_file *f, const char *arch)
{
	sigfs_buf b = SIGFS_BUF_INIT;
	char *s, *line, *save = NULL;
	size_t len;

	if (sigfs_render(&b, f, NULL, "archs") != SIGFS_OK || !(s = sigfs_buf_detach(&b, &len))) {
		sigfs_buf_free(&b);
		return NULL;
	}
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, arch)) {
			free(s);
			return NULL;
		}
		if (save && save[-1] == '\0' && *save)
			save[-1] = ' ';
	}
	return s;
}

/* Export one Mach-O already open as fd (size bytes) as <signame> in the
 * directory DEST/<reldir>. */
static void export_macho(int fd, uint64_t size, mode_t mode, const char *rel, const char *reldir,
			 const char *signame, const char *dest, int destfd)
{
	sigfs_file *f = NULL;
	struct tree_err te = {NULL, 0};
	char tmp[64], *slices, *dirpath = NULL;
	int outdir = -1, sigdir = -1, ok = 0;

	if (sigfs_file_load(&f, read_fd, &fd, size)) {
		warn_path(rel, sigfs_error_last());
		return;
	}
	if (opt.arch && (slices = missing_arch(f, opt.arch))) {
		clear_progress();
		fprintf(stderr, "sigfs-export: -o arch=%s: no such slice in %s (slices: %s)\n", opt.arch, rel,
			slices);
		run.failures = 1;
		free(slices);
		sigfs_file_free(f);
		return;
	}
	run.with_arch++;
	snprintf(tmp, sizeof tmp, ".sigfs-export.%ld.%lu", (long)getpid(), run.tmp_seq++);
	if ((dirpath = malloc(strlen(dest) + strlen(reldir) + 2)))
		sprintf(dirpath, "%s%s%s", dest, *reldir ? "/" : "", reldir);
	if (dirpath && (outdir = mkdirs(destfd, reldir)) >= 0 &&
	    (sigdir = mkdir_open(outdir, tmp, 0755)) >= 0 &&
	    write_tree(f, "", sigdir, (mode & 0444) | 0200, &te) == 0) {
		close(sigdir);
		sigdir = -1;
		ok = publish(outdir, tmp, signame, dirpath) == 0;
	}
	if (!ok) {
		char msg[128 + NAME_MAX];

		snprintf(msg, sizeof msg, "writing %s%s%s: %s", reldir, *reldir ? "/" : "", signame,
			 strerror(errno));
		warn_path(rel, msg);
		if (outdir >= 0 && dirpath) {
			char *p = malloc(strlen(dirpath) + sizeof tmp + 1);

			if (p) {
				sprintf(p, "%s/%s", dirpath, tmp);
				remove_tree(outdir, tmp, p);
				free(p);
			}
		}
	} else {
		run.written++;
		if (te.count) {
			char msg[64];

			snprintf(msg, sizeof msg, " (and %u more)", te.count - 1);
			clear_progress();
			fprintf(stderr, "sigfs-export: %s: %s%s\n", rel,
				te.first ? te.first : "render failed", te.count > 1 ? msg : "");
			run.failures = 1;
		}
	}
	free(te.first);
	free(dirpath);
	if (sigdir >= 0)
		close(sigdir);
	if (outdir >= 0)
		close(outdir);
	sigfs_file_free(f);
}

/* Handle one regular file `name` of directory srcdir: probe it and, for a
 * Mach-O, write <rel><suffix>/ under DEST/<reldir>. */
static void export_file(int srcdir, const char *name, const char *rel, const char *reldir, const char *dest,
			int destfd)
{
	uint8_t head[SIGFS_ARCHIVE_HEAD];
	struct stat st;
	char *signame;
	ssize_t n;
	int fd;

	run.files++;
	show_progress(0);
	fd = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		warn_path(rel, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	n = pread(fd, head, sizeof head, 0);
	if (n < 0) {
		warn_path(rel, strerror(errno));
	} else if (!sigfs_macho_probe(head, (size_t)n < SIGFS_PROBE_LEN ? (size_t)n : SIGFS_PROBE_LEN,
				      (uint64_t)st.st_size)) {
		const char *what = sigfs_archive_format(head, (size_t)n, NULL, 0);

		if (what && !run.archive && (run.archive = strdup(rel)))
			run.archive_what = what;
	} else if ((signame = malloc(strlen(name) + strlen(opt.suffix) + 1))) {
		sprintf(signame, "%s%s", name, opt.suffix);
		/* a real entry of that name wins; a name too long is no valid name */
		if (strlen(signame) <= NAME_MAX &&
		    faccessat(srcdir, signame, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			run.macho++;
			export_macho(fd, (uint64_t)st.st_size, st.st_mode, rel, reldir, signame, dest,
				     destfd);
		}
		free(signame);
	}
	close(fd);
}

/* One directory of the walk: its sorted names, the next to visit, its
 * identity, and an fd while it is the directory being read. */
struct frame {
	int fd; /* -1 while a subdirectory is walked (the root keeps its fd) */
	dev_t dev;
	ino_t ino;
	char **names;
	size_t n, next;
	size_t pathlen; /* length of its path in the walk's path buffer */
};

/* An fd for stack[i] again, after its subdirectory `childfd` (-1: none) is
 * done: the child's "..", or when that is not stack[i] any more (moved meanwhile) the
 * path from the root, one component at a time, each checked to be the
 * directory the walk entered. -1 when SOURCE changed under the walk. */
static int reopen(const struct frame *stack, size_t i, int childfd)
{
	struct stat st;
	size_t k;
	int fd = openat(childfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == stack[i].dev && st.st_ino == stack[i].ino)
		return fd;
	if (fd >= 0)
		close(fd);
	fd = dup(stack[0].fd);
	for (k = 1; fd >= 0 && k <= i; k++) { /* bound: the depth of the walk */
		next = openat(fd, stack[k - 1].names[stack[k - 1].next - 1],
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		if (fd >= 0 &&
		    (fstat(fd, &st) < 0 || st.st_dev != stack[k].dev || st.st_ino != stack[k].ino)) {
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

/* Walk SOURCE directory `rootfd` depth-first in name order without
 * recursion: the stack holds one frame per directory being walked (heap
 * linear in SOURCE's depth) and at most three fds are open (the root, the
 * directory being read, a file). Takes rootfd. */
static void walk(int rootfd, const char *dest, int destfd)
{
	struct frame *stack = NULL, *top;
	struct path path = {0};
	size_t depth = 0, cap = 0;
	int fd = rootfd;

	if (path_set(&path, 0, "") < 0) {
		warn_path(".", strerror(ENOMEM));
		close(fd);
		return;
	}
	for (;;) {
		if (fd >= 0) { /* enter directory fd, whose path is path.s */
			struct frame fr = {.fd = fd, .pathlen = path.len};
			struct stat st;

			if (depth == cap) { /* bound: SOURCE's depth */
				struct frame *grown = realloc(stack, (cap ? 2 * cap : 16) * sizeof *stack);

				if (!grown) {
					warn_path(*path.s ? path.s : ".", strerror(ENOMEM));
					close(fd);
					break;
				}
				stack = grown;
				cap = cap ? 2 * cap : 16;
			}
			if (fstat(fd, &st) < 0 || !(fr.names = list_dir(fd, &fr.n))) {
				warn_path(*path.s ? path.s : ".", errno == E2BIG
								      ? "more than 1000000 entries: skipped"
								      : strerror(errno));
				close(fd);
			} else {
				fr.dev = st.st_dev;
				fr.ino = st.st_ino;
				if (depth > 1) { /* the root keeps its fd */
					close(stack[depth - 1].fd);
					stack[depth - 1].fd = -1;
				}
				stack[depth++] = fr;
			}
			fd = -1;
		}
		if (!depth)
			break;
		top = &stack[depth - 1];
		if (top->fd < 0 || top->next == top->n) { /* leave it */
			int childfd = top->fd;

			free_names(top->names, top->n);
			depth--;
			if (depth && stack[depth - 1].fd < 0) {
				stack[depth - 1].fd = reopen(stack, depth - 1, childfd);
				if (stack[depth - 1].fd < 0 && childfd >= 0) {
					path.s[stack[depth - 1].pathlen] = '\0';
					warn_path(path.s,
						  "SOURCE changed during the export: the rest skipped");
				}
			}
			if (childfd >= 0)
				close(childfd);
			continue;
		}
		{
			const char *name = top->names[top->next++];
			struct stat st;
			char *reldir;

			if (path_set(&path, top->pathlen, name) < 0) {
				warn_path(name, strerror(ENOMEM));
				continue;
			}
			if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				warn_path(path.s, strerror(errno));
			} else if (S_ISDIR(st.st_mode)) {
				fd = openat(top->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					warn_path(path.s, strerror(errno));
			} else if (S_ISREG(st.st_mode) && (reldir = strndup(path.s, top->pathlen))) {
				export_file(top->fd, name, path.s, reldir, dest, destfd);
				free(reldir);
			}
		}
	}
	while (depth) {
		depth--;
		free_names(stack[depth].names, stack[depth].n);
		if (stack[depth].fd >= 0)
			close(stack[depth].fd);
	}
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

/* mkdir -p: create `dir` and its missing parents. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (!p)
		return -1;
	for (s = p + 1; rc == 0; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				rc = -1;
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

/* 1 when directory fd holds no entry. */
static int is_empty(int fd)
{
	size_t n;
	char **names = list_dir(fd, &n);

	free_names(names, names ? n : 0);
	return names && n == 0;
}

static int parse_o(const char *arg)
{
	char *list = strdup(arg), *save = NULL, *o;

	if (!list)
		return -1;
	for (o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		const char **val = !strncmp(o, "arch=", 5) && o[5] ? &opt.arch
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
	if (!*src || !*dst) {
		fprintf(stderr, "sigfs-export: SOURCE and DEST are required (see --help)\n");
		return -1;
	}
	return 0;
}

/* A SOURCE that is a file but no Mach-O: name an archive or disk image. */
static void not_macho(const char *src, int fd, uint64_t size)
{
	uint8_t head[SIGFS_ARCHIVE_HEAD], tail[SIGFS_ARCHIVE_TAIL];
	ssize_t h = pread(fd, head, sizeof head, 0), t = -1;
	const char *what;

	if (size >= sizeof tail)
		t = pread(fd, tail, sizeof tail, (off_t)(size - sizeof tail));
	what = sigfs_archive_format(head, h > 0 ? (size_t)h : 0, t > 0 ? tail : NULL, t > 0 ? (size_t)t : 0);
	if (what)
		fprintf(stderr, "sigfs-export: SOURCE '%s' is %s, not a Mach-O file: unpack it first\n", src,
			what);
	else
		fprintf(stderr,
			"sigfs-export: SOURCE '%s' is not a Mach-O file: give a Mach-O file or a directory\n",
			src);
}

int main(int argc, char **argv)
{
	const char *src = NULL, *dst = NULL;
	char *csrc, *cdst;
	struct stat st;
	struct rlimit rl;
	const char *base = NULL;
	int destfd, srcfd, created;

	if (parse_args(argc, argv, &src, &dst) < 0)
		return 2;
	if (stat(src, &st) < 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
		fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src,
			errno ? strerror(errno) : "not a directory or regular file");
		return 2;
	}
	if (!(csrc = canonical(src)) || !(cdst = canonical(dst))) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode) &&
	    (!strncmp(cdst, csrc, strlen(csrc)) &&
	     (cdst[strlen(csrc)] == '/' || !cdst[strlen(csrc)] || !strcmp(csrc, "/")))) {
		fprintf(stderr, "sigfs-export: DEST '%s' is inside SOURCE '%s': choose a DEST outside it\n",
			dst, src);
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		srcfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		srcfd = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (srcfd >= 0) {
			uint8_t head[SIGFS_PROBE_LEN];
			ssize_t n = pread(srcfd, head, sizeof head, 0);

			if (n >= 0 && !sigfs_macho_probe(head, (size_t)n, (uint64_t)st.st_size)) {
				not_macho(src, srcfd, (uint64_t)st.st_size);
				return 2;
			}
			close(srcfd);
			/* the file is read through its directory, as in the walk */
			char *slash = strrchr(csrc, '/');

			base = slash + 1;
			*slash = '\0';
			srcfd = open(*csrc ? csrc : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
	}
	if (srcfd < 0) {
		fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src, strerror(errno));
		return 2;
	}
	created = access(cdst, F_OK) < 0;
	if (make_dirs(cdst) < 0 || (destfd = open(cdst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return 2;
	}
	if (!created && !opt.force && !is_empty(destfd)) {
		fprintf(stderr,
			"sigfs-export: DEST '%s' is not empty: give a new directory, or --force to replace "
			"the .sig/ trees in it\n",
			dst);
		return 2;
	}
	/* one fd per directory level of the walk */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	run.progress = !opt.quiet && isatty(2);
	if (S_ISDIR(st.st_mode)) {
		walk(srcfd, cdst, destfd);
	} else {
		export_file(srcfd, base, base, "", cdst, destfd);
		close(srcfd);
	}
	show_progress(1);
	close(destfd);
	if (run.macho == 0) {
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
		return 2; /* every Mach-O said which slices it has */
	return run.failures ? 1 : 0;
}
