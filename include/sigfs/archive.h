/* sigfs core: recognise an archive or disk image by its magic bytes, so a
 * frontend given one as SOURCE can say what it is and that it must be
 * unpacked first (sigfs reads Mach-O files and directories, never inside
 * archives). */
#ifndef SIGFS_ARCHIVE_H
#define SIGFS_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of a file's start and end that sigfs_archive_format looks at. */
#define SIGFS_ARCHIVE_HEAD 512
#define SIGFS_ARCHIVE_TAIL 512

/* The format whose magic bytes `head` (the first headlen bytes of a file)
 * or `tail` (its last taillen bytes; NULL when not read) carry, as a noun
 * phrase ("a zip archive", "a disk image (.dmg)"), or NULL when none. */
const char *sigfs_archive_format(const uint8_t *head, size_t headlen, const uint8_t *tail, size_t taillen);

#endif
