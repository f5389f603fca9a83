/* sigfs mount: the FUSE handlers (ops.c). */
#ifndef SIGFS_FS_OPS_H
#define SIGFS_FS_OPS_H

#include "compat.h"

extern const struct fuse_operations sigfs_ops;

#endif
