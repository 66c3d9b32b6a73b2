/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tui/screen.h"
#include "tui/tui.h"

static attr_t map_attrs(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_BLINK)
		r |= A_BLINK;
	if (a & THEME_STANDOUT)
		r |= A_STANDOUT;
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
	return r;
}

/* A theme colour on this terminal: the bright half of the 16 falls back to
 * the plain eight, anything else the terminal lacks to its default. */
static short map_color(short c, bool have_default, bool fg)
{
	if (c == THEME_DEFAULT)
		return have_default ? -1 : (fg ? COLOR_WHITE : COLOR_BLACK);
	if (c < COLORS)
		return c;
	if (c >= 8 && c < 16 && COLORS >= 8)
		return (short)(c - 8);
	return have_default ? -1 : (fg ? COLOR_WHITE : COLOR_BLACK);
}

int screen_open(struct tui *t, const struct theme *th, const struct theme *mono, bool want_color)
{
	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr) {
		const char *term = getenv("TERM");
		fprintf(stderr, "gpuvirt: cannot drive the terminal (TERM=%s)\n", term ? term : "(unset)");
		return -1;
	}
	set_term(t->scr);
	raw();               /* Ctrl-C, Ctrl-Z, Ctrl-S reach us as keys */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);    /* a lone ESC is a key, not the start of a sequence */
	leaveok(stdscr, TRUE);
	curs_set(0);

	t->color = want_color && has_colors() && theme_uses_color(th);
	if (!t->color)
		th = mono;
	if (t->color) {
		bool have_default;

		start_color();
		have_default = use_default_colors() == OK;
		t->color = COLOR_PAIRS > UI_N_ELEMENTS;
		for (int i = 0; t->color && i < UI_N_ELEMENTS; i++)
			init_pair((short)(i + 1), map_color(th->style[i].fg, have_default, true),
				  map_color(th->style[i].bg, have_default, false));
	}
	for (int i = 0; i < UI_N_ELEMENTS; i++) {
		t->style[i] = map_attrs(th->style[i].attrs);
		if (t->color)
			t->style[i] |= COLOR_PAIR(i + 1);
	}
	/* Whatever a theme says, the selection is reverse video and added and
	 * removed lines differ by attribute: never colour alone. */
	t->style[UI_SELECTED] |= A_REVERSE;
	t->style[UI_INPUT] |= A_REVERSE;
	t->style[UI_DIFF_ADD] |= A_BOLD;
	t->style[UI_DIFF_DEL] |= A_REVERSE;
	bkgdset(' ' | t->style[UI_NORMAL]);
	return 0;
}

void screen_close(struct tui *t)
{
	if (!t->scr)
		return;
	endwin();
	delscreen(t->scr);
	t->scr = NULL;
}

attr_t screen_attr(const struct tui *t, enum theme_element e)
{
	return t->style[e];
}

int screen_text(int y, int x, int w, attr_t a, const char *s)
{
	char buf[512];
	int n = 0;

	if (w <= 0 || !s)
		return 0;
	if (w > (int)sizeof(buf) - 1)
		w = (int)sizeof(buf) - 1;
	bool utf8 = MB_CUR_MAX > 1;

	for (; s[n] && n < w; n++) {
		unsigned char c = (unsigned char)s[n];
		/* a byte curses would spell as ^X or M-x would break the columns */
		buf[n] = (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) ? '?' : s[n];
	}
	/* cut at the edge: never inside a UTF-8 sequence */
	while (utf8 && n > 0 && s[n] && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	buf[n] = '\0';
	attrset(a);
	mvaddnstr(y, x, buf, n);
	attrset(A_NORMAL);
	return n;
}

void screen_blank(int y, int x, int w, attr_t a)
{
	if (w <= 0)
		return;
	attrset(a);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

int screen_line(int y, int x, int w, attr_t a, const char *s)
{
	int n = screen_text(y, x, w, a, s);

	/* Bold or dim blanks look like plain ones, but plain ones let curses
	 * clear the rest of a row with one EL instead of rewriting it. */
	screen_blank(y, x + n, w - n, a & ~(attr_t)(A_BOLD | A_DIM | A_ITALIC | A_BLINK));
	return n;
}

void screen_clear_rect(const struct layout_rect *r, attr_t a)
{
	for (int i = 0; i < r->h; i++)
		screen_blank(r->y + i, r->x, r->w, a);
}

void screen_hline(const struct tui *t, int y, int x, int w, attr_t a)
{
	if (w <= 0)
		return;
	attrset(a);
	mvhline(y, x, t->ascii ? '-' : ACS_HLINE, w);
	attrset(A_NORMAL);
}

void screen_vline(const struct tui *t, int y, int x, int h, attr_t a)
{
	if (h <= 0)
		return;
	attrset(a);
	mvvline(y, x, t->ascii ? '|' : ACS_VLINE, h);
	attrset(A_NORMAL);
}

void screen_box(const struct tui *t, int y, int x, int h, int w, attr_t a)
{
	chtype ul = t->ascii ? '+' : ACS_ULCORNER, ur = t->ascii ? '+' : ACS_URCORNER;
	chtype ll = t->ascii ? '+' : ACS_LLCORNER, lr = t->ascii ? '+' : ACS_LRCORNER;

	if (h < 2 || w < 2)
		return;
	screen_hline(t, y, x + 1, w - 2, a);
	screen_hline(t, y + h - 1, x + 1, w - 2, a);
	screen_vline(t, y + 1, x, h - 2, a);
	screen_vline(t, y + 1, x + w - 1, h - 2, a);
	mvaddch(y, x, ul | a);
	mvaddch(y, x + w - 1, ur | a);
	mvaddch(y + h - 1, x, ll | a);
	mvaddch(y + h - 1, x + w - 1, lr | a);
}

chtype screen_btee(const struct tui *t)
{
	return t->ascii ? '+' : ACS_BTEE;
}

void screen_suspend(const char *fmt, ...)
{
	va_list ap;

	def_prog_mode();
	endwin();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void screen_resume(void)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
}
