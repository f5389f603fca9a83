/* mksig — a small test signer for sigfs fixtures.
 *
 * Independent of the sigfs core on purpose: it uses only libc and OpenSSL 3, and the
 * formats come from Apple's headers (xnu osfmk/kern/cs_blobs.h, Security
 * libsecurity_codesigning codedirectory.h, requirement.h) and apple-platform-rs
 * (code_directory.rs, embedded_signature.rs, plist_der.rs).  Constant values are
 * copied from include/sigfs/cs_blobs.h, nothing else of sigfs is used.
 *
 *   mksig [options] IN OUT          replace the signature of a thin 64-bit little-endian
 *                                   Mach-O (linked by ld64.lld with an ad-hoc signature)
 *   mksig --extract DIR IN          dump the CodeDirectories of IN's existing signature and
 *                                   re-hash IN's pages to DIR/slots-<slot>.txt
 *   mksig --der-from-xml IN OUT     encode a simple XML plist as Apple's DER plist
 *
 * See usage() for the options and tests/fixtures/README.md for how fixtures use it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

/* Apple's constants (values copied from include/sigfs/cs_blobs.h / xnu cs_blobs.h). */
#define CSMAGIC_REQUIREMENT		   0xfade0c00u
#define CSMAGIC_REQUIREMENTS		   0xfade0c01u
#define CSMAGIC_CODEDIRECTORY		   0xfade0c02u
#define CSMAGIC_EMBEDDED_SIGNATURE	   0xfade0cc0u
#define CSMAGIC_EMBEDDED_ENTITLEMENTS	   0xfade7171u
#define CSMAGIC_EMBEDDED_DER_ENTITLEMENTS  0xfade7172u
#define CSMAGIC_BLOBWRAPPER		   0xfade0b01u
#define CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT 0xfade8181u
#define CSSLOT_CODEDIRECTORY		   0u
#define CSSLOT_REQUIREMENTS		   2u
#define CSSLOT_ENTITLEMENTS		   5u
#define CSSLOT_DER_ENTITLEMENTS		   7u
#define CSSLOT_LAUNCH_CONSTRAINT_SELF	   8u
#define CSSLOT_LIBRARY_CONSTRAINT	   11u
#define CSSLOT_ALTERNATE_CODEDIRECTORIES   0x1000u
#define CSSLOT_SIGNATURESLOT		   0x10000u
#define CS_HASHTYPE_SHA1		   1u
#define CS_HASHTYPE_SHA256		   2u
#define CS_HASHTYPE_SHA384		   4u
#define CS_SUPPORTSSCATTER		   0x20100u
#define CS_SUPPORTSTEAMID		   0x20200u
#define CS_SUPPORTSCODELIMIT64		   0x20300u
#define CS_SUPPORTSEXECSEG		   0x20400u
#define CS_SUPPORTSRUNTIME		   0x20500u
#define CS_SUPPORTSLINKAGE		   0x20600u
#define CS_ADHOC			   0x00000002u
#define CS_EXECSEG_MAIN_BINARY		   0x1u
#define kSecDesignatedRequirementType	   3u

/* Requirement expression opcodes and match operators (Security requirement.h). */
#define opIdent		     2u
#define opAnd		     6u
#define opCertField	     11u
#define opAppleGenericAnchor 15u
#define matchEqual	     1u
#define kReqExprForm	     1u

/* Mach-O (mach-o/loader.h) */
#define MH_MAGIC_64	  0xfeedfacfu
#define MH_EXECUTE	  2u
#define LC_SEGMENT_64	  0x19u
#define LC_CODE_SIGNATURE 0x1du
#define CPU_TYPE_ARM64	  0x0100000cu

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1u << PAGE_SHIFT)
#define MAX_CHAIN  8
#define MAX_HASHES 3
#define MAX_BLOBS  16

static const char *prog = "mksig";

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ERR_peek_error() != 0)
		ERR_print_errors_fp(stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* ---- growable byte buffer ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *d, size_t n)
{
	if (n > SIZE_MAX - b->len)
		die("buffer overflow");
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (np == NULL)
			die("out of memory");
		b->p = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void buf_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

static void buf_be32(struct buf *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	buf_put(b, t, 4);
}

static void buf_be64(struct buf *b, uint64_t v)
{
	buf_be32(b, (uint32_t)(v >> 32));
	buf_be32(b, (uint32_t)v);
}

static void buf_zero(struct buf *b, size_t n)
{
	static const uint8_t z[64];
	while (n) {
		size_t k = n < sizeof z ? n : sizeof z;
		buf_put(b, z, k);
		n -= k;
	}
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p + 4) << 32 | get_le32(p);
}

static void set_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void set_le64(uint8_t *p, uint64_t v)
{
	set_le32(p, (uint32_t)v);
	set_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- files ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	struct buf b = {0};
	uint8_t tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_put(&b, tmp, n);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	*len = b.len;
	if (b.p == NULL)
		b.p = xmalloc(1);
	return b.p;
}

static void write_file(const char *path, const void *d, size_t n, int mode)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if (n && fwrite(d, 1, n, f) != n)
		die("%s: write error", path);
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	if (mode && chmod(path, (mode_t)mode) != 0)
		die("%s: chmod: %s", path, strerror(errno));
}

static void write_in_dir(const char *dir, const char *name, const void *d, size_t n)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		die("path too long");
	write_file(path, d, n, 0);
}

/* ---- hashes ---- */

struct hashalg {
	const char *name;
	uint8_t type, size;
};

static const struct hashalg hashalgs[] = {
    {"sha1", CS_HASHTYPE_SHA1, 20},
    {"sha256", CS_HASHTYPE_SHA256, 32},
    {"sha384", CS_HASHTYPE_SHA384, 48},
};

static const struct hashalg *hashalg_by_name(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof hashalgs / sizeof hashalgs[0]; i++)
		if (strlen(hashalgs[i].name) == n && memcmp(hashalgs[i].name, s, n) == 0)
			return &hashalgs[i];
	return NULL;
}

static const struct hashalg *hashalg_by_type(unsigned t)
{
	for (size_t i = 0; i < sizeof hashalgs / sizeof hashalgs[0]; i++)
		if (hashalgs[i].type == t)
			return &hashalgs[i];
	return NULL;
}

static const EVP_MD *hash_md(uint8_t type)
{
	switch (type) {
	case CS_HASHTYPE_SHA1: return EVP_sha1();
	case CS_HASHTYPE_SHA256: return EVP_sha256();
	case CS_HASHTYPE_SHA384: return EVP_sha384();
	default: die("unsupported hash type %u", type);
	}
}

static void hash(uint8_t type, const void *d, size_t n, uint8_t *out)
{
	unsigned int len = 0;
	if (!EVP_Digest(d, n, out, &len, hash_md(type), NULL))
		die("EVP_Digest failed");
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- Mach-O ---- */

struct macho {
	uint8_t *data;
	size_t size;
	uint32_t cputype, filetype;
	size_t cs_cmd;	     /* offset of the LC_CODE_SIGNATURE command */
	size_t linkedit_cmd; /* offset of the __LINKEDIT LC_SEGMENT_64 command */
	uint32_t dataoff, datasize;
	uint64_t text_fileoff, text_filesize;
	uint64_t le_fileoff;
	int have_text;
	int unpaged; /* a detached signature over a plain file: one code slot over it all */
};

static void macho_parse(struct macho *m, uint8_t *data, size_t size)
{
	memset(m, 0, sizeof *m);
	m->data = data;
	m->size = size;
	if (size < 32 || get_le32(data) != MH_MAGIC_64)
		die("input is not a thin 64-bit little-endian Mach-O");
	m->cputype = get_le32(data + 4);
	m->filetype = get_le32(data + 12);
	uint32_t ncmds = get_le32(data + 16), sizeofcmds = get_le32(data + 20);
	if (sizeofcmds > size - 32)
		die("load commands past end of file");
	size_t off = 32, end = 32 + (size_t)sizeofcmds;
	int have_cs = 0, have_le = 0;
	for (uint32_t i = 0; i < ncmds; i++) {
		if (end - off < 8)
			die("load command %u past end of commands", i);
		uint32_t cmd = get_le32(data + off), cmdsize = get_le32(data + off + 4);
		if (cmdsize < 8 || cmdsize > end - off)
			die("load command %u has bad size %u", i, cmdsize);
		if (cmd == LC_SEGMENT_64) {
			if (cmdsize < 72)
				die("short LC_SEGMENT_64");
			const char *name = (const char *)data + off + 8;
			if (strncmp(name, "__TEXT", 16) == 0) {
				m->text_fileoff = get_le64(data + off + 40);
				m->text_filesize = get_le64(data + off + 48);
				m->have_text = 1;
			} else if (strncmp(name, "__LINKEDIT", 16) == 0) {
				m->linkedit_cmd = off;
				m->le_fileoff = get_le64(data + off + 40);
				have_le = 1;
			}
		} else if (cmd == LC_CODE_SIGNATURE) {
			if (cmdsize != 16)
				die("bad LC_CODE_SIGNATURE size");
			m->cs_cmd = off;
			m->dataoff = get_le32(data + off + 8);
			m->datasize = get_le32(data + off + 12);
			have_cs = 1;
		}
		off += cmdsize;
	}
	if (!have_cs)
		die("input has no LC_CODE_SIGNATURE (link it with -adhoc_codesign)");
	if (!have_le)
		die("input has no __LINKEDIT segment");
	if (m->dataoff > size || m->datasize > size - m->dataoff)
		die("code signature past end of file");
	if (m->dataoff < end || m->le_fileoff > m->dataoff)
		die("code signature overlaps the load commands or precedes __LINKEDIT");
	if (m->dataoff % 16 != 0)
		die("code signature offset not 16-aligned");
}

/* ---- XML plist (a small subset) and Apple's DER plist encoding ---- */

enum ptype { P_DICT, P_ARRAY, P_STRING, P_INT, P_BOOL };

struct pnode {
	enum ptype t;
	char *s;	     /* string value */
	long long i;	     /* integer or bool value */
	char **keys;	     /* dict keys */
	struct pnode **kids; /* dict values or array items */
	size_t n;
};

struct xml {
	const char *start, *p, *end;
	const char *path;
	int depth;
};

__attribute__((noreturn)) static void xml_die(const struct xml *x, const char *what)
{
	die("%s: XML plist: %s at byte %zu", x->path, what, (size_t)(x->p - x->start));
}

static int xml_starts(const struct xml *x, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}

static void xml_skip_to(struct xml *x, const char *s)
{
	size_t n = strlen(s);
	while ((size_t)(x->end - x->p) >= n) {
		if (memcmp(x->p, s, n) == 0) {
			x->p += n;
			return;
		}
		x->p++;
	}
	xml_die(x, "unterminated markup");
}

/* Skip white space, the XML declaration, comments and the DOCTYPE. */
static void xml_skip_misc(struct xml *x)
{
	for (;;) {
		while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
			x->p++;
		if (xml_starts(x, "<?"))
			xml_skip_to(x, "?>");
		else if (xml_starts(x, "<!--"))
			xml_skip_to(x, "-->");
		else if (xml_starts(x, "<!"))
			xml_skip_to(x, ">");
		else
			return;
	}
}

static void xml_expect(struct xml *x, const char *s)
{
	xml_skip_misc(x);
	if (!xml_starts(x, s))
		xml_die(x, s);
	x->p += strlen(s);
}

/* Text up to the next '<', with the five predefined entities decoded. */
static char *xml_text(struct xml *x)
{
	struct buf b = {0};
	while (x->p < x->end && *x->p != '<') {
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
		int done = 0;
		if (*x->p == '&') {
			for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
				if (xml_starts(x, ents[i].ent)) {
					buf_u8(&b, (uint8_t)ents[i].c);
					x->p += strlen(ents[i].ent);
					done = 1;
					break;
				}
			if (!done)
				xml_die(x, "unsupported entity");
			continue;
		}
		buf_u8(&b, (uint8_t)*x->p++);
	}
	buf_u8(&b, 0);
	return (char *)b.p;
}

static struct pnode *pnode_new(enum ptype t)
{
	struct pnode *n = xmalloc(sizeof *n);
	memset(n, 0, sizeof *n);
	n->t = t;
	return n;
}

static void pnode_free(struct pnode *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		free(n->keys[i]);
		pnode_free(n->kids[i]);
	}
	free(n->keys);
	free(n->kids);
	free(n->s);
	free(n);
}

static void pnode_add(struct pnode *parent, char *key, struct pnode *kid)
{
	parent->kids = realloc(parent->kids, (parent->n + 1) * sizeof *parent->kids);
	parent->keys = realloc(parent->keys, (parent->n + 1) * sizeof *parent->keys);
	if (parent->kids == NULL || parent->keys == NULL)
		die("out of memory");
	parent->kids[parent->n] = kid;
	parent->keys[parent->n] = key;
	parent->n++;
}

static struct pnode *xml_value(struct xml *x)
{
	struct pnode *n;
	if (++x->depth > 64)
		xml_die(x, "nesting too deep");
	xml_skip_misc(x);
	if (xml_starts(x, "<true/>")) {
		x->p += 7;
		n = pnode_new(P_BOOL);
		n->i = 1;
	} else if (xml_starts(x, "<false/>")) {
		x->p += 8;
		n = pnode_new(P_BOOL);
	} else if (xml_starts(x, "<string/>")) {
		x->p += 9;
		n = pnode_new(P_STRING);
		n->s = xmalloc(1);
		n->s[0] = '\0';
	} else if (xml_starts(x, "<string>")) {
		x->p += 8;
		n = pnode_new(P_STRING);
		n->s = xml_text(x);
		xml_expect(x, "</string>");
	} else if (xml_starts(x, "<integer>")) {
		x->p += 9;
		n = pnode_new(P_INT);
		char *t = xml_text(x), *e;
		errno = 0;
		n->i = strtoll(t, &e, 0);
		if (errno || e == t || *e)
			xml_die(x, "bad integer");
		free(t);
		xml_expect(x, "</integer>");
	} else if (xml_starts(x, "<array/>")) {
		x->p += 8;
		n = pnode_new(P_ARRAY);
	} else if (xml_starts(x, "<array>")) {
		x->p += 7;
		n = pnode_new(P_ARRAY);
		for (;;) {
			xml_skip_misc(x);
			if (xml_starts(x, "</array>")) {
				x->p += 8;
				break;
			}
			pnode_add(n, NULL, xml_value(x));
		}
	} else if (xml_starts(x, "<dict/>")) {
		x->p += 7;
		n = pnode_new(P_DICT);
	} else if (xml_starts(x, "<dict>")) {
		x->p += 6;
		n = pnode_new(P_DICT);
		for (;;) {
			xml_skip_misc(x);
			if (xml_starts(x, "</dict>")) {
				x->p += 7;
				break;
			}
			xml_expect(x, "<key>");
			char *k = xml_text(x);
			xml_expect(x, "</key>");
			pnode_add(n, k, xml_value(x));
		}
	} else {
		xml_die(x, "unsupported or missing value element");
	}
	x->depth--;
	return n;
}

static struct pnode *xml_parse_plist(const char *path, const uint8_t *d, size_t len)
{
	struct xml x = {(const char *)d, (const char *)d, (const char *)d + len, path, 0};
	xml_skip_misc(&x);
	if (xml_starts(&x, "<plist"))
		xml_skip_to(&x, ">");
	struct pnode *n = xml_value(&x);
	if (n->t != P_DICT)
		xml_die(&x, "top level is not a dict");
	return n;
}

static void der_len(struct buf *b, size_t n)
{
	if (n < 0x80) {
		buf_u8(b, (uint8_t)n);
		return;
	}
	uint8_t t[8];
	int k = 0;
	while (n) {
		t[k++] = (uint8_t)n;
		n >>= 8;
	}
	buf_u8(b, (uint8_t)(0x80 | k));
	while (k)
		buf_u8(b, t[--k]);
}

static void der_tlv(struct buf *b, uint8_t tag, const void *content, size_t n)
{
	buf_u8(b, tag);
	der_len(b, n);
	buf_put(b, content, n);
}

static void der_int(struct buf *b, long long v)
{
	uint8_t t[9];
	int k = 0;
	/* minimal two's complement, big-endian */
	for (;;) {
		t[k++] = (uint8_t)v;
		long long rest =
		    v >> 8; /* arithmetic shift of a signed value: implementation-defined but universal */
		if ((rest == 0 && !(t[k - 1] & 0x80)) || (rest == -1 && (t[k - 1] & 0x80)))
			break;
		v = rest;
		if (k == 9)
			break;
	}
	uint8_t o[9];
	for (int i = 0; i < k; i++)
		o[i] = t[k - 1 - i];
	der_tlv(b, 0x02, o, (size_t)k);
}

struct kv {
	const char *k;
	const struct pnode *v;
};

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->k, ((const struct kv *)b)->k);
}

static void der_value(struct buf *b, const struct pnode *n)
{
	struct buf c = {0};
	switch (n->t) {
	case P_BOOL:
		buf_u8(&c, n->i ? 0xff : 0x00);
		der_tlv(b, 0x01, c.p, c.len);
		break;
	case P_INT: der_int(b, n->i); break;
	case P_STRING: der_tlv(b, 0x0c, n->s, strlen(n->s)); break;
	case P_ARRAY:
		for (size_t i = 0; i < n->n; i++)
			der_value(&c, n->kids[i]);
		der_tlv(b, 0x30, c.p, c.len);
		break;
	case P_DICT: {
		/* [CONTEXT 16] constructed, entries SEQUENCE { UTF8String key, value } sorted by key
		 * (apple-codesign plist_der.rs) */
		struct kv *kvs = xmalloc(n->n * sizeof *kvs);
		for (size_t i = 0; i < n->n; i++) {
			kvs[i].k = n->keys[i];
			kvs[i].v = n->kids[i];
		}
		qsort(kvs, n->n, sizeof *kvs, kv_cmp);
		for (size_t i = 0; i < n->n; i++) {
			struct buf e = {0};
			der_tlv(&e, 0x0c, kvs[i].k, strlen(kvs[i].k));
			der_value(&e, kvs[i].v);
			der_tlv(&c, 0x30, e.p, e.len);
			buf_free(&e);
		}
		free(kvs);
		der_tlv(b, 0xb0, c.p, c.len);
		break;
	}
	}
	buf_free(&c);
}

/* Top level: [APPLICATION 16] constructed { INTEGER 1, dict }. */
static void der_plist(struct buf *out, const struct pnode *root)
{
	struct buf c = {0};
	der_int(&c, 1);
	der_value(&c, root);
	der_tlv(out, 0x70, c.p, c.len);
	buf_free(&c);
}

static void der_from_xml_file(const char *path, struct buf *out)
{
	size_t len;
	uint8_t *d = read_file(path, &len);
	struct pnode *root = xml_parse_plist(path, d, len);
	der_plist(out, root);
	pnode_free(root);
	free(d);
}

/* ---- options ---- */

struct opts {
	const char *in, *out;
	const char *id, *team;
	const char *ent_xml, *ent_der_file;
	int ent_der, ent_der_only;
	const char *constraint[4]; /* slots 8..11 */
	const struct hashalg *hashes[MAX_HASHES];
	int nhashes;
	uint32_t cd_version;
	const char *key, *cert, *chain[MAX_CHAIN];
	int nchain;
	const char *tsa_key, *tsa_cert;
	time_t time, tsa_time;
	int have_time, have_tsa_time;
	int adhoc, empty_cms;
	int cdhashes; /* --cdhashes: the CDHashes and CDHashes2 signed attributes */
	uint32_t runtime, flags;
	uint64_t execseg_flags;
	int have_execseg_flags;
	uint8_t platform;
	const char *req_file;
	const char *info_plist; /* slot 1: hashed, not stored (a bundle's Info.plist) */
	const char *resources;	/* slot 3: hashed, not stored (_CodeSignature/CodeResources) */
	int dr, empty_reqs;
	const char *dump_dir;
};

static void usage(void)
{
	fputs("usage: mksig [options] IN OUT\n"
	      "       mksig --detached DIR [options] IN   sign any file; components to DIR\n"
	      "                                          (a bundle's _CodeSignature/)\n"
	      "       mksig --extract DIR IN\n"
	      "       mksig --der-from-xml IN.plist OUT.der\n"
	      "options:\n"
	      "  --id ID                 identifier (default: OUT's base name)\n"
	      "  --team TEAM             team identifier (CodeDirectory >= 0x20200)\n"
	      "  --hash LIST             sha256 (default), sha1,sha256, sha384 ...: first is slot 0,\n"
	      "                          the others alternates at 0x1000, 0x1001, ...\n"
	      "  --cd-version V          CodeDirectory version (default 0x20500)\n"
	      "  --flags F               CodeDirectory flags (--adhoc adds 0x2)\n"
	      "  --runtime V             runtime version (e.g. 0x0e0000)\n"
	      "  --execseg-flags F       exec segment flags (default 0x1 for MH_EXECUTE, else 0)\n"
	      "  --platform N            platform byte (default 0)\n"
	      "  --ent-xml FILE          XML entitlements (slot 5)\n"
	      "  --ent-der               also DER entitlements (slot 7) generated from --ent-xml\n"
	      "  --ent-der-only          like --ent-der but without the XML slot 5\n"
	      "  --ent-der-file FILE     DER entitlements (slot 7) as raw bytes\n"
	      "  --launch-self FILE      DER launch constraints, slot 8 (also --launch-parent 9,\n"
	      "                          --launch-responsible 10, --library-constraint 11)\n"
	      "  --req-file FILE         raw requirement-set blob (slot 2)\n"
	      "  --info-plist FILE       bind a bundle's Info.plist (slot 1: hashed, not stored)\n"
	      "  --resources FILE        bind _CodeSignature/CodeResources (slot 3: hashed, not stored)\n"
	      "  --dr                    designated requirement: identifier \"ID\" and anchor apple\n"
	      "                          generic and certificate leaf[subject.OU] = TEAM\n"
	      "  --empty-reqs            an empty requirement set (as codesign's ad-hoc signing)\n"
	      "  --key K --cert C        CMS signer (PEM); --chain C2 (repeatable) extra certificates\n"
	      "  --time T                signing time, 2024-01-02T03:04:05Z\n"
	      "  --tsa-key K --tsa-cert C  add an RFC 3161 time-stamp token made at --tsa-time\n"
	      "                          (default: --time)\n"
	      "  --adhoc                 no CMS (sets the adhoc flag); with --empty-cms an empty wrapper\n"
	      "  --cdhashes              CMS signed attributes 1.2.840.113635.100.9.1 (plist of the\n"
	      "                          truncated cdhashes by hash type) and 100.9.2 (OID, full cdhash)\n"
	      "  --dump-cd DIR           write DIR/cd-<slot hex>.bin, blob-<slot hex>.bin,\n"
	      "                          slots-<slot hex>.txt, cms.der, timestamp-token.der,\n"
	      "                          superblob.bin\n",
	      stderr);
	exit(2);
}

static unsigned long long parse_num(const char *s, const char *what)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (errno || e == s || *e)
		die("bad %s: %s", what, s);
	return v;
}

static time_t parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (e == NULL || *e)
		die("bad time (want 2024-01-02T03:04:05Z): %s", s);
	return timegm(&tm);
}

static void parse_hashes(struct opts *o, const char *s)
{
	o->nhashes = 0;
	while (*s) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		const struct hashalg *h = hashalg_by_name(s, n);
		if (h == NULL)
			die("unknown hash in --hash: %.*s", (int)n, s);
		if (o->nhashes == MAX_HASHES)
			die("too many hashes");
		o->hashes[o->nhashes++] = h;
		s += n;
		if (*s == ',')
			s++;
	}
	if (o->nhashes == 0)
		die("empty --hash");
}

/* ---- blobs ---- */

struct blob {
	uint32_t slot;
	struct buf b;
};

static void generic_blob(struct buf *b, uint32_t magic, const uint8_t *d, size_t n)
{
	if (n > UINT32_MAX - 8)
		die("blob too large");
	buf_be32(b, magic);
	buf_be32(b, (uint32_t)(n + 8));
	buf_put(b, d, n);
}

static void req_data(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	buf_be32(b, (uint32_t)n);
	buf_put(b, s, n);
	buf_zero(b, (4 - n % 4) % 4);
}

/* identifier "ID" and anchor apple generic and certificate leaf[subject.OU] = TEAM,
 * compiled left-associatively as Apple's csreq does: and(and(ident, anchor), certfield). */
static void designated_requirement_set(struct buf *out, const char *id, const char *team)
{
	struct buf expr = {0};
	buf_be32(&expr, opAnd);
	buf_be32(&expr, opAnd);
	buf_be32(&expr, opIdent);
	req_data(&expr, id);
	buf_be32(&expr, opAppleGenericAnchor);
	buf_be32(&expr, opCertField);
	buf_be32(&expr, 0); /* certificate slot 0: leaf */
	req_data(&expr, "subject.OU");
	buf_be32(&expr, matchEqual);
	req_data(&expr, team);

	struct buf req = {0};
	buf_be32(&req, CSMAGIC_REQUIREMENT);
	buf_be32(&req, (uint32_t)(12 + expr.len));
	buf_be32(&req, kReqExprForm);
	buf_put(&req, expr.p, expr.len);

	buf_be32(out, CSMAGIC_REQUIREMENTS);
	buf_be32(out, (uint32_t)(12 + 8 + req.len));
	buf_be32(out, 1);
	buf_be32(out, kSecDesignatedRequirementType);
	buf_be32(out, 20);
	buf_put(out, req.p, req.len);
	buf_free(&expr);
	buf_free(&req);
}

static size_t cd_header_size(uint32_t v)
{
	if (v >= CS_SUPPORTSLINKAGE)
		return 108;
	if (v >= CS_SUPPORTSRUNTIME)
		return 96;
	if (v >= CS_SUPPORTSEXECSEG)
		return 88;
	if (v >= CS_SUPPORTSCODELIMIT64)
		return 64;
	if (v >= CS_SUPPORTSTEAMID)
		return 52;
	if (v >= CS_SUPPORTSSCATTER)
		return 48;
	return 44;
}

/* special[k] is the blob for special slot k (1..nspecial), or NULL. */
static void build_cd(struct buf *cd, const struct opts *o, const struct macho *m, const struct hashalg *h,
		     const struct buf *special[], uint32_t nspecial)
{
	uint32_t v = o->cd_version;
	size_t hdr = cd_header_size(v);
	size_t idlen = strlen(o->id) + 1;
	size_t teamlen = (o->team && v >= CS_SUPPORTSTEAMID) ? strlen(o->team) + 1 : 0;
	uint32_t codelimit = m->dataoff;
	uint32_t page = m->unpaged ? codelimit : PAGE_SIZE;
	uint32_t ncode = m->unpaged ? codelimit > 0 : (codelimit + PAGE_SIZE - 1) / PAGE_SIZE;
	uint32_t identoff = (uint32_t)hdr;
	uint32_t teamoff = teamlen ? (uint32_t)(hdr + idlen) : 0;
	uint32_t hashoff = (uint32_t)(hdr + idlen + teamlen + (size_t)nspecial * h->size);
	uint64_t total = (uint64_t)hashoff + (uint64_t)ncode * h->size;
	if (total > UINT32_MAX)
		die("CodeDirectory too large");
	uint64_t esflags = o->have_execseg_flags ? o->execseg_flags
						 : (m->filetype == MH_EXECUTE ? CS_EXECSEG_MAIN_BINARY : 0);

	buf_be32(cd, CSMAGIC_CODEDIRECTORY);
	buf_be32(cd, (uint32_t)total);
	buf_be32(cd, v);
	buf_be32(cd, o->flags);
	buf_be32(cd, hashoff);
	buf_be32(cd, identoff);
	buf_be32(cd, nspecial);
	buf_be32(cd, ncode);
	buf_be32(cd, codelimit);
	buf_u8(cd, h->size);
	buf_u8(cd, h->type);
	buf_u8(cd, o->platform);
	buf_u8(cd, m->unpaged ? 0 : PAGE_SHIFT);
	buf_be32(cd, 0); /* spare2 */
	if (v >= CS_SUPPORTSSCATTER)
		buf_be32(cd, 0); /* scatterOffset */
	if (v >= CS_SUPPORTSTEAMID)
		buf_be32(cd, teamoff);
	if (v >= CS_SUPPORTSCODELIMIT64) {
		buf_be32(cd, 0); /* spare3 */
		buf_be64(cd, 0); /* codeLimit64: unused below 4 GiB */
	}
	if (v >= CS_SUPPORTSEXECSEG) {
		buf_be64(cd, m->text_fileoff);
		buf_be64(cd, m->text_filesize);
		buf_be64(cd, esflags);
	}
	if (v >= CS_SUPPORTSRUNTIME) {
		buf_be32(cd, o->runtime);
		buf_be32(cd, 0); /* preEncryptOffset */
	}
	if (v >= CS_SUPPORTSLINKAGE)
		buf_zero(cd, 12);
	if (cd->len != hdr)
		die("internal: CodeDirectory header size");
	buf_put(cd, o->id, idlen);
	if (teamlen)
		buf_put(cd, o->team, teamlen);
	/* special slots, stored from -nspecial up to -1 */
	for (uint32_t k = nspecial; k >= 1; k--) {
		uint8_t md[64];
		if (special[k] != NULL) {
			hash(h->type, special[k]->p, special[k]->len, md);
			buf_put(cd, md, h->size);
		} else {
			buf_zero(cd, h->size);
		}
	}
	for (uint32_t i = 0; i < ncode; i++) {
		uint8_t md[64];
		size_t off = (size_t)i * page;
		size_t n = codelimit - off < page ? codelimit - off : page;
		hash(h->type, m->data + off, n, md);
		buf_put(cd, md, h->size);
	}
	if (cd->len != total)
		die("internal: CodeDirectory size");
}

/* `codesign -d -vvvvvv` style slot listing of a CodeDirectory we trust (our own or re-hashed). */
static void slots_text(struct buf *out, const uint8_t *cd, size_t cdlen)
{
	if (cdlen < 44)
		die("short CodeDirectory");
	uint32_t hashoff = get_be32(cd + 16), nspecial = get_be32(cd + 24), ncode = get_be32(cd + 28);
	uint8_t hs = cd[36];
	if (hs == 0 || hs > 64 || nspecial > hashoff / hs || ncode > (cdlen - hashoff) / hs ||
	    hashoff > cdlen)
		die("CodeDirectory slots out of range");
	for (int64_t k = -(int64_t)nspecial; k < (int64_t)ncode; k++) {
		char line[160], h[130];
		hex(cd + hashoff + k * hs, hs, h);
		int n = snprintf(line, sizeof line, "%6d=%s\n", (int)k, h);
		buf_put(out, line, (size_t)n);
	}
}

static void dump_cd(const char *dir, uint32_t slot, const struct buf *cd)
{
	char name[64];
	snprintf(name, sizeof name, "cd-%x.bin", slot);
	write_in_dir(dir, name, cd->p, cd->len);
	struct buf s = {0};
	slots_text(&s, cd->p, cd->len);
	snprintf(name, sizeof name, "slots-%x.txt", slot);
	write_in_dir(dir, name, s.p, s.len);
	buf_free(&s);
}

/* ---- CMS and RFC 3161 ---- */

static EVP_PKEY *load_key(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	if (b == NULL)
		die("%s: cannot open", path);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k == NULL)
		die("%s: not a PEM private key", path);
	return k;
}

static X509 *load_cert(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	if (b == NULL)
		die("%s: cannot open", path);
	X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (c == NULL)
		die("%s: not a PEM certificate", path);
	return c;
}

static int ts_time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = (long)*(const time_t *)data;
	*usec = 0;
	return 1;
}

static ASN1_INTEGER *ts_serial_cb(TS_RESP_CTX *ctx, void *data)
{
	(void)ctx;
	(void)data;
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	if (s == NULL || !ASN1_INTEGER_set(s, 0x5157))
		die("ASN1_INTEGER_set");
	return s;
}

/* RFC 3161 token (DER ContentInfo) over sha256 of the signer's signature value. */
static void make_timestamp(const struct opts *o, const ASN1_OCTET_STRING *sig, struct buf *out)
{
	uint8_t md[32];
	hash(CS_HASHTYPE_SHA256, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), md);

	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	if (req == NULL || mi == NULL || alg == NULL ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, md, sizeof md) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) || !TS_REQ_set_cert_req(req, 1))
		die("TS request");
	BIO *reqbio = BIO_new(BIO_s_mem());
	if (reqbio == NULL || !i2d_TS_REQ_bio(reqbio, req))
		die("TS request encoding");

	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	X509 *tsa_cert = load_cert(o->tsa_cert);
	EVP_PKEY *tsa_key = load_key(o->tsa_key);
	ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.4146.2.3", 1);
	if (ctx == NULL || policy == NULL || !TS_RESP_CTX_set_signer_cert(ctx, tsa_cert) ||
	    !TS_RESP_CTX_set_signer_key(ctx, tsa_key) || !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) ||
	    !TS_RESP_CTX_set_def_policy(ctx, policy) || !TS_RESP_CTX_add_md(ctx, EVP_sha256()))
		die("TS context (the TSA certificate needs critical extendedKeyUsage=timeStamping)");
	TS_RESP_CTX_set_time_cb(ctx, ts_time_cb, (void *)(o->have_tsa_time ? &o->tsa_time : &o->time));
	TS_RESP_CTX_set_serial_cb(ctx, ts_serial_cb, NULL);
	TS_RESP *resp = TS_RESP_create_response(ctx, reqbio);
	if (resp == NULL)
		die("TS_RESP_create_response");
	const ASN1_INTEGER *status = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp));
	if (ASN1_INTEGER_get(status) != 0)
		die("time-stamp request refused (status %ld)", ASN1_INTEGER_get(status));
	PKCS7 *token = TS_RESP_get_token(resp);
	unsigned char *der = NULL;
	int n = i2d_PKCS7(token, &der);
	if (n <= 0)
		die("i2d_PKCS7");
	buf_put(out, der, (size_t)n);
	OPENSSL_free(der);
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	ASN1_OBJECT_free(policy);
	X509_free(tsa_cert);
	EVP_PKEY_free(tsa_key);
	BIO_free(reqbio);
	TS_REQ_free(req);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
}

/* The last time-stamp token made, for --dump-cd. */
static struct buf last_token;

/* The hash-agility attributes as Security's signer.cpp / cmssiginfo.c write
 * them: 100.9.1 = OCTET STRING of an XML plist {cdhashes = [<data>…]} with
 * each CodeDirectory's cdhash truncated to 20 bytes, by ascending hash type;
 * 100.9.2 = one SEQUENCE { digest OID, OCTET STRING full cdhash } value per
 * CodeDirectory. */
static void add_cdhashes(CMS_SignerInfo *si, const struct opts *o, const struct buf *cds)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
				   "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
				   "<plist version=\"1.0\">\n<dict>\n\t<key>cdhashes</key>\n\t<array>\n";
	static const char tail[] = "\t</array>\n</dict>\n</plist>\n";
	struct buf pl = {0};
	ASN1_OBJECT *o1 = OBJ_txt2obj("1.2.840.113635.100.9.1", 1),
		    *o2 = OBJ_txt2obj("1.2.840.113635.100.9.2", 1);
	X509_ATTRIBUTE *a2 = X509_ATTRIBUTE_new();
	if (!o1 || !o2 || !a2 || !X509_ATTRIBUTE_set1_object(a2, o2))
		die("CDHashes attributes");
	buf_put(&pl, head, sizeof head - 1);
	for (unsigned t = 1; t < 256; t++)
		for (int i = 0; i < o->nhashes; i++) {
			if (o->hashes[i]->type != t)
				continue;
			uint8_t h[64];
			unsigned char b64[64], der[96];
			hash(o->hashes[i]->type, cds[i].p, cds[i].len, h);
			int n = EVP_EncodeBlock(b64, h, 20);
			buf_put(&pl, "\t\t<data>\n\t\t", sizeof "\t\t<data>\n\t\t" - 1);
			buf_put(&pl, b64, (size_t)n);
			buf_put(&pl, "\n\t\t</data>\n", sizeof "\n\t\t</data>\n" - 1);
			/* SEQUENCE { OID, OCTET STRING } by hand: all lengths < 128 */
			const EVP_MD *md = hash_md(o->hashes[i]->type);
			ASN1_OBJECT *mo = OBJ_nid2obj(EVP_MD_type(md));
			unsigned char oid[32], *q = oid;
			int ol = i2d_ASN1_OBJECT(mo, &q), hl = o->hashes[i]->size;
			der[0] = 0x30;
			der[1] = (unsigned char)(ol + 2 + hl);
			memcpy(der + 2, oid, (size_t)ol);
			der[2 + ol] = 0x04;
			der[3 + ol] = (unsigned char)hl;
			memcpy(der + 4 + ol, h, (size_t)hl);
			if (!X509_ATTRIBUTE_set1_data(a2, V_ASN1_SEQUENCE, der, 4 + ol + hl))
				die("CDHashes2 value");
		}
	buf_put(&pl, tail, sizeof tail - 1);
	if (!CMS_signed_add1_attr_by_OBJ(si, o1, V_ASN1_OCTET_STRING, pl.p, (int)pl.len) ||
	    !CMS_signed_add1_attr(si, a2))
		die("adding the CDHashes attributes");
	X509_ATTRIBUTE_free(a2);
	ASN1_OBJECT_free(o1);
	ASN1_OBJECT_free(o2);
	buf_free(&pl);
}

/* Detached CMS SignedData over the slot-0 CodeDirectory, as codesign makes it. */
static void make_cms(const struct opts *o, const struct buf *cds, struct buf *out)
{
	const struct buf *cd0 = &cds[0];
	unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	EVP_PKEY *key = load_key(o->key);
	X509 *cert = load_cert(o->cert);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (cms == NULL)
		die("CMS_sign");
	CMS_SignerInfo *si = CMS_add1_signer(cms, cert, key, EVP_sha256(), flags);
	if (si == NULL)
		die("CMS_add1_signer");
	for (int i = 0; i < o->nchain; i++) {
		X509 *c = load_cert(o->chain[i]);
		if (!CMS_add1_cert(cms, c))
			die("CMS_add1_cert %s", o->chain[i]);
		X509_free(c);
	}
	if (o->have_time) {
		ASN1_TIME *t = ASN1_TIME_set(NULL, o->time);
		if (t == NULL ||
		    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(t), t, -1))
			die("signing time");
		ASN1_TIME_free(t);
	}
	if (o->cdhashes)
		add_cdhashes(si, o, cds);
	BIO *in = BIO_new_mem_buf(cd0->p, (int)cd0->len);
	if (in == NULL || !CMS_final(cms, in, NULL, flags))
		die("CMS_final");
	BIO_free(in);
	if (o->tsa_key) {
		struct buf tok = {0};
		make_timestamp(o, CMS_SignerInfo_get0_signature(si), &tok);
		ASN1_OBJECT *oid = OBJ_txt2obj("1.2.840.113549.1.9.16.2.14", 1);
		if (oid == NULL ||
		    !CMS_unsigned_add1_attr_by_OBJ(si, oid, V_ASN1_SEQUENCE, tok.p, (int)tok.len))
			die("adding the time-stamp token");
		ASN1_OBJECT_free(oid);
		buf_free(&last_token);
		last_token = tok;
	}
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		die("i2d_CMS_ContentInfo");
	buf_put(out, der, (size_t)n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* ---- signing ---- */

static int blob_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct blob *)a)->slot, y = ((const struct blob *)b)->slot;
	return x < y ? -1 : x > y;
}

/* The special-slot blobs the options ask for, independent of the code bytes: store[k] owns
 * them, special[k] points at the present ones; returns the highest present slot. */
static uint32_t special_slots(const struct opts *o, struct buf *special_store, const struct buf **special)
{
	uint32_t nspecial = 0;
	if (o->req_file) {
		size_t n;
		uint8_t *d = read_file(o->req_file, &n);
		buf_put(&special_store[CSSLOT_REQUIREMENTS], d, n);
		free(d);
	} else if (o->dr) {
		if (!o->team)
			die("--dr needs --team");
		designated_requirement_set(&special_store[CSSLOT_REQUIREMENTS], o->id, o->team);
	} else if (o->empty_reqs) {
		buf_be32(&special_store[CSSLOT_REQUIREMENTS], CSMAGIC_REQUIREMENTS);
		buf_be32(&special_store[CSSLOT_REQUIREMENTS], 12);
		buf_be32(&special_store[CSSLOT_REQUIREMENTS], 0);
	}
	if (o->ent_xml && !o->ent_der_only) {
		size_t n;
		uint8_t *d = read_file(o->ent_xml, &n);
		generic_blob(&special_store[CSSLOT_ENTITLEMENTS], CSMAGIC_EMBEDDED_ENTITLEMENTS, d, n);
		free(d);
	}
	if (o->ent_der_file || o->ent_der || o->ent_der_only) {
		struct buf der = {0};
		if (o->ent_der_file) {
			size_t n;
			uint8_t *d = read_file(o->ent_der_file, &n);
			buf_put(&der, d, n);
			free(d);
		} else {
			if (!o->ent_xml)
				die("--ent-der needs --ent-xml");
			der_from_xml_file(o->ent_xml, &der);
		}
		generic_blob(&special_store[CSSLOT_DER_ENTITLEMENTS], CSMAGIC_EMBEDDED_DER_ENTITLEMENTS,
			     der.p, der.len);
		buf_free(&der);
	}
	for (int i = 0; i < 4; i++)
		if (o->constraint[i]) {
			size_t n;
			uint8_t *d = read_file(o->constraint[i], &n);
			generic_blob(&special_store[CSSLOT_LAUNCH_CONSTRAINT_SELF + i],
				     CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT, d, n);
			free(d);
		}
	/* a bundle's Info.plist and CodeResources are bound by hash only */
	const char *bound[2] = {o->info_plist, o->resources};
	for (int i = 0; i < 2; i++)
		if (bound[i]) {
			size_t n;
			uint8_t *d = read_file(bound[i], &n);
			buf_put(&special_store[i == 0 ? 1 : 3], d, n);
			free(d);
		}
	for (uint32_t k = 1; k <= CSSLOT_LIBRARY_CONSTRAINT; k++)
		if (special_store[k].len) {
			special[k] = &special_store[k];
			nspecial = k;
		}
	return nspecial;
}

static void free_signing(struct buf *cms, struct buf *cds, struct buf *special_store, uint8_t *data)
{
	buf_free(cms);
	for (int i = 0; i < MAX_HASHES; i++)
		buf_free(&cds[i]);
	for (uint32_t k = 0; k <= CSSLOT_LIBRARY_CONSTRAINT; k++)
		buf_free(&special_store[k]);
	free(data);
}

static void sign(struct opts *o)
{
	size_t size;
	uint8_t *data = read_file(o->in, &size);
	struct macho m;
	macho_parse(&m, data, size);

	struct buf special_store[CSSLOT_LIBRARY_CONSTRAINT + 1];
	const struct buf *special[CSSLOT_LIBRARY_CONSTRAINT + 1];
	memset(special_store, 0, sizeof special_store);
	memset(special, 0, sizeof special);
	uint32_t nspecial = special_slots(o, special_store, special);

	/* Drop the old signature; the new one goes at the same offset. */
	uint32_t dataoff = m.dataoff;
	uint64_t page = m.cputype == CPU_TYPE_ARM64 ? 0x4000 : 0x1000;
	size_t sigsize = 0;
	struct buf sb = {0}, cds[MAX_HASHES], cms = {0};
	memset(cds, 0, sizeof cds);
	for (int attempt = 0;; attempt++) {
		if (attempt == 6)
			die("signature size does not converge");
		/* patch LC_CODE_SIGNATURE and __LINKEDIT for the size we will write */
		uint64_t le_filesize = (uint64_t)dataoff + sigsize - m.le_fileoff;
		set_le32(data + m.cs_cmd + 12, (uint32_t)sigsize);
		set_le64(data + m.linkedit_cmd + 48, le_filesize);
		set_le64(data + m.linkedit_cmd + 32, (le_filesize + page - 1) / page * page);
		m.datasize = (uint32_t)sigsize;

		struct blob blobs[MAX_BLOBS];
		int nblobs = 0;
		for (int i = 0; i < o->nhashes; i++) {
			buf_free(&cds[i]);
			build_cd(&cds[i], o, &m, o->hashes[i], special, nspecial);
			blobs[nblobs].slot = i == 0 ? CSSLOT_CODEDIRECTORY
						    : CSSLOT_ALTERNATE_CODEDIRECTORIES + (uint32_t)i - 1;
			blobs[nblobs++].b = cds[i];
		}
		for (uint32_t k = 1; k <= nspecial; k++)
			if (special[k] && k != 1 && k != 3) {
				blobs[nblobs].slot = k;
				blobs[nblobs++].b = *special[k];
			}
		buf_free(&cms);
		struct buf wrapper = {0};
		if (o->key) {
			make_cms(o, cds, &cms);
			generic_blob(&wrapper, CSMAGIC_BLOBWRAPPER, cms.p, cms.len);
		} else if (o->empty_cms) {
			generic_blob(&wrapper, CSMAGIC_BLOBWRAPPER, NULL, 0);
		}
		if (wrapper.len) {
			blobs[nblobs].slot = CSSLOT_SIGNATURESLOT;
			blobs[nblobs++].b = wrapper;
		}
		qsort(blobs, (size_t)nblobs, sizeof blobs[0], blob_cmp);

		buf_free(&sb);
		size_t total = 12 + 8 * (size_t)nblobs;
		for (int i = 0; i < nblobs; i++)
			total += blobs[i].b.len;
		buf_be32(&sb, CSMAGIC_EMBEDDED_SIGNATURE);
		buf_be32(&sb, (uint32_t)total);
		buf_be32(&sb, (uint32_t)nblobs);
		size_t off = 12 + 8 * (size_t)nblobs;
		for (int i = 0; i < nblobs; i++) {
			buf_be32(&sb, blobs[i].slot);
			buf_be32(&sb, (uint32_t)off);
			off += blobs[i].b.len;
		}
		for (int i = 0; i < nblobs; i++)
			buf_put(&sb, blobs[i].b.p, blobs[i].b.len);
		buf_free(&wrapper);
		if (sb.len <= sigsize)
			break;
		/* room for the blob, 16-aligned, with a little slack for size jitter */
		sigsize = (sb.len + 64 + 15) / 16 * 16;
	}

	struct buf outb = {0};
	buf_put(&outb, data, dataoff);
	buf_put(&outb, sb.p, sb.len);
	buf_zero(&outb, sigsize - sb.len);
	write_file(o->out, outb.p, outb.len, 0755);

	if (o->dump_dir) {
		for (int i = 0; i < o->nhashes; i++)
			dump_cd(o->dump_dir, i == 0 ? 0 : CSSLOT_ALTERNATE_CODEDIRECTORIES + (uint32_t)i - 1,
				&cds[i]);
		for (uint32_t k = 1; k <= nspecial; k++)
			if (special[k] && k != 1 && k != 3) {
				char name[64];
				snprintf(name, sizeof name, "blob-%x.bin", k);
				write_in_dir(o->dump_dir, name, special[k]->p, special[k]->len);
			}
		if (cms.len)
			write_in_dir(o->dump_dir, "cms.der", cms.p, cms.len);
		if (last_token.len)
			write_in_dir(o->dump_dir, "timestamp-token.der", last_token.p, last_token.len);
		write_in_dir(o->dump_dir, "superblob.bin", sb.p, sb.len);
	}
	buf_free(&outb);
	buf_free(&sb);
	free_signing(&cms, cds, special_store, data);
}

/* A detached signature over any file (a bundle's main executable that is no Mach-O, e.g. an
 * .xcframework's Info.plist): one code slot over the whole file, unpaged (VERIFY-NOTES §4), and
 * each component written to DIR under its canonicalSlotName (codedirectory.cpp): blobs with their
 * headers, the CMS raw (an empty CodeSignature for ad-hoc). */
static void sign_detached(struct opts *o, const char *dir)
{
	static const char *const names[CSSLOT_LIBRARY_CONSTRAINT + 1] = {
	    [CSSLOT_REQUIREMENTS] = "CodeRequirements",
	    [CSSLOT_ENTITLEMENTS] = "CodeEntitlements",
	    [CSSLOT_DER_ENTITLEMENTS] = "CodeEntitlementDER",
	    [CSSLOT_LAUNCH_CONSTRAINT_SELF] = "LaunchConstraintSelf",
	    [CSSLOT_LAUNCH_CONSTRAINT_SELF + 1] = "LaunchConstraintParent",
	    [CSSLOT_LAUNCH_CONSTRAINT_SELF + 2] = "LaunchConstraintResponsible",
	    [CSSLOT_LIBRARY_CONSTRAINT] = "LibraryConstraint",
	};
	size_t size;
	uint8_t *data = read_file(o->in, &size);
	struct macho m;
	memset(&m, 0, sizeof m);
	m.data = data;
	m.size = size;
	m.dataoff = (uint32_t)size;
	m.unpaged = 1;
	if (size > UINT32_MAX)
		die("%s: too large", o->in);

	struct buf special_store[CSSLOT_LIBRARY_CONSTRAINT + 1];
	const struct buf *special[CSSLOT_LIBRARY_CONSTRAINT + 1];
	memset(special_store, 0, sizeof special_store);
	memset(special, 0, sizeof special);
	uint32_t nspecial = special_slots(o, special_store, special);
	struct buf cds[MAX_HASHES], cms = {0};
	memset(cds, 0, sizeof cds);
	for (int i = 0; i < o->nhashes; i++) {
		char name[32];
		build_cd(&cds[i], o, &m, o->hashes[i], special, nspecial);
		snprintf(name, sizeof name, i == 0 ? "CodeDirectory" : "CodeRequirements-%d", i);
		write_in_dir(dir, name, cds[i].p, cds[i].len);
	}
	for (uint32_t k = 1; k <= nspecial; k++)
		if (special[k] && names[k])
			write_in_dir(dir, names[k], special[k]->p, special[k]->len);
	if (o->key)
		make_cms(o, cds, &cms);
	write_in_dir(dir, "CodeSignature", cms.p, cms.len);
	free_signing(&cms, cds, special_store, data);
}

/* Dump the CodeDirectories of an existing signature; the slots file comes from re-hashing the
 * file's pages and special blobs, and a mismatch with the stored hashes is an error. */
static void extract(const char *dir, const char *path)
{
	size_t size;
	uint8_t *data = read_file(path, &size);
	struct macho m;
	macho_parse(&m, data, size);
	const uint8_t *sb = data + m.dataoff;
	size_t sblen = m.datasize;
	if (sblen < 12 || get_be32(sb) != CSMAGIC_EMBEDDED_SIGNATURE)
		die("%s: no embedded signature SuperBlob", path);
	uint32_t len = get_be32(sb + 4), count = get_be32(sb + 8);
	if (len > sblen || len < 12 || count > (len - 12) / 8)
		die("%s: bad SuperBlob header", path);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t slot = get_be32(sb + 12 + 8 * i), off = get_be32(sb + 16 + 8 * i);
		if (off > len - 8 || get_be32(sb + off + 4) > len - off || get_be32(sb + off + 4) < 8)
			die("%s: blob %u out of range", path, i);
		uint32_t blen = get_be32(sb + off + 4);
		if (slot != CSSLOT_CODEDIRECTORY && !(slot >= CSSLOT_ALTERNATE_CODEDIRECTORIES &&
						      slot < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5))
			continue;
		const uint8_t *cd = sb + off;
		if (blen < 44 || get_be32(cd) != CSMAGIC_CODEDIRECTORY)
			die("%s: slot %x is not a CodeDirectory", path, slot);
		const struct hashalg *h = hashalg_by_type(cd[37]);
		uint32_t hashoff = get_be32(cd + 16), nspecial = get_be32(cd + 24), ncode = get_be32(cd + 28);
		uint32_t codelimit = get_be32(cd + 32);
		if (h == NULL || cd[36] != h->size || cd[39] != PAGE_SHIFT)
			die("%s: unsupported CodeDirectory hash or page size", path);
		if (hashoff > blen || nspecial > hashoff / h->size || ncode > (blen - hashoff) / h->size ||
		    codelimit > m.dataoff || ncode != (codelimit + PAGE_SIZE - 1) / PAGE_SIZE)
			die("%s: CodeDirectory slots out of range", path);
		for (uint32_t p = 0; p < ncode; p++) {
			uint8_t md[64];
			size_t po = (size_t)p * PAGE_SIZE;
			size_t n = codelimit - po < PAGE_SIZE ? codelimit - po : PAGE_SIZE;
			hash(h->type, data + po, n, md);
			if (memcmp(md, cd + hashoff + (size_t)p * h->size, h->size) != 0)
				die("%s: page %u hash mismatch in CodeDirectory slot %x", path, p, slot);
		}
		if (nspecial != 0)
			fprintf(stderr, "%s: note: special slots of %s not re-hashed\n", prog, path);
		struct buf cdb = {0};
		buf_put(&cdb, cd, blen);
		dump_cd(dir, slot, &cdb);
		buf_free(&cdb);
	}
	free(data);
}

int main(int argc, char **argv)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	o.cd_version = CS_SUPPORTSRUNTIME;
	o.hashes[0] = &hashalgs[1];
	o.nhashes = 1;
	const char *extract_dir = NULL, *detached_dir = NULL;
	int der_from_xml = 0;
	enum {
		O_ID = 256,
		O_TEAM,
		O_ENT_XML,
		O_ENT_DER,
		O_ENT_DER_ONLY,
		O_ENT_DER_FILE,
		O_LSELF,
		O_LPARENT,
		O_LRESP,
		O_LLIB,
		O_HASH,
		O_CDV,
		O_KEY,
		O_CERT,
		O_CHAIN,
		O_TSAKEY,
		O_TSACERT,
		O_TIME,
		O_ADHOC,
		O_EMPTYCMS,
		O_RUNTIME,
		O_FLAGS,
		O_ESFLAGS,
		O_PLATFORM,
		O_REQFILE,
		O_INFOPLIST,
		O_RESOURCES,
		O_DR,
		O_EMPTYREQS,
		O_DUMP,
		O_EXTRACT,
		O_DERXML,
		O_TSATIME,
		O_CDHASHES,
		O_DETACHED,
	};
	static const struct option lopts[] = {
	    {"id", 1, NULL, O_ID},
	    {"team", 1, NULL, O_TEAM},
	    {"ent-xml", 1, NULL, O_ENT_XML},
	    {"ent-der", 0, NULL, O_ENT_DER},
	    {"ent-der-only", 0, NULL, O_ENT_DER_ONLY},
	    {"ent-der-file", 1, NULL, O_ENT_DER_FILE},
	    {"launch-self", 1, NULL, O_LSELF},
	    {"launch-parent", 1, NULL, O_LPARENT},
	    {"launch-responsible", 1, NULL, O_LRESP},
	    {"library-constraint", 1, NULL, O_LLIB},
	    {"hash", 1, NULL, O_HASH},
	    {"cd-version", 1, NULL, O_CDV},
	    {"key", 1, NULL, O_KEY},
	    {"cert", 1, NULL, O_CERT},
	    {"chain", 1, NULL, O_CHAIN},
	    {"tsa-key", 1, NULL, O_TSAKEY},
	    {"tsa-cert", 1, NULL, O_TSACERT},
	    {"time", 1, NULL, O_TIME},
	    {"tsa-time", 1, NULL, O_TSATIME},
	    {"adhoc", 0, NULL, O_ADHOC},
	    {"empty-cms", 0, NULL, O_EMPTYCMS},
	    {"cdhashes", 0, NULL, O_CDHASHES},
	    {"runtime", 1, NULL, O_RUNTIME},
	    {"flags", 1, NULL, O_FLAGS},
	    {"execseg-flags", 1, NULL, O_ESFLAGS},
	    {"platform", 1, NULL, O_PLATFORM},
	    {"req-file", 1, NULL, O_REQFILE},
	    {"dr", 0, NULL, O_DR},
	    {"empty-reqs", 0, NULL, O_EMPTYREQS},
	    {"dump-cd", 1, NULL, O_DUMP},
	    {"info-plist", 1, NULL, O_INFOPLIST},
	    {"resources", 1, NULL, O_RESOURCES},
	    {"extract", 1, NULL, O_EXTRACT},
	    {"detached", 1, NULL, O_DETACHED},
	    {"der-from-xml", 0, NULL, O_DERXML},
	    {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case O_ID: o.id = optarg; break;
		case O_TEAM: o.team = optarg; break;
		case O_ENT_XML: o.ent_xml = optarg; break;
		case O_ENT_DER: o.ent_der = 1; break;
		case O_ENT_DER_ONLY: o.ent_der_only = 1; break;
		case O_ENT_DER_FILE: o.ent_der_file = optarg; break;
		case O_LSELF: o.constraint[0] = optarg; break;
		case O_LPARENT: o.constraint[1] = optarg; break;
		case O_LRESP: o.constraint[2] = optarg; break;
		case O_LLIB: o.constraint[3] = optarg; break;
		case O_HASH: parse_hashes(&o, optarg); break;
		case O_CDV: o.cd_version = (uint32_t)parse_num(optarg, "--cd-version"); break;
		case O_KEY: o.key = optarg; break;
		case O_CERT: o.cert = optarg; break;
		case O_CHAIN:
			if (o.nchain == MAX_CHAIN)
				die("too many --chain");
			o.chain[o.nchain++] = optarg;
			break;
		case O_TSAKEY: o.tsa_key = optarg; break;
		case O_TSACERT: o.tsa_cert = optarg; break;
		case O_TIME:
			o.time = parse_time(optarg);
			o.have_time = 1;
			break;
		case O_TSATIME:
			o.tsa_time = parse_time(optarg);
			o.have_tsa_time = 1;
			break;
		case O_ADHOC: o.adhoc = 1; break;
		case O_EMPTYCMS: o.empty_cms = 1; break;
		case O_CDHASHES: o.cdhashes = 1; break;
		case O_RUNTIME: o.runtime = (uint32_t)parse_num(optarg, "--runtime"); break;
		case O_FLAGS: o.flags = (uint32_t)parse_num(optarg, "--flags"); break;
		case O_ESFLAGS:
			o.execseg_flags = parse_num(optarg, "--execseg-flags");
			o.have_execseg_flags = 1;
			break;
		case O_PLATFORM: o.platform = (uint8_t)parse_num(optarg, "--platform"); break;
		case O_REQFILE: o.req_file = optarg; break;
		case O_DR: o.dr = 1; break;
		case O_EMPTYREQS: o.empty_reqs = 1; break;
		case O_DUMP: o.dump_dir = optarg; break;
		case O_INFOPLIST: o.info_plist = optarg; break;
		case O_RESOURCES: o.resources = optarg; break;
		case O_EXTRACT: extract_dir = optarg; break;
		case O_DETACHED: detached_dir = optarg; break;
		case O_DERXML: der_from_xml = 1; break;
		default: usage();
		}
	}
	if (extract_dir) {
		if (optind != argc - 1)
			usage();
		extract(extract_dir, argv[optind]);
		return 0;
	}
	if (optind != argc - (detached_dir ? 1 : 2))
		usage();
	if (der_from_xml) {
		struct buf der = {0};
		der_from_xml_file(argv[optind], &der);
		write_file(argv[optind + 1], der.p, der.len, 0);
		buf_free(&der);
		return 0;
	}
	o.in = argv[optind];
	o.out = detached_dir ? o.in : argv[optind + 1];
	if (o.id == NULL) {
		const char *s = strrchr(o.out, '/');
		o.id = s ? s + 1 : o.out;
	}
	if (!o.adhoc && !(o.key && o.cert))
		die("give --key and --cert, or --adhoc");
	if (o.adhoc && o.key)
		die("--adhoc and --key exclude each other");
	if ((o.tsa_key != NULL) != (o.tsa_cert != NULL) || (o.tsa_key && !o.have_time))
		die("--tsa-key, --tsa-cert and --time go together");
	if (o.adhoc)
		o.flags |= CS_ADHOC;
	if (detached_dir)
		sign_detached(&o, detached_dir);
	else
		sign(&o);
	return 0;
}
