/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/util/text.h"
#include "core/util/xalloc.h"
#include "tui/screen.h"
#include "tui/textview.h"

/* Narrower than this, a row wraps after every word or two. */
#define MIN_WIDTH 8

void textview_init(struct textview *tv, int width)
{
	memset(tv, 0, sizeof(*tv));
	tv->width = width > 0 && width < MIN_WIDTH ? MIN_WIDTH : width;
}

void textview_release(struct textview *tv)
{
	for (size_t i = 0; i < tv->n; i++) {
		free(tv->row[i].text);
		free(tv->row[i].label);
	}
	free(tv->row);
	tv->row = NULL;
	tv->n = tv->cap = 0;
}

static void push(struct textview *tv, const char *label, int indent, enum theme_element style, const char *text,
		 size_t len)
{
	struct textview_row *r;

	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 32;
		tv->row = xreallocarray(tv->row, tv->cap, sizeof(*tv->row));
	}
	r = &tv->row[tv->n++];
	r->text = text ? xstrndup(text, len) : NULL;
	r->label = xstrdup(label);
	r->indent = indent;
	r->style = style;
}

/* TEXT in rows of WIDTH, the rows after the first INDENT in and CONT_LABEL
 * as their label. */
static void wrap(struct textview *tv, const char *label, const char *cont_label, int width, int indent,
		 enum theme_element style, const char *text)
{
	const char *p = text, *next;
	int ind = 0;

	if (tv->width <= 0) {
		push(tv, label, 0, style, text, strlen(text));
		return;
	}
	do {
		int room = width - ind > MIN_WIDTH ? width - ind : MIN_WIDTH;
		size_t n = text_wrap_row(p, (size_t)room, tv->wrap, &next);

		push(tv, label, ind, style, p, n);
		label = cont_label;
		ind = indent;
		p = next;
	} while (*p);
}

void textview_add(struct textview *tv, enum theme_element style, const char *text)
{
	wrap(tv, NULL, NULL, tv->width, 0, style, text);
}

void textview_add_indented(struct textview *tv, enum theme_element style, int indent, const char *text)
{
	if (indent > tv->width / 2)
		indent = tv->width / 2;
	wrap(tv, NULL, NULL, tv->width, indent, style, text);
}

void textview_add_labelled(struct textview *tv, const char *label, enum theme_element style,
			   const char *text)
{
	wrap(tv, label, "", tv->width - tv->label_w, 0, style, text);
}

void textview_add_cut(struct textview *tv, const char *label, enum theme_element style, const char *text)
{
	push(tv, label, 0, style, text, strlen(text));
}

void textview_add_lines(struct textview *tv, enum theme_element style, const char *text)
{
	struct buf line = BUF_INIT;
	const char *p = text ? text : "";

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		buf_reset(&line);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\t')
				do
					buf_putc(&line, ' ');
				while (line.len % 8);
			else
				buf_putc(&line, p[i]);
		}
		textview_add(tv, style, buf_str(&line));
		if (!nl)
			break;
		p = nl + 1;
		if (!*p)
			break;
	}
	buf_free(&line);
}

void textview_blank(struct textview *tv)
{
	push(tv, NULL, 0, UI_NORMAL, NULL, 0);
}

void textview_draw(const struct textview *tv, const struct tui *t, const struct layout_rect *r, int top,
		   int left, enum theme_element bg)
{
	attr_t back = screen_attr(t, bg);

	for (int i = 0; i < r->h; i++) {
		long li = (long)top + i;
		int y = r->y + i, x = r->x + 1, w = r->w - 1;
		const struct textview_row *row;
		const char *s;

		if (li < 0 || li >= (long)tv->n || !tv->row[li].text) {
			screen_blank(y, r->x, r->w, back);
			continue;
		}
		row = &tv->row[li];
		if (row->label) {
			screen_blank(y, r->x, 1, back);
			screen_line(y, x, tv->label_w + 1, screen_attr(t, UI_LABEL), row->label);
			x += tv->label_w + 1;
			w -= tv->label_w + 1;
		} else {
			screen_blank(y, r->x, 1 + row->indent, back);
			x += row->indent;
			w -= row->indent;
		}
		s = row->text;
		if (left > 0)
			s += (size_t)left < strlen(s) ? (size_t)left : strlen(s);
		screen_line(y, x, w, screen_attr(t, row->style), s);
	}
}
