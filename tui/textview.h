/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A wrapped, scrollable text view. A pane, a step's screen or a dialog adds
 * its paragraphs, which are wrapped once, to the view's width, by
 * core/util/text; then it draws the rows from a scroll offset on. A row
 * keeps its style, its indent and, in the details pane, a label in a column
 * of its own.
 *
 * The view is a plain value: fill it with textview_init() and the add
 * functions, draw it, textview_release() it.
 */
#include <stddef.h>

#include "tui/layout.h"
#include "tui/theme.h"

struct tui;

struct textview_row {
	char *text;                  /* NULL: a gap, drawn as the background */
	char *label;                 /* NULL: the row has no label column */
	int indent;                  /* blank columns before the text */
	enum theme_element style;
};

struct textview {
	struct textview_row *row;
	size_t n, cap;
	int width;                   /* bytes a row holds: the wrap width; 0: no wrapping */
	int label_w;                 /* labels' width; labelled text wraps at width - label_w */
	unsigned wrap;               /* TEXT_WRAP_* for every paragraph */
};

/* An empty view wrapping at WIDTH (at least 8; 0 or less: no wrapping). */
void textview_init(struct textview *tv, int width);
/* Free the rows; the view is empty again, with the same settings. */
void textview_release(struct textview *tv);

/* TEXT as one paragraph in STYLE, wrapped at blanks. */
void textview_add(struct textview *tv, enum theme_element style, const char *text);
/* The same with the rows after the first INDENT columns in (at most half
 * the width), each row at least 8 wide. */
void textview_add_indented(struct textview *tv, enum theme_element style, int indent, const char *text);
/* TEXT after LABEL in the label column, wrapped to the rest of the width;
 * the rows after the first have an empty label. */
void textview_add_labelled(struct textview *tv, const char *label, enum theme_element style,
			   const char *text);
/* One row, not wrapped: cut at the view's edge when drawn. LABEL: NULL, or
 * the text of its label column. */
void textview_add_cut(struct textview *tv, const char *label, enum theme_element style, const char *text);
/* Lines of TEXT ('\n' ends one; a trailing one adds no empty row), tabs
 * expanded to 8-column stops, each one a paragraph. */
void textview_add_lines(struct textview *tv, enum theme_element style, const char *text);
/* A blank row. */
void textview_blank(struct textview *tv);

/*
 * Draw the rows from TOP on into R, one row per line of R: a column of
 * margin, the indent or the label column, the text cut at R's edge from its
 * byte LEFT on (scrolled sideways). The margin, indents, gaps and the lines
 * past the last row are blanks in BG: UI_NORMAL in a pane, UI_DIALOG in a
 * dialog.
 */
void textview_draw(const struct textview *tv, const struct tui *t, const struct layout_rect *r, int top,
		   int left, enum theme_element bg);
