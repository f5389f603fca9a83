/* sigfs: mount SOURCE (a directory or one Mach-O file) read-only at
 * MOUNTPOINT, with a virtual directory F.sig/ beside every Mach-O F whose
 * content comes from the core. This file: options, the checks of SOURCE and
 * MOUNTPOINT, and fuse_main (mount.h maps the other files). */
#include "mount.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "ops.h"
#include "sigfs/archive.h"
#include "sigfs/buf.h"
#include "sigfs/error.h"
#include "sigfs/sigfs.h"

struct sigfs_opts {
	char *source;
	char *mountpoint;
	char *arch;
	char *anchors;
	char *sigsuffix;
	char *cache;
	char *cache_mb;
	int sigonly;
	int show_help;
	int show_version;
	int allow_other;
	int default_permissions;
	int debug;
	int extra_nonopt;
	double attr_timeout; /* -o attr_timeout= if given, else < 0 */
};

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_ALLOW_OTHER,
	KEY_DEFAULT_PERMISSIONS,
	KEY_DEBUG,
};

#define SIGFS_OPT(t, p, v)                                                                                   \
	{                                                                                                    \
		t, offsetof(struct sigfs_opts, p), v                                                         \
	}

static const struct fuse_opt sigfs_optspec[] = {
    SIGFS_OPT("arch=%s", arch, 0),
    SIGFS_OPT("anchors=%s", anchors, 0),
    SIGFS_OPT("sigsuffix=%s", sigsuffix, 0),
    SIGFS_OPT("sigonly", sigonly, 1),
    SIGFS_OPT("cache=%s", cache, 0),
    SIGFS_OPT("cache_mb=%s", cache_mb, 0),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
    FUSE_OPT_KEY("default_permissions", KEY_DEFAULT_PERMISSIONS),
    FUSE_OPT_KEY("-d", KEY_DEBUG),
    FUSE_OPT_KEY("debug", KEY_DEBUG),
    /* fstab noise (as sshfs): mount(8) and systemd options, not ours. */
    FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("comment=", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [options] SOURCE MOUNTPOINT\n"
		"\n"
		"Mount SOURCE (a directory or one Mach-O file) read-only at MOUNTPOINT, with a\n"
		"virtual directory NAME.sig/ beside every Mach-O file NAME describing its code\n"
		"signature. Unmount with '" SIGFS_UMOUNT_HINT " MOUNTPOINT'.\n"
		"\n"
		"sigfs options:\n"
		"    -o arch=NAME           slice the top-level .sig files of a universal binary\n"
		"                           describe (default: arm64e, arm64, x86_64h, x86_64, first)\n"
		"    -o anchors=FILE        PEM roots trusted like Apple's (enterprise and test PKIs)\n"
		"    -o sigsuffix=SUFFIX    name of the virtual directories: NAME<SUFFIX> (default .sig)\n"
		"    -o sigonly             show only directories and .sig trees\n"
		"    -o cache=MODE          never|auto|always (default auto)\n"
		"    -o cache_mb=N          memory for loaded files and generated content (default 32)\n"
		"    -h, --help             print this help and the FUSE options\n"
		"    -V, --version          print the version\n"
		"\n"
		"FUSE options:\n"
		"    -d, -o debug           enable debug output (implies -f)\n"
		"    -f                     foreground operation\n"
		"    -s                     disable multi-threaded operation\n"
		"    -o clone_fd            use separate fuse device fd for each thread\n"
		"    -o max_idle_threads=N  the maximum number of idle worker threads (default 10)\n",
		prog);
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct sigfs_opts *o = data;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (!o->source) {
			o->source = strdup(arg);
			return 0;
		}
		if (!o->mountpoint) {
			o->mountpoint = strdup(arg);
			return 0;
		}
		fprintf(stderr,
			"sigfs: unexpected argument '%s' (usage: sigfs [options] SOURCE MOUNTPOINT)\n", arg);
		o->extra_nonopt = 1;
		return -1;
	case FUSE_OPT_KEY_OPT:
		/* More fstab noise: x-systemd.*, x-gvfs-*, ... */
		if (strncmp(arg, "x-", 2) == 0)
			return 0;
		/* passed on to libfuse; noted for sigfs_op_open's window */
		if (strncmp(arg, "attr_timeout=", 13) == 0)
			o->attr_timeout = atof(arg + 13);
		return 1;
	case KEY_HELP: o->show_help = 1; return 0;
	case KEY_VERSION: o->show_version = 1; return 0;
	case KEY_ALLOW_OTHER: o->allow_other = 1; return 1;
	case KEY_DEFAULT_PERMISSIONS: o->default_permissions = 1; return 1;
	case KEY_DEBUG: o->debug = 1; return 1;
	default: return 1;
	}
}

static int fail(const char *what, const char *name, const char *why)
{
	fprintf(stderr, "sigfs: %s '%s': %s\n", what, name, why);
	return 1;
}

/* Append `s` to an -o option list, escaping ',' and '\' as libfuse wants. */
static int add_escaped(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);
	for (; *s; s++) {
		if (n + 3 >= cap)
			return -1;
		if (*s == ',' || *s == '\\')
			dst[n++] = '\\';
		dst[n++] = *s;
	}
	dst[n] = '\0';
	return 0;
}

/* Strings main() allocates, freed on every way out. */
static struct {
	char *src, *mnt;
} held;

/* SOURCE: followed if the user named a symlink; nothing inside is. */
static int open_source(const char *source, struct stat *sst)
{
	held.src = realpath(source, NULL);
	if (!held.src)
		return fail("SOURCE", source, strerror(errno));
	int e = sigfs_fstree_open(&g.tree, held.src);
	if (!e)
		sigfs_fstree_source(g.tree, &g.src);
	if (e == -EINVAL)
		return fail("SOURCE", source, "not a directory or regular file");
	if (e)
		return fail("SOURCE", source, strerror(-e));
	if ((e = sigfs_fstree_lstat(g.tree, "", sst)) < 0)
		return fail("SOURCE", source, strerror(-e));
	if (sigfs_fstree_is_file(g.tree)) {
		struct stat st;
		int fd = sigfs_fstree_open_file(g.tree, "", &st);
		if (fd < 0)
			return fail("SOURCE", source, strerror(-fd));
		close(fd);
		g.single = strdup(strrchr(held.src, '/') + 1);
		if (!g.single)
			return fail("SOURCE", source, strerror(ENOMEM));
		g.sopts.root_name = g.single;
		return 0;
	}
	/* Readable, not just searchable. */
	int fd = sigfs_fstree_open_dir(g.tree, "");
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	errno = fd < 0 ? -fd : 0;
	e = !d ? errno : readdir(d) == NULL ? errno : 0;
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	return e ? fail("SOURCE", source, strerror(e)) : 0;
}

/* The slices (archs file) of subject `rel`, one line each, or NULL. */
static char *archs_of(const char *rel, const struct stat *st)
{
	struct sigfs_stat ss;
	sigfs_subject *subj = NULL;
	sigfs_buf b = SIGFS_BUF_INIT;
	sigfs_fstree_to_sigstat(st, &ss);
	int kind = sigfs_probe(&g.src, rel, &ss, NULL, 0);
	if (kind == SIGFS_KIND_NONE || sigfs_subject_load(&subj, &g.src, rel, kind, &g.sopts) != SIGFS_OK)
		return NULL;
	if (sigfs_tree_node(subj, "archs") == SIGFS_NODE_NONE ||
	    sigfs_tree_render(&b, subj, &g.src, "archs") || sigfs_buf_status(&b))
		sigfs_buf_free(&b);
	sigfs_subject_free(subj);
	return b.ptr ? sigfs_buf_detach(&b, NULL) : NULL;
}

/* 1 when line `name` is in the newline-separated `list`. */
static int has_line(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

/* What a single-file SOURCE is: an archive or disk image is refused with
 * what to do; a file that gets no .sig is noted; -o arch= must name one of
 * its slices. 0, or 1 after the message. */
static int check_single(const char *source)
{
	struct stat st;
	uint8_t head[SIGFS_ARCHIVE_HEAD], tail[SIGFS_ARCHIVE_TAIL];
	int fd = sigfs_fstree_open_file(g.tree, "", &st);
	if (fd < 0)
		return fail("SOURCE", source, strerror(-fd));
	ssize_t hn = sigfs_fd_pread(fd, head, sizeof head, 0);
	ssize_t tn = st.st_size >= (off_t)sizeof tail
			 ? sigfs_fd_pread(fd, tail, sizeof tail, (uint64_t)st.st_size - sizeof tail)
			 : 0;
	close(fd);
	const char *fmt = sigfs_archive_format(head, hn > 0 ? (size_t)hn : 0, tn > 0 ? tail : NULL,
					       tn > 0 ? (size_t)tn : 0);
	if (fmt) {
		fprintf(
		    stderr,
		    "sigfs: SOURCE '%s' is %s, not a Mach-O file: unpack it first and mount the directory\n",
		    source, fmt);
		return 1;
	}
	char *archs = archs_of("", &st);
	if (!archs) {
		fprintf(stderr,
			"sigfs: note: SOURCE '%s' is not a Mach-O file: the mount will show it without a %s "
			"directory\n",
			source, g.suffix);
	} else if (g.arch && !has_line(archs, g.arch)) {
		for (char *p = archs; *p; p++)
			if (*p == '\n')
				*p = p[1] ? ' ' : '\0';
		fprintf(stderr, "sigfs: option arch=%s: '%s' has no such slice; its slices: %s\n", g.arch,
			source, archs);
		free(archs);
		return 1;
	}
	free(archs);
	return 0;
}

#define LOOK_ENTRIES 4096 /* entries the look at a directory SOURCE visits at most */

struct look {
	char **queue; /* directories still to list (rel paths) */
	size_t head, n, cap, seen;
	int found, cut, unreadable;
	char *archive; /* the first archive met, and its format */
	const char *archive_what;
};

static int look_cb(void *arg, const char *name, const struct sigfs_stat *st)
{
	struct look *k = arg;
	const char *dir = k->queue[k->head];
	char rel[PATH_MAX];
	if (++k->seen > LOOK_ENTRIES) {
		k->cut = 1;
		return 1;
	}
	if (snprintf(rel, sizeof rel, "%s%s%s", dir, *dir ? "/" : "", name) >= (int)sizeof rel)
		return 0;
	if (st->type == SIGFS_FT_REG) {
		struct stat fst;
		int fd = sigfs_fstree_open_file(g.tree, rel, &fst);
		if (fd == -EACCES) {
			note_unreadable(rel);
			k->unreadable = 1;
		}
		uint8_t head[SIGFS_ARCHIVE_HEAD];
		ssize_t n = fd >= 0 ? sigfs_fd_pread(fd, head, sizeof head, 0) : -1;
		const char *fmt = n > 0 ? sigfs_archive_format(head, (size_t)n, NULL, 0) : NULL;
		if (fmt && !k->archive && (k->archive = strdup(rel)) != NULL)
			k->archive_what = fmt;
		if (fd >= 0)
			close(fd);
	}
	if (sigfs_probe(&g.src, rel, st, NULL, 0) != SIGFS_KIND_NONE) {
		k->found = 1;
		return 1;
	}
	if (st->type == SIGFS_FT_DIR && k->n < LOOK_ENTRIES) { /* bounded by the entry budget */
		if (k->n == k->cap) {
			size_t ncap = k->cap ? 2 * k->cap : 64;
			char **q = realloc(k->queue, ncap * sizeof *q);
			if (!q)
				return 1;
			k->queue = q;
			k->cap = ncap;
		}
		k->queue[k->n] = strdup(rel);
		k->n += k->queue[k->n] != NULL;
	}
	return 0;
}

/* A directory SOURCE: a bounded breadth-first look (LOOK_ENTRIES entries)
 * for anything that gets a .sig; when there is none at all, one note. */
static void check_dir(const char *source)
{
	struct look k = {0};
	k.queue = malloc(64 * sizeof *k.queue);
	if (!k.queue || !(k.queue[0] = strdup("")))
		goto out;
	k.cap = 64;
	k.n = 1;
	for (; k.head < k.n && !k.found && !k.cut; k.head++)
		(void)g.src.list(g.src.ctx, k.queue[k.head], look_cb, &k);
	if (!k.found && !k.cut && !k.unreadable && k.archive)
		fprintf(stderr,
			"sigfs: note: no Mach-O file in SOURCE '%s', but '%s' is %s: unpack it first\n",
			source, k.archive, k.archive_what);
	else if (!k.found && !k.cut && !k.unreadable)
		fprintf(stderr, "sigfs: note: no Mach-O file in SOURCE '%s': no %s directories will appear\n",
			source, g.suffix);
out:
	free(k.archive);
	for (size_t i = 0; i < k.n; i++)
		free(k.queue[i]);
	free(k.queue);
}

static int run(struct fuse_args *args, struct sigfs_opts *o)
{
	if (o->show_help) {
		usage(stdout, "sigfs");
		fflush(stdout);
#if SIGFS_FUSE3
		fuse_lib_help(args); /* -h/-V and the generic options are above */
#else
		dup2(STDOUT_FILENO, STDERR_FILENO); /* libfuse 2 prints help on stderr */
		fuse_opt_add_arg(args, "-ho");
		args->argv[0] = (char *)"";
		fuse_main(args->argc, args->argv, &sigfs_ops, NULL);
#endif
		return 0;
	}
	if (o->show_version) {
		printf("sigfs version %s\n", SIGFS_VERSION);
#if SIGFS_FUSE3
		printf("FUSE library version %s\n", fuse_pkgversion());
#else
		printf("FUSE library version %d.%d\n", fuse_version() / 10, fuse_version() % 10);
#endif
		return 0;
	}
	if (!o->source || !o->mountpoint) {
		fprintf(stderr, "sigfs: missing %s (usage: sigfs [options] SOURCE MOUNTPOINT)\n",
			o->source ? "MOUNTPOINT" : "SOURCE");
		return 1;
	}

	/* sigfs options */
	g.arch = o->arch && *o->arch ? o->arch : NULL;
	g.sopts.arch = g.arch;
	if (o->anchors && sigfs_read_anchors("sigfs", o->anchors, &g.anchors) < 0)
		return 1;
	g.sopts.anchors = g.anchors;
	if (g.arch && strchr(g.arch, '/'))
		return fail("option", "arch", "not an architecture name");
	g.suffix = o->sigsuffix ? o->sigsuffix : ".sig";
	g.suffix_len = strlen(g.suffix);
	if (g.suffix_len == 0 || strchr(g.suffix, '/') || g.suffix_len > 64)
		return fail("option sigsuffix", g.suffix, "must be non-empty, without '/'");
	g.sigonly = o->sigonly;
	g.debug = o->debug;
	g.cache_mode = CACHE_AUTO;
	if (o->cache) {
		if (strcmp(o->cache, "never") == 0)
			g.cache_mode = CACHE_NEVER;
		else if (strcmp(o->cache, "always") == 0)
			g.cache_mode = CACHE_ALWAYS;
		else if (strcmp(o->cache, "auto") != 0)
			return fail("option cache", o->cache, "expected never, auto or always");
	}
	g.attr_timeout = o->attr_timeout >= 0		? o->attr_timeout
			 : g.cache_mode == CACHE_ALWAYS ? 60
			 : g.cache_mode == CACHE_NEVER	? 0
							: 1;
	unsigned long cache_mb = 32;
	if (o->cache_mb) {
		char *end;
		errno = 0;
		cache_mb = strtoul(o->cache_mb, &end, 10);
		if (errno || end == o->cache_mb || *end || o->cache_mb[0] == '-' || cache_mb > (1UL << 20))
			return fail("option cache_mb", o->cache_mb, "expected a number of MiB (0..1048576)");
	}

	struct stat sst;
	if (open_source(o->source, &sst))
		return 1;

	/* MOUNTPOINT: an existing directory, not already a mount point, not
	 * inside SOURCE (the mount would look at itself). */
	struct stat mst, pst;
	held.mnt = realpath(o->mountpoint, NULL);
	char *src = held.src, *mnt = held.mnt;
	if (!mnt || stat(mnt, &mst) < 0)
		return fail("MOUNTPOINT", o->mountpoint, strerror(errno));
	if (!S_ISDIR(mst.st_mode))
		return fail("MOUNTPOINT", o->mountpoint, strerror(ENOTDIR));
	char parent[PATH_MAX + 4];
	snprintf(parent, sizeof parent, "%s/..", mnt);
	if (strcmp(mnt, "/") == 0 || (stat(parent, &pst) == 0 && pst.st_dev != mst.st_dev))
		return fail("MOUNTPOINT", o->mountpoint, "Device or resource busy (already a mount point)");
	size_t sl = strlen(src);
	if (S_ISDIR(sst.st_mode) &&
	    (strcmp(mnt, src) == 0 || (strncmp(mnt, src, sl) == 0 && (mnt[sl] == '/' || sl == 1))))
		return fail("MOUNTPOINT", o->mountpoint, "inside SOURCE");

	if (sigfs_fstree_is_file(g.tree)) {
		if (check_single(o->source))
			return 1;
	} else {
		check_dir(o->source);
	}

	if (g.cache_mode != CACHE_NEVER) {
		g.cache = sfc_new(cache_mb > (SIZE_MAX >> 20) ? SIZE_MAX : (size_t)cache_mb << 20);
		if (!g.cache)
			return fail("cache", "", strerror(ENOMEM));
	}

	/* Our defaults go first so the user's own -o options override them. */
	char defs[PATH_MAX * 2 + 256];
	const char *timeouts =
	    g.cache_mode == CACHE_NEVER	   ? "attr_timeout=0,entry_timeout=0,negative_timeout=0"
	    : g.cache_mode == CACHE_ALWAYS ? "attr_timeout=60,entry_timeout=60,negative_timeout=60"
					   : "attr_timeout=1,entry_timeout=1,negative_timeout=1";
	/* max_idle_threads: libfuse 3.14 otherwise warns "Ignoring invalid max
	 * threads value 4294967295" at every mount (libfuse issue #1003); 10
	 * is its long-standing default. */
	snprintf(defs, sizeof defs, "-oro,subtype=sigfs,%s%s%s", timeouts,
		 g.cache_mode == CACHE_AUTO	? ",auto_cache"
		 : g.cache_mode == CACHE_ALWAYS ? ",kernel_cache"
						: "",
		 SIGFS_FUSE3 ? ",max_idle_threads=10" : ",use_ino");
	size_t dlen = strlen(defs);
	strcat(defs, ",fsname=");
	if (add_escaped(defs, sizeof defs, held.src) < 0)
		defs[dlen] = '\0'; /* absurdly long: keep the default fsname */
	if (o->allow_other && !o->default_permissions) {
		/* Other users see the mount: let the kernel check the mirrored
		 * modes, so nothing SOURCE hides from them leaks. */
		strncat(defs, ",default_permissions", sizeof defs - strlen(defs) - 1);
	}
	fuse_opt_insert_arg(args, 1, defs);
	fuse_opt_add_arg(args, mnt);

	return fuse_main(args->argc, args->argv, &sigfs_ops, NULL) ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct sigfs_opts o;
	int ret;
	SIGFS_PLATFORM_INIT();
	memset(&o, 0, sizeof o);
	o.attr_timeout = -1;
	if (fuse_opt_parse(&args, &o, sigfs_optspec, opt_proc) < 0) {
		if (!o.extra_nonopt)
			fprintf(stderr, "sigfs: bad options (see 'sigfs --help')\n");
		ret = 1;
	} else {
		ret = run(&args, &o);
	}
	fuse_opt_free_args(&args);
	free(o.source);
	free(o.mountpoint);
	free(o.arch);
	free(o.sigsuffix);
	free(o.cache);
	free(o.cache_mb);
	free(g.single);
	free(held.src);
	free(held.mnt);
	sfc_free(g.cache); /* NULL after sigfs_op_destroy */
	sigfs_fstree_close(g.tree);
	return ret;
}
