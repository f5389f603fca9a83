/* Unit tests of core/archive.c on hand-assembled headers. Magic bytes from
 * each format's specification: zip local file header "PK\3\4" (APPNOTE
 * 4.3.7), xar header "xar!" (xar's xar.h), POSIX ustar "ustar" at offset
 * 257, gzip 1f 8b (RFC 1952), bzip2 "BZh" + block size '1'..'9', xz
 * fd "7zXZ" 00, UDIF's 512-byte trailer "koly" version 4 (Apple's DiskImages
 * UDIFFileHeader); a Mach-O magic is none of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sigfs/archive.h"

static const char *head_only(const void *p, size_t n)
{
	return sigfs_archive_format(p, n, NULL, 0);
}

static void test_heads(void **state)
{
	uint8_t tar[512] = {0};

	(void)state;
	assert_string_equal(head_only("PK\3\4\24\0", 6), "a zip archive");
	assert_string_equal(head_only("xar!\0\34\0\1", 8), "a xar archive (.pkg or .xip)");
	assert_string_equal(head_only("\x1f\x8b\x08\0", 4), "a gzip-compressed file (.gz, .tgz)");
	assert_string_equal(head_only("BZh9", 4), "a bzip2-compressed file (.bz2)");
	assert_string_equal(head_only("\xfd"
				      "7zXZ\0\0",
				      7),
			    "an xz-compressed file (.xz)");
	assert_string_equal(head_only("!<arch>\nfoo", 11), "an ar archive (a static library)");
	memcpy(tar, "Contents/", 9);
	memcpy(tar + 257,
	       "ustar\0"
	       "00",
	       8);
	assert_string_equal(head_only(tar, sizeof tar), "a tar archive");
}

static void test_not_archives(void **state)
{
	uint8_t tar[300] = {0};

	(void)state;
	assert_null(head_only("\xcf\xfa\xed\xfe\x0c\0\0\x01", 8)); /* MH_MAGIC_64 arm64 */
	assert_null(head_only("\xca\xfe\xba\xbe\0\0\0\2", 8));	   /* FAT_MAGIC */
	assert_null(head_only("PK", 2));			   /* too short to tell */
	assert_null(head_only("BZhx", 4));			   /* no block size digit */
	assert_null(head_only("", 0));
	memcpy(tar + 257, "ustar", 5);
	assert_null(head_only(tar, 260)); /* the magic cut off */
}

static void test_dmg_trailer(void **state)
{
	uint8_t tail[600] = {0};

	(void)state;
	memcpy(tail + 88, "koly\0\0\0\4\0\0\2\0", 12); /* the last 512 bytes */
	assert_string_equal(sigfs_archive_format((const uint8_t *)"\0\0\0\0", 4, tail, sizeof tail),
			    "a disk image (.dmg)");
	tail[95] = 3; /* another version */
	assert_null(sigfs_archive_format((const uint8_t *)"\0\0\0\0", 4, tail, sizeof tail));
	assert_null(sigfs_archive_format((const uint8_t *)"\0\0\0\0", 4, tail + 100, 400)); /* < 512 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heads),
	    cmocka_unit_test(test_not_archives),
	    cmocka_unit_test(test_dmg_trailer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
