/* sigfs FUSE frontend: the shared caches (see cache.h). */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sigfs/tree.h"

#define SFC_BUCKETS	   4096 /* hash chains of the file/blob table */
#define SFC_PROBE_SLOTS	   8192 /* direct-mapped probe answers */
#define SFC_ENTRY_OVERHEAD 128	/* bytes charged per entry besides content */
#define SFC_FILE_OVERHEAD  4096 /* parsed structures of a loaded file */

enum { ENT_FILE = 1, ENT_BLOB = 2 };

struct ent {
	struct ent *hnext;
	struct ent *lprev, *lnext; /* LRU: head = most recent */
	int kind;
	struct sfc_key key;
	uint64_t hash;
	size_t cost;
	union {
		struct sfc_file *file;
		struct sfc_blob *blob;
	} u;
	char path[]; /* ENT_BLOB only ("" for files) */
};

struct probe_slot {
	struct sfc_key key;
	int valid;
	int kind;
};

struct sfc {
	size_t budget;
	pthread_mutex_t lock; /* table, LRU, bytes */
	struct ent *buckets[SFC_BUCKETS];
	struct ent *lru_head, *lru_tail;
	size_t bytes;

	pthread_mutex_t probe_lock;
	struct probe_slot probe[SFC_PROBE_SLOTS];
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL; /* FNV-1a */
	}
	return h;
}

static uint64_t key_hash(const struct sfc_key *k)
{
	uint64_t h = 14695981039346656037ULL;
	h = mix(h, &k->dev, sizeof k->dev);
	h = mix(h, &k->ino, sizeof k->ino);
	h = mix(h, &k->size, sizeof k->size);
	h = mix(h, &k->mtime_sec, sizeof k->mtime_sec);
	h = mix(h, &k->mtime_nsec, sizeof k->mtime_nsec);
	return h;
}

static int key_eq(const struct sfc_key *a, const struct sfc_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_sec == b->mtime_sec &&
	       a->mtime_nsec == b->mtime_nsec && a->path == b->path;
}

static uint64_t ent_hash(int kind, const struct sfc_key *k, const char *path)
{
	uint64_t h = key_hash(k);
	h = mix(h, &kind, sizeof kind);
	return mix(h, path, strlen(path));
}

struct sfc *sfc_new(size_t budget)
{
	struct sfc *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->budget = budget;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->probe_lock, NULL);
	return c;
}

/* ---- probe cache ---------------------------------------------------- */

int sfc_probe_get(struct sfc *c, const struct sfc_key *k)
{
	if (!c)
		return -1;
	int r = -1;
	struct probe_slot *s = &c->probe[key_hash(k) % SFC_PROBE_SLOTS];
	pthread_mutex_lock(&c->probe_lock);
	if (s->valid && key_eq(&s->key, k))
		r = s->kind;
	pthread_mutex_unlock(&c->probe_lock);
	return r;
}

void sfc_probe_put(struct sfc *c, const struct sfc_key *k, int kind)
{
	if (!c)
		return;
	struct probe_slot *s = &c->probe[key_hash(k) % SFC_PROBE_SLOTS];
	pthread_mutex_lock(&c->probe_lock);
	s->key = *k;
	s->valid = 1;
	s->kind = kind;
	pthread_mutex_unlock(&c->probe_lock);
}

/* ---- refcounted values ---------------------------------------------- */

struct sfc_blob *sfc_blob_new(const void *data, size_t len)
{
	struct sfc_blob *b = malloc(sizeof *b + len + 1);
	if (!b)
		return NULL;
	b->len = len;
	atomic_init(&b->refs, 1);
	if (len)
		memcpy(b->data, data, len);
	b->data[len] = '\0';
	return b;
}

void sfc_blob_unref(struct sfc_blob *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static struct sfc_blob *blob_ref(struct sfc_blob *b)
{
	atomic_fetch_add(&b->refs, 1);
	return b;
}

void sfc_file_unref(struct sfc_file *e)
{
	if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
		sigfs_subject_free(e->s);
		free(e);
	}
}

static struct sfc_file *file_ref(struct sfc_file *e)
{
	atomic_fetch_add(&e->refs, 1);
	return e;
}

/* ---- table and LRU (caller holds c->lock) ----------------------------- */

static void lru_unlink(struct sfc *c, struct ent *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		c->lru_head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		c->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void lru_push(struct sfc *c, struct ent *e)
{
	e->lprev = NULL;
	e->lnext = c->lru_head;
	if (c->lru_head)
		c->lru_head->lprev = e;
	c->lru_head = e;
	if (!c->lru_tail)
		c->lru_tail = e;
}

static struct ent *find(struct sfc *c, int kind, const struct sfc_key *k, const char *path, uint64_t h)
{
	for (struct ent *e = c->buckets[h % SFC_BUCKETS]; e; e = e->hnext)
		if (e->hash == h && e->kind == kind && key_eq(&e->key, k) && strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

static void ent_drop(struct sfc *c, struct ent *e)
{
	struct ent **pp = &c->buckets[e->hash % SFC_BUCKETS];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->bytes -= e->cost;
	if (e->kind == ENT_FILE)
		sfc_file_unref(e->u.file);
	else
		sfc_blob_unref(e->u.blob);
	free(e);
}

static void evict(struct sfc *c)
{
	while (c->bytes > c->budget && c->lru_tail)
		ent_drop(c, c->lru_tail);
}

/* Insert a new entry (after a failed find). Returns it, or NULL if it does
 * not fit the budget at all or allocation failed. */
static struct ent *insert(struct sfc *c, int kind, const struct sfc_key *k, const char *path, uint64_t h,
			  size_t content)
{
	size_t plen = strlen(path);
	size_t cost = content + plen + SFC_ENTRY_OVERHEAD;
	if (cost > c->budget)
		return NULL;
	struct ent *e = calloc(1, sizeof *e + plen + 1);
	if (!e)
		return NULL;
	e->kind = kind;
	e->key = *k;
	e->hash = h;
	e->cost = cost;
	memcpy(e->path, path, plen + 1);
	e->hnext = c->buckets[h % SFC_BUCKETS];
	c->buckets[h % SFC_BUCKETS] = e;
	lru_push(c, e);
	c->bytes += cost;
	return e;
}

/* ---- loaded files ----------------------------------------------------- */

struct sfc_file *sfc_file_get(struct sfc *c, const struct sfc_key *k)
{
	if (!c)
		return NULL;
	uint64_t h = ent_hash(ENT_FILE, k, "");
	struct sfc_file *r = NULL;
	pthread_mutex_lock(&c->lock);
	struct ent *e = find(c, ENT_FILE, k, "", h);
	if (e) {
		lru_unlink(c, e);
		lru_push(c, e);
		r = file_ref(e->u.file);
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

struct sfc_file *sfc_file_put(struct sfc *c, const struct sfc_key *k, sigfs_subject *s)
{
	struct sfc_file *nf = malloc(sizeof *nf);
	if (!nf) {
		sigfs_subject_free(s);
		return NULL;
	}
	nf->key = *k;
	nf->s = s;
	atomic_init(&nf->refs, 1);
	if (!c)
		return nf;

	uint64_t h = ent_hash(ENT_FILE, k, "");
	pthread_mutex_lock(&c->lock);
	struct ent *e = find(c, ENT_FILE, k, "", h);
	if (e) {
		/* Another thread loaded the same version first: use its copy. */
		struct sfc_file *r = file_ref(e->u.file);
		pthread_mutex_unlock(&c->lock);
		sfc_file_unref(nf);
		return r;
	}
	e = insert(c, ENT_FILE, k, "", h, (size_t)sigfs_subject_footprint(s) + SFC_FILE_OVERHEAD);
	if (e) {
		e->u.file = file_ref(nf);
		evict(c);
	}
	pthread_mutex_unlock(&c->lock);
	return nf;
}

void sfc_file_reaccount(struct sfc *c, const struct sfc_file *f)
{
	if (!c)
		return;
	size_t now = (size_t)sigfs_subject_footprint(f->s) + SFC_FILE_OVERHEAD; /* outside the lock */
	uint64_t h = ent_hash(ENT_FILE, &f->key, "");
	pthread_mutex_lock(&c->lock);
	struct ent *e = find(c, ENT_FILE, &f->key, "", h);
	if (e && e->u.file == f) {
		size_t cost = now + SFC_ENTRY_OVERHEAD;
		c->bytes = c->bytes - e->cost + cost;
		e->cost = cost;
		evict(c); /* may drop `f` itself: the caller still holds its reference */
	}
	pthread_mutex_unlock(&c->lock);
}

/* ---- rendered bytes --------------------------------------------------- */

struct sfc_blob *sfc_blob_get(struct sfc *c, const struct sfc_key *k, const char *path)
{
	if (!c)
		return NULL;
	uint64_t h = ent_hash(ENT_BLOB, k, path);
	struct sfc_blob *r = NULL;
	pthread_mutex_lock(&c->lock);
	struct ent *e = find(c, ENT_BLOB, k, path, h);
	if (e) {
		lru_unlink(c, e);
		lru_push(c, e);
		r = blob_ref(e->u.blob);
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

struct sfc_blob *sfc_blob_put(struct sfc *c, const struct sfc_key *k, const char *path, struct sfc_blob *b)
{
	if (!c)
		return b;
	uint64_t h = ent_hash(ENT_BLOB, k, path);
	pthread_mutex_lock(&c->lock);
	struct ent *e = find(c, ENT_BLOB, k, path, h);
	if (e) {
		struct sfc_blob *r = blob_ref(e->u.blob);
		pthread_mutex_unlock(&c->lock);
		sfc_blob_unref(b);
		return r;
	}
	e = insert(c, ENT_BLOB, k, path, h, b->len);
	if (e) {
		e->u.blob = blob_ref(b);
		evict(c);
	}
	pthread_mutex_unlock(&c->lock);
	return b;
}

void sfc_free(struct sfc *c)
{
	if (!c)
		return;
	while (c->lru_tail)
		ent_drop(c, c->lru_tail);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->probe_lock);
	free(c);
}
