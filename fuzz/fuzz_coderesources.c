/* Fuzz target: _CodeSignature/CodeResources — the plist, the seals and the
 * rules (compiled), then every seal looked up and the rules rendered. */
#include "fuzz.h"
#include "sigfs/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_resdir *d = NULL;
	sigfs_buf b = SIGFS_BUF_INIT;
	int cs = 0;

	if (sigfs_resdir_parse(&d, &cs, data, size) != SIGFS_OK || !d)
		return 0;
	for (size_t i = 0; i < sigfs_resdir_seal_count(d); i++) {
		const struct sigfs_seal *s = sigfs_resdir_seal(d, i);

		if (sigfs_resdir_find(d, s->path) == NULL)
			__builtin_trap();
		IGNORE(sigfs_rules_match(sigfs_resdir_rules(d), s->path) != NULL);
	}
	IGNORE(sigfs_resdir_weak(d, "Resources/"));
	sigfs_rules_render(&b, sigfs_resdir_rules(d));
	sigfs_buf_free(&b);
	sigfs_resdir_free(d);
	return 0;
}
