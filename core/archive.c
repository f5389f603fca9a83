/* Archives and disk images by magic bytes: the formats release engineers
 * receive builds in (.zip/.ipa, .pkg/.xip, .dmg, tarballs and their
 * compressors, static libraries, cpio/pbzx payloads). */
#include <string.h>

#include "sigfs/archive.h"

struct magic {
	size_t off;
	const char *bytes;
	size_t len;
	const char *name;
};

static const struct magic magics[] = {
    {0, "PK\3\4", 4, "a zip archive"},
    {0, "PK\5\6", 4, "a zip archive (empty)"},
    {0, "PK\7\10", 4, "a zip archive (spanned)"},
    {0, "xar!", 4, "a xar archive (.pkg or .xip)"},
    {0, "\x1f\x8b", 2, "a gzip-compressed file (.gz, .tgz)"},
    {0,
     "\xfd"
     "7zXZ\0",
     6, "an xz-compressed file (.xz)"},
    {0, "\x28\xb5\x2f\xfd", 4, "a zstd-compressed file (.zst)"},
    {0, "7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive"},
    {0, "!<arch>\n", 8, "an ar archive (a static library)"},
    {0, "pbzx", 4, "a pbzx stream (an Apple package payload)"},
    {0, "070701", 6, "a cpio archive"},
    {0, "070702", 6, "a cpio archive"},
    {0, "070707", 6, "a cpio archive"},
    {257, "ustar", 5, "a tar archive"},
};

const char *sigfs_archive_format(const uint8_t *head, size_t headlen, const uint8_t *tail, size_t taillen)
{
	size_t i;

	for (i = 0; i < sizeof magics / sizeof magics[0]; i++) {
		const struct magic *m = &magics[i];

		if (headlen >= m->off + m->len && memcmp(head + m->off, m->bytes, m->len) == 0)
			return m->name;
	}
	/* bzip2: "BZh" and a block size digit */
	if (headlen >= 4 && memcmp(head, "BZh", 3) == 0 && head[3] >= '1' && head[3] <= '9')
		return "a bzip2-compressed file (.bz2)";
	/* UDIF (.dmg): a 512-byte trailer that starts "koly", version 4 */
	if (tail && taillen >= 512 && memcmp(tail + taillen - 512, "koly\0\0\0\4", 8) == 0)
		return "a disk image (.dmg)";
	return NULL;
}
