/* sigfs core: a stapled notarization ticket — the whole regular file
 * Contents/CodeResources of a macOS-style bundle (notarization.cpp,
 * VERIFY-NOTES §5), outside the seal by the built-in ^CodeResources$
 * exclusion. Offline, sigfs says only: present, size, SHA-256. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "sigfs/bundle.h"

/* Tickets are a few KiB; anything past this is not read. */
#define SIGFS_TICKET_MAX ((uint64_t)16 << 20)

int sigfs_ticket_render(sigfs_buf *out, const sigfs_bundle *b, const sigfs_source *src, int raw)
{
	uint8_t *p = NULL, md[32];
	size_t len = 0;
	char *path;
	int err;

	if (b->shape != SIGFS_SHAPE_CONTENTS || b->ticket_size == 0) {
		if (!raw)
			sigfs_buf_puts(out, "none\n");
		return raw ? SIGFS_ENOTFOUND : SIGFS_OK;
	}
	if (asprintf(&path, "%s/CodeResources", b->resroot) < 0)
		return sigfs_error_set(SIGFS_ENOMEM, "ticket: out of memory");
	err = sigfs_source_slurp(src, path, SIGFS_TICKET_MAX, &p, &len);
	free(path);
	if (err == SIGFS_ENOTFOUND && !raw) {
		sigfs_buf_puts(out, "none\n");
		return SIGFS_OK;
	}
	if (err)
		return err;
	if (raw) {
		sigfs_buf_put(out, p, len);
	} else {
		unsigned int ml = 0;

		if (!EVP_Digest(p, len, md, &ml, EVP_sha256(), NULL)) {
			free(p);
			return sigfs_error_set(SIGFS_ENOMEM, "ticket: sha256 failed");
		}
		sigfs_buf_printf(out, "stapled %zu bytes sha256 ", len);
		sigfs_buf_hex(out, md, ml);
		sigfs_buf_putc(out, '\n');
	}
	free(p);
	return SIGFS_OK;
}
