/* Fuzz target: the rule matcher — lines of input; the first up to eight
 * are patterns (weights by position), the rest paths matched against
 * them. Bounds on pattern shape and path length are what is tested. */
#include <stdlib.h>

#include "fuzz.h"
#include "sigfs/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_rules *r = NULL;
	char *text = malloc(size + 1), *save = NULL;
	unsigned k = 0;

	if (!text || sigfs_rules_new(&r) != SIGFS_OK) {
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
		if (k < 8)
			IGNORE(sigfs_rules_add(r, line, k * 10, k & 7));
		else
			IGNORE(sigfs_rules_match(r, line) != NULL);
	}
	free(text);
	sigfs_rules_free(r);
	return 0;
}
