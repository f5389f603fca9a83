/* sigfs core: certificate fields as Apple's code-signing code reads them
 * (core/certfield.h). */
#include "certfield.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

static int oid_is(const ASN1_OBJECT *obj, const uint8_t *oid, size_t oid_len)
{
	const unsigned char *data = obj ? OBJ_get0_data(obj) : NULL;

	return data && oid_len > 0 && (size_t)OBJ_length(obj) == oid_len && memcmp(data, oid, oid_len) == 0;
}

const ASN1_OCTET_STRING *sigfs_cert_ext(const X509 *x, const uint8_t *oid, size_t oid_len)
{
	int i, count = x ? X509_get_ext_count(x) : 0;

	for (i = 0; i < count; i++) { /* bounded by the parsed certificate */
		X509_EXTENSION *ext = X509_get_ext(x, i);

		if (ext && oid_is(X509_EXTENSION_get_object(ext), oid, oid_len))
			return X509_EXTENSION_get_data(ext);
	}
	return NULL;
}

char *sigfs_cert_subject(const X509 *x, const uint8_t *oid, size_t oid_len, size_t *len)
{
	const X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
	const ASN1_STRING *last = NULL;
	unsigned char *utf8 = NULL;
	int i, count = name ? X509_NAME_entry_count(name) : 0, n;

	for (i = 0; i < count; i++) { /* bounded by the parsed certificate */
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

		if (e && oid_is(X509_NAME_ENTRY_get_object(e), oid, oid_len))
			last = X509_NAME_ENTRY_get_data(e);
	}
	if (!last)
		return NULL;
	n = ASN1_STRING_to_UTF8(&utf8, last);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return (char *)utf8;
}
