/* sigfs core: the embedded-signature SuperBlob and its CodeDirectories
 * (xnu cs_blobs.h; Security codedirectory.cpp). Every offset is resolved
 * against its own blob; every count is checked by division first. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sigfs/cursor.h"
#include "sigfs/plist.h"
#include "sigfs/requirement.h"

static int is_cd_slot(uint32_t slot)
{
	return slot == CSSLOT_CODEDIRECTORY ||
	       (slot >= CSSLOT_ALTERNATE_CODEDIRECTORIES && slot < CSSLOT_ALTERNATE_CODEDIRECTORY_LIMIT);
}

/* The magic each known slot must carry (0: any). */
static uint32_t slot_magic(uint32_t slot)
{
	if (is_cd_slot(slot))
		return CSMAGIC_CODEDIRECTORY;
	switch (slot) {
	case CSSLOT_REQUIREMENTS: return CSMAGIC_REQUIREMENTS;
	case CSSLOT_ENTITLEMENTS: return CSMAGIC_EMBEDDED_ENTITLEMENTS;
	case CSSLOT_DER_ENTITLEMENTS: return CSMAGIC_EMBEDDED_DER_ENTITLEMENTS;
	case CSSLOT_LAUNCH_CONSTRAINT_SELF:
	case CSSLOT_LAUNCH_CONSTRAINT_PARENT:
	case CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE:
	case CSSLOT_LIBRARY_CONSTRAINT: return CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT;
	case CSSLOT_SIGNATURESLOT: return CSMAGIC_BLOBWRAPPER;
	}
	return 0;
}

/* A NUL-terminated string at `off` inside the blob, or NULL. */
static const char *string_at(const struct sigfs_cd *cd, uint32_t off)
{
	if (off >= cd->len || !memchr(cd->p + off, '\0', cd->len - off))
		return NULL;
	return (const char *)cd->p + off;
}

static int parse_cd(struct sigfs_slice *s, struct sigfs_cd *cd)
{
	sigfs_cur c;
	uint32_t magic, length, spare2, spare3;
	uint8_t u8;
	size_t hs;
	int err;

	sigfs_cur_init(&c, cd->p, cd->len);
	if (!sigfs_cur_be32(&c, &magic) || !sigfs_cur_be32(&c, &length) ||
	    !sigfs_cur_be32(&c, &cd->version) || !sigfs_cur_be32(&c, &cd->flags) ||
	    !sigfs_cur_be32(&c, &cd->hash_offset) || !sigfs_cur_be32(&c, &cd->ident_offset) ||
	    !sigfs_cur_be32(&c, &cd->n_special) || !sigfs_cur_be32(&c, &cd->n_code) ||
	    !sigfs_cur_be32(&c, &cd->code_limit) || !sigfs_cur_u8(&c, &cd->hash_size) ||
	    !sigfs_cur_u8(&c, &cd->hash_type) || !sigfs_cur_u8(&c, &cd->platform) ||
	    !sigfs_cur_u8(&c, &cd->page_size_log2) || !sigfs_cur_be32(&c, &spare2))
		return sigfs_slice_malformed(
		    s, "codedirectory (slot 0x%x): %zu bytes is shorter than its header", cd->slot, cd->len);
	if (cd->version < 0x20001 || (cd->version >> 16) != 2)
		return sigfs_slice_malformed(s, "codedirectory (slot 0x%x): unsupported version 0x%x",
					     cd->slot, cd->version);
	/* version-dependent fields: absent ones stay zero */
	if (cd->version >= CS_SUPPORTSSCATTER && !sigfs_cur_be32(&c, &cd->scatter_offset))
		goto short_header;
	if (cd->version >= CS_SUPPORTSTEAMID && !sigfs_cur_be32(&c, &cd->team_offset))
		goto short_header;
	if (cd->version >= CS_SUPPORTSCODELIMIT64 &&
	    (!sigfs_cur_be32(&c, &spare3) || !sigfs_cur_be64(&c, &cd->code_limit64)))
		goto short_header;
	if (cd->version >= CS_SUPPORTSEXECSEG &&
	    (!sigfs_cur_be64(&c, &cd->exec_seg_base) || !sigfs_cur_be64(&c, &cd->exec_seg_limit) ||
	     !sigfs_cur_be64(&c, &cd->exec_seg_flags)))
		goto short_header;
	if (cd->version >= CS_SUPPORTSRUNTIME &&
	    (!sigfs_cur_be32(&c, &cd->runtime) || !sigfs_cur_be32(&c, &cd->pre_encrypt_offset)))
		goto short_header;
	if (cd->version >= CS_SUPPORTSLINKAGE &&
	    (!sigfs_cur_u8(&c, &u8) || !sigfs_cur_u8(&c, &u8) || !sigfs_cur_skip(&c, 2 + 4 + 4 + 4)))
		goto short_header;

	hs = sigfs_hash_size(cd->hash_type);
	if (hs == 0)
		return sigfs_slice_malformed(s, "codedirectory (slot 0x%x): unknown hash type %u", cd->slot,
					     cd->hash_type);
	if (cd->hash_size != hs)
		return sigfs_slice_malformed(s, "codedirectory (slot 0x%x): hash size %u does not match %s",
					     cd->slot, cd->hash_size, sigfs_hash_name(cd->hash_type));
	if (cd->hash_offset > cd->len)
		return sigfs_slice_malformed(s, "codedirectory (slot 0x%x): hashOffset 0x%x past end 0x%zx",
					     cd->slot, cd->hash_offset, cd->len);
	if (cd->n_special > cd->hash_offset / hs)
		return sigfs_slice_malformed(
		    s, "codedirectory (slot 0x%x): %u special slots before hashOffset 0x%x", cd->slot,
		    cd->n_special, cd->hash_offset);
	if (cd->n_code > (cd->len - cd->hash_offset) / hs)
		return sigfs_slice_malformed(
		    s,
		    "codedirectory (slot 0x%x): %u code slots of %zu bytes past end 0x%zx (hashOffset 0x%x)",
		    cd->slot, cd->n_code, hs, cd->len, cd->hash_offset);
	cd->ident = string_at(cd, cd->ident_offset);
	if (!cd->ident)
		return sigfs_slice_malformed(s, "codedirectory (slot 0x%x): identOffset 0x%x past end 0x%zx",
					     cd->slot, cd->ident_offset, cd->len);
	if (cd->team_offset) {
		cd->team = string_at(cd, cd->team_offset);
		if (!cd->team)
			return sigfs_slice_malformed(
			    s, "codedirectory (slot 0x%x): teamOffset 0x%x past end 0x%zx", cd->slot,
			    cd->team_offset, cd->len);
	}
	if (cd->scatter_offset && cd->scatter_offset >= cd->len)
		return sigfs_slice_malformed(s,
					     "codedirectory (slot 0x%x): scatterOffset 0x%x past end 0x%zx",
					     cd->slot, cd->scatter_offset, cd->len);
	err = sigfs_hash(cd->hash_type, cd->p, cd->len, cd->cdhash, &cd->cdhash_len);
	if (err)
		return err;
	return SIGFS_OK;
short_header:
	return sigfs_slice_malformed(s, "codedirectory (slot 0x%x): version 0x%x header past end 0x%zx",
				     cd->slot, cd->version, cd->len);
}

/* qsort orders: by offset, by slot; ties by index, so reports name the
 * later blob of a pair first, as the index reads. */
static int by_offset(const void *a, const void *b)
{
	const struct sigfs_blob *x = *(const struct sigfs_blob *const *)a,
				*y = *(const struct sigfs_blob *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int by_slot(const void *a, const void *b)
{
	const struct sigfs_blob *x = *(const struct sigfs_blob *const *)a,
				*y = *(const struct sigfs_blob *const *)b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* No slot twice, no two blobs sharing a byte: sort pointers to the blobs by
 * slot, then by offset, and compare neighbours (O(n log n); n is bounded by
 * SIGFS_MAX_BLOBS). */
static int check_index(struct sigfs_slice *s, struct sigfs_blob *blobs, uint32_t count)
{
	const struct sigfs_blob **v, *far = NULL;
	uint64_t end = 0;
	uint32_t i;
	int err = SIGFS_OK;

	v = malloc((count ? count : 1) * sizeof *v);
	if (!v)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory for %u blobs", count);
	for (i = 0; i < count; i++)
		v[i] = &blobs[i];
	qsort(v, count, sizeof *v, by_slot);
	for (i = 1; i < count && !err; i++)
		if (v[i]->slot == v[i - 1]->slot)
			err = sigfs_slice_malformed(s, "superblob: slot 0x%x appears twice", v[i]->slot);
	qsort(v, count, sizeof *v, by_offset);
	/* a blob overlaps an earlier one (in offset order) exactly when it
	 * starts before the furthest end seen so far */
	for (i = 0; i < count && !err; i++) {
		if (far && v[i]->offset < end) {
			const struct sigfs_blob *x = v[i] > far ? v[i] : far, *y = v[i] > far ? far : v[i];

			err = sigfs_slice_malformed(
			    s,
			    "superblob: blob %zu (slot 0x%x) at 0x%x overlaps blob %zu (slot 0x%x) at 0x%x",
			    (size_t)(x - blobs), x->slot, x->offset, (size_t)(y - blobs), y->slot, y->offset);
		}
		if (!far || (uint64_t)v[i]->offset + v[i]->len > end) {
			far = v[i];
			end = (uint64_t)v[i]->offset + v[i]->len;
		}
	}
	free(v);
	return err;
}

/* The SuperBlob header and index: every blob inside the SuperBlob, past the
 * index, no slot twice, no overlap, each known slot with its magic. On
 * success s->blobs holds all of them; otherwise none. */
static int parse_index(struct sigfs_slice *s)
{
	sigfs_cur sb, idx;
	uint32_t magic, length, count, i;
	struct sigfs_blob *blobs;
	size_t hdr_end;
	int err;

	sigfs_cur_init(&sb, s->sig, s->sig_len);
	if (!sigfs_cur_be32(&sb, &magic) || !sigfs_cur_be32(&sb, &length) || !sigfs_cur_be32(&sb, &count))
		return sigfs_slice_malformed(s, "superblob: %zu bytes is shorter than its header",
					     s->sig_len);
	if (magic != CSMAGIC_EMBEDDED_SIGNATURE)
		return sigfs_slice_malformed(s,
					     "superblob: magic 0x%08x is not an embedded signature (0x%08x)",
					     magic, CSMAGIC_EMBEDDED_SIGNATURE);
	if (length < 12 || length > s->sig_len)
		return sigfs_slice_malformed(s, "superblob: length %u past end of LC_CODE_SIGNATURE data %zu",
					     length, s->sig_len);
	if (count > (length - 12) / 8)
		return sigfs_slice_malformed(s, "superblob: %u blobs cannot fit in %u bytes", count, length);
	/* bound: Apple writes about a dozen blobs; the index checks are
	 * O(count log count) and the allocation count * 32 bytes */
	if (count > SIGFS_MAX_BLOBS)
		return sigfs_slice_malformed(s, "superblob: %u blobs exceed the bound of %u", count,
					     SIGFS_MAX_BLOBS);
	hdr_end = 12 + (size_t)count * 8;
	blobs = calloc(count ? count : 1, sizeof *blobs);
	if (!blobs)
		return sigfs_error_set(SIGFS_ENOMEM, "out of memory for %u blobs", count);
	sigfs_cur_init(&sb, s->sig, length);
	sigfs_cur_init(&idx, NULL, 0);
	err = SIGFS_OK;
	if (!sigfs_cur_at(&sb, 12, (size_t)count * 8, &idx))
		err = sigfs_slice_malformed(s, "superblob: index past end");
	for (i = 0; i < count && !err; i++) { /* count <= SIGFS_MAX_BLOBS */
		struct sigfs_blob *b = &blobs[i];
		uint32_t off = 0, blen = 0;
		sigfs_cur bc;

		if (!sigfs_cur_be32(&idx, &b->slot) || !sigfs_cur_be32(&idx, &off))
			err = sigfs_slice_malformed(s, "superblob: index past end");
		else if (off < hdr_end)
			err = sigfs_slice_malformed(
			    s,
			    "superblob: blob %u (slot 0x%x) offset 0x%x points into the header (ends 0x%zx)",
			    i, b->slot, off, hdr_end);
		else if (!sigfs_cur_at(&sb, off, 8, &bc) || !sigfs_cur_be32(&bc, &b->magic) ||
			 !sigfs_cur_be32(&bc, &blen))
			err = sigfs_slice_malformed(
			    s, "superblob: blob %u (slot 0x%x) offset 0x%x past end 0x%x", i, b->slot, off,
			    length);
		else if (blen < 8 || blen > length - off)
			err = sigfs_slice_malformed(
			    s, "superblob: blob %u (slot 0x%x) at 0x%x length %u past end 0x%x", i, b->slot,
			    off, blen, length);
		b->offset = off;
		b->p = s->sig + off;
		b->len = blen;
	}
	if (!err)
		err = check_index(s, blobs, count);
	for (i = 0; i < count && !err; i++)
		if (slot_magic(blobs[i].slot) && blobs[i].magic != slot_magic(blobs[i].slot))
			err = sigfs_slice_malformed(
			    s, "superblob: blob %u (slot 0x%x) has magic 0x%08x, expected 0x%08x", i,
			    blobs[i].slot, blobs[i].magic, slot_magic(blobs[i].slot));
	if (err) {
		free(blobs);
		return err;
	}
	s->blobs = blobs;
	s->nblobs = count;
	return SIGFS_OK;
}

int sigfs_signature_parse(struct sigfs_slice *s)
{
	uint32_t i, j;
	int err, cds_ok = 1;

	err = parse_index(s);
	if (err)
		return err;

	/* CodeDirectories: slot 0 and the alternates */
	for (i = 0; i < s->nblobs; i++) {
		struct sigfs_cd *cd;

		if (!is_cd_slot(s->blobs[i].slot))
			continue;
		cd = &s->cds[s->ncds++];
		cd->p = s->blobs[i].p;
		cd->len = s->blobs[i].len;
		cd->slot = s->blobs[i].slot;
		err = parse_cd(s, cd);
		if (err == SIGFS_EMALFORMED)
			cds_ok = 0;
		else if (err)
			return err;
	}
	/* keep slot order (the index may list them in any order) */
	for (i = 1; i < s->ncds; i++)
		for (j = i; j > 0 && s->cds[j - 1].slot > s->cds[j].slot; j--) {
			struct sigfs_cd t = s->cds[j];
			s->cds[j] = s->cds[j - 1];
			s->cds[j - 1] = t;
		}
	if (s->ncds == 0 && cds_ok)
		sigfs_slice_malformed(s, "superblob: no CodeDirectory");
	if (s->ncds && !sigfs_slice_blob(s, CSSLOT_CODEDIRECTORY))
		sigfs_slice_malformed(s, "superblob: alternate CodeDirectory without one in slot 0");
	s->cds_ok = cds_ok && s->ncds > 0;
	for (i = 1; i < s->ncds; i++)
		if (sigfs_hash_rank(s->cds[i].hash_type) > sigfs_hash_rank(s->cds[s->primary].hash_type))
			s->primary = i;

	/* payloads that later files decode: check them now, so a listed file
	 * always renders. One that does not decode hides the files derived
	 * from it and records why; `status` keeps describing the signature's
	 * shape. Only a failed allocation fails the load. */
	for (i = 0; i < s->nblobs; i++) { /* nblobs <= SIGFS_MAX_BLOBS */
		const struct sigfs_blob *b = &s->blobs[i];
		sigfs_buf sink = SIGFS_BUF_SINK;
		sigfs_plist *pl = NULL;

		switch (b->slot) {
		case CSSLOT_REQUIREMENTS: err = sigfs_reqset_dump(&sink, b->p, b->len); break;
		case CSSLOT_ENTITLEMENTS: err = sigfs_plist_from_xml(&pl, b->p + 8, b->len - 8); break;
		case CSSLOT_DER_ENTITLEMENTS:
		case CSSLOT_LAUNCH_CONSTRAINT_SELF:
		case CSSLOT_LAUNCH_CONSTRAINT_PARENT:
		case CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE:
		case CSSLOT_LIBRARY_CONSTRAINT: err = sigfs_plist_from_der(&pl, b->p + 8, b->len - 8); break;
		default: continue;
		}
		sigfs_plist_free(pl);
		if (err == SIGFS_ENOMEM)
			return err;
		if (err && sigfs_slice_slot_bad(s, b->slot, "%s", sigfs_error_last()))
			return SIGFS_ENOMEM;
	}

	/* CMS: an empty wrapper (8 bytes) is no CMS; garbage makes the slice
	 * malformed, found when it is first parsed (sigfs_slice_cms) */
	{
		const struct sigfs_blob *b = sigfs_slice_blob(s, CSSLOT_SIGNATURESLOT);

		if (b && b->len > 8) {
			s->cms_der = b->p + 8;
			s->cms_len = b->len - 8;
		}
	}
	return s->malformed ? SIGFS_EMALFORMED : SIGFS_OK;
}

/* The outcome of the one parse of a slice's CMS. */
struct sigfs_cms_once {
	sigfs_cms *cms;		      /* NULL if it does not parse */
	char fault[SIGFS_REASON_LEN]; /* why not, else "" */
};

/* Guards of the first parse, shared by all slices by address: a thread
 * that finds no parse takes its slice's guard, parses unless another did
 * meanwhile, and publishes; readers after that take no lock. */
#define CMS_GUARDS 64
static pthread_mutex_t cms_guard[CMS_GUARDS] = {[0 ... CMS_GUARDS - 1] = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local unsigned cms_oom;

unsigned sigfs_cms_oom_count(void)
{
	return cms_oom;
}

static struct sigfs_cms_once *cms_once(const struct sigfs_slice *s)
{
	struct sigfs_cms_once **slot = &((struct sigfs_slice *)s)->cms_once;
	struct sigfs_cms_once *o = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	pthread_mutex_t *guard = &cms_guard[((uintptr_t)s / sizeof *s) % CMS_GUARDS];
	int err;

	if (o || !s->cms_len)
		return o;
	pthread_mutex_lock(guard);
	o = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (o)
		goto out;
	o = calloc(1, sizeof *o);
	if (!o)
		goto out;
	err = sigfs_cms_parse(&o->cms, s->cms_der, s->cms_len);
	if (err == SIGFS_EMALFORMED || err == SIGFS_EUNSUPPORTED)
		snprintf(o->fault, sizeof o->fault, "%s", sigfs_error_last());
	else if (err) { /* out of memory: not kept, the next use tries again */
		cms_oom++;
		free(o);
		o = NULL;
		goto out;
	}
	__atomic_store_n(slot, o, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(guard);
	return o;
}

const sigfs_cms *sigfs_slice_cms(const struct sigfs_slice *s)
{
	struct sigfs_cms_once *o = cms_once(s);

	return o ? o->cms : NULL;
}

const char *sigfs_slice_cms_fault(const struct sigfs_slice *s)
{
	struct sigfs_cms_once *o = cms_once(s);

	return o && o->fault[0] ? o->fault : NULL;
}

void sigfs_slice_cms_dispose(struct sigfs_slice *s)
{
	if (s->cms_once)
		sigfs_cms_free(s->cms_once->cms);
	free(s->cms_once);
	s->cms_once = NULL;
}
