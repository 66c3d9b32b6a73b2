/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Word wrap for both faces: the full-screen program's text views and the
 * line-mode reports cut their paragraphs into rows here. No curses, no I/O.
 *
 * Widths are in bytes, the unit the screen primitives measure too: a row
 * holding multibyte characters is narrower on screen than its width, never
 * wider, and a row never ends inside a UTF-8 sequence.
 */
#include <stdbool.h>
#include <stddef.h>

enum text_wrap_flags {
	/* A word longer than a row (a path, a list) breaks after its last
	 * '/', ':' or ',' that fits before it is cut at the edge. */
	TEXT_WRAP_PUNCT = 1 << 0,
};

/*
 * The first row of S wrapped to WIDTH bytes (less than 1 counts as 1).
 * Returns the row's length: all of S when it fits; else up to the last blank
 * that leaves at most WIDTH bytes (blanks before it stay in the row); else,
 * for a word longer than the row, after its last '/', ':' or ',' under
 * TEXT_WRAP_PUNCT; else WIDTH bytes, moved back to the start of a UTF-8
 * sequence. *RET_NEXT is where the next row starts, the blanks at the break
 * skipped; it points at S's NUL after the last row. An empty S is one empty
 * row: callers loop `do ... while (*next)`.
 */
size_t text_wrap_row(const char *s, size_t width, unsigned flags, const char **ret_next);

/* S with every control character but newline and tab shown visibly, as
 * ^[ (caret notation; DEL is ^?), so that text read from a file can never
 * move the cursor or erase a line it is shown with. Owned. */
char *text_visible(const char *s);

/* True when S is well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
bool text_utf8_valid(const char *s);
