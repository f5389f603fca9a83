/* sigfs core: a bundle's shape — BundleDiskRep::setup as VERIFY-NOTES §2.4
 * and §4 state it: Contents/ vs flat vs versioned framework, Info.plist,
 * the main executable (CFBundleExecutable, else the Info.plist itself), the
 * Format= line, and where the signature lives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sigfs/bundle.h"
#include "sigfs/file.h"
#include "sigfs/plist.h"

static const char *const bundle_suffixes[] = {
    ".app",	    ".framework",  ".appex",	       ".xpc",	 ".bundle",
    ".plugin",	    ".kext",	   ".systemextension", ".dext",	 ".xcframework",
    ".qlgenerator", ".mdimporter", ".prefPane",	       ".saver",
};

static char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + (la ? 1 : 0), b, lb + 1);
	return p;
}

static const char *base_name(const char *rel)
{
	const char *s = strrchr(rel, '/');

	return s ? s + 1 : rel;
}

static int has_type(const sigfs_source *src, const char *a, const char *b, int type)
{
	struct sigfs_stat st;
	char *p = path_join(a, b);
	int ok = p && src->stat(src->ctx, p, &st) == SIGFS_OK && st.type == type;

	free(p);
	return ok;
}

int sigfs_bundle_probe(const sigfs_source *src, const char *rel, const struct sigfs_stat *st)
{
	const char *name = base_name(rel);
	size_t n = strlen(name);

	if (st->type != SIGFS_FT_DIR)
		return 0;
	for (size_t i = 0; i < sizeof bundle_suffixes / sizeof bundle_suffixes[0]; i++) {
		size_t k = strlen(bundle_suffixes[i]);

		if (n > k && strcmp(name + n - k, bundle_suffixes[i]) == 0)
			return 1;
	}
	/* a macOS bundle's own Contents/ and a version directory hold an
	 * Info.plist too, but they are parts of their bundle */
	if (strcmp(name, "Contents") == 0 || strcmp(name, "Resources") == 0)
		return 0;
	return has_type(src, rel, "Contents/Info.plist", SIGFS_FT_REG) ||
	       has_type(src, rel, "Info.plist", SIGFS_FT_REG) ||
	       has_type(src, rel, "Versions/Current", SIGFS_FT_LNK);
}

int sigfs_source_slurp(const sigfs_source *src, const char *rel, uint64_t max, uint8_t **out, size_t *len)
{
	struct sigfs_stat st;
	uint8_t *p;
	int err;

	*out = NULL;
	*len = 0;
	err = src->stat(src->ctx, rel, &st);
	if (err)
		return err;
	if (st.type != SIGFS_FT_REG)
		return SIGFS_ENOTFOUND;
	if (st.size > max)
		return sigfs_error_set(SIGFS_ENOMEM, "%s: %llu bytes, more than sigfs reads (%llu)", rel,
				       (unsigned long long)st.size, (unsigned long long)max);
	p = malloc(st.size ? (size_t)st.size : 1);
	if (!p)
		return sigfs_error_set(SIGFS_ENOMEM, "%s: out of memory", rel);
	err = sigfs_source_read_exact(src, rel, 0, p, (size_t)st.size);
	if (err) {
		free(p);
		return err;
	}
	*out = p;
	*len = (size_t)st.size;
	return SIGFS_OK;
}

/* Versions/Current of a versioned framework: a symlink to a plain name. */
static int current_version(const sigfs_source *src, const char *rel, char *buf, size_t cap)
{
	char *p = path_join(rel, "Versions/Current");
	size_t len = 0;
	int err;

	if (!p)
		return SIGFS_ENOMEM;
	err = src->readlink(src->ctx, p, buf, cap, &len);
	free(p);
	if (err)
		return err;
	if (len == 0 || strchr(buf, '/') || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return SIGFS_ENOTFOUND;
	return SIGFS_OK;
}

struct exec_reader {
	const sigfs_source *src;
	const char *rel;
};

static int exec_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	const struct exec_reader *r = ctx;

	return sigfs_source_read_exact(r->src, r->rel, off, dst, len);
}

int sigfs_bundle_load_macho(struct sigfs_file **out, const sigfs_source *src, const char *rel, uint64_t size)
{
	struct exec_reader r = {src, rel};

	return sigfs_file_load(out, exec_read, &r, size);
}

static void format_macho(sigfs_bundle *b)
{
	const struct sigfs_file *f = b->macho;
	size_t at;

	at = (size_t)snprintf(b->format, sizeof b->format, "%sbundle with Mach-O %s (", b->app ? "app " : "",
			      f->universal ? "universal" : "thin");
	for (size_t i = 0; i < f->nslices && at < sizeof b->format; i++) /* <= SIGFS_MAX_SLICES */
		at += (size_t)snprintf(b->format + at, sizeof b->format - at, "%s%s", i ? " " : "",
				       f->slices[i].arch);
	if (at < sizeof b->format)
		snprintf(b->format + at, sizeof b->format - at, ")");
}

/* CFBundleCopyExecutableURL: the named executable when it exists. */
static int find_exec(sigfs_bundle *b, const sigfs_source *src, const char *name)
{
	const char *dir = b->shape == SIGFS_SHAPE_CONTENTS ? "MacOS/" : "";
	struct sigfs_stat st;
	size_t n;
	int err;

	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return SIGFS_ENOTFOUND;
	n = strlen(dir) + strlen(name) + 1;
	b->exec_res = malloc(n);
	if (!b->exec_res)
		return SIGFS_ENOMEM;
	snprintf(b->exec_res, n, "%s%s", dir, name);
	b->exec = path_join(b->resroot, b->exec_res);
	if (!b->exec)
		return SIGFS_ENOMEM;
	err = src->stat(src->ctx, b->exec, &st);
	if (err == SIGFS_ENOTFOUND || (err == SIGFS_OK && st.type == SIGFS_FT_DIR)) {
		free(b->exec);
		free(b->exec_res);
		b->exec = b->exec_res = NULL;
		return SIGFS_ENOTFOUND;
	}
	if (err)
		return err;
	b->exec_type = st.type;
	if (st.type == SIGFS_FT_REG && st.size >= 8) {
		uint8_t head[SIGFS_PROBE_LEN];

		err = sigfs_source_read_exact(src, b->exec, 0, head, sizeof head);
		if (!err && sigfs_macho_probe(head, sizeof head, st.size)) {
			err = sigfs_bundle_load_macho(&b->macho, src, b->exec, st.size);
			if (!err)
				b->bytes_read += sigfs_file_bytes_read(b->macho);
		}
		if (err == SIGFS_ENOMEM)
			return err;
		b->exec_status = err;
	}
	if (b->macho)
		format_macho(b);
	else
		snprintf(b->format, sizeof b->format, "%sbundle with generic", b->app ? "app " : "");
	return SIGFS_OK;
}

static int read_info(sigfs_bundle *b, const sigfs_source *src, char **exec_name)
{
	sigfs_plist *pl = NULL;
	const sigfs_pv *root, *v;
	int err;

	*exec_name = NULL;
	err = sigfs_source_slurp(src, b->info_path, SIGFS_BUNDLE_MAX_PLIST, &b->info, &b->info_len);
	if (err == SIGFS_ENOTFOUND) {
		free(b->info_path);
		b->info_path = NULL;
		return SIGFS_OK;
	}
	if (err) {
		b->info_status = err; /* unreadable or too large: judged at verification */
		return SIGFS_OK;
	}
	b->bytes_read += b->info_len;
	err = sigfs_plist_from_xml(&pl, b->info, b->info_len);
	if (err == SIGFS_ENOMEM)
		return err;
	if (err)
		return SIGFS_OK; /* CFBundle makes up an empty dictionary */
	root = sigfs_plist_root(pl);
	b->info_entries = sigfs_plist_dict_count(pl);
	v = sigfs_pv_get(root, "CFBundlePackageType");
	b->app = sigfs_pv_type(v) == SIGFS_PV_STRING && strcmp(sigfs_pv_bytes(v, NULL), "APPL") == 0;
	v = sigfs_pv_get(root, "CFBundleExecutable");
	if (sigfs_pv_type(v) == SIGFS_PV_STRING && !(*exec_name = strdup(sigfs_pv_bytes(v, NULL))))
		err = SIGFS_ENOMEM;
	sigfs_plist_free(pl);
	return err;
}

static const struct {
	const char *name;
	uint32_t slot;
} detached_names[SIGFS_DETACHED_COUNT] = {
    {"CodeDirectory", CSSLOT_CODEDIRECTORY},
    {"CodeRequirements", CSSLOT_REQUIREMENTS},
    {"CodeTopDirectory", 4},
    {"CodeEntitlements", CSSLOT_ENTITLEMENTS},
    {"CodeRepSpecific", 6},
    {"CodeEntitlementDER", CSSLOT_DER_ENTITLEMENTS},
    {"LaunchConstraintSelf", 8},
    {"LaunchConstraintParent", 9},
    {"LaunchConstraintResponsible", 10},
    {"LibraryConstraint", 11},
    {"CodeRequirements-1", CSSLOT_ALTERNATE_CODEDIRECTORIES},
    {"CodeRequirements-2", CSSLOT_ALTERNATE_CODEDIRECTORIES + 1},
    {"CodeRequirements-3", CSSLOT_ALTERNATE_CODEDIRECTORIES + 2},
    {"CodeRequirements-4", CSSLOT_ALTERNATE_CODEDIRECTORIES + 3},
    {"CodeRequirements-5", CSSLOT_ALTERNATE_CODEDIRECTORIES + 4},
    {"CodeSignature", CSSLOT_SIGNATURESLOT},
    {"CodeResources", CSSLOT_RESOURCEDIR},
};

const char *sigfs_detached_name(size_t i, uint32_t *slot)
{
	if (i >= SIGFS_DETACHED_COUNT)
		return NULL;
	if (slot)
		*slot = detached_names[i].slot;
	return detached_names[i].name;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Components a file holds raw and a SuperBlob in a BlobWrapper: the CMS,
 * the top directory, the rep-specific data (codedirectory.cpp
 * slotAttributes: not cdComponentIsBlob; sigblob.cpp Maker::component). */
static int raw_component(uint32_t slot)
{
	return slot == CSSLOT_SIGNATURESLOT || slot == CSSLOT_APPLICATION || slot == CSSLOT_REP_SPECIFIC;
}

/* A detached signature: the component files of _CodeSignature/ assembled
 * into the SuperBlob an embedded signature would hold, parsed as one
 * slice covering the main executable file. */
static int read_detached(sigfs_bundle *b, const sigfs_source *src, uint64_t exec_size)
{
	uint8_t *part[SIGFS_DETACHED_COUNT] = {0}, *sb = NULL;
	size_t len[SIGFS_DETACHED_COUNT] = {0}, total = 12, count = 0, at;
	struct sigfs_file *f = NULL;
	int err = SIGFS_OK;

	for (size_t i = 0; i + 1 < SIGFS_DETACHED_COUNT; i++) { /* not CodeResources: slot 3 is the walk's */
		uint32_t slot = detached_names[i].slot;
		char *p;

		/* alternates are read upward and stop at the first missing one */
		if (slot > CSSLOT_ALTERNATE_CODEDIRECTORIES && slot < CSSLOT_SIGNATURESLOT &&
		    !((b->detached_files >> (i - 1)) & 1))
			continue;
		p = path_join(b->cs_dir, detached_names[i].name);

		if (!p) {
			err = SIGFS_ENOMEM;
			goto out;
		}
		err = sigfs_source_slurp(src, p, SIGFS_MAX_SIGNATURE_SIZE, &part[i], &len[i]);
		free(p);
		if (err == SIGFS_ENOTFOUND) {
			err = SIGFS_OK;
			continue;
		}
		if (err)
			goto out;
		b->detached_files |= 1u << i;
		b->bytes_read += len[i];
		if (len[i] == 0)
			continue; /* an empty CodeSignature: ad-hoc */
		total += 8 + len[i] + (raw_component(detached_names[i].slot) ? 8 : 0);
		count++;
		if (total > SIGFS_MAX_SIGNATURE_SIZE) {
			err = SIGFS_ENOMEM;
			goto out;
		}
	}
	sb = malloc(total);
	f = calloc(1, sizeof *f);
	if (f)
		f->slices = calloc(1, sizeof *f->slices);
	if (!sb || !f || !f->slices) {
		err = SIGFS_ENOMEM;
		goto out;
	}
	put_be32(sb, CSMAGIC_EMBEDDED_SIGNATURE);
	put_be32(sb + 4, (uint32_t)total);
	put_be32(sb + 8, (uint32_t)count);
	at = 12 + 8 * count;
	for (size_t i = 0, k = 0; i + 1 < SIGFS_DETACHED_COUNT; i++) {
		if (!len[i])
			continue;
		put_be32(sb + 12 + 8 * k, detached_names[i].slot);
		put_be32(sb + 16 + 8 * k, (uint32_t)at);
		if (raw_component(detached_names[i].slot)) {
			put_be32(sb + at, CSMAGIC_BLOBWRAPPER);
			put_be32(sb + at + 4, (uint32_t)(8 + len[i]));
			at += 8;
		}
		memcpy(sb + at, part[i], len[i]);
		at += len[i];
		k++;
	}
	f->nslices = 1;
	f->size = exec_size;
	f->slices[0].size = exec_size;
	f->slices[0].has_lc_sig = 1;
	f->slices[0].detached = 1;
	f->slices[0].sig = sb;
	f->slices[0].sig_len = total;
	sb = NULL;
	err = sigfs_signature_parse(&f->slices[0]);
	if (err == SIGFS_ENOMEM)
		goto out;
	err = SIGFS_OK; /* a malformed detached signature is data */
	b->detached = f;
	f = NULL;
out:
	for (size_t i = 0; i < SIGFS_DETACHED_COUNT; i++)
		free(part[i]);
	free(sb);
	sigfs_file_free(f);
	return err;
}

static int read_signature(sigfs_bundle *b, const sigfs_source *src)
{
	char *p = path_join(b->cs_dir, "CodeResources");
	int err;

	if (!p)
		return SIGFS_ENOMEM;
	err = sigfs_source_slurp(src, p, SIGFS_BUNDLE_MAX_PLIST, &b->cr, &b->cr_len);
	free(p);
	b->cr_status = err;
	if (!err)
		b->bytes_read += b->cr_len;
	if (b->macho) {
		for (size_t i = 0; i < b->macho->nslices; i++)
			if (b->macho->slices[i].has_lc_sig)
				b->sigloc = SIGFS_SIGLOC_EMBEDDED;
	} else if (b->exec && has_type(src, b->cs_dir, "CodeDirectory", SIGFS_FT_REG)) {
		struct sigfs_stat st;

		err = src->stat(src->ctx, b->exec, &st);
		b->sigloc = SIGFS_SIGLOC_DETACHED;
		err = err ? err : read_detached(b, src, st.size);
		if (err == SIGFS_ENOMEM)
			return err;
		if (err && !b->exec_status)
			b->exec_status = err;
	}
	return SIGFS_OK;
}

static int load(sigfs_bundle **out, const sigfs_source *src, const char *rel, int version_dir)
{
	sigfs_bundle *b = calloc(1, sizeof *b);
	char ver[256], *exec_name = NULL;
	int err = SIGFS_ENOMEM;

	*out = NULL;
	if (!b || !(b->rel = strdup(rel)))
		goto fail;
	if (version_dir) {
		b->shape = SIGFS_SHAPE_VERSIONED;
		b->version_dir = 1;
		b->base = strdup(rel);
		b->resroot = strdup(rel);
	} else if (has_type(src, rel, "Contents", SIGFS_FT_DIR)) {
		b->shape = SIGFS_SHAPE_CONTENTS;
		b->base = strdup(rel);
		b->resroot = path_join(rel, "Contents");
	} else if (current_version(src, rel, ver, sizeof ver) == SIGFS_OK) {
		char vdir[300];

		snprintf(vdir, sizeof vdir, "Versions/%s", ver);
		b->shape = SIGFS_SHAPE_VERSIONED;
		b->base = path_join(rel, vdir);
		b->resroot = b->base ? strdup(b->base) : NULL;
	} else {
		b->shape = SIGFS_SHAPE_FLAT;
		b->base = strdup(rel);
		b->resroot = strdup(rel);
	}
	if (!b->base || !b->resroot)
		goto fail;
	b->res_prefix = b->shape == SIGFS_SHAPE_FLAT ? "" : "Resources/";
	b->info_path =
	    path_join(b->resroot, b->shape == SIGFS_SHAPE_VERSIONED ? "Resources/Info.plist" : "Info.plist");
	b->cs_dir = path_join(b->resroot, "_CodeSignature");
	if (!b->info_path || !b->cs_dir)
		goto fail;
	err = read_info(b, src, &exec_name);
	if (err)
		goto fail;
	err = find_exec(b, src, exec_name);
	if (err == SIGFS_ENOTFOUND && b->info_path) {
		/* executable-less: the Info.plist is the main executable */
		b->exec = strdup(b->info_path);
		b->exec_res =
		    strdup(b->shape == SIGFS_SHAPE_VERSIONED ? "Resources/Info.plist" : "Info.plist");
		b->exec_is_info = 1;
		b->exec_type = SIGFS_FT_REG;
		snprintf(b->format, sizeof b->format, "bundle");
		err = b->exec && b->exec_res ? SIGFS_OK : SIGFS_ENOMEM;
	} else if (err == SIGFS_ENOTFOUND) {
		snprintf(b->format, sizeof b->format, "bundle");
		err = SIGFS_OK;
	}
	if (err == SIGFS_EACCES || err == SIGFS_EIO)
		err = SIGFS_OK; /* an unreadable executable is judged at verification */
	if (err)
		goto fail;
	err = read_signature(b, src);
	if (err)
		goto fail;
	if (b->shape == SIGFS_SHAPE_CONTENTS) {
		struct sigfs_stat st;
		char *t = path_join(b->resroot, "CodeResources");

		if (!t)
			goto fail;
		if (src->stat(src->ctx, t, &st) == SIGFS_OK && st.type == SIGFS_FT_REG)
			b->ticket_size = st.size;
		free(t);
	}
	free(exec_name);
	*out = b;
	return SIGFS_OK;
fail:
	free(exec_name);
	sigfs_bundle_free(b);
	return err ? err : SIGFS_ENOMEM;
}

int sigfs_bundle_load(sigfs_bundle **out, const sigfs_source *src, const char *rel)
{
	return load(out, src, rel, 0);
}

int sigfs_bundle_load_version(sigfs_bundle **out, const sigfs_source *src, const char *rel)
{
	return load(out, src, rel, 1);
}

void sigfs_bundle_free(sigfs_bundle *b)
{
	if (!b)
		return;
	free(b->rel);
	free(b->base);
	free(b->resroot);
	free(b->info_path);
	free(b->info);
	free(b->exec);
	free(b->exec_res);
	sigfs_file_free(b->macho);
	sigfs_file_free(b->detached);
	free(b->cs_dir);
	free(b->cr);
	free(b);
}

int sigfs_bundle_of_executable(const sigfs_source *src, const char *rel, sigfs_bundle **out)
{
	/* candidates: B/Contents/MacOS/X, B/Versions/V/X, B/X */
	static const char *const tails[] = {"/Contents/MacOS/", "/Versions/", "/"};
	const char *name = base_name(rel);
	size_t dirlen = (size_t)(name - rel);

	*out = NULL;
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		size_t tl = strlen(tails[i]), blen;
		sigfs_bundle *b = NULL;
		char *cand;
		int err;

		if (i == 1) { /* B/Versions/V/X: strip "/Versions/V/" */
			const char *v;

			if (dirlen < 2)
				continue;
			for (v = rel + dirlen - 2; v > rel && *v != '/'; v--)
				;
			if (v - rel < 9 || strncmp(v - 9, "/Versions", 9) != 0)
				continue;
			blen = (size_t)(v - 9 - rel);
		} else if (dirlen >= tl && strncmp(rel + dirlen - tl, tails[i], tl) == 0) {
			blen = dirlen - tl;
		} else if (i == 2 && dirlen == 0) {
			blen = 0; /* X at the root of a SOURCE that is a flat bundle */
		} else {
			continue;
		}
		cand = strndup(rel, blen);
		if (!cand)
			return SIGFS_ENOMEM;
		err = sigfs_bundle_load(&b, src, cand);
		free(cand);
		if (err == SIGFS_ENOMEM)
			return err;
		if (!err && b->exec && !b->exec_is_info && strcmp(b->exec, rel) == 0) {
			*out = b;
			return SIGFS_OK;
		}
		sigfs_bundle_free(b);
	}
	return SIGFS_ENOTFOUND;
}
