/* sigfs core: trust anchors — Apple's roots (by the SHA-256 of their DER,
 * as SecAppleAnchor.c and VERIFY-NOTES §3.5 list them) and the roots a user
 * adds with -o anchors=FILE, treated exactly like Apple's. Offline only. */
#ifndef SIGFS_TRUST_H
#define SIGFS_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "sigfs/error.h"

typedef struct sigfs_anchors sigfs_anchors;

/* Parse every certificate of a PEM file's bytes (at most
 * SIGFS_MAX_USER_ANCHORS). SIGFS_EMALFORMED, with a message naming what is
 * wrong, when it holds no certificate or a bad one. */
#define SIGFS_MAX_USER_ANCHORS 256
int sigfs_anchors_from_pem(sigfs_anchors **out, const char *pem, size_t len) SIGFS_WUR;
void sigfs_anchors_free(sigfs_anchors *a);

/* 1 when the DER certificate is a trust anchor: one of Apple's roots, or
 * one of `a` (may be NULL). *name (may be NULL) gets the anchor's common
 * name ("Apple Root CA"). */
int sigfs_anchor_find(const sigfs_anchors *a, const uint8_t *der, size_t len, const char **name);

/* 1 when the DER certificate is one of Apple's own roots (not a user's). */
int sigfs_anchor_is_apple(const uint8_t *der, size_t len);

#endif
