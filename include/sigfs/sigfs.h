/* sigfs core: the umbrella header. */
#ifndef SIGFS_SIGFS_H
#define SIGFS_SIGFS_H

#define SIGFS_VERSION "0.1.0"

#include "sigfs/error.h"
#include "sigfs/buf.h"
#include "sigfs/cursor.h"
#include "sigfs/cs_blobs.h"
#include "sigfs/file.h"
#include "sigfs/requirement.h"
#include "sigfs/plist.h"
#include "sigfs/cms.h"

#endif
