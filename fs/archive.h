/* sigfs frontends: recognising an archive or disk image given as SOURCE, so
 * the user is told to unpack it instead of getting an empty mount or export.
 * FUSE-free (both frontends may use it). */
#ifndef SIGFS_FS_ARCHIVE_H
#define SIGFS_FS_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes archive_format wants from the start and from the end of the file. */
#define ARCHIVE_HEAD_LEN 512
#define ARCHIVE_TAIL_LEN 512

/* The name of the container format whose file starts with `head` (n bytes)
 * and ends with `tail` (tn bytes; an Apple disk image ends with a "koly"
 * trailer), e.g. "a zip archive"; NULL when it is none of them. */
const char *archive_format(const uint8_t *head, size_t n, const uint8_t *tail, size_t tn);

/* A command that unpacks that format (SOURCE and DIR are placeholders). */
const char *archive_hint(const char *format);

#endif
