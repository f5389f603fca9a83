/* Fuzz target: the requirement interpreter against a random context.
 *
 * Input: one flags byte (1 CodeDirectory present, 2 the last certificate is
 * also a user anchor, 4 a secure timestamp, 8 platform 2), 20 bytes of
 * cdhash, then sections of a 16-bit big-endian length and the bytes: the
 * requirement blob, the identifier, the Info.plist, the entitlements, and up
 * to 8 DER certificates, leaf first. A missing section is empty. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "sigfs/reqeval.h"
#include "sigfs/trust.h"

#define MAX_CERTS 8

static int section(const uint8_t **p, size_t *n, const uint8_t **out, size_t *len)
{
	size_t l;

	*out = NULL;
	*len = 0;
	if (*n < 2)
		return 0;
	l = (size_t)(*p)[0] << 8 | (*p)[1];
	if (l > *n - 2)
		l = *n - 2;
	*out = *p + 2;
	*len = l;
	*p += 2 + l;
	*n -= 2 + l;
	return 1;
}

/* The certificate as a one-certificate PEM file. */
static sigfs_anchors *anchor_of(const uint8_t *der, size_t len)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n", tail[] = "\n-----END CERTIFICATE-----\n";
	size_t b64 = 4 * ((len + 2) / 3);
	char *pem = malloc(sizeof head + b64 + sizeof tail);
	sigfs_anchors *a = NULL;
	int n;

	if (!pem || len > 65535)
		goto out;
	memcpy(pem, head, sizeof head - 1);
	n = EVP_EncodeBlock((unsigned char *)pem + sizeof head - 1, der, (int)len);
	memcpy(pem + sizeof head - 1 + n, tail, sizeof tail);
	IGNORE(sigfs_anchors_from_pem(&a, pem, sizeof head - 1 + (size_t)n + sizeof tail - 1));
out:
	free(pem);
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigfs_req_context ctx;
	sigfs_req_result res;
	const uint8_t *req, *id, *info, *ent, *certs[MAX_CERTS];
	size_t req_len, id_len, info_len, ent_len, lens[MAX_CERTS], n = 0;
	sigfs_plist *pinfo = NULL, *pent = NULL;
	sigfs_anchors *anchors = NULL;
	char *ident = NULL;
	uint8_t flags;

	if (size < 21)
		return 0;
	memset(&ctx, 0, sizeof ctx);
	flags = data[0];
	memcpy(ctx.cdhash, data + 1, 20);
	data += 21;
	size -= 21;
	section(&data, &size, &req, &req_len);
	section(&data, &size, &id, &id_len);
	section(&data, &size, &info, &info_len);
	section(&data, &size, &ent, &ent_len);
	while (n < MAX_CERTS && section(&data, &size, &certs[n], &lens[n]))
		n++;
	if (flags & 1) {
		ident = malloc(id_len + 1);
		if (!ident)
			return 0;
		if (id_len)
			memcpy(ident, id, id_len);
		ident[id_len] = '\0';
		ctx.identifier = ident;
	}
	if (info_len && sigfs_plist_from_xml(&pinfo, info, info_len) == SIGFS_OK)
		ctx.info = sigfs_plist_root(pinfo);
	if (ent_len && sigfs_plist_from_xml(&pent, ent, ent_len) == SIGFS_OK)
		ctx.entitlements = sigfs_plist_root(pent);
	if ((flags & 2) && n > 0)
		anchors = anchor_of(certs[n - 1], lens[n - 1]);
	ctx.anchors = anchors;
	ctx.has_timestamp = (flags & 4) != 0;
	ctx.timestamp = 1556668800;
	ctx.platform = (flags & 8) ? 2 : 0;
	ctx.team_id = "TEAM123456";
	ctx.certs = certs;
	ctx.cert_lens = lens;
	ctx.ncerts = n;
	if (req_len)
		IGNORE(sigfs_req_evaluate(&res, req, req_len, &ctx));
	sigfs_anchors_free(anchors);
	sigfs_plist_free(pinfo);
	sigfs_plist_free(pent);
	free(ident);
	return 0;
}
