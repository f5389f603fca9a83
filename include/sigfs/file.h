/* sigfs core: one Mach-O file (thin or universal), its slices and their
 * signatures, loaded through a read callback so only the headers, load
 * commands, signature and __info_plist bytes are read — never the code.
 *
 * The Mach-O subject of sigfs/tree.h loads it. */
#ifndef SIGFS_FILE_H
#define SIGFS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/error.h"

/* Read exactly `len` bytes at `off` into `dst`. Return SIGFS_OK, or
 * SIGFS_EIO when the bytes cannot be read (short read: the file shrank). */
typedef int (*sigfs_read_fn)(void *ctx, uint64_t off, void *dst, size_t len);

/* Bytes sigfs_macho_probe needs from the start of a file. */
#define SIGFS_PROBE_LEN 8

/* 1 when `head` (the first min(size, SIGFS_PROBE_LEN) bytes of a file of
 * `size` bytes) starts a Mach-O: a thin magic (feedface, feedfacf, byte
 * swaps) or a universal magic (cafebabe, cafebabf) whose architecture count
 * is sane (1..SIGFS_MAX_SLICES_PROBE and the table fits in the file; this
 * also keeps Java class files out). 0 otherwise. */
#define SIGFS_MAX_SLICES_PROBE 32
int sigfs_macho_probe(const uint8_t *head, size_t n, uint64_t size);

typedef struct sigfs_file sigfs_file;

/* Load a Mach-O file of `size` bytes. A file that is not what it claims is
 * still loaded: its slices carry status `malformed: …`. Fails only with
 * SIGFS_ENOMEM or SIGFS_EIO (read failure, e.g. the file shrank). */
int sigfs_file_load(sigfs_file **out, sigfs_read_fn read, void *ctx, uint64_t size) SIGFS_WUR;
void sigfs_file_free(sigfs_file *f);

/* Source bytes read by sigfs_file_load (for the benchmarks). */
uint64_t sigfs_file_bytes_read(const sigfs_file *f);

#endif
