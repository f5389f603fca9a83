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

/* The decompiled text of the one expression starting at byte `offset` of a
 * requirement blob (as sigfs_req_decompile prints it inside a requirement),
 * appended to out; for messages about a term. */
int sigfs_req_term_text(sigfs_buf *out, const uint8_t *blob, size_t len, size_t offset) SIGFS_WUR;

#endif
