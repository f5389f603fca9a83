/* sigfs core: structures shared by the core's own files (slice.c, macho.c,
 * signature.c, hash.c, render.c). Not installed, not seen by the frontends. */
#ifndef SIGFS_CORE_INTERNAL_H
#define SIGFS_CORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"
#include "sigfs/cms.h"
#include "sigfs/cs_blobs.h"
#include "sigfs/file.h"

/* Bounds on what one file may make us read or hold. */
#define SIGFS_MAX_SLICES	  1024
#define SIGFS_MAX_LOADCMDS_SIZE	  ((uint32_t)16 << 20)
#define SIGFS_MAX_SIGNATURE_SIZE  ((uint32_t)64 << 20)
#define SIGFS_MAX_INFO_PLIST_SIZE ((uint64_t)1 << 20)
#define SIGFS_MAX_FILE_KEPT	  ((uint64_t)256 << 20) /* signatures + plists of all slices */
#define SIGFS_MAX_CDS		  6			/* slot 0 and 0x1000..0x1004 */
#define SIGFS_MAX_BLOBS		  1024			/* SuperBlob entries; Apple writes about 12 */
#define SIGFS_REASON_LEN	  200

/* ---- hash.c ---- */
/* Digest size of a CS_HASHTYPE_*, 0 if unknown. */
size_t sigfs_hash_size(uint32_t type);
/* OpenSSL's digest for a CS_HASHTYPE_* (sha256 for sha256-truncated), or
 * NULL. */
struct evp_md_st;
const struct evp_md_st *sigfs_hash_md(uint32_t type);
/* "sha256", "sha256-truncated", … or NULL. */
const char *sigfs_hash_name(uint32_t type);
/* Apple's preference (CodeDirectory::hashPriorities): higher is better,
 * 0 for types Apple never prefers. */
int sigfs_hash_rank(uint32_t type);
/* OpenSSL's digest for a type (an EVP_MD), NULL if unknown. */
struct evp_md_st;
const struct evp_md_st *sigfs_hash_md(uint32_t type);
/* Full digest of p[0..n) with `type` into out (CS_HASH_MAX_SIZE bytes).
 * For sha256-truncated this is the whole sha256 (32 bytes). */
int sigfs_hash(uint32_t type, const uint8_t *p, size_t n, uint8_t *out, size_t *out_len) SIGFS_WUR;

/* ---- the slice record (filled by macho.c and signature.c) ---- */
struct sigfs_slot_fault {
	uint32_t slot;
	char why[SIGFS_REASON_LEN];
};

struct sigfs_blob {
	uint32_t slot;
	uint32_t magic;
	uint32_t offset;  /* in the SuperBlob */
	const uint8_t *p; /* whole blob, header included, inside slice->sig */
	size_t len;
};

struct sigfs_cd {
	const uint8_t *p; /* whole CodeDirectory blob */
	size_t len;
	uint32_t slot;
	uint32_t version, flags, hash_offset, ident_offset, n_special, n_code, code_limit;
	uint8_t hash_size, hash_type, platform, page_size_log2;
	uint32_t scatter_offset, team_offset;
	uint64_t code_limit64, exec_seg_base, exec_seg_limit, exec_seg_flags;
	uint32_t runtime, pre_encrypt_offset;
	const char *ident;		  /* NUL-terminated inside p */
	const char *team;		  /* NULL when not set */
	uint8_t cdhash[CS_HASH_MAX_SIZE]; /* full digest of the blob */
	size_t cdhash_len;
};

enum sigfs_status {
	SIGFS_ST_UNSIGNED,
	SIGFS_ST_ADHOC,
	SIGFS_ST_SIGNED,
	SIGFS_ST_NOTMACHO,
	SIGFS_ST_MALFORMED,
};

struct sigfs_slice {
	uint32_t cputype, cpusubtype;
	uint64_t offset, size;
	uint32_t align; /* universal: log2 of the slice alignment */
	char arch[40];
	char reason[SIGFS_REASON_LEN]; /* malformed / not-macho detail; "" if none */
	int malformed;
	int not_macho;
	/* A detached signature over a plain file (bundle.c): the code is the
	 * whole file, no Mach-O structure to check */
	int detached;
	/* Mach-O header facts */
	uint32_t filetype;
	int has_build_version;
	uint32_t build_platform, build_minos, build_sdk;
	int has_version_min_macos; /* LC_VERSION_MIN_MACOSX */
	uint32_t vmin_version, vmin_sdk;
	/* Where the first __LINKEDIT segment (or, before one, LC_SYMTAB's
	 * string table) ends: Apple's strict check wants the slice's end. */
	int has_linkedit_end;
	uint64_t linkedit_end;
	/* LC_CODE_SIGNATURE */
	int has_lc_sig;
	uint32_t sig_dataoff, sig_datasize;
	uint8_t *sig; /* owned copy of the signature bytes */
	size_t sig_len;
	uint8_t *info_plist; /* owned copy of __TEXT,__info_plist */
	size_t info_plist_len;
	/* parsed signature (pointers into sig) */
	struct sigfs_blob *blobs;
	size_t nblobs;
	struct sigfs_cd cds[SIGFS_MAX_CDS];
	size_t ncds;
	int cds_ok; /* every CodeDirectory parsed: cds[primary] may be shown */
	size_t primary;
	/* the CMS payload of slot 0x10000 (cms_len 0: none; an empty 8-byte
	 * wrapper is none), parsed at the first sigfs_slice_cms() only */
	const uint8_t *cms_der;
	size_t cms_len;
	struct sigfs_cms_once *cms_once; /* NULL until parsed; set once, atomically */
	/* payloads that do not decode (requirements, entitlements,
	 * constraints): files derived from them are hidden, `status` is not
	 * touched; at most one per slot, so at most SIGFS_MAX_BLOBS */
	struct sigfs_slot_fault *faults;
	size_t nfaults;
};

struct sigfs_file {
	uint64_t size;
	int universal;
	int fat64;
	struct sigfs_slice *slices;
	size_t nslices;
	char reason[SIGFS_REASON_LEN]; /* container-level malformed reason */
	uint64_t bytes_read;
	uint64_t kept; /* bytes the slices keep, <= SIGFS_MAX_FILE_KEPT */
};

/* ---- time.c ---- */
/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12). */
int64_t sigfs_time_days_from_civil(int64_t y, unsigned m, unsigned d);

struct sigfs_civil {
	int64_t year;
	unsigned month, day, hour, min, sec;
};
/* The UTC date and time `secs` seconds after the epoch that is day
 * `epoch_day` since 1970-01-01 (0: Unix; SIGFS_TIME_2001: CFAbsoluteTime,
 * Apple's requirement dates). Exact for every int64. */
#define SIGFS_TIME_2001 11323
void sigfs_time_civil(int64_t secs, int64_t epoch_day, struct sigfs_civil *out);

/* Append "YYYY-MM-DDTHH:MM:SSZ" for `unix_s`; 0 (nothing appended) when the
 * year is outside 1..9999. */
int sigfs_time_iso8601(sigfs_buf *b, int64_t unix_s);

/* ---- signature.c ---- */
/* Parse slice->sig (already read) into blobs, CodeDirectories and CMS. */
int sigfs_signature_parse(struct sigfs_slice *s) SIGFS_WUR;

/* ---- slice.c ---- */
/* The slice's CMS, parsed at the first call from any thread and then kept
 * (one parse per loaded slice; a cdhash never needs it). NULL when there is
 * none, when it does not parse, or when memory runs out (then the next call
 * tries again). Every reader of the CMS goes through here. */
const sigfs_cms *sigfs_slice_cms(const struct sigfs_slice *s);
/* Why the slice's CMS does not parse (it makes the slice malformed), or
 * NULL. Parses it first if needed. */
const char *sigfs_slice_cms_fault(const struct sigfs_slice *s);
/* How many first parses ran out of memory in this thread (then
 * sigfs_slice_cms said NULL without a fault, as if there were no CMS): the
 * tree walker compares it around a render or listing and fails with
 * SIGFS_ENOMEM instead of showing "no CMS" bytes as right. */
unsigned sigfs_cms_oom_count(void);
/* Free what sigfs_slice_cms kept (sigfs_slice_dispose). */
void sigfs_slice_cms_dispose(struct sigfs_slice *s);
/* The slice's malformed reason: its own, else its CMS's fault; "" if none. */
const char *sigfs_slice_reason(const struct sigfs_slice *s);

/* Record a malformed reason on a slice (first one wins). Returns
 * SIGFS_EMALFORMED so parsers can `return malformed(...)`. */
int sigfs_slice_malformed(struct sigfs_slice *s, const char *fmt, ...) SIGFS_PRINTF(2, 3);

/* Record why the payload of `slot` does not decode (the first reason per
 * slot wins). The slice's status is not touched: it describes the
 * signature's shape. SIGFS_OK, or SIGFS_ENOMEM. */
int sigfs_slice_slot_bad(struct sigfs_slice *s, uint32_t slot, const char *fmt, ...) SIGFS_PRINTF(3, 4);

/* Why the payload of `slot` does not decode, or NULL when it does (or the
 * slot is absent). For `checks`: "entitlements-der fail <why>". */
const char *sigfs_slice_slot_reason(const struct sigfs_slice *s, uint32_t slot);

/* 1 when slot n is present and its payload decodes (requirements,
 * entitlements, constraints); for other slots, when present. */
int sigfs_slice_slot_ok(const struct sigfs_slice *s, uint32_t slot);

/* The blob of `slot`, or NULL. */
const struct sigfs_blob *sigfs_slice_blob(const struct sigfs_slice *s, uint32_t slot);

/* Status of a slice as the enum above. */
enum sigfs_status sigfs_slice_status(const struct sigfs_slice *s);

/* The primary CodeDirectory, or NULL when none can be shown. */
const struct sigfs_cd *sigfs_slice_cd(const struct sigfs_slice *s);

/* Free what a slice owns (signature and plist copies, blob index, payload
 * faults, CMS); not the struct itself. */
void sigfs_slice_dispose(struct sigfs_slice *s);

/* The architecture name of a cputype/subtype ("arm64", "cpu7-3"…). */
void sigfs_arch_name(char *out, size_t n, uint32_t cputype, uint32_t cpusubtype);

#endif
