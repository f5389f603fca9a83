/* sigfs core: evaluating a code requirement against a piece of code, as
 * Apple's Requirement::Interpreter does (Security: reqinterp.cpp,
 * requirement.cpp, csutilities.cpp, legacydevid.cpp), offline.
 *
 * Users: the Mach-O verifier (the explicit or implicit designated
 * requirement of the code it verified) and the bundle verifier (the sealed
 * requirement of nested code, compiled from CodeResources). Both build a
 * sigfs_req_context from what they have already checked and call
 * sigfs_req_evaluate with the requirement blob.
 *
 * Semantics (Apple's, kept where they surprise):
 * - `and`/`or` evaluate both operands (Apple's interpreter does; an error in
 *   either is an error of the whole requirement);
 * - the certificate chain is taken as given: the caller has built it from the
 *   CMS and checked each signature; `anchor apple generic` asks only whether
 *   the last certificate is an anchor (Apple's or one of ctx->anchors, which
 *   count as Apple's), `anchor apple` also wants Apple's code-signing CA
 *   ("Apple Code Signing Certification Authority", O "Apple Inc.") as the
 *   first intermediate and the macOS software-signing marker
 *   1.2.840.113635.100.6.22 in the leaf;
 * - `cdhash H"…"` matches the primary CodeDirectory's cdhash (truncated to 20
 *   bytes) only, exactly as given;
 * - a match on a value of another type than the operator wants is false, an
 *   array matches when any element matches, `exists` is true for anything
 *   but a false boolean, `absent` only for a missing key (info[] and
 *   entitlement[]) or field;
 * - `<`, `>`, `<=`, `>=` compare strings with CFStringCompare's
 *   kCFCompareNumerically (runs of ASCII digits by value), never numbers;
 * - what needs Apple's servers or the Mac's settings is UNVERIFIABLE:
 *   `notarized`, `legacy` when not decided by the leaf's Developer ID date
 *   or the timestamp, `anchor trusted` / `certificate N trusted` unless the
 *   certificate is a known anchor, named anchors and named code; the result
 *   combines three-valued (false and unverifiable = false, true or
 *   unverifiable = true, otherwise unverifiable).
 *
 * Bounds: nesting SIGFS_REQEVAL_MAX_DEPTH (Apple's stackLimit), blob size
 * SIGFS_REQEVAL_MAX_BLOB, certificates SIGFS_REQEVAL_MAX_CERTS, and total
 * work (opcodes plus bytes compared) SIGFS_REQEVAL_MAX_WORK. */
#ifndef SIGFS_REQEVAL_H
#define SIGFS_REQEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/error.h"
#include "sigfs/plist.h"
#include "sigfs/trust.h"

#define SIGFS_REQEVAL_MAX_DEPTH 999
#define SIGFS_REQEVAL_MAX_BLOB	((size_t)1 << 20)
#define SIGFS_REQEVAL_MAX_CERTS 16
#define SIGFS_REQEVAL_MAX_WORK	((uint64_t)64 << 20)

/* What the requirement is evaluated against. Everything is borrowed. */
typedef struct sigfs_req_context {
	/* The primary CodeDirectory: its identifier (NUL-terminated), cdhash
	 * truncated to 20 bytes and platform field. identifier NULL means "no
	 * CodeDirectory": identifier, cdhash, platform, notarized and legacy are
	 * then false, as in Apple's interpreter. */
	const char *identifier;
	uint8_t cdhash[20];
	uint8_t platform;
	/* Team identifier of the CodeDirectory, or NULL. */
	const char *team_id;
	/* DER certificates, leaf first, anchor last (n 0 for ad-hoc code). */
	const uint8_t *const *certs;
	const size_t *cert_lens;
	size_t ncerts;
	/* Roots treated like Apple's (-o anchors=FILE), or NULL. */
	const sigfs_anchors *anchors;
	/* The Info.plist and entitlements dictionaries, or NULL. */
	const sigfs_pv *info;
	const sigfs_pv *entitlements;
	/* The secure (RFC 3161) timestamp, Unix seconds, when has_timestamp. */
	int has_timestamp;
	int64_t timestamp;
} sigfs_req_context;

enum sigfs_req_verdict {
	SIGFS_REQ_FALSE = 0,
	SIGFS_REQ_TRUE = 1,
	SIGFS_REQ_UNVERIFIABLE = 2,
};

#define SIGFS_REQ_WHY_LEN 256

typedef struct sigfs_req_result {
	int verdict; /* enum sigfs_req_verdict */
	/* For FALSE and UNVERIFIABLE: the term that decided, as the decompiler
	 * prints it, and why, e.g.
	 * `certificate leaf[subject.OU] = "AB12": the leaf has "ZZ99"`.
	 * Empty for TRUE. NUL-terminated, cut at SIGFS_REQ_WHY_LEN - 1 bytes. */
	char why[SIGFS_REQ_WHY_LEN];
	/* When the call fails, the OSStatus Apple would throw: -67052
	 * errSecCSReqInvalid (also for sigfs's own bounds), -67051
	 * errSecCSReqUnsupported (not an expression), -67072
	 * errSecCSUnimplemented (an unknown opcode without flags); else 0. */
	int32_t osstatus;
} sigfs_req_result;

/* Evaluate one requirement blob (CSMAGIC_REQUIREMENT, header included)
 * against ctx. SIGFS_OK with res->verdict set. Otherwise, with a message and
 * res->osstatus: SIGFS_EMALFORMED, the requirement is invalid (cut short,
 * too deep, a hash that is not SHA-1, a string that is not UTF-8);
 * SIGFS_EUNSUPPORTED, not an expression, an opcode Apple cannot skip, or
 * past sigfs's bounds (blob, certificates, work); SIGFS_ENOMEM. */
int sigfs_req_evaluate(sigfs_req_result *res, const uint8_t *blob, size_t len,
		       const sigfs_req_context *ctx) SIGFS_WUR;

#endif
