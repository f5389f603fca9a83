/* sigfs core: judging a Mach-O's signature as `codesign --verify --strict`
 * does, offline (Security StaticCode.cpp staticValidate; VERIFY-NOTES §2-3).
 *
 * The result is data — an OSStatus verdict, the architecture it is attached
 * to, and per slice the checks, page mismatches and special-slot hashes that
 * led to it. Only I/O and allocation failures are errors.
 *
 * Cost: the code pages of a slice are read once, sequentially, in
 * SIGFS_VERIFY_CHUNK reads through sigfs_source, and each byte is hashed once
 * per CodeDirectory hash type. Nothing else is read. */
#ifndef SIGFS_VERIFY_H
#define SIGFS_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"
#include "sigfs/source.h"
#include "sigfs/trust.h"

/* OSStatus codes codesign reports (Security CSCommon.h, cssmerr.h). */
enum {
	SIGFS_OS_VALID = 0,
	errSecCSUnsigned = -67062,
	errSecCSSignatureFailed = -67061,
	errSecCSSignatureNotVerifiable = -67060,
	errSecCSSignatureUnsupported = -67059,
	errSecCSResourcesNotFound = -67056,
	errSecCSReqFailed = -67050,
	errSecCSSignatureInvalid = -67045,
	errSecCSInfoPlistFailed = -67030,
	errSecCSResourceDirectoryFailed = -67023,
	errSecCSBadMainExecutable = -67010,
	errSecCSInvalidTeamIdentifier = -66998,
	errSecCSBadTeamIdentifier = -66997,
	CSSMERR_TP_CERT_EXPIRED = -2147409654,
	CSSMERR_TP_CERT_NOT_VALID_YET = -2147409653,
	CSSMERR_TP_NOT_TRUSTED = -2147409622,
};

/* Apple's constant name ("errSecCSSignatureFailed") and codesign's message
 * for it ("invalid signature (code or signature have been modified)"; the
 * CSSM name for trust errors, as codesign prints them). */
const char *sigfs_osstatus_name(int status);
const char *sigfs_osstatus_message(int status);

/* The read size of the page walk. */
#define SIGFS_VERIFY_CHUNK ((size_t)1 << 20)
/* Page mismatches kept per slice; more are counted, not listed. */
#define SIGFS_VERIFY_MAX_MISMATCHES 65536
/* Checks recorded per slice (the list in SPEC-VERIFY has about 30). */
#define SIGFS_VERIFY_MAX_CHECKS 64

/* Results of one check line of `checks`. */
enum sigfs_check_result {
	SIGFS_CHECK_OK,
	SIGFS_CHECK_FAIL,
	SIGFS_CHECK_ABSENT,
	SIGFS_CHECK_WARN,
	SIGFS_CHECK_SKIPPED,
	SIGFS_CHECK_UNVERIFIABLE,
	SIGFS_CHECK_ADHOC,   /* cms adhoc */
	SIGFS_CHECK_UNBOUND, /* a special slot with data but no hash */
	SIGFS_CHECK_MISSING, /* a special slot with a hash but no data */
};
const char *sigfs_check_result_name(int result);
/* The name of special slot 1..11 ("info-plist", "entitlements-der", …). */
const char *sigfs_slot_name(uint32_t slot);

struct sigfs_check_line {
	char name[40];	  /* "codedirectory", "cms", "slot", "pages", … */
	int result;	  /* enum sigfs_check_result */
	char detail[200]; /* "sha256", "digest=sha256", "5 entitlements", … */
};

struct sigfs_page_mismatch {
	uint32_t hash_type; /* CS_HASHTYPE_* of the CodeDirectory */
	uint32_t page;
	uint64_t offset; /* in the slice */
	uint32_t size;	 /* the page's real length */
	uint8_t expected[64], actual[64];
	uint8_t len; /* digest bytes compared */
};

/* One special slot of the primary CodeDirectory (slot-hashes). */
struct sigfs_slot_hash {
	uint32_t slot;
	int state; /* SIGFS_CHECK_OK, _FAIL, _UNBOUND, _MISSING */
	uint8_t expected[64], actual[64];
	uint8_t len;
	int has_expected; /* the slot is within nSpecialSlots */
	int has_actual;
};

/* One value of the CMS attribute 1.2.840.113635.100.9.2. */
struct sigfs_cdhash2 {
	char alg[16]; /* "sha1", "sha256", "sha384", "sha512" or the dotted OID */
	uint8_t hash[64];
	uint8_t len;
};
#define SIGFS_MAX_CDHASHES2 16
/* Certificates of a chain kept for requirements (SIGFS_REQEVAL_MAX_CERTS). */
#define SIGFS_VERIFY_MAX_CHAIN 16

struct sigfs_slice_verdict {
	size_t slice;  /* index in the file's slices */
	char arch[40]; /* "arm64" */
	int status;    /* the first error of this slice's core checks, or 0 */
	int strict;    /* the first error of this slice's strict checks, or 0 */
	struct sigfs_check_line checks[SIGFS_VERIFY_MAX_CHECKS];
	size_t nchecks;
	struct sigfs_page_mismatch *mismatches;
	size_t nmismatches, mismatches_dropped;
	struct sigfs_slot_hash slots[11];
	size_t nslots;
	const char *team; /* the CodeDirectory's team id (in the file), or NULL */
	int signed_;	  /* has a CodeDirectory */
	/* The CMS CDHashes attributes as signed (absent: NULL / 0). */
	uint8_t *cdhashes_plist;
	size_t cdhashes_plist_len;
	struct sigfs_cdhash2 cdhashes2[SIGFS_MAX_CDHASHES2];
	size_t ncdhashes2;
	int has_cdhashes2;
	/* The chain as built (leaf first, DER copies), for requirements, and
	 * the secure timestamp's time when there is a good one. */
	uint8_t *chain[SIGFS_VERIFY_MAX_CHAIN];
	size_t chain_len[SIGFS_VERIFY_MAX_CHAIN], nchain;
	int has_timestamp;
	int64_t timestamp;
};

typedef struct sigfs_verdict {
	int status;	  /* OSStatus: 0 when valid on disk */
	const char *arch; /* the architecture attached to the error, or NULL */
	int dr;		  /* the requirement: 1 satisfied, 0 not, -1 not evaluated or unverifiable */
	uint8_t cdhash[64];
	size_t cdhash_len;		    /* of the primary slice's primary CodeDirectory */
	struct sigfs_slice_verdict *slices; /* in codesign's order, primary first */
	size_t nslices;
} sigfs_verdict;

/* Special-slot data a caller supplies instead of the loose-file defaults. */
struct sigfs_verify_in {
	const sigfs_source *src; /* reads the code pages */
	const char *rel;	 /* the Mach-O's member path in src */
	const sigfs_anchors *anchors;
	int64_t now;	/* seconds since the epoch, for validity without a timestamp */
	size_t primary; /* the slice codesign checks first (-o arch=, else Apple's order) */
	int only_slice; /* judge one slice alone (the F.sig/<arch>/ files): its index, or -1 */
	int skip_pages; /* the signature only: no page and no gap is read (not a verdict) */
	/* Bundle main executable: slot 1 = the bundle's Info.plist bytes, slot 3
	 * = _CodeSignature/CodeResources bytes (NULL: absent). A loose file
	 * (bundle = 0) binds slot 1 to __TEXT,__info_plist and has no slot 3. */
	int bundle;
	const uint8_t *info_plist;
	size_t info_plist_len;
	const uint8_t *resources;
	size_t resources_len;
	/* The requirement the primary slice must satisfy once valid on disk
	 * (a CSMAGIC_REQUIREMENT blob): its designated requirement, or a nested
	 * item's sealed one. NULL: not evaluated (dr = -1). */
	const uint8_t *requirement;
	size_t requirement_len;
};

typedef struct sigfs_file sigfs_file;

/* Judge `f` (loaded from in->rel): its signatures, its pages (read through
 * in->src), its strict structure. Code the source refuses (SIGFS_EACCES) is
 * a verdict, -67060; SIGFS_EIO (an I/O error, or the file changed or
 * vanished since `f` was loaded) and SIGFS_ENOMEM are errors: the caller
 * loads the file again or reports EIO, never a verdict on a mix. */
int sigfs_verify_file(sigfs_verdict **out, const sigfs_file *f, const struct sigfs_verify_in *in) SIGFS_WUR;
void sigfs_verdict_free(sigfs_verdict *v);
/* Heap bytes `v` holds (for a cache's accounting). */
size_t sigfs_verdict_bytes(const sigfs_verdict *v);

/* The lines of `codesign --verify --strict -v <display>`: stderr lines then
 * stdout lines, each newline-terminated. */
void sigfs_verdict_text(sigfs_buf *out, const sigfs_verdict *v, const char *display);
/* `valid` or `invalid <OSStatus> <name>`, newline-terminated. */
void sigfs_verdict_status_line(sigfs_buf *out, const sigfs_verdict *v);

#endif
