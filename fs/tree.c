/* sigfs frontends: SOURCE on disk as a sigfs_source (see tree.h). */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/xattr.h>
#endif

#if defined(__linux__)
#include <sys/syscall.h>
#if defined(SYS_openat2) && defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2 1
#endif
#endif
#endif

#ifdef __APPLE__
#define ST_MTIM(st) ((st)->st_mtimespec)
#define ST_CTIM(st) ((st)->st_ctimespec)
#else
#define ST_MTIM(st) ((st)->st_mtim)
#define ST_CTIM(st) ((st)->st_ctim)
#endif

/* A directory fd used only to resolve names beneath it. */
#ifdef O_PATH
#define O_DIRSEARCH (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define O_DIRSEARCH (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

struct sigfs_fstree {
	int rootfd;   /* SOURCE (a directory) or, for a single file, its parent */
	char *single; /* the file's name in its parent, or NULL */
};

int sigfs_fstree_open(sigfs_fstree **out, const char *path)
{
	struct stat st;
	sigfs_fstree *t;
	char *real;
	int e = 0;

	*out = NULL;
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	t = calloc(1, sizeof *t);
	if (!t) {
		free(real);
		return -ENOMEM;
	}
	t->rootfd = -1;
	if (stat(real, &st) < 0) {
		e = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		t->rootfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t->rootfd < 0)
			e = -errno;
	} else if (S_ISREG(st.st_mode)) {
		char *slash = strrchr(real, '/'); /* realpath: absolute */
		char *dir = slash == real ? strdup("/") : strndup(real, (size_t)(slash - real));
		t->single = strdup(slash + 1);
		if (!dir || !t->single)
			e = -ENOMEM;
		else if ((t->rootfd = open(dir, O_DIRSEARCH)) < 0)
			e = -errno;
		free(dir);
	} else {
		e = -EINVAL;
	}
	free(real);
	if (e) {
		sigfs_fstree_close(t);
		return e;
	}
	*out = t;
	return 0;
}

void sigfs_fstree_close(sigfs_fstree *t)
{
	if (!t)
		return;
	if (t->rootfd >= 0)
		close(t->rootfd);
	free(t->single);
	free(t);
}

int sigfs_fstree_is_file(const sigfs_fstree *t)
{
	return t->single != NULL;
}

/* rel is '/'-separated, no leading or doubled '/', no "." or "..". */
static int rel_ok(const char *rel)
{
	const char *p = rel;

	if (strlen(rel) >= SIGFS_REL_MAX)
		return 0;
	while (*p) { /* one component per pass: bounded by strlen(rel) */
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0; /* trailing '/' */
	}
	return 1;
}

#ifdef HAVE_OPENAT2
static atomic_int no_openat2;
#endif

/* Open the directory `dir` (a prefix of a rel, `len` bytes) beneath root:
 * an fd the caller closes, or -errno. */
static int open_beneath(const sigfs_fstree *t, const char *dir, size_t len)
{
	char *buf = malloc(len + 1); /* len < SIGFS_REL_MAX (rel_ok) */
	int fd = t->rootfd, e = 0;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, dir, len);
	buf[len] = '\0';
#ifdef HAVE_OPENAT2
	/* openat2 takes paths below PATH_MAX; deeper ones walk below */
	if (len < PATH_MAX && !atomic_load_explicit(&no_openat2, memory_order_relaxed)) {
		struct open_how how;
		memset(&how, 0, sizeof how);
		how.flags = O_DIRSEARCH;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, t->rootfd, buf, &how, sizeof how);
		e = fd >= 0 ? 0 : errno;
		if (fd >= 0 || (e != ENOSYS && e != E2BIG && e != EPERM)) {
			free(buf);
			return fd >= 0 ? fd : e == ELOOP || e == EXDEV ? -ENOENT : -e;
		}
		e = 0;
		atomic_store_explicit(&no_openat2, 1, memory_order_relaxed); /* old kernel, seccomp */
		fd = t->rootfd;
	}
#endif
	for (char *p = buf; *p && !e;) { /* one component per pass: bounded by len */
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		int nfd = openat(fd, p, O_DIRSEARCH);
		e = nfd < 0 ? (errno == ELOOP ? -ENOENT : -errno) : 0;
		if (fd != t->rootfd)
			close(fd);
		fd = nfd;
		p = slash ? slash + 1 : p + strlen(p);
	}
	free(buf);
	return e ? e : fd;
}

/* The parent directory of member `rel` and the name of `rel` in it. *dirfd
 * is closed by the caller with put_parent(). For the root itself (rel ""
 * of a directory tree) *name is ".". */
static int get_parent(const sigfs_fstree *t, const char *rel, int *dirfd, const char **name)
{
	const char *slash;

	*dirfd = t->rootfd;
	if (t->single) {
		if (*rel)
			return -ENOENT;
		*name = t->single;
		return 0;
	}
	if (!rel_ok(rel))
		return -ENOENT;
	if (!*rel) {
		*name = ".";
		return 0;
	}
	slash = strrchr(rel, '/');
	*name = slash ? slash + 1 : rel;
	if (!slash)
		return 0;
	int fd = open_beneath(t, rel, (size_t)(slash - rel));
	if (fd < 0)
		return fd;
	*dirfd = fd;
	return 0;
}

static void put_parent(const sigfs_fstree *t, int dirfd)
{
	if (dirfd != t->rootfd)
		close(dirfd);
}

int sigfs_fstree_lstat2(const sigfs_fstree *t, const char *rel, struct stat *st, struct stat *parent)
{
	const char *name;
	int dfd, e = get_parent(t, rel, &dfd, &name);

	if (e)
		return e;
	if (strcmp(name, ".") == 0)
		e = fstat(dfd, st) < 0 ? -errno : 0;
	else
		e = fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	if (!e && parent)
		e = fstat(dfd, parent) < 0 ? -errno : 0;
	put_parent(t, dfd);
	return e;
}

int sigfs_fstree_lstat(const sigfs_fstree *t, const char *rel, struct stat *st)
{
	return sigfs_fstree_lstat2(t, rel, st, NULL);
}

#ifdef __linux__
/* xattr calls on `rel`: its directory's fd through /proc (resolved beneath
 * SOURCE already), the last component not followed (l*xattr). */
static ssize_t xattr_at(const sigfs_fstree *t, const char *rel, const char *name, void *buf, size_t size)
{
	const char *last;
	char p[PATH_MAX + 64];
	int dfd, e = get_parent(t, rel, &dfd, &last);
	ssize_t r;

	if (e)
		return e;
	snprintf(p, sizeof p, "/proc/self/fd/%d/%s", dfd, last);
	r = name ? lgetxattr(p, name, buf, size) : llistxattr(p, buf, size);
	e = errno;
	put_parent(t, dfd);
	return r < 0 ? -e : r;
}
#else
static ssize_t xattr_at(const sigfs_fstree *t, const char *rel, const char *name, void *buf, size_t size)
{
	return -ENOTSUP;
}
#endif

ssize_t sigfs_fstree_getxattr(const sigfs_fstree *t, const char *rel, const char *name, void *buf,
			      size_t size)
{
	return xattr_at(t, rel, name, buf, size);
}

ssize_t sigfs_fstree_listxattr(const sigfs_fstree *t, const char *rel, char *buf, size_t size)
{
	return xattr_at(t, rel, NULL, buf, size);
}

int sigfs_fstree_open_file(const sigfs_fstree *t, const char *rel, struct stat *st)
{
	const char *name;
	int dfd, fd, e = get_parent(t, rel, &dfd, &name);

	if (e)
		return e;
	if (strcmp(name, ".") == 0) {
		put_parent(t, dfd);
		return -EINVAL;
	}
	/* O_NONBLOCK: a FIFO swapped in opens at once; the type check below
	 * refuses it (and any device) before a byte is read. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	e = fd < 0 ? (errno == ELOOP ? -ENOENT : -errno) : 0;
	put_parent(t, dfd);
	if (e)
		return e;
	if (fstat(fd, st) < 0)
		e = -errno;
	else if (!S_ISREG(st->st_mode))
		e = -EINVAL;
	if (e) {
		close(fd);
		return e;
	}
	return fd;
}

int sigfs_fstree_open_dir(const sigfs_fstree *t, const char *rel)
{
	const char *name;
	int dfd, fd, e = get_parent(t, rel, &dfd, &name);

	if (e)
		return e;
	if (t->single) {
		put_parent(t, dfd);
		return -ENOTDIR;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	e = fd < 0 ? (errno == ELOOP ? -ENOTDIR : -errno) : 0;
	put_parent(t, dfd);
	return e ? e : fd;
}

ssize_t sigfs_fstree_readlink(const sigfs_fstree *t, const char *rel, char *buf, size_t cap)
{
	const char *name;
	int dfd, e = get_parent(t, rel, &dfd, &name);
	ssize_t r;

	if (e)
		return e;
	if (cap < 2 || strcmp(name, ".") == 0) {
		put_parent(t, dfd);
		return -EINVAL;
	}
	r = readlinkat(dfd, name, buf, cap);
	e = errno;
	put_parent(t, dfd);
	if (r < 0)
		return -e;
	if ((size_t)r >= cap) /* perhaps truncated */
		return -ENAMETOOLONG;
	buf[r] = '\0';
	return r;
}

int sigfs_fstree_statvfs(const sigfs_fstree *t, struct statvfs *sv)
{
	return fstatvfs(t->rootfd, sv) < 0 ? -errno : 0;
}

ssize_t sigfs_fd_pread(int fd, void *dst, size_t len, uint64_t off)
{
	char *p = dst;
	size_t done = 0;

	if (off > (uint64_t)INT64_MAX || len > (size_t)SSIZE_MAX)
		return -EINVAL;
	while (done < len) { /* each pass reads >= 1 byte or returns: bounded by len */
		ssize_t r = pread(fd, p + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return done ? (ssize_t)done : -errno;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

void sigfs_fstree_to_sigstat(const struct stat *st, struct sigfs_stat *out)
{
	memset(out, 0, sizeof *out);
	out->type = S_ISREG(st->st_mode)   ? SIGFS_FT_REG
		    : S_ISDIR(st->st_mode) ? SIGFS_FT_DIR
		    : S_ISLNK(st->st_mode) ? SIGFS_FT_LNK
					   : SIGFS_FT_OTHER;
	out->mode = (uint32_t)(st->st_mode & 07777);
	out->size = (uint64_t)st->st_size;
	out->dev = (uint64_t)st->st_dev;
	out->ino = (uint64_t)st->st_ino;
	out->mtime_ns = (int64_t)ST_MTIM(st).tv_sec * 1000000000 + ST_MTIM(st).tv_nsec;
	out->ctime_ns = (int64_t)ST_CTIM(st).tv_sec * 1000000000 + ST_CTIM(st).tv_nsec;
}

/* ------------------------------------------------------- the source view */

static int core_err(int neg_errno, const char *what, const char *rel)
{
	int e = -neg_errno;
	int code = e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG ? SIGFS_ENOTFOUND
		   : e == EACCES || e == EPERM					  ? SIGFS_EACCES
		   : e == ENOMEM						  ? SIGFS_ENOMEM
										  : SIGFS_EIO;
	if (code == SIGFS_ENOTFOUND)
		return code;
	return sigfs_error_set(code, "%s '%s': %s", what, *rel ? rel : ".",
			       e == EINVAL ? "not a regular file" : strerror(e));
}

static int src_read(void *ctx, const char *rel, uint64_t off, void *dst, size_t len, size_t *got)
{
	struct stat st;
	int fd = sigfs_fstree_open_file(ctx, rel, &st);
	ssize_t r;

	*got = 0;
	if (fd < 0)
		return core_err(fd, "read", rel);
	/* headers and signatures only: readahead would read code */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	r = sigfs_fd_pread(fd, dst, len, off);
	close(fd);
	if (r < 0)
		return core_err((int)r, "read", rel);
	*got = (size_t)r;
	return SIGFS_OK;
}

static int src_stat(void *ctx, const char *rel, struct sigfs_stat *out)
{
	struct stat st;
	int e = sigfs_fstree_lstat(ctx, rel, &st);

	if (e)
		return core_err(e, "stat", rel);
	sigfs_fstree_to_sigstat(&st, out);
	return SIGFS_OK;
}

static int src_list(void *ctx, const char *rel, sigfs_entry_fn fn, void *arg)
{
	int fd = sigfs_fstree_open_dir(ctx, rel), rc = SIGFS_OK;
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return core_err(fd, "list", rel);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return sigfs_error_set(SIGFS_ENOMEM, "list '%s': out of memory", *rel ? rel : ".");
	}
	errno = 0;
	while (rc == SIGFS_OK && (de = readdir(d)) != NULL) {
		struct stat st;
		struct sigfs_stat ss;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++n > SIGFS_SOURCE_MAX_ENTRIES) { /* the bound of source.h */
			rc = sigfs_error_set(SIGFS_EUNSUPPORTED, "list '%s': more than %d entries",
					     *rel ? rel : ".", SIGFS_SOURCE_MAX_ENTRIES);
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			errno = 0;
			continue; /* vanished since readdir */
		}
		sigfs_fstree_to_sigstat(&st, &ss);
		rc = fn(arg, de->d_name, &ss);
		errno = 0;
	}
	if (rc == SIGFS_OK && errno)
		rc = core_err(-errno, "list", rel);
	closedir(d);
	return rc;
}

static int src_readlink(void *ctx, const char *rel, char *buf, size_t cap, size_t *len)
{
	ssize_t r = sigfs_fstree_readlink(ctx, rel, buf, cap);

	*len = 0;
	if (r == -ENAMETOOLONG)
		return sigfs_error_set(SIGFS_EMALFORMED, "readlink '%s': target longer than %zu bytes", rel,
				       cap ? cap - 1 : 0);
	if (r < 0)
		return core_err((int)r, "readlink", rel);
	*len = (size_t)r;
	return SIGFS_OK;
}

/* Apple's attribute `name` as macOS keeps it; on Linux under the names the
 * tools that carry macOS attributes use: `user.` + name (setfattr, Samba
 * and rsync on ext4/xfs) and `osx.` + name (the hfsplus driver). */
static int src_xattr(void *ctx, const char *rel, const char *name, int *present)
{
#ifdef __linux__
	static const char *const prefixes[] = {"user.", "osx."};
#else
	static const char *const prefixes[] = {""};
#endif
	char full[256];

	*present = 0;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0] && !*present; i++) {
		ssize_t r;

		snprintf(full, sizeof full, "%s%s", prefixes[i], name);
		r = sigfs_fstree_getxattr(ctx, rel, full, NULL, 0);
		if (r >= 0)
			*present = 1;
		else if (r == -ENOMEM)
			return sigfs_error_set(SIGFS_ENOMEM, "xattr '%s': out of memory", rel);
		/* absent, unsupported or unreadable: none to report */
	}
	return SIGFS_OK;
}

void sigfs_fstree_source(sigfs_fstree *t, sigfs_source *out)
{
	out->ctx = t;
	out->read = src_read;
	out->stat = src_stat;
	out->list = src_list;
	out->readlink = src_readlink;
	out->xattr = src_xattr;
}
