/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * SHA-256 (FIPS 180-4), so the journal can record what gpuvirt wrote and
 * notice later when a file was edited by hand since.
 */
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65   /* 64 hex digits and a NUL */

struct sha256_ctx {
	uint32_t h[8];
	uint64_t total;          /* bytes hashed so far */
	unsigned char block[64];
	size_t fill;             /* bytes waiting in block */
};

/* Start a new digest. */
void sha256_init(struct sha256_ctx *c);
/* Hash LEN more bytes of DATA. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Finish and write the 32-byte digest; C must be initialised again to reuse it. */
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_SIZE]);
/* One call: the digest of DATA as 64 lower-case hex digits, NUL-terminated. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
