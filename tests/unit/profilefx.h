/* Unit-test helper: the provisioning profiles of
 * tests/unit/data/make-profiles.sh, made into a fresh directory by setup()
 * and removed by teardown(); the test CA is an anchor (fx.anchors). Included
 * by test_profile.c and test_audit.c; everything here is static. */
#ifndef SIGFS_TEST_PROFILEFX_H
#define SIGFS_TEST_PROFILEFX_H

static struct {
	char dir[64];
	sigfs_anchors *anchors;
	char dev_sha[65], stranger_sha[65];
	uint8_t dev_bin[32];
} fx;

#include "readall.h"

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[160];
	uint8_t *p;

	snprintf(path, sizeof path, "%s/%s", fx.dir, name);
	p = read_all(path, len);
	if (!p)
		fail_msg("cannot read %s", path);
	return p;
}

static void read_sha(const char *name, char out[65])
{
	size_t len;
	uint8_t *p = slurp(name, &len);

	assert_true(len >= 64);
	memcpy(out, p, 64);
	out[64] = 0;
	free(p);
}

static int setup(void **state)
{
	char cmd[256];
	size_t len, i;
	uint8_t *pem;
	(void)state;

	snprintf(fx.dir, sizeof fx.dir, "/tmp/sigfs-test-profile.XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(cmd, sizeof cmd, "sh tests/unit/data/make-profiles.sh '%s' >/dev/null", fx.dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "tests/unit/data/make-profiles.sh failed\n");
		return -1;
	}
	pem = slurp("root.pem", &len);
	if (sigfs_anchors_from_pem(&fx.anchors, (const char *)pem, len) != SIGFS_OK)
		return -1;
	free(pem);
	read_sha("dev.sha256", fx.dev_sha);
	read_sha("stranger.sha256", fx.stranger_sha);
	for (i = 0; i < 32; i++)
		sscanf(fx.dev_sha + 2 * i, "%2hhx", &fx.dev_bin[i]);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	(void)state;

	sigfs_anchors_free(fx.anchors);
	if (fx.dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", fx.dir);
	}
	return 0;
}

static sigfs_profile *load(const char *name, const sigfs_anchors *anchors)
{
	sigfs_profile *p = NULL;
	size_t len;
	uint8_t *der = slurp(name, &len);
	int rc = sigfs_profile_parse(&p, der, len, anchors);

	free(der);
	if (rc != SIGFS_OK)
		fail_msg("sigfs_profile_parse(%s): %d %s", name, rc, sigfs_error_last());
	return p;
}

/* A plist whose root dict holds `dict_body` (XML). */
static sigfs_plist *xml(const char *dict_body)
{
	char doc[4096];
	sigfs_plist *pl = NULL;

	snprintf(
	    doc, sizeof doc,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>%s</dict></plist>\n",
	    dict_body);
	assert_int_equal(sigfs_plist_from_xml(&pl, (const uint8_t *)doc, strlen(doc)), SIGFS_OK);
	return pl;
}

#endif
