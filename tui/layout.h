/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The screen layout of the full-screen program, as plain arithmetic so it can
 * be unit-tested without a terminal:
 *
 *   header  (1 row: host facts)
 *   tree | details        the body: left and right pane, a divider column
 *   ---- log rule ----    one row, the log pane's title
 *   log                   a few rows of messages
 *   status  (1 row: keys)
 *
 * Every rectangle includes its own title row where it has one (tree and
 * details); the divider and the log rule are drawn by the caller at the
 * positions given. Below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS the layout is
 * "too small" and no pane rectangle is valid.
 */
#include <stdbool.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_ROWS 24

struct layout_rect {
	int y, x, h, w;
};

struct layout {
	int cols, rows;
	bool too_small;
	struct layout_rect header, tree, details, log, status;
	int divider_x;    /* column of the vertical line between tree and details */
	int log_rule_y;   /* row of the horizontal line above the log */
};

/* Compute the panes for a COLS x ROWS terminal. Always fills *ret. */
void layout_compute(int cols, int rows, struct layout *ret);

/* True when (y, x) lies inside R. */
bool layout_contains(const struct layout_rect *r, int y, int x);
