/* sigfs core: Mach-O and universal headers, load commands, and the bytes a
 * signature needs — read through a callback, never the whole file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sigfs/cursor.h"

#define MH_MAGIC     0xfeedfaceu
#define MH_CIGAM     0xcefaedfeu
#define MH_MAGIC_64  0xfeedfacfu
#define MH_CIGAM_64  0xcffaedfeu
#define FAT_MAGIC    0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu

#define LC_REQ_DYLD	      0x80000000u
#define LC_SEGMENT	      0x1u
#define LC_SEGMENT_64	      0x19u
#define LC_SYMTAB	      0x2u
#define LC_CODE_SIGNATURE     0x1du
#define LC_BUILD_VERSION      0x32u
#define LC_VERSION_MIN_MACOSX 0x24u

int sigfs_macho_probe(const uint8_t *head, size_t n, uint64_t size)
{
	uint32_t magic, nfat;
	uint64_t entsize;

	sigfs_cur c;

	sigfs_cur_init(&c, head, n);
	if (n < SIGFS_PROBE_LEN || size < SIGFS_PROBE_LEN || !sigfs_cur_be32(&c, &magic))
		return 0;
	switch (magic) {
	case MH_MAGIC:
	case MH_CIGAM:
	case MH_MAGIC_64:
	case MH_CIGAM_64: return 1;
	case FAT_MAGIC:
	case FAT_MAGIC_64:
		if (!sigfs_cur_be32(&c, &nfat))
			return 0;
		entsize = magic == FAT_MAGIC ? 20 : 32;
		return nfat >= 1 && nfat <= SIGFS_MAX_SLICES_PROBE && 8 + nfat * entsize <= size;
	}
	return 0;
}

/* Reads through the caller's callback, counting bytes. */
struct reader {
	sigfs_read_fn fn;
	void *ctx;
	struct sigfs_file *f;
};

static int rd(struct reader *r, uint64_t off, void *dst, size_t len)
{
	int err;

	if (len == 0)
		return SIGFS_OK;
	if (off > r->f->size || len > r->f->size - off)
		return sigfs_error_set(SIGFS_EIO, "read of %zu bytes at 0x%llx past end of file 0x%llx", len,
				       (unsigned long long)off, (unsigned long long)r->f->size);
	err = r->fn(r->ctx, off, dst, len);
	if (err)
		return err == SIGFS_EIO
			   ? err
			   : sigfs_error_set(SIGFS_EIO, "read failed at 0x%llx", (unsigned long long)off);
	r->f->bytes_read += len;
	return SIGFS_OK;
}

/* Read `len` bytes of a slice into a fresh allocation. */
static int rd_alloc(struct reader *r, uint64_t off, size_t len, uint8_t **out)
{
	uint8_t *p = malloc(len ? len : 1);
	int err;

	if (!p)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory reading %zu bytes", len);
	err = rd(r, off, p, len);
	if (err) {
		free(p);
		return err;
	}
	*out = p;
	return SIGFS_OK;
}

struct mh {
	int is64, swap;
	uint32_t ncmds, sizeofcmds;
};

static int get32(sigfs_cur *c, int swap, uint32_t *v)
{
	return swap ? sigfs_cur_le32(c, v) : sigfs_cur_be32(c, v);
}

static int get64(sigfs_cur *c, int swap, uint64_t *v)
{
	return swap ? sigfs_cur_le64(c, v) : sigfs_cur_be64(c, v);
}

/* Walk load commands: LC_CODE_SIGNATURE, LC_BUILD_VERSION, the
 * __TEXT,__info_plist section. Records the first inconsistency. */
static int walk_load_commands(struct sigfs_slice *s, const struct mh *h, const uint8_t *cmds,
			      uint64_t *plist_off, uint64_t *plist_size)
{
	sigfs_cur all, c, body, cmd0;
	uint32_t i, cmd, cmdsize, hdr = h->is64 ? 32 : 28;

	sigfs_cur_init(&all, cmds, h->sizeofcmds);
	/* each command takes at least 8 bytes: the count is checked by division,
	 * so the walk is linear in sizeofcmds (<= SIGFS_MAX_LOADCMDS_SIZE) */
	if (h->ncmds > h->sizeofcmds / 8)
		return sigfs_slice_malformed(s, "load commands: %u commands cannot fit in sizeofcmds %u",
					     h->ncmds, h->sizeofcmds);
	for (i = 0; i < h->ncmds; i++) {
		uint64_t at = hdr + (h->sizeofcmds - all.len);

		c = cmd0 = all;
		if (!get32(&c, h->swap, &cmd) || !get32(&c, h->swap, &cmdsize))
			return sigfs_slice_malformed(s, "load command %u at 0x%llx: truncated", i,
						     (unsigned long long)at);
		if (cmdsize < 8 || cmdsize > all.len)
			return sigfs_slice_malformed(
			    s, "load command %u at 0x%llx: cmdsize %u exceeds sizeofcmds %u", i,
			    (unsigned long long)at, cmdsize, h->sizeofcmds);
		if (!sigfs_cur_sub(&all, &body, cmdsize) || !sigfs_cur_skip(&body, 8))
			return sigfs_slice_malformed(s, "load command %u: truncated", i);
		switch (cmd & ~LC_REQ_DYLD) {
		case LC_CODE_SIGNATURE: {
			uint32_t off, size;

			if (!get32(&body, h->swap, &off) || !get32(&body, h->swap, &size))
				return sigfs_slice_malformed(
				    s, "LC_CODE_SIGNATURE at 0x%llx: cmdsize %u too small",
				    (unsigned long long)at, cmdsize);
			if (s->has_lc_sig)
				return sigfs_slice_malformed(s, "LC_CODE_SIGNATURE: more than one");
			s->has_lc_sig = 1;
			s->sig_dataoff = off;
			s->sig_datasize = size;
			break;
		}
		case LC_SYMTAB: {
			uint32_t stroff, strsize;
			sigfs_cur st;

			if (s->has_linkedit_end)
				break;
			if (!sigfs_cur_at(&cmd0, 16, 8, &st) || !get32(&st, h->swap, &stroff) ||
			    !get32(&st, h->swap, &strsize))
				return sigfs_slice_malformed(s, "LC_SYMTAB at 0x%llx: cmdsize %u too small",
							     (unsigned long long)at, cmdsize);
			s->has_linkedit_end = 1;
			s->linkedit_end = (uint64_t)stroff + strsize;
			break;
		}
		case LC_BUILD_VERSION:
			if (!get32(&body, h->swap, &s->build_platform) ||
			    !get32(&body, h->swap, &s->build_minos) || !get32(&body, h->swap, &s->build_sdk))
				return sigfs_slice_malformed(
				    s, "LC_BUILD_VERSION at 0x%llx: cmdsize %u too small",
				    (unsigned long long)at, cmdsize);
			s->has_build_version = 1;
			break;
		case LC_VERSION_MIN_MACOSX: /* before LC_BUILD_VERSION (macOS 10.14) */
			if (!get32(&body, h->swap, &s->vmin_version) || !get32(&body, h->swap, &s->vmin_sdk))
				return sigfs_slice_malformed(
				    s, "LC_VERSION_MIN_MACOSX at 0x%llx: cmdsize %u too small",
				    (unsigned long long)at, cmdsize);
			s->has_version_min_macos = 1;
			break;
		case LC_SEGMENT:
		case LC_SEGMENT_64: {
			int is64 = (cmd & ~LC_REQ_DYLD) == LC_SEGMENT_64;
			size_t skip = is64 ? 48 : 32; /* after segname: vmaddr..flags minus nsects */
			uint32_t nsects, j, secsize = is64 ? 80 : 68;
			uint8_t segname[16];

			if (!sigfs_cur_copy(&body, segname, 16) || !sigfs_cur_skip(&body, skip - 8) ||
			    !get32(&body, h->swap, &nsects) || !sigfs_cur_skip(&body, 4))
				return sigfs_slice_malformed(s, "segment command at 0x%llx: truncated",
							     (unsigned long long)at);
			if (nsects > body.len / secsize)
				return sigfs_slice_malformed(
				    s, "segment command at 0x%llx: %u sections exceed cmdsize %u",
				    (unsigned long long)at, nsects, cmdsize);
			/* Security macho++.cpp validateStructure: the first
			 * __LINKEDIT (or LC_SYMTAB) decides */
			if (memcmp(segname, "__LINKEDIT\0", 11) == 0 && !s->has_linkedit_end) {
				sigfs_cur seg;
				uint64_t fileoff = 0, filesize = 0;
				uint32_t f32 = 0, s32 = 0;

				if (!sigfs_cur_at(&cmd0, is64 ? 40 : 32, is64 ? 16 : 8, &seg) ||
				    !(is64 ? get64(&seg, h->swap, &fileoff) && get64(&seg, h->swap, &filesize)
					   : get32(&seg, h->swap, &f32) && get32(&seg, h->swap, &s32)))
					return sigfs_slice_malformed(s,
								     "segment command at 0x%llx: truncated",
								     (unsigned long long)at);
				s->has_linkedit_end = 1;
				s->linkedit_end = is64 ? fileoff + filesize : (uint64_t)f32 + s32;
				if (s->linkedit_end < fileoff)
					s->linkedit_end = UINT64_MAX; /* wrapped: never the slice end */
			}
			if (memcmp(segname, "__TEXT\0", 7) != 0)
				break;
			for (j = 0; j < nsects; j++) { /* nsects <= cmdsize / secsize */
				sigfs_cur sec;
				uint8_t sectname[16];
				uint64_t size = 0;
				uint32_t off = 0, size32 = 0;

				if (!sigfs_cur_sub(&body, &sec, secsize) ||
				    !sigfs_cur_copy(&sec, sectname, 16) || !sigfs_cur_skip(&sec, 16))
					return sigfs_slice_malformed(s, "section %u: truncated", j);
				if (is64) {
					if (!sigfs_cur_skip(&sec, 8) || !get64(&sec, h->swap, &size) ||
					    !get32(&sec, h->swap, &off))
						return sigfs_slice_malformed(s, "section %u: truncated", j);
				} else {
					if (!sigfs_cur_skip(&sec, 4) || !get32(&sec, h->swap, &size32) ||
					    !get32(&sec, h->swap, &off))
						return sigfs_slice_malformed(s, "section %u: truncated", j);
					size = size32;
				}
				if (memcmp(sectname, "__info_plist\0\0\0", 16) == 0) {
					*plist_off = off;
					*plist_size = size;
				}
			}
			break;
		}
		}
	}
	return SIGFS_OK;
}

/* Charge `n` bytes a slice keeps (signature, __info_plist) to the file's
 * budget: 1024 slices of 64 MiB signatures would otherwise keep 64 GiB. 0
 * when it fits; else the slice is malformed and the bytes are not read. */
static int keep(struct sigfs_file *f, struct sigfs_slice *s, uint64_t n, const char *what)
{
	if (n > SIGFS_MAX_FILE_KEPT - f->kept)
		return sigfs_slice_malformed(s, "%s: %llu bytes pass the file's bound of %llu kept bytes",
					     what, (unsigned long long)n,
					     (unsigned long long)SIGFS_MAX_FILE_KEPT);
	f->kept += n;
	return 0;
}

/* Load one slice: header, load commands, signature bytes, info plist. Only
 * SIGFS_EIO / SIGFS_ENOMEM are returned as errors; inconsistencies become
 * the slice's malformed reason. */
static int load_slice(struct reader *r, struct sigfs_slice *s)
{
	uint8_t hdr[32];
	sigfs_cur c;
	struct mh h = {0};
	uint32_t magic, cputype, cpusubtype;
	uint8_t *cmds = NULL;
	uint64_t plist_off = 0, plist_size = 0;
	int err;

	if (s->size < 8) {
		sigfs_slice_malformed(s, "slice at 0x%llx: %llu bytes is too small for a Mach-O header",
				      (unsigned long long)s->offset, (unsigned long long)s->size);
		return SIGFS_OK;
	}
	err = rd(r, s->offset, hdr, 8);
	if (err)
		return err;
	if (memcmp(hdr, "!<arch>\n", 8) == 0) {
		s->not_macho = 1;
		snprintf(s->reason, sizeof s->reason, "static library archive (ar)");
		return SIGFS_OK;
	}
	sigfs_cur_init(&c, hdr, 8);
	if (!sigfs_cur_be32(&c, &magic))
		return sigfs_error_set(SIGFS_EIO, "internal: header cursor");
	switch (magic) {
	case MH_MAGIC: break;
	case MH_CIGAM: h.swap = 1; break;
	case MH_MAGIC_64: h.is64 = 1; break;
	case MH_CIGAM_64:
		h.is64 = 1;
		h.swap = 1;
		break;
	default:
		s->not_macho = 1;
		snprintf(s->reason, sizeof s->reason, "unknown magic 0x%08x at 0x%llx", magic,
			 (unsigned long long)s->offset);
		return SIGFS_OK;
	}
	if (s->size < (uint64_t)(h.is64 ? 32 : 28)) {
		sigfs_slice_malformed(s, "Mach-O header at 0x%llx: truncated (%llu bytes)",
				      (unsigned long long)s->offset, (unsigned long long)s->size);
		return SIGFS_OK;
	}
	err = rd(r, s->offset + 8, hdr + 8, h.is64 ? 24 : 20);
	if (err)
		return err;
	sigfs_cur_init(&c, hdr + 4, h.is64 ? 28 : 24);
	if (!get32(&c, h.swap, &cputype) || !get32(&c, h.swap, &cpusubtype) ||
	    !get32(&c, h.swap, &s->filetype) || !get32(&c, h.swap, &h.ncmds) ||
	    !get32(&c, h.swap, &h.sizeofcmds))
		return sigfs_error_set(SIGFS_EIO, "internal: header cursor");
	if (r->f->universal && (cputype != s->cputype || cpusubtype != s->cpusubtype))
		sigfs_slice_malformed(s, "slice %s: Mach-O header says cputype %u subtype %u", s->arch,
				      cputype, cpusubtype);
	if (!r->f->universal) {
		s->cputype = cputype;
		s->cpusubtype = cpusubtype;
		sigfs_arch_name(s->arch, sizeof s->arch, cputype, cpusubtype);
	}
	if (h.sizeofcmds > SIGFS_MAX_LOADCMDS_SIZE || h.sizeofcmds > s->size - (h.is64 ? 32 : 28)) {
		sigfs_slice_malformed(s, "Mach-O header: sizeofcmds %u exceeds the slice (%llu bytes)",
				      h.sizeofcmds, (unsigned long long)s->size);
		return SIGFS_OK;
	}
	err = rd_alloc(r, s->offset + (h.is64 ? 32 : 28), h.sizeofcmds, &cmds);
	if (err)
		return err;
	walk_load_commands(s, &h, cmds, &plist_off, &plist_size);
	free(cmds);

	if (plist_size) {
		if (plist_size > SIGFS_MAX_INFO_PLIST_SIZE || plist_off > s->size ||
		    plist_size > s->size - plist_off) {
			sigfs_slice_malformed(
			    s, "__TEXT,__info_plist: offset 0x%llx size %llu past end of slice 0x%llx",
			    (unsigned long long)plist_off, (unsigned long long)plist_size,
			    (unsigned long long)s->size);
		} else if (!keep(r->f, s, plist_size, "__TEXT,__info_plist")) {
			err = rd_alloc(r, s->offset + plist_off, (size_t)plist_size, &s->info_plist);
			if (err)
				return err;
			s->info_plist_len = (size_t)plist_size;
		}
	}
	if (!s->has_lc_sig)
		return SIGFS_OK;
	if (s->sig_dataoff > s->size || s->sig_datasize > s->size - s->sig_dataoff) {
		sigfs_slice_malformed(s,
				      "LC_CODE_SIGNATURE: dataoff 0x%x datasize %u past end of slice 0x%llx",
				      s->sig_dataoff, s->sig_datasize, (unsigned long long)s->size);
		return SIGFS_OK;
	}
	if (s->sig_datasize > SIGFS_MAX_SIGNATURE_SIZE) {
		sigfs_slice_malformed(s, "LC_CODE_SIGNATURE: datasize %u exceeds the %u-byte limit",
				      s->sig_datasize, SIGFS_MAX_SIGNATURE_SIZE);
		return SIGFS_OK;
	}
	if (keep(r->f, s, s->sig_datasize, "LC_CODE_SIGNATURE"))
		return SIGFS_OK;
	err = rd_alloc(r, s->offset + s->sig_dataoff, s->sig_datasize, &s->sig);
	if (err)
		return err;
	s->sig_len = s->sig_datasize;
	err = sigfs_signature_parse(s);
	return err == SIGFS_EMALFORMED ? SIGFS_OK : err;
}

static int load_fat(struct reader *r, struct sigfs_file *f, uint32_t magic)
{
	uint8_t head[8], *table = NULL;
	uint32_t nfat, i, j;
	size_t entsize;
	sigfs_cur c;
	int err;

	f->universal = 1;
	f->fat64 = magic == FAT_MAGIC_64;
	entsize = f->fat64 ? 32 : 20;
	err = rd(r, 0, head, 8);
	if (err)
		return err;
	sigfs_cur_init(&c, head + 4, 4);
	if (!sigfs_cur_be32(&c, &nfat))
		return sigfs_error_set(SIGFS_EIO, "internal: fat header cursor");
	if (nfat == 0 || nfat > (f->size - 8) / entsize || nfat > SIGFS_MAX_SLICES) {
		snprintf(f->reason, sizeof f->reason,
			 "universal header: %u architectures, the file holds at most %llu (limit %u)", nfat,
			 (unsigned long long)((f->size - 8) / entsize), SIGFS_MAX_SLICES);
		return SIGFS_OK;
	}
	err = rd_alloc(r, 8, nfat * entsize, &table);
	if (err)
		return err;
	f->slices = calloc(nfat, sizeof *f->slices);
	if (!f->slices) {
		free(table);
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory for %u slices", nfat);
	}
	f->nslices = nfat;
	sigfs_cur_init(&c, table, nfat * entsize);
	for (i = 0; i < nfat; i++) {
		struct sigfs_slice *s = &f->slices[i];
		uint32_t off32 = 0, size32 = 0, align;
		uint64_t off = 0, size = 0;
		int ok;

		ok = sigfs_cur_be32(&c, &s->cputype) && sigfs_cur_be32(&c, &s->cpusubtype);
		if (f->fat64)
			ok = ok && sigfs_cur_be64(&c, &off) && sigfs_cur_be64(&c, &size) &&
			     sigfs_cur_be32(&c, &align) && sigfs_cur_skip(&c, 4);
		else {
			ok = ok && sigfs_cur_be32(&c, &off32) && sigfs_cur_be32(&c, &size32) &&
			     sigfs_cur_be32(&c, &align);
			off = off32;
			size = size32;
		}
		if (!ok) {
			free(table);
			return sigfs_error_set(SIGFS_EIO, "internal: fat table cursor");
		}
		s->offset = off;
		s->size = size;
		s->align = align;
		sigfs_arch_name(s->arch, sizeof s->arch, s->cputype, s->cpusubtype);
		for (j = 0; j < i; j++) /* nfat <= SIGFS_MAX_SLICES: 1024^2/2 at most */
			if (strcmp(f->slices[j].arch, s->arch) == 0)
				snprintf(s->arch, sizeof s->arch, "cpu%u-%u-%u", s->cputype, s->cpusubtype,
					 i);
		if (off > f->size || size > f->size - off) {
			sigfs_slice_malformed(
			    s,
			    "universal header: slice %u (%s) offset 0x%llx size %llu past end of file 0x%llx",
			    i, s->arch, (unsigned long long)off, (unsigned long long)size,
			    (unsigned long long)f->size);
			continue;
		}
		if (off < 8 + (uint64_t)nfat * entsize) {
			sigfs_slice_malformed(s,
					      "universal header: slice %u (%s) at 0x%llx overlaps the header",
					      i, s->arch, (unsigned long long)off);
			continue;
		}
		for (j = 0; j < i; j++) { /* as above: bounded by SIGFS_MAX_SLICES^2/2 */
			const struct sigfs_slice *o = &f->slices[j];

			if (off < o->offset + o->size && o->offset < off + size && size && o->size) {
				sigfs_slice_malformed(
				    s, "universal header: slice %u (%s) overlaps slice %u (%s)", i, s->arch,
				    j, o->arch);
				break;
			}
		}
	}
	free(table);
	for (i = 0; i < nfat; i++) {
		struct sigfs_slice *s = &f->slices[i];

		if (s->malformed)
			continue;
		err = load_slice(r, s);
		if (err)
			return err;
	}
	return SIGFS_OK;
}

int sigfs_file_load(sigfs_file **out, sigfs_read_fn read, void *ctx, uint64_t size)
{
	struct sigfs_file *f = calloc(1, sizeof *f);
	struct reader r = {read, ctx, f};
	uint8_t head[4];
	uint32_t magic;
	sigfs_cur c;
	int err;

	*out = NULL;
	if (!f)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
	f->size = size;
	if (size < 8) {
		snprintf(f->reason, sizeof f->reason, "file of %llu bytes is too small for a Mach-O header",
			 (unsigned long long)size);
		*out = f;
		return SIGFS_OK;
	}
	err = rd(&r, 0, head, 4);
	if (err)
		goto fail;
	sigfs_cur_init(&c, head, 4);
	if (!sigfs_cur_be32(&c, &magic)) {
		err = sigfs_error_set(SIGFS_EIO, "internal: magic cursor");
		goto fail;
	}
	if (magic == FAT_MAGIC || magic == FAT_MAGIC_64) {
		err = load_fat(&r, f, magic);
	} else {
		f->slices = calloc(1, sizeof *f->slices);
		if (!f->slices) {
			err = sigfs_error_set(SIGFS_ENOMEM, "out of memory");
			goto fail;
		}
		f->nslices = 1;
		f->slices[0].size = size;
		err = load_slice(&r, &f->slices[0]);
	}
	if (err)
		goto fail;
	if (f->nslices == 1 && f->slices[0].arch[0] == '\0')
		snprintf(f->slices[0].arch, sizeof f->slices[0].arch, "unknown");
	*out = f;
	return SIGFS_OK;
fail:
	sigfs_file_free(f);
	return err;
}

void sigfs_file_free(sigfs_file *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nslices; i++)
		sigfs_slice_dispose(&f->slices[i]);
	free(f->slices);
	free(f);
}

uint64_t sigfs_file_bytes_read(const sigfs_file *f)
{
	return f->bytes_read;
}
