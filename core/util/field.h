/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Fields of gpuvirt's text files (the journal's manifests, plan files):
 * percent-encoding that keeps a field on one line and free of separators
 * while leaving everything else, UTF-8 included, readable in a rescue shell.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/buf.h"

/* Append S (LEN bytes) to OUT with '%', control bytes, DEL and (when
 * SPACE) ' ' written as %XX. An empty field with SPACE is "%" alone, so
 * that it still takes a place among space-separated fields. */
void field_encode(struct buf *out, const char *s, size_t len, bool space);

/* Append the decoded FIELD to OUT. Returns 0, or -EINVAL on a malformed %XX. */
int field_decode(struct buf *out, const char *field);

/* The value of hexadecimal digit C (either case), or -1. */
int field_hexval(char c);
