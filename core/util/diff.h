/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Unified diffs (the format of `diff -u` and `git diff`) between two byte
 * strings, for plan previews and for showing a hand-edited file's versions.
 * Lines are compared byte for byte; a last line without a newline is marked
 * "\ No newline at end of file" as patch(1) expects.
 */
#include <stddef.h>

#include "core/util/buf.h"

#define DIFF_CONTEXT 3

/*
 * Append to OUT the diff of A (labelled LABEL_A on the "---" line) to B
 * (LABEL_B on "+++"), with CONTEXT lines of context around each change
 * (hunks closer than 2*CONTEXT lines are merged). Labels are written as
 * given: "a/etc/x.conf", "/dev/null". Returns 0 when A and B are identical
 * (nothing appended), 1 when a diff was appended.
 */
int diff_unified(struct buf *out, const char *label_a, const char *a, size_t alen,
		 const char *label_b, const char *b, size_t blen, unsigned context);
