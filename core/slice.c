/* sigfs core: the slice record's accessors and the one way to record what
 * is wrong with a slice. Below both the loader (macho.c) and the signature
 * parser (signature.c), which each write into a slice and depend on this
 * file only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define CPU_ARCH_ABI64	  0x01000000u
#define CPU_ARCH_ABI64_32 0x02000000u
#define CPU_SUBTYPE_MASK  0xff000000u
#define CPU_TYPE_X86	  7u
#define CPU_TYPE_ARM	  12u
#define CPU_TYPE_POWERPC  18u

int sigfs_slice_malformed(struct sigfs_slice *s, const char *fmt, ...)
{
	va_list ap;

	s->malformed = 1;
	if (s->reason[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(s->reason, sizeof s->reason, fmt, ap);
		va_end(ap);
	}
	return SIGFS_EMALFORMED;
}

void sigfs_arch_name(char *out, size_t n, uint32_t cputype, uint32_t cpusubtype)
{
	uint32_t sub = cpusubtype & ~CPU_SUBTYPE_MASK;
	const char *name = NULL;

	switch (cputype) {
	case CPU_TYPE_X86: name = "i386"; break;
	case CPU_TYPE_X86 | CPU_ARCH_ABI64: name = sub == 8 ? "x86_64h" : "x86_64"; break;
	case CPU_TYPE_ARM | CPU_ARCH_ABI64: name = sub == 2 ? "arm64e" : "arm64"; break;
	case CPU_TYPE_ARM | CPU_ARCH_ABI64_32: name = "arm64_32"; break;
	case CPU_TYPE_ARM:
		switch (sub) {
		case 5: name = "armv4t"; break;
		case 6: name = "armv6"; break;
		case 7: name = "armv5"; break;
		case 8: name = "xscale"; break;
		case 9: name = "armv7"; break;
		case 10: name = "armv7f"; break;
		case 11: name = "armv7s"; break;
		case 12: name = "armv7k"; break;
		case 13: name = "armv8"; break;
		case 14: name = "armv6m"; break;
		case 15: name = "armv7m"; break;
		case 16: name = "armv7em"; break;
		default: name = "arm"; break;
		}
		break;
	case CPU_TYPE_POWERPC: name = "ppc"; break;
	case CPU_TYPE_POWERPC | CPU_ARCH_ABI64: name = "ppc64"; break;
	}
	if (name)
		snprintf(out, n, "%s", name);
	else
		snprintf(out, n, "cpu%u-%u", cputype, cpusubtype);
}

const struct sigfs_blob *sigfs_slice_blob(const struct sigfs_slice *s, uint32_t slot)
{
	size_t i;

	for (i = 0; i < s->nblobs; i++) /* nblobs <= SIGFS_MAX_BLOBS */
		if (s->blobs[i].slot == slot)
			return &s->blobs[i];
	return NULL;
}

int sigfs_slice_slot_bad(struct sigfs_slice *s, uint32_t slot, const char *fmt, ...)
{
	struct sigfs_slot_fault *f;
	va_list ap;

	if (sigfs_slice_slot_reason(s, slot))
		return SIGFS_OK;
	/* one per slot, and slots are unique in the index: nfaults <= nblobs */
	f = realloc(s->faults, (s->nfaults + 1) * sizeof *f);
	if (!f)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory");
	s->faults = f;
	f = &s->faults[s->nfaults++];
	f->slot = slot;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
	return SIGFS_OK;
}

const char *sigfs_slice_slot_reason(const struct sigfs_slice *s, uint32_t slot)
{
	size_t i;

	for (i = 0; i < s->nfaults; i++) /* nfaults <= the payload slots, 7 */
		if (s->faults[i].slot == slot)
			return s->faults[i].why;
	return NULL;
}

int sigfs_slice_slot_ok(const struct sigfs_slice *s, uint32_t slot)
{
	return sigfs_slice_blob(s, slot) && !sigfs_slice_slot_reason(s, slot);
}

enum sigfs_status sigfs_slice_status(const struct sigfs_slice *s)
{
	if (s->not_macho)
		return SIGFS_ST_NOTMACHO;
	if (s->malformed)
		return SIGFS_ST_MALFORMED;
	if (!s->has_lc_sig)
		return SIGFS_ST_UNSIGNED;
	if (sigfs_slice_cms_fault(s)) /* a CMS comes only with LC_CODE_SIGNATURE */
		return SIGFS_ST_MALFORMED;
	if (sigfs_slice_cms(s) && sigfs_cms_cert_count(sigfs_slice_cms(s)) > 0)
		return SIGFS_ST_SIGNED;
	return SIGFS_ST_ADHOC;
}

const char *sigfs_slice_reason(const struct sigfs_slice *s)
{
	const char *why;

	if (s->reason[0])
		return s->reason;
	why = sigfs_slice_cms_fault(s);
	return why ? why : "";
}

const struct sigfs_cd *sigfs_slice_cd(const struct sigfs_slice *s)
{
	return s->cds_ok ? &s->cds[s->primary] : NULL;
}

void sigfs_slice_dispose(struct sigfs_slice *s)
{
	free(s->sig);
	free(s->info_plist);
	free(s->blobs);
	free(s->faults);
	sigfs_slice_cms_dispose(s);
}
