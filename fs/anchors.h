/* -o anchors=FILE of both frontends: the PEM roots a user adds beside
 * Apple's (enterprise and test PKIs), read once at start-up. FUSE-free. */
#ifndef SIGFS_FS_ANCHORS_H
#define SIGFS_FS_ANCHORS_H

#include "sigfs/trust.h"

/* Read FILE (at most SIGFS_ANCHORS_FILE_MAX bytes) and parse its
 * certificates. On failure prints one line "PROG: -o anchors=FILE: what; what
 * to do" and returns -1. The anchors live until the process ends. */
#define SIGFS_ANCHORS_FILE_MAX ((size_t)4 << 20)
int sigfs_read_anchors(const char *prog, const char *file, sigfs_anchors **out);

#endif
