/* Apple's code-signing constants, with Apple's names
 * (apple-oss-distributions/xnu: osfmk/kern/cs_blobs.h; Security: CSCommon.h),
 * so the code and Apple's header can be read side by side. */
#ifndef SIGFS_CS_BLOBS_H
#define SIGFS_CS_BLOBS_H

/* Blob magics */
#define CSMAGIC_REQUIREMENT		   0xfade0c00u
#define CSMAGIC_REQUIREMENTS		   0xfade0c01u
#define CSMAGIC_CODEDIRECTORY		   0xfade0c02u
#define CSMAGIC_EMBEDDED_SIGNATURE	   0xfade0cc0u
#define CSMAGIC_EMBEDDED_SIGNATURE_OLD	   0xfade0b02u
#define CSMAGIC_EMBEDDED_ENTITLEMENTS	   0xfade7171u
#define CSMAGIC_EMBEDDED_DER_ENTITLEMENTS  0xfade7172u
#define CSMAGIC_DETACHED_SIGNATURE	   0xfade0cc1u
#define CSMAGIC_BLOBWRAPPER		   0xfade0b01u
#define CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT 0xfade8181u

/* SuperBlob slots */
#define CSSLOT_CODEDIRECTORY		     0u
#define CSSLOT_INFOSLOT			     1u
#define CSSLOT_REQUIREMENTS		     2u
#define CSSLOT_RESOURCEDIR		     3u
#define CSSLOT_APPLICATION		     4u
#define CSSLOT_ENTITLEMENTS		     5u
#define CSSLOT_REP_SPECIFIC		     6u
#define CSSLOT_DER_ENTITLEMENTS		     7u
#define CSSLOT_LAUNCH_CONSTRAINT_SELF	     8u
#define CSSLOT_LAUNCH_CONSTRAINT_PARENT	     9u
#define CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE 10u
#define CSSLOT_LIBRARY_CONSTRAINT	     11u
#define CSSLOT_ALTERNATE_CODEDIRECTORIES     0x1000u
#define CSSLOT_ALTERNATE_CODEDIRECTORY_MAX   5u
#define CSSLOT_ALTERNATE_CODEDIRECTORY_LIMIT                                                                 \
	(CSSLOT_ALTERNATE_CODEDIRECTORIES + CSSLOT_ALTERNATE_CODEDIRECTORY_MAX)
#define CSSLOT_SIGNATURESLOT	  0x10000u
#define CSSLOT_IDENTIFICATIONSLOT 0x10001u
#define CSSLOT_TICKETSLOT	  0x10002u

/* Requirement types (Security: requirement.h, SecRequirementType) */
#define kSecHostRequirementType	      1u
#define kSecGuestRequirementType      2u
#define kSecDesignatedRequirementType 3u
#define kSecLibraryRequirementType    4u
#define kSecPluginRequirementType     5u

/* Hash types */
#define CS_HASHTYPE_SHA1	     1u
#define CS_HASHTYPE_SHA256	     2u
#define CS_HASHTYPE_SHA256_TRUNCATED 3u
#define CS_HASHTYPE_SHA384	     4u
#define CS_HASHTYPE_SHA512	     5u /* kSecCodeSignatureHashSHA512 */

#define CS_SHA1_LEN		20
#define CS_SHA256_LEN		32
#define CS_SHA256_TRUNCATED_LEN 20
#define CS_CDHASH_LEN		20
#define CS_HASH_MAX_SIZE	64 /* 48 in xnu; sha512 is 64 */

/* CodeDirectory versions */
#define CS_SUPPORTSSCATTER     0x20100u
#define CS_SUPPORTSTEAMID      0x20200u
#define CS_SUPPORTSCODELIMIT64 0x20300u
#define CS_SUPPORTSEXECSEG     0x20400u
#define CS_SUPPORTSRUNTIME     0x20500u
#define CS_SUPPORTSLINKAGE     0x20600u

/* CodeDirectory flags (kSecCodeSignature* in CSCommon.h) */
#define CS_HOST		    0x00000001u
#define CS_ADHOC	    0x00000002u
#define CS_FORCED_LV	    0x00000010u
#define CS_INVALID_ALLOWED  0x00000020u
#define CS_HARD		    0x00000100u
#define CS_KILL		    0x00000200u
#define CS_CHECK_EXPIRATION 0x00000400u
#define CS_RESTRICT	    0x00000800u
#define CS_ENFORCEMENT	    0x00001000u
#define CS_REQUIRE_LV	    0x00002000u
#define CS_RUNTIME	    0x00010000u
#define CS_LINKER_SIGNED    0x00020000u

/* Executable segment flags */
#define CS_EXECSEG_MAIN_BINARY	   0x1u
#define CS_EXECSEG_ALLOW_UNSIGNED  0x10u
#define CS_EXECSEG_DEBUGGER	   0x20u
#define CS_EXECSEG_JIT		   0x40u
#define CS_EXECSEG_SKIP_LV	   0x80u
#define CS_EXECSEG_CAN_LOAD_CDHASH 0x100u
#define CS_EXECSEG_CAN_EXEC_CDHASH 0x200u

#endif
