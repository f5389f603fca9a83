/* sigfs core: code requirements (Security: requirement.h, reqdumper.cpp,
 * drmaker.cpp).
 *
 * All functions borrow the caller's bytes. Blobs are passed whole, with their
 * 8-byte header (magic, length). Text is appended to a caller-owned buffer. */
#ifndef SIGFS_REQUIREMENT_H
#define SIGFS_REQUIREMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"

/* Nesting bound of requirement expressions; deeper is SIGFS_EMALFORMED. */
#define SIGFS_REQ_MAX_DEPTH 256

/* Decompile one requirement blob (CSMAGIC_REQUIREMENT) exactly as Apple's
 * reqdumper.cpp does; appends the expression without a newline. */
int sigfs_req_decompile(sigfs_buf *out, const uint8_t *blob, size_t len) SIGFS_WUR;

/* Compile requirement-language text (`identifier "x" and anchor apple
 * generic`) into a requirement blob, as SecRequirementCreateWithString does
 * (Apple's requirements.grammar), e.g. a sealed nested-code requirement from
 * CodeResources. One requirement, not a set. Appends the blob to `blob`.
 * SIGFS_EMALFORMED naming the offset and what was expected there;
 * SIGFS_EUNSUPPORTED for a certificate file (`anchor = "/path"`) or text of
 * more than 1 MiB. */
int sigfs_req_compile(sigfs_buf *blob, const char *text, size_t len) SIGFS_WUR;

/* Apple's name of a requirement type ("designated"), or NULL if unknown. */
const char *sigfs_req_type_name(uint32_t type);

/* Number of requirements in a requirement-set blob (CSMAGIC_REQUIREMENTS). */
int sigfs_reqset_count(uint32_t *count, const uint8_t *set, size_t len) SIGFS_WUR;

/* The requirement of `type` in a set (borrowed sub-blob), SIGFS_ENOTFOUND
 * if the set has none. */
int sigfs_reqset_find(const uint8_t **req, size_t *req_len, const uint8_t *set, size_t len,
		      uint32_t type) SIGFS_WUR;

/* What `codesign -d -r-` prints for the explicit requirements of a set: one
 * line per requirement, "<type> => <expr>\n", in set order. Appends. */
int sigfs_reqset_dump(sigfs_buf *out, const uint8_t *set, size_t len) SIGFS_WUR;

/* The implicit designated requirement of ad-hoc code
 * (SecStaticCode::defaultDesignatedRequirement): `cdhash H"…"` for each of
 * the n 20-byte cdhashes, in the order given, joined by `or`. Appends a
 * requirement blob (CSMAGIC_REQUIREMENT) to `blob`. */
int sigfs_dr_make_adhoc(sigfs_buf *blob, const uint8_t (*cdhashes)[20], size_t n) SIGFS_WUR;

/* The implicit designated requirement of certificate-signed code as
 * DRMaker builds it (Apple, Developer ID, Apple-anchored development,
 * non-Apple anchors). `certs` are DER certificates leaf first, root last.
 * Appends a requirement blob (CSMAGIC_REQUIREMENT) to `blob`. */
int sigfs_dr_make_cert(sigfs_buf *blob, const char *identifier, const uint8_t *const *certs,
		       const size_t *cert_lens, size_t n) SIGFS_WUR;

#endif
