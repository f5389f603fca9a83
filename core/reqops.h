/* sigfs core: Apple's requirement language, once (Security: requirement.h
 * ExprOp, MatchOperation, Requirement::Kind, leafCert/anchorCert), for the
 * decompiler (requirement.c), the maker of implicit requirements
 * (drmaker.c) and the interpreter (reqeval.c). Not installed. */
#ifndef SIGFS_CORE_REQOPS_H
#define SIGFS_CORE_REQOPS_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/buf.h"

/* ExprOp: the opcode is the low 24 bits; the high byte holds flags. */
enum {
	opFalse,
	opTrue,
	opIdent,
	opAppleAnchor,
	opAnchorHash,
	opInfoKeyValue,
	opAnd,
	opOr,
	opCDHash,
	opNot,
	opInfoKeyField,
	opCertField,
	opTrustedCert,
	opTrustedCerts,
	opCertGeneric,
	opAppleGenericAnchor,
	opEntitlementField,
	opCertPolicy,
	opNamedAnchor,
	opNamedCode,
	opPlatform,
	opNotarized,
	opCertFieldDate,
	opLegacyDevID,
};

#define opFlagMask     0xff000000u
#define opGenericFalse 0x80000000u /* has a size field; unknown means false */
#define opGenericSkip  0x40000000u /* has a size field; unknown is skipped */

/* MatchOperation */
enum {
	matchExists,
	matchEqual,
	matchContains,
	matchBeginsWith,
	matchEndsWith,
	matchLessThan,
	matchGreaterThan,
	matchLessEqual,
	matchGreaterEqual,
	matchOn,
	matchBefore,
	matchAfter,
	matchOnOrBefore,
	matchOnOrAfter,
	matchAbsent,
};

/* Requirement::Kind exprForm */
#define REQ_EXPR_FORM 1u

/* Certificate slots (Requirement::leafCert, anchorCert); other negative
 * slots count back from the anchor. */
#define REQ_LEAF_CERT	0
#define REQ_ANCHOR_CERT (-1)

/* Requirement::Maker over a sigfs_buf (reqmaker.c): a requirement blob
 * appended to `b` from `start`; big-endian words and data padded to 4. */
struct sigfs_reqmaker {
	sigfs_buf *b;
	size_t start;
};

/* Start a blob: magic, a length set by sigfs_rm_end, exprForm. */
void sigfs_rm_begin(struct sigfs_reqmaker *m, sigfs_buf *b);
void sigfs_rm_put32(struct sigfs_reqmaker *m, uint32_t v);
/* A length word, the bytes, zero padding to 4. */
void sigfs_rm_data(struct sigfs_reqmaker *m, const void *p, size_t n);
/* Maker::insert: a word at offset `at` of the blob, moving what follows. */
void sigfs_rm_insert32(struct sigfs_reqmaker *m, size_t at, uint32_t v);
/* The blob's offset where the next word goes (a Maker::Label). */
size_t sigfs_rm_pos(const struct sigfs_reqmaker *m);
/* Finish: set the length, or on any failure (rc or the buffer's) remove
 * what was appended and return the failure. */
int sigfs_rm_end(struct sigfs_reqmaker *m, int rc) SIGFS_WUR;

/* GeneralizedTime text ("20190301000000Z") as CFAbsoluteTime, as
 * SecAbsoluteTimeFromDateContent reads it (reqeval.c); 0 when it does not
 * parse. */
int sigfs_req_gentime(const uint8_t *s, size_t n, double *abs);

/* The decompiled text of the one expression starting at byte `offset` of a
 * requirement blob (as sigfs_req_decompile prints it inside a requirement),
 * appended to out; for messages about a term. */
int sigfs_req_term_text(sigfs_buf *out, const uint8_t *blob, size_t len, size_t offset) SIGFS_WUR;

#endif
