/* sigfs core: certificates decoded once per process (see certcache.h).
 *
 * The cache is an array of SIGFS_CERTCACHE_MAX entries under one mutex,
 * searched linearly by length and bytes (no digest to compute: a SHA-256 of
 * every certificate cost a fifth of a cdhash walk; memcmp stops at the
 * first differing byte, near the serial number) and evicting the least
 * recently used entry. X509 objects are shared by reference count; what
 * OpenSSL fills in lazily (the extension cache, which X509_cmp and
 * X509_check_issued write) is filled before an object is published, since
 * OpenSSL's own check for it is not visible to ThreadSanitizer as a lock.
 *
 * The SignedData decoders split the DER themselves with a small BER reader
 * that accepts only the exact shape RFC 5652 gives a ContentInfo holding a
 * SignedData: on anything else they hand the whole input to OpenSSL, so a
 * malformed signature is judged and reported exactly as OpenSSL does. */
#include "certcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "sigfs/cms.h"

struct entry {
	uint8_t *der; /* a copy: the key, compared whole */
	size_t len;
	X509 *x; /* NULL: free slot */
	uint64_t used;
	X509 *by; /* the last issuer x's signature was checked against (a reference) */
	int by_ok;
};

static struct {
	pthread_mutex_t lock;
	struct entry e[SIGFS_CERTCACHE_MAX];
	uint64_t tick;
	size_t hits, misses, link_hits;
	int atexit_done;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void drop(struct entry *e)
{
	X509_free(e->x);
	X509_free(e->by);
	free(e->der);
	e->x = e->by = NULL;
	e->der = NULL;
}

void sigfs_certcache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&cache.lock);
	for (i = 0; i < SIGFS_CERTCACHE_MAX; i++)
		drop(&cache.e[i]);
	cache.hits = cache.misses = cache.link_hits = 0;
	pthread_mutex_unlock(&cache.lock);
}

static void clear_at_exit(void)
{
	sigfs_certcache_clear();
}

void sigfs_certcache_stats(struct sigfs_certcache_stats *st)
{
	size_t i;

	pthread_mutex_lock(&cache.lock);
	st->entries = 0;
	for (i = 0; i < SIGFS_CERTCACHE_MAX; i++)
		st->entries += cache.e[i].x != NULL;
	st->hits = cache.hits;
	st->misses = cache.misses;
	st->link_hits = cache.link_hits;
	pthread_mutex_unlock(&cache.lock);
}

/* The entry of exactly these bytes, or NULL. Under the lock. */
static struct entry *find(const uint8_t *der, size_t len)
{
	size_t i;

	for (i = 0; i < SIGFS_CERTCACHE_MAX; i++)
		if (cache.e[i].x && cache.e[i].len == len && memcmp(cache.e[i].der, der, len) == 0)
			return &cache.e[i];
	return NULL;
}

/* A new reference to e's certificate (X509_up_ref fails only when the
 * count would overflow: then the caller decodes its own). Under the lock. */
static X509 *hit(struct entry *e)
{
	if (!X509_up_ref(e->x))
		return NULL;
	e->used = ++cache.tick;
	cache.hits++;
	return e->x;
}

X509 *sigfs_certcache_get(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	struct entry *e, *victim;
	uint8_t *copy;
	X509 *x = NULL;
	size_t i;

	if (len == 0 || len > SIGFS_CMS_MAX_SIZE)
		return NULL;
	pthread_mutex_lock(&cache.lock);
	e = find(der, len);
	if (e)
		x = hit(e);
	pthread_mutex_unlock(&cache.lock);
	if (x)
		return x;

	/* decode outside the lock: two threads may both decode one certificate
	 * the first time; the second to insert keeps the first's */
	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		return NULL;
	}
	/* fill what OpenSSL computes lazily and writes into the object (the
	 * extension cache: flags, key identifiers, SHA-1 hash) before any
	 * other thread can see it; after this, users only read */
	(void)X509_check_purpose(x, -1, 0);
	if (len > SIGFS_CERTCACHE_MAX_DER) /* decoded, not kept */
		return x;
	pthread_mutex_lock(&cache.lock);
	cache.misses++;
	e = find(der, len);
	if (e) {
		X509 *kept = hit(e);

		if (kept) {
			cache.hits--; /* counted as the miss it is */
			X509_free(x);
			x = kept;
		}
		pthread_mutex_unlock(&cache.lock);
		return x;
	}
	victim = &cache.e[0];
	for (i = 0; i < SIGFS_CERTCACHE_MAX; i++) { /* a free slot, else the least recently used */
		if (!cache.e[i].x) {
			victim = &cache.e[i];
			break;
		}
		if (cache.e[i].used < victim->used)
			victim = &cache.e[i];
	}
	copy = malloc(len);
	if (copy && X509_up_ref(x)) {
		drop(victim);
		memcpy(copy, der, len);
		victim->der = copy;
		victim->len = len;
		victim->x = x;
		victim->used = ++cache.tick;
		copy = NULL;
		/* after OpenSSL's own atexit handler is registered (d2i above
		 * initialised it), so this one runs first */
		if (!cache.atexit_done)
			cache.atexit_done = atexit(clear_at_exit) == 0;
	}
	free(copy);
	pthread_mutex_unlock(&cache.lock);
	return x;
}

/* The entry holding this very X509 object, or NULL. Under the lock. */
static struct entry *holding(const X509 *x)
{
	size_t i;

	for (i = 0; i < SIGFS_CERTCACHE_MAX; i++)
		if (cache.e[i].x == x)
			return &cache.e[i];
	return NULL;
}

int sigfs_certcache_signed_by(X509 *x, X509 *issuer)
{
	EVP_PKEY *k = X509_get0_pubkey(issuer);
	struct entry *e;
	int ok = -1;

	if (!k || X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(issuer)) != 0)
		return 0;
	/* the entry's reference keeps `by` alive, so the same pointer is the
	 * same certificate */
	pthread_mutex_lock(&cache.lock);
	e = holding(x);
	if (e && e->by == issuer) {
		ok = e->by_ok;
		cache.link_hits++;
	}
	pthread_mutex_unlock(&cache.lock);
	if (ok >= 0)
		return ok;
	ok = X509_verify(x, k) == 1;
	pthread_mutex_lock(&cache.lock);
	e = holding(x);
	if (e && X509_up_ref(issuer)) {
		X509_free(e->by);
		e->by = issuer;
		e->by_ok = ok;
	}
	pthread_mutex_unlock(&cache.lock);
	return ok;
}

/* ------------------------------------------------------------ BER reader */

/* OpenSSL's own bound on nested constructed encodings */
#define BER_MAX_DEPTH 30

struct tlv {
	uint8_t tag;
	const uint8_t *start, *c; /* the whole TLV; its contents */
	size_t clen, total;	  /* contents (without an end-of-contents); whole TLV */
};

/* One TLV at p[0..n) with a one-byte tag; an indefinite length is walked
 * to its end-of-contents (every step consumes at least 2 bytes, nesting is
 * bounded by BER_MAX_DEPTH). 0 on anything else. */
static int ber_tlv(const uint8_t *p, size_t n, struct tlv *t, unsigned depth)
{
	size_t len = 0, off = 2, k, nb;

	if (n < 2 || depth > BER_MAX_DEPTH || (p[0] & 0x1f) == 0x1f)
		return 0;
	t->tag = p[0];
	t->start = p;
	if (p[1] == 0x80) {
		struct tlv ch;

		if (!(p[0] & 0x20))
			return 0;
		for (;;) { /* at most n / 2 children */
			if (n - off < 2)
				return 0;
			if (p[off] == 0 && p[off + 1] == 0)
				break;
			if (!ber_tlv(p + off, n - off, &ch, depth + 1))
				return 0;
			off += ch.total;
		}
		t->c = p + 2;
		t->clen = off - 2;
		t->total = off + 2;
		return 1;
	}
	if (p[1] < 0x80)
		len = p[1];
	else {
		nb = p[1] & 0x7f;
		if (nb > 4 || n - 2 < nb)
			return 0;
		for (k = 0; k < nb; k++)
			len = len << 8 | p[2 + k];
		off = 2 + nb;
	}
	if (len > n - off)
		return 0;
	t->c = p + off;
	t->clen = len;
	t->total = off + len;
	return 1;
}

/* The children of t, at most max of them; -1 if more or if they do not
 * tile its contents. */
static int ber_children(const struct tlv *t, struct tlv *out, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < t->clen) { /* each child takes >= 2 bytes */
		if (n == max || !ber_tlv(t->c + off, t->clen - off, &out[n], 1))
			return -1;
		off += out[n++].total;
	}
	return n;
}

static size_t hdr_len(size_t len)
{
	return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : len < 0x1000000 ? 5 : 6;
}

static uint8_t *put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
	size_t nb = hdr_len(len) - 2, k;

	*p++ = tag;
	if (!nb) {
		*p++ = (uint8_t)len;
		return p;
	}
	*p++ = (uint8_t)(0x80 | nb);
	for (k = nb; k > 0; k--)
		*p++ = (uint8_t)(len >> (8 * (k - 1)));
	return p;
}

/* A ContentInfo holding a SignedData, split: `bare` is the same ContentInfo
 * without the certificates field (definite lengths outside the SignedData's
 * fields, which are copied as they are), certs[] the certificates' DER. */
struct split {
	uint8_t *bare;
	size_t bare_len;
	const uint8_t *cert[SIGFS_CMS_MAX_CERTS];
	size_t cert_len[SIGFS_CMS_MAX_CERTS], ncerts;
};

/* 1 split, 0 not that exact shape (or out of memory: OpenSSL decides) */
static int split_signed_data(const uint8_t *der, size_t len, struct split *sp)
{
	static const uint8_t oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
	struct tlv ci, top[3], ex[2], f[7], certs[SIGFS_CMS_MAX_CERTS + 1];
	size_t keep = 0, sd_len, ex_len;
	int nf, nc, k = 0, c = -1;
	uint8_t *p;

	sp->bare = NULL;
	sp->ncerts = 0;
	if (!ber_tlv(der, len, &ci, 0) || ci.tag != 0x30 || ci.total != len ||
	    ber_children(&ci, top, 3) != 2 || top[0].total != sizeof oid ||
	    memcmp(top[0].start, oid, sizeof oid) != 0 || top[1].tag != 0xa0 ||
	    ber_children(&top[1], ex, 2) != 1 || ex[0].tag != 0x30)
		return 0;
	/* version, digestAlgorithms, encapContentInfo, [0] certificates,
	 * [1] crls, signerInfos */
	nf = ber_children(&ex[0], f, 7);
	if (nf < 4 || nf > 6 || f[0].tag != 0x02 || f[1].tag != 0x31 || f[2].tag != 0x30 ||
	    f[nf - 1].tag != 0x31)
		return 0;
	for (k = 3; k < nf - 1; k++) {
		if (f[k].tag == 0xa0 && k == 3)
			c = k;
		else if (f[k].tag != 0xa1 || k != nf - 2)
			return 0;
	}
	if (c >= 0) {
		nc = ber_children(&f[c], certs, SIGFS_CMS_MAX_CERTS);
		if (nc < 0)
			return 0;
		for (k = 0; k < nc; k++) {
			if (certs[k].tag != 0x30)
				return 0;
			sp->cert[k] = certs[k].start;
			sp->cert_len[k] = certs[k].total;
		}
		sp->ncerts = (size_t)nc;
	}
	for (k = 0; k < nf; k++)
		if (k != c)
			keep += f[k].total;
	sd_len = hdr_len(keep) + keep;
	ex_len = hdr_len(sd_len) + sd_len;
	sp->bare_len = hdr_len(sizeof oid + ex_len) + sizeof oid + ex_len;
	sp->bare = p = malloc(sp->bare_len);
	if (!p)
		return 0;
	p = put_hdr(p, 0x30, sizeof oid + ex_len);
	memcpy(p, oid, sizeof oid);
	p = put_hdr(p + sizeof oid, 0xa0, sd_len);
	p = put_hdr(p, 0x30, keep);
	for (k = 0; k < nf; k++) {
		if (k == c)
			continue;
		memcpy(p, f[k].start, f[k].total);
		p += f[k].total;
	}
	return 1;
}

/* One decoder for both: d2i_CMS_ContentInfo (certificates put back from
 * the cache, in their order) or d2i_PKCS7 (certificates only checked). */
static void *d2i_one(int pkcs7, const unsigned char **p, size_t len)
{
	return pkcs7 ? (void *)d2i_PKCS7(NULL, p, (long)len)
		     : (void *)d2i_CMS_ContentInfo(NULL, p, (long)len);
}

static void free_one(int pkcs7, void *obj)
{
	if (pkcs7)
		PKCS7_free(obj);
	else
		CMS_ContentInfo_free(obj);
}

static void *decode(int pkcs7, const uint8_t *der, size_t len, size_t *used)
{
	const unsigned char *p;
	void *obj = NULL;
	struct split sp;
	size_t i;

	if (split_signed_data(der, len, &sp)) {
		p = sp.bare;
		obj = d2i_one(pkcs7, &p, sp.bare_len);
		if (obj && p != sp.bare + sp.bare_len) {
			free_one(pkcs7, obj);
			obj = NULL;
		}
		for (i = 0; obj && i < sp.ncerts; i++) { /* ncerts <= SIGFS_CMS_MAX_CERTS */
			X509 *x = sigfs_certcache_get(sp.cert[i], sp.cert_len[i]);

			/* a repeated certificate is refused by CMS_add0_cert
			 * where d2i keeps both: then OpenSSL decides */
			if (x && !pkcs7 && CMS_add0_cert(obj, x))
				continue;
			X509_free(x);
			if (!x || !pkcs7) {
				free_one(pkcs7, obj);
				obj = NULL;
			}
		}
		free(sp.bare);
		if (obj) {
			*used = len;
			return obj;
		}
		ERR_clear_error();
	}
	p = der;
	obj = d2i_one(pkcs7, &p, len);
	*used = obj ? (size_t)(p - der) : 0;
	return obj;
}

CMS_ContentInfo *sigfs_cms_d2i(const uint8_t *der, size_t len, size_t *used)
{
	return decode(0, der, len, used);
}

PKCS7 *sigfs_pkcs7_d2i_nocerts(const uint8_t *der, size_t len, size_t *used)
{
	return decode(1, der, len, used);
}
