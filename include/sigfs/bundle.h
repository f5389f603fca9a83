/* sigfs core: bundles — their shape (core/bundle.c), their sealed resource
 * directory and rules (core/resources.c), the comparison of the seal with
 * what is on disk (core/seal.c) and the stapled ticket (core/ticket.c).
 *
 * Everything is read through a sigfs_source (sigfs/source.h) rooted at
 * SOURCE; a bundle is named by its SOURCE-relative path. Semantics follow
 * Apple's Security framework (resources.cpp, bundlediskrep.cpp,
 * StaticCode.cpp) as VERIFY-NOTES §1, §2, §4 and §5 state them. */
#ifndef SIGFS_BUNDLE_H
#define SIGFS_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"
#include "sigfs/source.h"

/* ---- OSStatus codes of the verdicts (Apple's CSCommon.h) ---- */
enum {
	CS_OK = 0,
	CS_UNSIGNED = -67062,
	CS_SIGNATURE_FAILED = -67061,
	CS_NOT_VERIFIABLE = -67060,
	CS_BAD_DICTIONARY = -67058,
	CS_RESOURCES_NOT_FOUND = -67056,
	CS_RESOURCES_INVALID = -67055,
	CS_BAD_RESOURCE = -67054,
	CS_RULES_INVALID = -67053,
	CS_REQ_INVALID = -67052,
	CS_REQ_FAILED = -67050,
	CS_BAD_OBJECT_FORMAT = -67049,
	CS_SIGNATURE_INVALID = -67045,
	CS_INFO_PLIST_FAILED = -67030,
	CS_NO_MAIN_EXECUTABLE = -67029,
	CS_BAD_BUNDLE_FORMAT = -67028,
	CS_RESOURCE_DIR_FAILED = -67023,
	CS_BAD_NESTED_CODE = -67021,
	CS_RESOURCE_NOT_SUPPORTED = -67016,
	CS_REGULAR_FILE = -67015,
	CS_UNSEALED_APP_ROOT = -67014,
	CS_WEAK_RULES = -67013,
	CS_DSSTORE_SYMLINK = -67012,
	CS_BAD_MAIN_EXECUTABLE = -67010,
	CS_BAD_FRAMEWORK_VERSION = -67009,
	CS_UNSEALED_FRAMEWORK_ROOT = -67008,
	CS_WEAK_ENVELOPE = -67007,
	CS_INVALID_SYMLINK = -67003,
	CS_INVALID_ASSOCIATED_FILE_DATA = -66999,
};

/* Apple's message for a status ("a sealed resource is missing or invalid")
 * and its constant name ("errSecCSBadResource"); NULL when unknown. */
const char *sigfs_cs_message(int status);
const char *sigfs_cs_name(int status);

/* ---- resource rules (resources.c) ---- */

enum {
	SIGFS_RULE_OMIT = 0x01,
	SIGFS_RULE_OPTIONAL = 0x02,
	SIGFS_RULE_NESTED = 0x04,
	SIGFS_RULE_EXCLUSION = 0x08, /* built-in: wins at once, skips a directory */
	SIGFS_RULE_SOFT = 0x10,	     /* built-in: the main executable, a symlink may point at it */
};

/* Bounds: more rules, or a longer pattern, is CS_RULES_INVALID; a pattern
 * whose repetition counts multiply past SIGFS_RULE_MAX_REPEAT, or with a
 * back-reference, is refused too (both make regcomp/regexec blow up). Paths
 * longer than SIGFS_RULE_MAX_PATH match no rule. */
#define SIGFS_RULES_MAX	       512
#define SIGFS_RULE_MAX_PATTERN 1024
#define SIGFS_RULE_MAX_REPEAT  1000
#define SIGFS_RULE_MAX_PATH    4096

struct sigfs_rule {
	const char *pattern;
	uint32_t weight;
	uint32_t flags;
};

typedef struct sigfs_rules sigfs_rules;

int sigfs_rules_new(sigfs_rules **out) SIGFS_WUR;
void sigfs_rules_free(sigfs_rules *r);
/* Add a rule (pattern copied). SIGFS_EMALFORMED when it does not compile
 * as a POSIX extended regular expression or breaks a bound. */
int sigfs_rules_add(sigfs_rules *r, const char *pattern, uint32_t weight, uint32_t flags) SIGFS_WUR;
/* Rules in match order: exclusions first, then by weight descending, ties
 * by pattern bytewise (sigfs's tie-break; Apple's is dictionary order). */
size_t sigfs_rules_count(const sigfs_rules *r);
const struct sigfs_rule *sigfs_rules_at(const sigfs_rules *r, size_t i);
/* The rule deciding `path` (relative to the resource root), NULL for none. */
const struct sigfs_rule *sigfs_rules_match(const sigfs_rules *r, const char *path);
/* `<weight>\t<flags>\t<pattern>` lines, flags from
 * exclude,omit,optional,nested,soft or `-`. */
void sigfs_rules_render(sigfs_buf *b, const sigfs_rules *r);

/* ---- the sealed resource directory (_CodeSignature/CodeResources) ---- */

enum { SIGFS_SEAL_FILE = 0, SIGFS_SEAL_SYMLINK = 1, SIGFS_SEAL_NESTED = 2 };

/* Hash slots of a file seal: index 0 is `hash` (SHA-1), index t is
 * `hash<t>` for CodeDirectory hash type t (2 SHA-256, 3 SHA-256 truncated,
 * 4 SHA-384). */
#define SIGFS_SEAL_HASHES 5

struct sigfs_seal {
	const char *path; /* the key, byte for byte */
	int kind;	  /* SIGFS_SEAL_* */
	int optional;
	const uint8_t *hash[SIGFS_SEAL_HASHES];
	size_t hash_len[SIGFS_SEAL_HASHES];
	const char *symlink;	 /* SIGFS_SEAL_SYMLINK */
	const char *requirement; /* SIGFS_SEAL_NESTED */
	const uint8_t *cdhash;	 /* SIGFS_SEAL_NESTED, may be NULL */
	size_t cdhash_len;
};

/* Bound on sealed entries. */
#define SIGFS_SEALS_MAX 2000000

typedef struct sigfs_resdir sigfs_resdir;

/* Parse CodeResources bytes (XML or binary plist). On success *cs is 0
 * and *out the directory; otherwise *out is NULL and *cs says why, as
 * Apple's verifier would: CS_RESOURCES_NOT_FOUND (not a dictionary with
 * `rules` and `files` dictionaries), CS_RESOURCES_INVALID (a seal or the
 * chosen set of the wrong shape), CS_RULES_INVALID (a rule). The return
 * value is SIGFS_OK or SIGFS_ENOMEM. */
int sigfs_resdir_parse(sigfs_resdir **out, int *cs, const uint8_t *p, size_t n) SIGFS_WUR;
void sigfs_resdir_free(sigfs_resdir *d);
/* 2 (files2/rules2) or 1 (files/rules). */
int sigfs_resdir_version(const sigfs_resdir *d);
/* The chosen rules (the built-in exclusions are added with
 * sigfs_rules_add by the caller that knows the main executable). */
sigfs_rules *sigfs_resdir_rules(sigfs_resdir *d);
/* Entries of the chosen rules and files dictionaries, as codesign counts
 * them for `Sealed Resources version=2 rules=<n> files=<n>`. */
size_t sigfs_resdir_rule_count(const sigfs_resdir *d);
size_t sigfs_resdir_seal_count(const sigfs_resdir *d);
/* Seal i in bytewise order of paths; sigfs_resdir_find by exact bytes. */
const struct sigfs_seal *sigfs_resdir_seal(const sigfs_resdir *d, size_t i);
const struct sigfs_seal *sigfs_resdir_find(const sigfs_resdir *d, const char *path);
/* 1 when the rules are weak in Apple's strict sense (hasWeakResourceRules):
 * no catch-all include, or an omit rule outside the allowed list. `res` is
 * the resources directory prefix ("Resources/" or ""). */
int sigfs_resdir_weak(const sigfs_resdir *d, const char *res);

/* ---- the bundle's shape (bundle.c) ---- */

enum {
	SIGFS_SHAPE_CONTENTS = 1,  /* macOS: B/Contents/{Info.plist,MacOS/X} */
	SIGFS_SHAPE_FLAT = 2,	   /* iOS-style, .xcframework: B/{Info.plist,X} */
	SIGFS_SHAPE_VERSIONED = 3, /* framework: B/Versions/<Current>/… */
};

enum { SIGFS_SIGLOC_UNSIGNED = 0, SIGFS_SIGLOC_EMBEDDED = 1, SIGFS_SIGLOC_DETACHED = 2 };

/* Bound on Info.plist and CodeResources bytes read into memory. */
#define SIGFS_BUNDLE_MAX_PLIST ((uint64_t)64 << 20)

struct sigfs_file;

/* A bundle as CFBundle and BundleDiskRep see it. Paths are SOURCE-relative
 * (`rel` and below); `*_res` paths relative to the resource root. */
typedef struct sigfs_bundle {
	char *rel;		/* B */
	int shape;		/* SIGFS_SHAPE_* */
	int version_dir;	/* loaded by sigfs_bundle_load_version: no framework root */
	char *base;		/* B, or B/Versions/<current> */
	char *resroot;		/* base/Contents or base */
	const char *res_prefix; /* resources directory: "Resources/" or "" */
	char *info_path;	/* Info.plist (NULL when there is none) */
	uint8_t *info;		/* its bytes */
	size_t info_len;
	int info_status;	  /* 0, or the error reading it (SIGFS_EACCES…) */
	size_t info_entries;	  /* dictionary entries of Info.plist */
	int app;		  /* CFBundlePackageType APPL */
	char *exec;		  /* main executable (Info.plist when executable-less) */
	char *exec_res;		  /* the same, relative to the resource root */
	int exec_is_info;	  /* executable-less: Info.plist is the main executable */
	int exec_type;		  /* lstat type of the main executable */
	int exec_status;	  /* 0, or the error reading it */
	struct sigfs_file *macho; /* the main executable when it is a Mach-O */
	/* a detached signature (_CodeSignature/CodeDirectory …) as one slice
	 * whose SuperBlob is assembled from the component files */
	struct sigfs_file *detached;
	uint32_t detached_files; /* bit i: component file i of sigfs_detached_name(i) used */
	char format[160];	 /* codesign's Format= */
	char *cs_dir;		 /* resroot/_CodeSignature */
	int sigloc;		 /* SIGFS_SIGLOC_* */
	uint8_t *cr;		 /* _CodeSignature/CodeResources bytes (NULL: absent) */
	size_t cr_len;
	int cr_status;	      /* 0, SIGFS_ENOTFOUND, or the read error */
	uint64_t ticket_size; /* Contents/CodeResources (a stapled ticket), 0: none */
	uint64_t bytes_read;
} sigfs_bundle;

/* 1 when directory `rel` (lstat `st`) is a bundle: named *.app, *.framework
 * … (SPEC-VERIFY "Per bundle"), or holding Contents/Info.plist, a root
 * Info.plist or Versions/Current. A few stats, never a walk. */
int sigfs_bundle_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st);

/* Load bundle `rel`: shape, Info.plist, main executable (a Mach-O's headers
 * and signature), CodeResources. Wrong content is data; fails only with
 * SIGFS_ENOMEM, SIGFS_EIO, SIGFS_EACCES, SIGFS_ENOTFOUND. */
int sigfs_bundle_load(sigfs_bundle **out, const sigfs_source *src, const char *rel) SIGFS_WUR;
void sigfs_bundle_free(sigfs_bundle *b);
/* One version directory F.framework/Versions/<x> as a bundle of its own
 * (what codesign validates for the versions Current does not name). */
int sigfs_bundle_load_version(sigfs_bundle **out, const sigfs_source *src, const char *rel) SIGFS_WUR;

/* Read a whole regular member of at most `max` bytes (SIGFS_ENOMEM past it). */
int sigfs_source_slurp(const sigfs_source *src, const char *rel, uint64_t max, uint8_t **out,
		       size_t *len) SIGFS_WUR;

/* Load the Mach-O `rel` of `size` bytes through the source. */
int sigfs_bundle_load_macho(struct sigfs_file **out, const sigfs_source *src, const char *rel,
			    uint64_t size) SIGFS_WUR;

/* Name of detached component i (0 ≤ i < SIGFS_DETACHED_COUNT) in
 * _CodeSignature/, and its slot. */
#define SIGFS_DETACHED_COUNT 17
const char *sigfs_detached_name(size_t i, uint32_t *slot);

/* The bundle whose main executable is the Mach-O at SOURCE-relative `rel`
 * (B/Contents/MacOS/X, B/Versions/V/X, B/X), loaded; SIGFS_ENOTFOUND when
 * `rel` is no bundle's main executable. A few stats, then one load. */
int sigfs_bundle_of_executable(const sigfs_source *src, const char *rel, sigfs_bundle **out) SIGFS_WUR;

/* Bind slots 1 and 3 of the Mach-O verifier's input to the bundle's
 * Info.plist and CodeResources (nothing when b is NULL). */
struct sigfs_verify_in;
void sigfs_bundle_bind(const sigfs_bundle *b, struct sigfs_verify_in *in);

/* codesign -d's lines for a bundle's main executable whose primary
 * CodeDirectory is `cd` (struct sigfs_cd *): `Info.plist entries=<n>` or
 * `Info.plist=not bound`, and `Sealed Resources version=<v> rules=<n>
 * files=<n>` or `Sealed Resources=none`. */
struct sigfs_cd;
void sigfs_bundle_exec_lines(sigfs_buf *out, const sigfs_bundle *b, const struct sigfs_cd *cd, int which);
enum { SIGFS_EXEC_LINE_INFO = 0, SIGFS_EXEC_LINE_RESOURCES = 1 };

/* BundleDiskRep::adjustResources: add the built-in exclusions
 * (_CodeSignature, CodeResources, _MASReceipt, the main executable). */
int sigfs_bundle_add_exclusions(sigfs_rules *r, const sigfs_bundle *b) SIGFS_WUR;

/* The `info-plist` line: `bound <alg>=<hex> ok|mismatch` or `not bound`
 * (slot 1 of the main executable's primary CodeDirectory). */
void sigfs_bundle_info_line(sigfs_buf *out, const sigfs_bundle *b);

/* ---- the stapled ticket (ticket.c) ---- */

/* `ticket`: `stapled <n> bytes sha256 <hex>` or `none`; raw: the bytes
 * (`ticket.bin`). */
int sigfs_ticket_render(sigfs_buf *out, const sigfs_bundle *b, const sigfs_source *src, int raw) SIGFS_WUR;

/* ---- the verdict: codesign --verify --deep --strict (seal.c) ---- */

enum {
	SIGFS_WALK_SEALED_OK,
	SIGFS_WALK_ADDED,
	SIGFS_WALK_MODIFIED,
	SIGFS_WALK_MISSING,
	SIGFS_WALK_OPTIONAL_MISSING,
	SIGFS_WALK_OMITTED,
	SIGFS_WALK_EXCLUDED,
	SIGFS_WALK_NESTED_OK,
	SIGFS_WALK_NESTED_BAD,
	SIGFS_WALK_NESTED_UNSIGNED,
};

/* Bounds of one verification: directory depth, nesting depth of code,
 * entries walked (past them: CS_NOT_VERIFIABLE). */
#define SIGFS_WALK_MAX_DEPTH 64
#define SIGFS_NEST_MAX_DEPTH 8
#define SIGFS_WALK_MAX_ITEMS 4000000

/* A list of text lines (malloc'ed strings). */
struct sigfs_lines {
	char **v;
	size_t n, cap;
};

typedef struct sigfs_check {
	int status;				     /* headline OSStatus, CS_OK when valid on disk */
	char *subcomponent;			     /* `In subcomponent:` path, or NULL */
	char arch[40];				     /* `In architecture:`, or "" */
	struct sigfs_lines added, modified, missing; /* mount-relative paths */
	struct sigfs_lines walk;		     /* "<status>\t<path>" */
	struct sigfs_lines nested;		     /* "<path>\t<sealed>\t<current>\t<result>" */
	struct sigfs_lines strict;		     /* strict findings */
	struct sigfs_lines normalization;	     /* "<added>\t<missing>\t<form>-><form>" */
	int resources_checked;			     /* the walk ran */
	int dr; /* valid code: its designated requirement 1 satisfied, 0 not, -1 not evaluated */
} sigfs_check;

/* Verify bundle `b` as `codesign --verify --deep --strict` does; paths in
 * the result are `display` (B's mount-relative path) based; `anchors`
 * (-o anchors=, may be NULL) count as Apple's in sealed requirements.
 * Fails only with SIGFS_ENOMEM; everything else is the verdict. */
typedef struct sigfs_anchors sigfs_anchors;
int sigfs_bundle_check(sigfs_check **out, const sigfs_bundle *b, const sigfs_source *src, const char *display,
		       const sigfs_anchors *anchors) SIGFS_WUR;
void sigfs_check_free(sigfs_check *c);
/* A value that changes when any entry under `rel` is added, removed,
 * renamed or changed (type, mode, size, inode, mtime, ctime): a stat walk,
 * no reads. What a cached verdict is checked against before it is served. */
int sigfs_bundle_fingerprint(const sigfs_source *src, const char *rel, uint64_t *fp) SIGFS_WUR;
/* codesign -v's lines for `display` (stderr lines, then stdout lines). */
void sigfs_check_render_verify(sigfs_buf *out, const sigfs_check *c, const char *display);
/* `valid` or `invalid <status> <name>`. */
void sigfs_check_render_status(sigfs_buf *out, const sigfs_check *c);
void sigfs_lines_render(sigfs_buf *out, const struct sigfs_lines *l);

#endif
