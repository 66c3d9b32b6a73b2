/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <curses.h>

#include "tui/scroll.h"

#define CTRL(c) ((c) & 0x1f)

/* Where KEY moves POS within 0..LAST; false when KEY is not a motion key. */
static bool target(int key, unsigned flags, long pos, long last, long page, long *ret)
{
	long to;

	if (page < 1)
		page = 1;
	switch (key) {
	case KEY_DOWN: case 'j': to = pos + 1; break;
	case KEY_UP: case 'k': to = pos - 1; break;
	case KEY_NPAGE: case CTRL('f'): to = pos + page; break;
	case KEY_PPAGE: case CTRL('b'): to = pos - page; break;
	case KEY_HOME: case 'g': to = 0; break;
	case KEY_END: case 'G': to = last; break;
	case ' ':
		if (!(flags & SCROLL_SPACE_B))
			return false;
		to = pos + page;
		break;
	case 'b':
		if (!(flags & SCROLL_SPACE_B))
			return false;
		to = pos - page;
		break;
	default:
		return false;
	}
	if (to > last)
		to = last;
	if (to < 0)
		to = 0;
	*ret = to;
	return true;
}

bool scroll_key(struct scroll *s, int key, unsigned flags)
{
	long to;

	if (!target(key, flags, s->top, (long)s->lines - s->visible, s->page ? s->page : s->visible - 1, &to))
		return false;
	s->top = (int)to;
	return true;
}

bool scroll_cursor_key(int key, unsigned flags, long cur, long n, long page, long *ret)
{
	return target(key, flags, cur, n - 1, page, ret);
}

void scroll_clamp(struct scroll *s)
{
	if (s->top > s->lines - s->visible)
		s->top = s->lines - s->visible;
	if (s->top < 0)
		s->top = 0;
}

void scroll_show(struct scroll *s, int line)
{
	if (line < s->top)
		s->top = line;
	else if (line >= s->top + s->visible)
		s->top = line - s->visible + 1;
}

bool scroll_item_key(int key, bool focused, long cur, long n, bool up_in_view, int *ret)
{
	switch (key) {
	case 'n':
		*ret = cur + 1 < n ? 1 : 0;
		return true;
	case 'b':
		*ret = cur > 0 ? -1 : 0;
		return true;
	case 'j':
	case KEY_DOWN:
		*ret = 1;
		return focused && cur + 1 < n;
	case 'k':
	case KEY_UP:
		*ret = -1;
		return focused && cur > 0 && up_in_view;
	}
	return false;
}
