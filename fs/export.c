/* sigfs-export SOURCE DEST: the `.sig/` trees of every Mach-O under SOURCE
 * (and the directories leading to them) written as ordinary files, through
 * the same core the mount uses. No FUSE. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sigfs/sigfs.h"

struct opts {
	const char *arch;
	const char *suffix;
	int quiet;
};

static struct opts opt = {NULL, ".sig", 0};
static int failures;
static unsigned long n_files, n_macho;
static int progress;
static struct timespec last_progress;

static void usage(FILE *out)
{
	fprintf(out, "usage: sigfs-export [options] SOURCE DEST\n"
		     "\n"
		     "Write the .sig/ tree of every Mach-O file under SOURCE (a directory or one\n"
		     "Mach-O file) into DEST, with the directories leading to them.\n"
		     "\n"
		     "options:\n"
		     "    -o arch=NAME        slice the top-level files describe (default: arm64e,\n"
		     "                        arm64, x86_64h, x86_64, then the first)\n"
		     "    -o sigsuffix=.sig   name suffix of the signature directories\n"
		     "    -q                  no progress display\n"
		     "    -h, --help          show this help\n"
		     "    -V, --version       show the version\n"
		     "\n"
		     "exit status: 0 all files read, 1 some could not be read, 2 bad usage\n");
}

static void warn_path(const char *path, const char *what)
{
	if (progress)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "sigfs-export: %s: %s\n", path, what);
	failures = 1;
}

static void show_progress(int force)
{
	struct timespec now;

	if (!progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && now.tv_sec - last_progress.tv_sec < 1)
		return;
	last_progress = now;
	fprintf(stderr, "\r\033[K%lu files, %lu Mach-O%s", n_files, n_macho, force ? "\n" : "");
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

/* Open (creating if needed) directory `name` under dirfd, never following
 * a symlink. */
static int mkdir_open(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Open DEST/<rel>, creating each directory of it. */
static int mkdirs(int destfd, const char *rel)
{
	char buf[PATH_MAX], *p, *slash;
	int fd = dup(destfd), next;

	if (fd < 0 || strlen(rel) >= sizeof buf)
		return fd < 0 ? -1 : (close(fd), errno = ENAMETOOLONG, -1);
	strcpy(buf, rel);
	for (p = buf; *p; p = slash + 1) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		next = mkdir_open(fd, p, 0755);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
		if (!slash)
			break;
	}
	return fd;
}

struct names {
	char name[64][64];
	int kind[64];
	int n;
};

static int collect(void *arg, const char *name, int kind)
{
	struct names *ns = arg;

	if (ns->n >= 64 || strlen(name) >= sizeof ns->name[0])
		return 1;
	strcpy(ns->name[ns->n], name);
	ns->kind[ns->n++] = kind;
	return 0;
}

/* Write the .sig subtree at `path` (relative to .sig) into dirfd. */
static int write_tree(const sigfs_file *f, const char *path, int dirfd, mode_t fmode, const char *where)
{
	struct names ns = {.n = 0};
	sigfs_buf buf = SIGFS_BUF_INIT;
	char sub[256];
	int i, fd, err = 0;

	if (sigfs_list(f, opt.arch, path, collect, &ns) != 0)
		return -1;
	for (i = 0; i < ns.n && !err; i++) {
		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "/" : "", ns.name[i]);
		if (ns.kind[i] == SIGFS_NODE_DIR) {
			fd = mkdir_open(dirfd, ns.name[i], 0755);
			if (fd < 0)
				return -1;
			err = write_tree(f, sub, fd, fmode, where);
			close(fd);
			continue;
		}
		sigfs_buf_clear(&buf);
		err = sigfs_render(&buf, f, opt.arch, sub);
		if (err) {
			char msg[600];

			snprintf(msg, sizeof msg, "%s: %s", sub, sigfs_error_last());
			warn_path(where, msg);
			err = 0;
			continue;
		}
		fd = openat(dirfd, ns.name[i], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, fmode);
		if (fd < 0 || (buf.len && write(fd, buf.ptr, buf.len) != (ssize_t)buf.len)) {
			err = -1;
		}
		if (fd >= 0 && close(fd) < 0)
			err = -1;
	}
	sigfs_buf_free(&buf);
	return err;
}

/* Handle one regular file: probe, load, write <rel><suffix>/ under dest. */
static void export_file(int srcdir, const char *name, const char *rel, const char *reldir, int destfd)
{
	uint8_t head[SIGFS_PROBE_LEN];
	struct stat st;
	sigfs_file *f = NULL;
	char signame[NAME_MAX + 1];
	ssize_t n;
	int fd, outdir = -1, sigdir = -1, err;

	n_files++;
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
		goto out;
	}
	if (!sigfs_macho_probe(head, (size_t)n, (uint64_t)st.st_size))
		goto out;
	if (snprintf(signame, sizeof signame, "%s%s", name, opt.suffix) >= (int)sizeof signame)
		goto out; /* the virtual name would not be a valid name */
	if (faccessat(srcdir, signame, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		goto out; /* a real entry of that name wins */
	n_macho++;
	err = sigfs_file_load(&f, read_fd, &fd, (uint64_t)st.st_size);
	if (err) {
		warn_path(rel, sigfs_error_last());
		goto out;
	}
	outdir = *reldir ? mkdirs(destfd, reldir) : dup(destfd);
	if (outdir < 0 || (sigdir = mkdir_open(outdir, signame, 0755)) < 0 ||
	    write_tree(f, "", sigdir, (st.st_mode & 0444) | 0200, rel) < 0) {
		char msg[PATH_MAX + 64];

		snprintf(msg, sizeof msg, "writing %s%s%s: %s", reldir, *reldir ? "/" : "", signame,
			 strerror(errno));
		warn_path(rel, msg);
	}
out:
	if (sigdir >= 0)
		close(sigdir);
	if (outdir >= 0)
		close(outdir);
	sigfs_file_free(f);
	close(fd);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk directory `fd` (relative path `rel`, "" for the root). */
static void walk(int fd, const char *rel, int destfd)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0, i;

	if (!d) {
		warn_path(*rel ? rel : ".", strerror(errno));
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	qsort(names, n, sizeof *names, cmp_names);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "", names[i]) >=
		    (int)sizeof path) {
			warn_path(rel, "path too long");
			continue;
		}
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			warn_path(path, strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				warn_path(path, strerror(errno));
			else
				walk(sub, path, destfd);
		} else if (S_ISREG(st.st_mode)) {
			export_file(dirfd(d), names[i], path, rel, destfd);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
}

/* Canonical path of `p`, which may not exist yet (then its parent must). */
static int canonical(const char *p, char *out)
{
	char tmp[PATH_MAX], *slash;

	if (realpath(p, out))
		return 0;
	if (strlen(p) >= sizeof tmp)
		return -1;
	strcpy(tmp, p);
	while ((slash = strrchr(tmp, '/')) && slash[1] == '\0' && slash != tmp)
		*slash = '\0';
	slash = strrchr(tmp, '/');
	if (!slash)
		return realpath(".", out)
			   ? (strlen(out) + strlen(tmp) + 2 < PATH_MAX ? (strcat(strcat(out, "/"), tmp), 0)
								       : -1)
			   : -1;
	*slash = '\0';
	if (!realpath(*tmp ? tmp : "/", out) || strlen(out) + strlen(slash + 1) + 2 >= PATH_MAX)
		return -1;
	strcat(strcat(out, "/"), slash + 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = NULL, *dst = NULL;
	char csrc[PATH_MAX], cdst[PATH_MAX];
	struct stat st;
	int i, destfd, srcfd;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("sigfs-export %s\n", SIGFS_VERSION);
			return 0;
		} else if (!strcmp(a, "-q")) {
			opt.quiet = 1;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			char *list = strdup(argv[++i]), *save = NULL, *o;

			for (o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
				if (!strncmp(o, "arch=", 5) && o[5])
					opt.arch = strdup(o + 5);
				else if (!strncmp(o, "sigsuffix=", 10) && o[10] && !strchr(o + 10, '/'))
					opt.suffix = strdup(o + 10);
				else {
					fprintf(stderr, "sigfs-export: unknown or invalid option '-o %s'\n",
						o);
					return 2;
				}
			}
			free(list);
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "sigfs-export: unknown option '%s' (see --help)\n", a);
			return 2;
		} else if (!src) {
			src = a;
		} else if (!dst) {
			dst = a;
		} else {
			fprintf(stderr, "sigfs-export: too many arguments (see --help)\n");
			return 2;
		}
	}
	if (!src || !dst) {
		fprintf(stderr, "sigfs-export: SOURCE and DEST are required (see --help)\n");
		return 2;
	}
	if (lstat(src, &st) < 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
		fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src,
			errno && !S_ISLNK(st.st_mode) ? strerror(errno) : "not a directory or regular file");
		return 2;
	}
	if (canonical(src, csrc) < 0 || canonical(dst, cdst) < 0) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode) &&
	    (!strcmp(csrc, cdst) ||
	     (!strncmp(cdst, csrc, strlen(csrc)) && (cdst[strlen(csrc)] == '/' || !strcmp(csrc, "/"))))) {
		fprintf(stderr, "sigfs-export: DEST '%s' is inside SOURCE '%s'\n", dst, src);
		return 2;
	}
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return 2;
	}
	destfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (destfd < 0) {
		fprintf(stderr, "sigfs-export: DEST '%s': %s\n", dst, strerror(errno));
		return 2;
	}
	progress = !opt.quiet && isatty(2);
	if (S_ISDIR(st.st_mode)) {
		srcfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (srcfd < 0) {
			fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src, strerror(errno));
			return 2;
		}
		walk(srcfd, "", destfd);
	} else {
		char dir[PATH_MAX], *slash;
		const char *base;

		snprintf(dir, sizeof dir, "%s", src);
		slash = strrchr(dir, '/');
		base = slash ? slash + 1 : dir;
		if (slash)
			*slash = '\0';
		srcfd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (srcfd < 0) {
			fprintf(stderr, "sigfs-export: SOURCE '%s': %s\n", src, strerror(errno));
			return 2;
		}
		export_file(srcfd, base, base, "", destfd);
		close(srcfd);
	}
	show_progress(1);
	close(destfd);
	return failures ? 1 : 0;
}
