/* sigfloor: the floor of make bench's cdhash measurements (bench/README.md).
 *
 *   sigfloor PATH...
 *
 * Walks each PATH (directories recursively, symlinks not followed) and, for every regular file that is a
 * Mach-O (thin or universal), reads only what a signature reader must: the first 4 KiB (magic, fat header),
 * each slice's header and load commands, and each slice's LC_CODE_SIGNATURE range, with pread. Nothing is
 * parsed beyond that and nothing is hashed: this is the I/O and system-call cost no signature reader can
 * avoid. Prints one line: files, Mach-O files, slices, signed slices, signature bytes read. Exit 1 on an
 * I/O error (a malformed file is counted as "not Mach-O", never an error). */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAT_MAGIC	  0xcafebabeu
#define FAT_MAGIC_64	  0xcafebabfu
#define MH_MAGIC	  0xfeedfaceu
#define MH_MAGIC_64	  0xfeedfacfu
#define LC_CODE_SIGNATURE 0x1du
#define MAX_FAT_ARCH	  64	      /* bound on nfat_arch (real files have 2-4) */
#define MAX_CMDS_SIZE	  (16u << 20) /* bound on sizeofcmds read into memory */
#define MAX_SIG_SIZE	  (64u << 20) /* bound on one LC_CODE_SIGNATURE range */

static unsigned long long n_files, n_macho, n_slices, n_signed, sig_bytes;
static int io_error;
static unsigned char *buf; /* reused for load commands and signatures */
static size_t buf_cap;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int grow(size_t n)
{
	if (n <= buf_cap)
		return 0;
	unsigned char *b = realloc(buf, n);
	if (!b)
		return -1;
	buf = b;
	buf_cap = n;
	return 0;
}

/* Reads exactly n bytes at off, or fewer at end of file; -1 on an I/O error. */
static ssize_t pread_full(int fd, void *p, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* One slice at [off, off+size) of a file of fsize bytes: 1 if it is a Mach-O, 0 if not, -1 on I/O error. */
static int slice(int fd, uint64_t off, uint64_t size, uint64_t fsize)
{
	unsigned char h[32];
	if (off > fsize || size > fsize - off || size < sizeof h)
		return 0;
	if (pread_full(fd, h, sizeof h, off) != (ssize_t)sizeof h)
		return 0;
	uint32_t magic = le32(h);
	if (magic != MH_MAGIC && magic != MH_MAGIC_64)
		return 0;
	uint32_t hl = magic == MH_MAGIC_64 ? 32 : 28, ncmds = le32(h + 16), cmds = le32(h + 20);
	if (cmds > MAX_CMDS_SIZE || cmds > size - hl || grow(cmds) < 0)
		return 0;
	ssize_t got = pread_full(fd, buf, cmds, off + hl);
	if (got < 0)
		return -1;
	if ((uint32_t)got != cmds)
		return 0;
	n_slices++;
	uint64_t sig_off = 0, sig_len = 0;
	/* ncmds is bounded by cmds / 8: each command is at least 8 bytes */
	for (uint32_t i = 0, p = 0; i < ncmds && p + 8 <= cmds; i++) {
		uint32_t cmd = le32(buf + p), cs = le32(buf + p + 4);
		if (cs < 8 || cs > cmds - p)
			break;
		if (cmd == LC_CODE_SIGNATURE && cs >= 16) {
			sig_off = le32(buf + p + 8);
			sig_len = le32(buf + p + 12);
		}
		p += cs;
	}
	if (sig_len == 0 || sig_len > MAX_SIG_SIZE || sig_off > size || sig_len > size - sig_off ||
	    grow(sig_len) < 0)
		return 1;
	got = pread_full(fd, buf, sig_len, off + sig_off);
	if (got < 0)
		return -1;
	n_signed++;
	sig_bytes += (uint64_t)got;
	return 1;
}

static int file(const char *path, const struct stat *st)
{
	n_files++;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	unsigned char h[4096];
	ssize_t n = pread_full(fd, h, sizeof h, 0);
	int r = 0;
	uint64_t fsize = (uint64_t)st->st_size;
	if (n < 0) {
		r = -1;
	} else if (n >= 8 && (be32(h) == FAT_MAGIC || be32(h) == FAT_MAGIC_64)) {
		int is64 = be32(h) == FAT_MAGIC_64;
		uint32_t nfat = be32(h + 4), esz = is64 ? 32 : 20;
		int any = 0;
		if (nfat <= MAX_FAT_ARCH && 8 + (uint64_t)nfat * esz <= (uint64_t)n) {
			for (uint32_t i = 0; i < nfat && r >= 0; i++) {
				const unsigned char *e = h + 8 + i * esz;
				uint64_t off = is64 ? be64(e + 8) : be32(e + 8),
					 sz = is64 ? be64(e + 16) : be32(e + 12);
				int s = slice(fd, off, sz, fsize);
				if (s < 0)
					r = -1;
				any |= s > 0;
			}
		}
		n_macho += any && r >= 0;
	} else if (n >= 4) {
		r = slice(fd, 0, fsize, fsize);
		n_macho += r > 0;
	}
	close(fd);
	return r < 0 ? -1 : 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode) && file(path, st) < 0) {
		fprintf(stderr, "sigfloor: %s: cannot read\n", path);
		io_error = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigfloor PATH...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (nftw(argv[i], visit, 64, FTW_PHYS) != 0) {
			fprintf(stderr, "sigfloor: %s: cannot walk\n", argv[i]);
			io_error = 1;
		}
	printf("files %llu macho %llu slices %llu signed %llu signature_bytes %llu\n", n_files, n_macho,
	       n_slices, n_signed, sig_bytes);
	free(buf);
	return io_error;
}
