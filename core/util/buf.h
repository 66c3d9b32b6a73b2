/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A growable byte buffer, always NUL-terminated, for building file contents,
 * previews and JSON. Allocation failure aborts: there is no sane way to go on
 * rendering a preview without memory, and every caller would do the same.
 */
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;   /* NULL until the first append; buf_str() never returns NULL */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append S as a JSON string literal (quotes and escapes); NULL appends null. */
void buf_json_str(struct buf *b, const char *s);
const char *buf_str(const struct buf *b);
/* Hand the data to the caller (owned, NUL-terminated) and reset B. */
char *buf_steal(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
