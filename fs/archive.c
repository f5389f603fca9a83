/* sigfs frontends: archive and disk image formats (archive.h). Magic numbers:
 * zip (PKWARE APPNOTE 4.3.7 local header, 4.3.16 end of central directory),
 * xar ("xar!", the .pkg format), Apple UDIF disk images (a 512-byte "koly"
 * trailer), gzip (RFC 1952), bzip2, xz, zstd, and POSIX tar ("ustar" at 257). */
#include "archive.h"

#include <string.h>

static const struct {
	const char *name, *hint;
	size_t off;
	const char *magic;
	size_t len;
} heads[] = {
    {"a zip archive", "unzip -d DIR SOURCE", 0, "PK\x03\x04", 4},
    {"a zip archive", "unzip -d DIR SOURCE", 0, "PK\x05\x06", 4}, /* empty */
    {"a xar archive (.pkg)", "mkdir DIR && cd DIR && xar -xf SOURCE (or pkgutil --expand-full)", 0, "xar!",
     4},
    {"a gzip-compressed file (.tar.gz?)", "mkdir DIR && tar -xzf SOURCE -C DIR", 0, "\x1f\x8b", 2},
    {"a bzip2-compressed file (.tar.bz2?)", "mkdir DIR && tar -xjf SOURCE -C DIR", 0, "BZh", 3},
    {"an xz-compressed file (.tar.xz?)", "mkdir DIR && tar -xJf SOURCE -C DIR", 0,
     "\xfd"
     "7zXZ\x00",
     6},
    {"a zstd-compressed file (.tar.zst?)", "mkdir DIR && tar --zstd -xf SOURCE -C DIR", 0, "\x28\xb5\x2f\xfd",
     4},
    {"a tar archive", "mkdir DIR && tar -xf SOURCE -C DIR", 257, "ustar", 5},
};

#define DMG	 "an Apple disk image (.dmg)"
#define DMG_HINT "7z x -oDIR SOURCE (or hdiutil attach on macOS)"

const char *archive_format(const uint8_t *head, size_t n, const uint8_t *tail, size_t tn)
{
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
		if (n >= heads[i].off + heads[i].len &&
		    memcmp(head + heads[i].off, heads[i].magic, heads[i].len) == 0)
			return heads[i].name;
	if (tn >= 512 && memcmp(tail + tn - 512, "koly", 4) == 0)
		return DMG;
	return NULL;
}

const char *archive_hint(const char *format)
{
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
		if (format == heads[i].name)
			return heads[i].hint;
	return DMG_HINT;
}
