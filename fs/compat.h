/* sigfs FUSE frontend: the one place for platform and libfuse API
 * differences (after sshfs compat/).
 *
 * Built against the libfuse 3 API (FUSE_USE_VERSION=35, Linux libfuse3,
 * macFUSE 4) or the libfuse 2.9 API (FUSE_USE_VERSION=29: Debian libfuse-dev,
 * older macFUSE, FUSE-T). The Makefile sets FUSE_USE_VERSION. */
#ifndef SIGFS_FS_COMPAT_H
#define SIGFS_FS_COMPAT_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 35
#endif

#ifdef __APPLE__
/* macFUSE: plain POSIX struct stat and signatures, no Darwin extensions
 * (google/fuse-archive does the same). Must precede <fuse.h>. */
#define FUSE_DARWIN_ENABLE_EXTENSIONS 0
#endif

#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>

/* --- libfuse API: 3.x vs 2.9 ------------------------------------------- */
#if FUSE_USE_VERSION >= 30
#define SIGFS_FUSE3 1
#include <fuse_lowlevel.h> /* fuse_cmdline_help() for --help */
/* Trailing parameters that only the libfuse 3 signatures have. Handlers
 * written with these must not use the named parameters. */
#define SIGFS_FI_PARAM	    , struct fuse_file_info *fi_unused_
#define SIGFS_RENAME_PARAM  , unsigned int rename_flags_
#define SIGFS_READDIR_PARAM , enum fuse_readdir_flags readdir_flags_
#define SIGFS_INIT_PARAMS   struct fuse_conn_info *conn, struct fuse_config *cfg
/* A directory entry at offset `off`, with its attributes when `plus`. */
#define SIGFS_FILL_AT(filler, buf, name, st, off, plus)                                                      \
	(filler)((buf), (name), (st), (off), (plus) ? FUSE_FILL_DIR_PLUS : (enum fuse_fill_dir_flags)0)
#define SIGFS_READDIR_IS_PLUS ((readdir_flags_ & FUSE_READDIR_PLUS) != 0)
#else
#define SIGFS_FUSE3 0
#define SIGFS_FI_PARAM
#define SIGFS_RENAME_PARAM
#define SIGFS_READDIR_PARAM
#define SIGFS_INIT_PARAMS				struct fuse_conn_info *conn
#define SIGFS_FILL_AT(filler, buf, name, st, off, plus) ((void)(plus), (filler)((buf), (name), (st), (off)))
#define SIGFS_READDIR_IS_PLUS				0
#endif

/* --- platform ------------------------------------------------------------ */
#if defined(__GLIBC__)
#include <malloc.h>
/* One malloc arena. With one arena per worker thread, the many small
 * short-lived allocations of listings and signature loads fragment every
 * arena, and a 20,000-Mach-O walk peaked at 96 MiB RSS instead of 68 (bench
 * measurement 6, bisected and measured with MALLOC_ARENA_MAX=1). The daemon
 * waits on I/O, not on malloc's lock. */
#define SIGFS_PLATFORM_INIT() ((void)mallopt(M_ARENA_MAX, 1))
#else
#define SIGFS_PLATFORM_INIT() ((void)0)
#endif

/* A directory fd used only to resolve names beneath it (never read). */
#ifdef O_PATH
#define SIGFS_O_DIRSEARCH (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define SIGFS_O_DIRSEARCH (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

#ifdef __APPLE__
#define SIGFS_ST_ATIM(st) ((st)->st_atimespec)
#define SIGFS_ST_MTIM(st) ((st)->st_mtimespec)
#define SIGFS_ST_CTIM(st) ((st)->st_ctimespec)
#define SIGFS_UMOUNT_HINT "umount"
#else
#define SIGFS_ST_ATIM(st) ((st)->st_atim)
#define SIGFS_ST_MTIM(st) ((st)->st_mtim)
#define SIGFS_ST_CTIM(st) ((st)->st_ctim)
#if SIGFS_FUSE3
#define SIGFS_UMOUNT_HINT "fusermount3 -u"
#else
#define SIGFS_UMOUNT_HINT "fusermount -u"
#endif
#endif

#endif
