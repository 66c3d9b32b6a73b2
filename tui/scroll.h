/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * One scroll keymap for every view that scrolls (htop's Panel_onKey): the
 * details pane, a step's screen, the log, a dialog. j k and the arrows move
 * a line; Ctrl-F Ctrl-B PgDn PgUp a page; g G Home End go to either end;
 * space and b page too where no other command takes them. The same keys
 * move a cursor through a list: the device tree, the wizard's steps.
 */
#include <stdbool.h>

struct scroll {
	int top;       /* first line shown */
	int lines;     /* lines there are (the view's last draw says) */
	int visible;   /* lines the view shows */
	int page;      /* lines a page key moves; 0: visible - 1, so one line of context stays */
};

enum scroll_flags {
	SCROLL_SPACE_B = 1 << 0,   /* space and b page down and up */
};

/* Move S for KEY; afterwards top is within 0..lines - visible (0 when all
 * lines fit). True when KEY is a scroll key, whether or not S moved. */
bool scroll_key(struct scroll *s, int key, unsigned flags);

/* Where KEY moves a cursor at CUR in a list of N items with PAGE items to a
 * page, within 0..N - 1 (0 for an empty list). False when KEY is not a
 * motion key. */
bool scroll_cursor_key(int key, unsigned flags, long cur, long n, long page, long *ret);

/* The item keys of a step's list (the GPUs, PFs, devices, types): n and b
 * always; j, k and the arrows when the step has the focus (FOCUSED), j only
 * before the last item and k only while the item above is in view
 * (UP_IN_VIEW), so that past either end they scroll the text instead. True
 * when KEY is one of them, with the move (-1, 0 or +1) in *RET. */
bool scroll_item_key(int key, bool focused, long cur, long n, bool up_in_view, int *ret);

/* Put top back within 0..lines - visible. */
void scroll_clamp(struct scroll *s);

/* Scroll the least that brings LINE into view. */
void scroll_show(struct scroll *s, int line);
