/* sigfs core: the sealed resource directory (_CodeSignature/CodeResources)
 * and its rules — resources.cpp (ResourceBuilder::addRule, findRule,
 * ResourceSeal) and StaticCode.cpp (loadResources, hasWeakResourceRules) as
 * VERIFY-NOTES §1 states them. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigfs/bundle.h"
#include "sigfs/plist.h"

/* ------------------------------------------------------------ messages */

static const struct {
	int status;
	const char *name, *msg;
} cs_texts[] = {
    {CS_UNSIGNED, "errSecCSUnsigned", "code object is not signed at all"},
    {CS_SIGNATURE_FAILED, "errSecCSSignatureFailed",
     "invalid signature (code or signature have been modified)"},
    {CS_NOT_VERIFIABLE, "errSecCSSignatureNotVerifiable",
     "the code cannot be read by the verifier (file system permissions etc.)"},
    {CS_BAD_DICTIONARY, "errSecCSBadDictionaryFormat", "a required plist file or resource is malformed"},
    {CS_RESOURCES_NOT_FOUND, "errSecCSResourcesNotFound",
     "code has no resources but signature indicates they must be present"},
    {CS_RESOURCES_INVALID, "errSecCSResourcesInvalid", "the sealed resource directory is invalid"},
    {CS_BAD_RESOURCE, "errSecCSBadResource", "a sealed resource is missing or invalid"},
    {CS_RULES_INVALID, "errSecCSResourceRulesInvalid", "invalid resource specification rule(s)"},
    {CS_REQ_INVALID, "errSecCSReqInvalid", "invalid or corrupted code requirement(s)"},
    {CS_REQ_FAILED, "errSecCSReqFailed", "code failed to satisfy specified code requirement(s)"},
    {CS_BAD_OBJECT_FORMAT, "errSecCSBadObjectFormat",
     "object file format unrecognized, invalid, or unsuitable"},
    {CS_SIGNATURE_INVALID, "errSecCSSignatureInvalid", "invalid or unsupported format for signature"},
    {CS_INFO_PLIST_FAILED, "errSecCSInfoPlistFailed",
     "invalid Info.plist (plist or signature have been modified)"},
    {CS_NO_MAIN_EXECUTABLE, "errSecCSNoMainExecutable", "the code has no main executable file"},
    {CS_BAD_BUNDLE_FORMAT, "errSecCSBadBundleFormat", "bundle format unrecognized, invalid, or unsuitable"},
    {CS_RESOURCE_DIR_FAILED, "errSecCSResourceDirectoryFailed",
     "invalid resource directory (directory or signature have been modified)"},
    {CS_BAD_NESTED_CODE, "errSecCSBadNestedCode", "nested code is modified or invalid"},
    {CS_RESOURCE_NOT_SUPPORTED, "errSecCSResourceNotSupported",
     "unsupported resource found (something not a directory, file or symlink)"},
    {CS_REGULAR_FILE, "errSecCSRegularFile",
     "the main executable or Info.plist must be a regular file (no symlinks, etc.)"},
    {CS_UNSEALED_APP_ROOT, "errSecCSUnsealedAppRoot", "unsealed contents present in the bundle root"},
    {CS_WEAK_RULES, "errSecCSWeakResourceRules", "resource envelope is obsolete (custom omit rules)"},
    {CS_DSSTORE_SYMLINK, "errSecCSDSStoreSymlink", ".DS_Store files cannot be a symlink"},
    {CS_BAD_FRAMEWORK_VERSION, "errSecCSBadFrameworkVersion",
     "embedded framework contains modified or invalid version"},
    {CS_UNSEALED_FRAMEWORK_ROOT, "errSecCSUnsealedFrameworkRoot",
     "unsealed contents present in the root directory of an embedded framework"},
    {CS_WEAK_ENVELOPE, "errSecCSWeakResourceEnvelope", "resource envelope is obsolete (version 1 signature)"},
    {CS_INVALID_SYMLINK, "errSecCSInvalidSymlink", "invalid destination for symbolic link in bundle"},
    {CS_INVALID_ASSOCIATED_FILE_DATA, "errSecCSInvalidAssociatedFileData",
     "resource fork, Finder information, or similar detritus not allowed"},
};

const char *sigfs_cs_message(int status)
{
	for (size_t i = 0; i < sizeof cs_texts / sizeof cs_texts[0]; i++)
		if (cs_texts[i].status == status)
			return cs_texts[i].msg;
	return NULL;
}

const char *sigfs_cs_name(int status)
{
	for (size_t i = 0; i < sizeof cs_texts / sizeof cs_texts[0]; i++)
		if (cs_texts[i].status == status)
			return cs_texts[i].name;
	return NULL;
}

/* ------------------------------------------------------------ rules */

struct rule {
	struct sigfs_rule pub;
	char *pattern;
	regex_t re;
};

struct sigfs_rules {
	struct rule *r;
	size_t n, cap;
};

int sigfs_rules_new(sigfs_rules **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SIGFS_OK : sigfs_error_set(SIGFS_ENOMEM, "rules: out of memory");
}

void sigfs_rules_free(sigfs_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		regfree(&r->r[i].re);
		free(r->r[i].pattern);
	}
	free(r->r);
	free(r);
}

/* Refuse what makes glibc's regex engine slow or huge: back-references
 * (\1-\9, exponential matching); a quantifier right after another one or
 * quantifiers nested more than SIGFS_RULE_MAX_NEST deep (regcomp doubles
 * its automaton for each: `a+++++++++++++++++++` takes seconds); more than
 * SIGFS_RULE_MAX_QUANT quantifiers; repetition counts whose product passes
 * SIGFS_RULE_MAX_REPEAT. Apple's rules use a handful of `*`, none nested. */
#define SIGFS_RULE_MAX_NEST  3
#define SIGFS_RULE_MAX_QUANT 32

static int pattern_sane(const char *p)
{
	int depth_in[SIGFS_RULE_MAX_PATTERN + 1]; /* per open group: deepest quantifier inside */
	int level = 0, last = 0, last_quant = 0, nquant = 0;
	unsigned long product = 1;

	depth_in[0] = 0;
	for (size_t i = 0; p[i]; i++) { /* bounded by SIGFS_RULE_MAX_PATTERN */
		char ch = p[i];
		int q = 0, nest;

		if (ch == '\\') {
			if (p[i + 1] >= '1' && p[i + 1] <= '9')
				return 0;
			if (p[i + 1])
				i++;
			last = 0, last_quant = 0;
			continue;
		}
		if (ch == '[') { /* a bracket expression: no quantifiers inside */
			size_t j = i + 1;

			if (p[j] == '^')
				j++;
			if (p[j] == ']')
				j++;
			for (; p[j] && p[j] != ']'; j++)
				if (p[j] == '[' && (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
					const char *e = strchr(p + j + 2, p[j + 1]);

					if (!e || e[1] != ']')
						return 0;
					j = (size_t)(e + 1 - p);
				}
			if (!p[j])
				return 0;
			i = j;
			last = 0, last_quant = 0;
			continue;
		}
		if (ch == '(') {
			depth_in[++level] = 0;
			last_quant = 0;
			continue;
		}
		if (ch == ')') {
			if (level == 0)
				return 0;
			last = depth_in[level--];
			if (last > depth_in[level])
				depth_in[level] = last;
			last_quant = 0;
			continue;
		}
		q = ch == '*' || ch == '+' || ch == '?' || ch == '{';
		if (!q) {
			last = 0, last_quant = 0;
			continue;
		}
		if (last_quant || ++nquant > SIGFS_RULE_MAX_QUANT)
			return 0;
		nest = last + 1;
		if (nest > SIGFS_RULE_MAX_NEST)
			return 0;
		if (nest > depth_in[level])
			depth_in[level] = nest;
		if (ch == '{') {
			unsigned long hi = 0, v = 0;
			size_t j = i + 1;

			for (; p[j] && p[j] != '}'; j++) {
				if (p[j] >= '0' && p[j] <= '9') {
					v = v * 10 + (unsigned long)(p[j] - '0');
					if (v > SIGFS_RULE_MAX_REPEAT)
						return 0;
					if (v > hi)
						hi = v;
				} else {
					v = 0;
				}
			}
			product *= hi ? hi : 1;
			if (product > SIGFS_RULE_MAX_REPEAT)
				return 0;
			if (!p[j])
				return 0;
			i = j;
		}
		last_quant = 1;
	}
	return level == 0;
}

/* Match order: exclusions first, weight descending, pattern bytewise. */
static int rule_before(const struct rule *a, const struct rule *b)
{
	int ea = !!(a->pub.flags & SIGFS_RULE_EXCLUSION), eb = !!(b->pub.flags & SIGFS_RULE_EXCLUSION);

	if (ea != eb)
		return ea > eb;
	if (a->pub.weight != b->pub.weight)
		return a->pub.weight > b->pub.weight;
	return strcmp(a->pattern, b->pattern) < 0;
}

int sigfs_rules_add(sigfs_rules *r, const char *pattern, uint32_t weight, uint32_t flags)
{
	struct rule nr;
	size_t at;

	if (r->n >= SIGFS_RULES_MAX)
		return sigfs_error_set(SIGFS_EMALFORMED, "rules: more than %d rules", SIGFS_RULES_MAX);
	if (strlen(pattern) > SIGFS_RULE_MAX_PATTERN || !pattern_sane(pattern))
		return sigfs_error_set(SIGFS_EMALFORMED, "rules: pattern too long or too complex: %.60s",
				       pattern);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rule *nv = realloc(r->r, cap * sizeof *nv);

		if (!nv)
			return sigfs_error_set(SIGFS_ENOMEM, "rules: out of memory");
		r->r = nv;
		r->cap = cap;
	}
	memset(&nr, 0, sizeof nr);
	nr.pattern = strdup(pattern);
	if (!nr.pattern)
		return sigfs_error_set(SIGFS_ENOMEM, "rules: out of memory");
	if (regcomp(&nr.re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		free(nr.pattern);
		return sigfs_error_set(SIGFS_EMALFORMED, "rules: pattern does not compile: %.60s", pattern);
	}
	nr.pub.pattern = nr.pattern;
	nr.pub.weight = weight;
	nr.pub.flags = flags;
	for (at = r->n; at > 0 && rule_before(&nr, &r->r[at - 1]); at--)
		;
	memmove(&r->r[at + 1], &r->r[at], (r->n - at) * sizeof *r->r);
	r->r[at] = nr;
	r->n++;
	return SIGFS_OK;
}

size_t sigfs_rules_count(const sigfs_rules *r)
{
	return r ? r->n : 0;
}

const struct sigfs_rule *sigfs_rules_at(const sigfs_rules *r, size_t i)
{
	return r && i < r->n ? &r->r[i].pub : NULL;
}

/* findRule: an exclusion wins at once, else the strictly heaviest match;
 * in match order that is simply the first rule that matches. */
const struct sigfs_rule *sigfs_rules_match(const sigfs_rules *r, const char *path)
{
	if (!r || strlen(path) > SIGFS_RULE_MAX_PATH)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (regexec(&r->r[i].re, path, 0, NULL, 0) == 0)
			return &r->r[i].pub;
	return NULL;
}

void sigfs_rules_render(sigfs_buf *b, const sigfs_rules *r)
{
	static const char *const names[] = {"omit", "optional", "nested", "exclude", "soft"};

	for (size_t i = 0; i < sigfs_rules_count(r); i++) {
		const struct sigfs_rule *x = &r->r[i].pub;
		int any = 0;

		sigfs_buf_printf(b, "%u\t", x->weight);
		/* listed as exclude,omit,optional,nested,soft */
		static const int order[] = {3, 0, 1, 2, 4};
		for (size_t k = 0; k < 5; k++) {
			if (x->flags & (1u << order[k])) {
				sigfs_buf_printf(b, "%s%s", any ? "," : "", names[order[k]]);
				any = 1;
			}
		}
		sigfs_buf_printf(b, "%s\t%s\n", any ? "" : "-", x->pattern);
	}
}

/* ------------------------------------------------------------ CodeResources */

struct sigfs_resdir {
	sigfs_plist *pl;
	int version;
	const sigfs_pv *rules_dict;
	sigfs_rules *rules;
	struct sigfs_seal *seals; /* sorted by path */
	size_t nseals;
};

static int seal_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sigfs_seal *)a)->path, ((const struct sigfs_seal *)b)->path);
}

/* ResourceSeal: data → {hash}; dict with requirement (string) → nested;
 * with symlink (string) → link; else a file; optional must be a bool. */
static int read_seal(struct sigfs_seal *s, const char *key, const sigfs_pv *v)
{
	const sigfs_pv *req, *link, *opt;

	memset(s, 0, sizeof *s);
	s->path = key;
	if (sigfs_pv_type(v) == SIGFS_PV_DATA) {
		s->hash[0] = (const uint8_t *)sigfs_pv_bytes(v, &s->hash_len[0]);
		return CS_OK;
	}
	if (sigfs_pv_type(v) != SIGFS_PV_DICT)
		return CS_RESOURCES_INVALID;
	opt = sigfs_pv_get(v, "optional");
	if (opt && sigfs_pv_type(opt) != SIGFS_PV_BOOL)
		return CS_RESOURCES_INVALID;
	s->optional = sigfs_pv_true(opt);
	req = sigfs_pv_get(v, "requirement");
	link = sigfs_pv_get(v, "symlink");
	if (req) {
		const sigfs_pv *cd = sigfs_pv_get(v, "cdhash");

		if (sigfs_pv_type(req) != SIGFS_PV_STRING)
			return CS_RESOURCES_INVALID;
		s->kind = SIGFS_SEAL_NESTED;
		s->requirement = sigfs_pv_bytes(req, NULL);
		if (sigfs_pv_type(cd) == SIGFS_PV_DATA)
			s->cdhash = (const uint8_t *)sigfs_pv_bytes(cd, &s->cdhash_len);
		return CS_OK;
	}
	if (link) {
		if (sigfs_pv_type(link) != SIGFS_PV_STRING)
			return CS_RESOURCES_INVALID;
		s->kind = SIGFS_SEAL_SYMLINK;
		s->symlink = sigfs_pv_bytes(link, NULL);
		return CS_OK;
	}
	for (int t = 0; t < SIGFS_SEAL_HASHES; t++) {
		char name[8] = "hash";
		const sigfs_pv *h;

		if (t > 0)
			name[4] = (char)('0' + t);
		h = sigfs_pv_get(v, name);
		if (sigfs_pv_type(h) == SIGFS_PV_DATA)
			s->hash[t] = (const uint8_t *)sigfs_pv_bytes(h, &s->hash_len[t]);
	}
	return CS_OK;
}

static int read_rules(sigfs_resdir *d)
{
	size_t n = sigfs_pv_count(d->rules_dict);

	if (n > SIGFS_RULES_MAX)
		return CS_RULES_INVALID;
	if (sigfs_rules_new(&d->rules))
		return SIGFS_ENOMEM;
	for (size_t i = 0; i < n; i++) { /* n <= SIGFS_RULES_MAX */
		const char *key = NULL;
		const sigfs_pv *v = sigfs_pv_at(d->rules_dict, i, &key);
		uint32_t weight = 1, flags = 0;
		int err;

		if (!key)
			return CS_RULES_INVALID;
		if (sigfs_pv_type(v) == SIGFS_PV_BOOL) {
			if (!sigfs_pv_true(v))
				flags |= SIGFS_RULE_OMIT;
		} else if (sigfs_pv_type(v) == SIGFS_PV_DICT) {
			const sigfs_pv *w = sigfs_pv_get(v, "weight");
			double dw;

			/* Apple writes <real>, reads it as an unsigned int */
			if (w && (sigfs_pv_number(w, &dw) != SIGFS_OK || !(dw >= 0 && dw <= UINT32_MAX)))
				return CS_RULES_INVALID;
			if (w)
				weight = (uint32_t)dw;
			if (sigfs_pv_true(sigfs_pv_get(v, "omit")))
				flags |= SIGFS_RULE_OMIT;
			if (sigfs_pv_true(sigfs_pv_get(v, "optional")))
				flags |= SIGFS_RULE_OPTIONAL;
			if (sigfs_pv_true(sigfs_pv_get(v, "nested")))
				flags |= SIGFS_RULE_NESTED;
		} else {
			return CS_RULES_INVALID;
		}
		err = sigfs_rules_add(d->rules, key, weight, flags);
		if (err == SIGFS_ENOMEM)
			return err;
		if (err)
			return CS_RULES_INVALID;
	}
	return CS_OK;
}

int sigfs_resdir_parse(sigfs_resdir **out, int *cs, const uint8_t *p, size_t n)
{
	sigfs_resdir *d;
	const sigfs_pv *root, *files;
	int st;

	*out = NULL;
	*cs = CS_RESOURCES_NOT_FOUND;
	d = calloc(1, sizeof *d);
	if (!d)
		return sigfs_error_set(SIGFS_ENOMEM, "CodeResources: out of memory");
	st = sigfs_plist_from_xml(&d->pl, p, n);
	if (st == SIGFS_ENOMEM)
		goto fail;
	if (st)
		goto bad; /* not a plist: no resource directory */
	root = sigfs_plist_root(d->pl);
	if (sigfs_pv_type(sigfs_pv_get(root, "rules")) != SIGFS_PV_DICT ||
	    sigfs_pv_type(sigfs_pv_get(root, "files")) != SIGFS_PV_DICT)
		goto bad;
	*cs = CS_RESOURCES_INVALID;
	if (sigfs_pv_get(root, "files2")) {
		d->version = 2;
		files = sigfs_pv_get(root, "files2");
		d->rules_dict = sigfs_pv_get(root, "rules2");
	} else {
		d->version = 1;
		files = sigfs_pv_get(root, "files");
		d->rules_dict = sigfs_pv_get(root, "rules");
	}
	if (sigfs_pv_type(files) != SIGFS_PV_DICT || sigfs_pv_type(d->rules_dict) != SIGFS_PV_DICT)
		goto bad;
	d->nseals = sigfs_pv_count(files);
	if (d->nseals > SIGFS_SEALS_MAX)
		goto bad;
	d->seals = calloc(d->nseals ? d->nseals : 1, sizeof *d->seals);
	if (!d->seals) {
		st = sigfs_error_set(SIGFS_ENOMEM, "CodeResources: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < d->nseals; i++) { /* nseals <= SIGFS_SEALS_MAX */
		const char *key = NULL;
		const sigfs_pv *v = sigfs_pv_at(files, i, &key);

		if (!key || read_seal(&d->seals[i], key, v) != CS_OK)
			goto bad;
	}
	qsort(d->seals, d->nseals, sizeof *d->seals, seal_cmp);
	st = read_rules(d);
	if (st == SIGFS_ENOMEM)
		goto fail;
	if (st) {
		*cs = st;
		goto bad;
	}
	*cs = CS_OK;
	*out = d;
	return SIGFS_OK;
bad:
	sigfs_resdir_free(d);
	return SIGFS_OK;
fail:
	sigfs_resdir_free(d);
	return SIGFS_ENOMEM;
}

void sigfs_resdir_free(sigfs_resdir *d)
{
	if (!d)
		return;
	sigfs_rules_free(d->rules);
	free(d->seals);
	sigfs_plist_free(d->pl);
	free(d);
}

int sigfs_resdir_version(const sigfs_resdir *d)
{
	return d->version;
}

sigfs_rules *sigfs_resdir_rules(sigfs_resdir *d)
{
	return d->rules;
}

size_t sigfs_resdir_rule_count(const sigfs_resdir *d)
{
	return sigfs_pv_count(d->rules_dict);
}

size_t sigfs_resdir_seal_count(const sigfs_resdir *d)
{
	return d->nseals;
}

const struct sigfs_seal *sigfs_resdir_seal(const sigfs_resdir *d, size_t i)
{
	return i < d->nseals ? &d->seals[i] : NULL;
}

const struct sigfs_seal *sigfs_resdir_find(const sigfs_resdir *d, const char *path)
{
	struct sigfs_seal key;

	key.path = path;
	return bsearch(&key, d->seals, d->nseals, sizeof *d->seals, seal_cmp);
}

int sigfs_resdir_weak(const sigfs_resdir *d, const char *res)
{
	const char *catch_all = d->version == 1 ? "^Resources/" : "^.*";
	char locversion[64];
	int covers = 0;

	snprintf(locversion, sizeof locversion, "^%s.*\\.lproj/locversion.plist$", res);
	for (size_t i = 0; i < sigfs_pv_count(d->rules_dict); i++) { /* <= SIGFS_RULES_MAX */
		const char *key = NULL;
		const sigfs_pv *v = sigfs_pv_at(d->rules_dict, i, &key);
		int omit;

		if (strcmp(key, catch_all) == 0 && sigfs_pv_type(v) == SIGFS_PV_BOOL && sigfs_pv_true(v)) {
			covers = 1;
			continue;
		}
		omit = (sigfs_pv_type(v) == SIGFS_PV_BOOL && !sigfs_pv_true(v)) ||
		       (sigfs_pv_type(v) == SIGFS_PV_DICT && sigfs_pv_true(sigfs_pv_get(v, "omit")));
		if (omit && strcmp(key, "^(.*/)?\\.DS_Store$") != 0 && strcmp(key, "^Info\\.plist$") != 0 &&
		    strcmp(key, "^PkgInfo$") != 0 && strcmp(key, locversion) != 0)
			return 1;
	}
	return !covers;
}
