/* Unit tests: the slice record (core/slice.c) and what the signature parser
 * records in it, on SuperBlobs assembled here from Apple's layouts
 * (cs_blobs.h). A payload that does not decode leaves `status` describing
 * the signature's shape (SPEC-VERIFY.md) and records a per-slot reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

struct bb {
	uint8_t *d;
	size_t n, cap;
};

static void put(struct bb *b, const void *p, size_t n)
{
	if (n == 0) /* memcpy's source may not be NULL, even for 0 bytes */
		return;
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->d = realloc(b->d, b->cap);
		assert_non_null(b->d);
	}
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void be32(struct bb *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	put(b, x, 4);
}

/* The smallest CodeDirectory: version 0x20001 (44-byte header), sha256, no
 * slots, identifier "x". */
static void cd_blob(struct bb *b)
{
	be32(b, CSMAGIC_CODEDIRECTORY);
	be32(b, 46);
	be32(b, 0x20001);
	be32(b, 2);  /* flags: adhoc */
	be32(b, 46); /* hashOffset */
	be32(b, 44); /* identOffset */
	be32(b, 0);  /* nSpecialSlots */
	be32(b, 0);  /* nCodeSlots */
	be32(b, 0);  /* codeLimit */
	put(b, (uint8_t[]){32, CS_HASHTYPE_SHA256, 0, 12}, 4);
	be32(b, 0); /* spare2 */
	put(b, "x", 2);
}

struct item {
	uint32_t slot;
	struct bb blob;
};

/* A SuperBlob of the items in order, parsed into a fresh slice. */
static int parse(struct sigfs_slice *s, struct item *items, size_t n)
{
	struct bb sb = {0};
	size_t i, off = 12 + 8 * n, total = off;

	for (i = 0; i < n; i++)
		total += items[i].blob.n;
	be32(&sb, CSMAGIC_EMBEDDED_SIGNATURE);
	be32(&sb, (uint32_t)total);
	be32(&sb, (uint32_t)n);
	for (i = 0; i < n; i++) {
		be32(&sb, items[i].slot);
		be32(&sb, (uint32_t)off);
		off += items[i].blob.n;
	}
	for (i = 0; i < n; i++) {
		put(&sb, items[i].blob.d, items[i].blob.n);
		free(items[i].blob.d);
	}
	memset(s, 0, sizeof *s);
	s->has_lc_sig = 1;
	s->sig = sb.d;
	s->sig_len = sb.n;
	return sigfs_signature_parse(s);
}

/* A blob of `magic` around `payload`. */
static struct bb wrap(uint32_t magic, const void *payload, size_t n)
{
	struct bb b = {0};

	be32(&b, magic);
	be32(&b, (uint32_t)(8 + n));
	put(&b, payload, n);
	return b;
}

static void test_arch_names(void **state)
{
	char out[40];

	(void)state;
	/* mach/machine.h: CPU_TYPE_X86_64 = 7 | ABI64, CPU_SUBTYPE_X86_64_H = 8,
	 * CPU_TYPE_ARM64 = 12 | ABI64, CPU_SUBTYPE_ARM64E = 2, ARMV7 = 9 */
	sigfs_arch_name(out, sizeof out, 0x01000007, 3);
	assert_string_equal(out, "x86_64");
	sigfs_arch_name(out, sizeof out, 0x01000007, 8);
	assert_string_equal(out, "x86_64h");
	sigfs_arch_name(out, sizeof out, 0x0100000c, 0x80000002);
	assert_string_equal(out, "arm64e");
	sigfs_arch_name(out, sizeof out, 12, 9);
	assert_string_equal(out, "armv7");
	sigfs_arch_name(out, sizeof out, 99, 1);
	assert_string_equal(out, "cpu99-1");
}

static void test_first_reason_wins(void **state)
{
	struct sigfs_slice s = {0};

	(void)state;
	assert_int_equal(sigfs_slice_malformed(&s, "first %d", 1), SIGFS_EMALFORMED);
	assert_int_equal(sigfs_slice_malformed(&s, "second"), SIGFS_EMALFORMED);
	assert_string_equal(s.reason, "first 1");
	assert_int_equal(sigfs_slice_status(&s), SIGFS_ST_MALFORMED);
}

/* Garbage DER entitlements (slot 7) beside good XML entitlements (slot 5):
 * status stays adhoc, slot 7 records why, slot 5 is fine. */
static void test_payload_fault_keeps_status(void **state)
{
	static const char xml[] = "<plist version=\"1.0\"><dict/></plist>";
	static const uint8_t der[] = {0x70, 0x80, 0x02, 0x01, 0x01}; /* indefinite length */
	struct item it[3] = {
	    {CSSLOT_CODEDIRECTORY, {0}}, {CSSLOT_ENTITLEMENTS, {0}}, {CSSLOT_DER_ENTITLEMENTS, {0}}};
	struct sigfs_slice s;

	(void)state;
	cd_blob(&it[0].blob);
	it[1].blob = wrap(CSMAGIC_EMBEDDED_ENTITLEMENTS, xml, sizeof xml - 1);
	it[2].blob = wrap(CSMAGIC_EMBEDDED_DER_ENTITLEMENTS, der, sizeof der);
	assert_int_equal(parse(&s, it, 3), SIGFS_OK);
	assert_int_equal(sigfs_slice_status(&s), SIGFS_ST_ADHOC);
	assert_string_equal(s.reason, "");
	assert_non_null(sigfs_slice_cd(&s));
	assert_true(sigfs_slice_slot_ok(&s, CSSLOT_ENTITLEMENTS));
	assert_null(sigfs_slice_slot_reason(&s, CSSLOT_ENTITLEMENTS));
	assert_false(sigfs_slice_slot_ok(&s, CSSLOT_DER_ENTITLEMENTS));
	assert_string_equal(sigfs_slice_slot_reason(&s, CSSLOT_DER_ENTITLEMENTS),
			    "der plist: indefinite length at offset 1");
	/* an absent slot has no reason and is not ok */
	assert_null(sigfs_slice_slot_reason(&s, CSSLOT_REQUIREMENTS));
	assert_false(sigfs_slice_slot_ok(&s, CSSLOT_REQUIREMENTS));
	sigfs_slice_dispose(&s);
}

/* Issue 8 hole 4: a size bound is a payload that does not decode, not
 * out-of-memory failing the load (17 MiB of DER, the bound is 16 MiB). */
static void test_bound_is_payload_fault(void **state)
{
	size_t n = (size_t)17 << 20;
	uint8_t *der = calloc(1, n);
	struct item it[2] = {{CSSLOT_CODEDIRECTORY, {0}}, {CSSLOT_DER_ENTITLEMENTS, {0}}};
	struct sigfs_slice s;
	const char *why;

	(void)state;
	assert_non_null(der);
	der[0] = 0x70;
	cd_blob(&it[0].blob);
	it[1].blob = wrap(CSMAGIC_EMBEDDED_DER_ENTITLEMENTS, der, n);
	free(der);
	assert_int_equal(parse(&s, it, 2), SIGFS_OK);
	assert_int_equal(sigfs_slice_status(&s), SIGFS_ST_ADHOC);
	why = sigfs_slice_slot_reason(&s, CSSLOT_DER_ENTITLEMENTS);
	assert_non_null(why);
	assert_string_equal(why, "der plist: 17825792 bytes exceeds the bound of 16777216");
	sigfs_slice_dispose(&s);
}

/* Issue 8 hole 1: more blobs than the bound are malformed, and a malformed
 * index keeps no blob at all. */
static void test_blob_count_bound(void **state)
{
	struct item *it = calloc(SIGFS_MAX_BLOBS + 1, sizeof *it);
	struct sigfs_slice s;
	size_t i;

	(void)state;
	assert_non_null(it);
	cd_blob(&it[0].blob);
	for (i = 1; i <= SIGFS_MAX_BLOBS; i++) {
		it[i].slot = 0x20000 + (uint32_t)i;
		it[i].blob = wrap(0x12345678, NULL, 0);
	}
	assert_int_equal(parse(&s, it, SIGFS_MAX_BLOBS + 1), SIGFS_EMALFORMED);
	assert_string_equal(s.reason, "superblob: 1025 blobs exceed the bound of 1024");
	assert_int_equal(s.nblobs, 0);
	assert_null(sigfs_slice_blob(&s, CSSLOT_CODEDIRECTORY));
	sigfs_slice_dispose(&s);
	free(it);
}

/* Issue 8 hole 3: requirement-set entries aliasing one requirement are a
 * payload fault (they made a 1 MB file print 268 MB at load). */
static void test_reqset_alias(void **state)
{
	struct item it[2] = {{CSSLOT_CODEDIRECTORY, {0}}, {CSSLOT_REQUIREMENTS, {0}}};
	struct bb set = {0};
	struct sigfs_slice s;

	(void)state;
	cd_blob(&it[0].blob);
	/* two entries (designated, library), both at 0x1c: `always` */
	be32(&set, CSMAGIC_REQUIREMENTS);
	be32(&set, 12 + 16 + 16);
	be32(&set, 2);
	be32(&set, 3);
	be32(&set, 28);
	be32(&set, 4);
	be32(&set, 28);
	be32(&set, CSMAGIC_REQUIREMENT);
	be32(&set, 16);
	be32(&set, 1); /* kind: expression */
	be32(&set, 1); /* opTrue */
	it[1].blob = set;
	assert_int_equal(parse(&s, it, 2), SIGFS_OK);
	assert_int_equal(sigfs_slice_status(&s), SIGFS_ST_ADHOC);
	assert_string_equal(sigfs_slice_slot_reason(&s, CSSLOT_REQUIREMENTS),
			    "requirement set: entry 1 at 0x1c overlaps entry 0 at 0x1c");
	sigfs_slice_dispose(&s);
}

/* A universal file of 5 slices, each a 64-bit Mach-O whose
 * LC_CODE_SIGNATURE covers SIGFS_MAX_SIGNATURE_SIZE bytes, synthesised by
 * the read callback (the file is never built). */
#define SLICE_SPAN ((uint64_t)SIGFS_MAX_SIGNATURE_SIZE + 4096)

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static int big_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	uint8_t head[4096] = {0}, *d = dst;
	size_t i;

	(void)ctx;
	if (off >= 4096 && (off - 4096) % SLICE_SPAN >= 48 && (off - 4096) % SLICE_SPAN + len <= SLICE_SPAN) {
		memset(dst, 0, len); /* inside one slice, past its header: zeros */
		return SIGFS_OK;
	}
	/* fat header: 5 arm64 slices at 4096 + k * SLICE_SPAN (subtypes differ) */
	put_be32(head, 0xcafebabe);
	put_be32(head + 4, 5);
	for (i = 0; i < 5; i++) {
		uint8_t *e = head + 8 + 20 * i;

		put_be32(e, 0x0100000c);
		put_be32(e + 4, (uint32_t)i);
		put_be32(e + 8, (uint32_t)(4096 + i * SLICE_SPAN));
		put_be32(e + 12, (uint32_t)SLICE_SPAN);
		put_be32(e + 16, 12);
	}
	for (i = 0; i < len; i++) {
		uint64_t at = off + i, in;

		if (at < 4096) {
			d[i] = head[at];
			continue;
		}
		in = (at - 4096) % SLICE_SPAN;
		if (in < 48) { /* mach_header_64 + LC_CODE_SIGNATURE */
			uint8_t mh[48] = {0};

			put_le32(mh, 0xfeedfacf);
			put_le32(mh + 4, 0x0100000c);
			put_le32(mh + 8, (uint32_t)((at - 4096) / SLICE_SPAN));
			put_le32(mh + 12, 2);
			put_le32(mh + 16, 1);
			put_le32(mh + 20, 16);
			put_le32(mh + 32, 0x1d);
			put_le32(mh + 36, 16);
			put_le32(mh + 40, 4096);
			put_le32(mh + 44, SIGFS_MAX_SIGNATURE_SIZE);
			d[i] = mh[in];
		} else {
			d[i] = 0;
		}
	}
	return SIGFS_OK;
}

/* What all slices of one file keep is bounded (SIGFS_MAX_FILE_KEPT, 256 MiB):
 * four 64 MiB signatures are read, the fifth slice is malformed unread. */
static void test_file_kept_bound(void **state)
{
	sigfs_file *f = NULL;
	size_t i;

	(void)state;
	assert_int_equal(sigfs_file_load(&f, big_read, NULL, 4096 + 5 * SLICE_SPAN), SIGFS_OK);
	assert_int_equal(f->nslices, 5);
	for (i = 0; i < 4; i++) {
		assert_int_equal(f->slices[i].sig_len, SIGFS_MAX_SIGNATURE_SIZE);
		assert_string_equal(f->slices[i].reason, "superblob: magic 0x00000000 is not an embedded "
							 "signature (0xfade0cc0)");
	}
	assert_null(f->slices[4].sig);
	assert_string_equal(
	    f->slices[4].reason,
	    "LC_CODE_SIGNATURE: 67108864 bytes pass the file's bound of 268435456 kept bytes");
	assert_int_equal(sigfs_file_bytes_read(f) < 4 * (uint64_t)SIGFS_MAX_SIGNATURE_SIZE + 8192, 1);
	sigfs_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arch_names),
	    cmocka_unit_test(test_first_reason_wins),
	    cmocka_unit_test(test_payload_fault_keeps_status),
	    cmocka_unit_test(test_bound_is_payload_fault),
	    cmocka_unit_test(test_blob_count_bound),
	    cmocka_unit_test(test_reqset_alias),
	    cmocka_unit_test(test_file_kept_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
