/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "tui/layout.h"

void layout_compute(int cols, int rows, struct layout *ret)
{
	struct layout l;
	int log_h, body_h, tree_w;

	memset(&l, 0, sizeof(l));
	l.cols = cols;
	l.rows = rows;
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
		l.too_small = true;
		*ret = l;
		return;
	}
	/* The log grows slowly with the height: 4 rows at 24, at most 12. */
	log_h = rows / 6;
	if (log_h < 4)
		log_h = 4;
	if (log_h > 12)
		log_h = 12;
	/* The tree takes a bit more than half: device names are long. Past
	 * 160 columns the details pane gets the rest. */
	tree_w = cols * 11 / 20;
	if (tree_w > 88)
		tree_w = 88;

	l.header = (struct layout_rect){ 0, 0, 1, cols };
	l.status = (struct layout_rect){ rows - 1, 0, 1, cols };
	l.log = (struct layout_rect){ rows - 1 - log_h, 0, log_h, cols };
	l.log_rule_y = l.log.y - 1;
	body_h = l.log_rule_y - 1;
	l.tree = (struct layout_rect){ 1, 0, body_h, tree_w };
	l.divider_x = tree_w;
	l.details = (struct layout_rect){ 1, tree_w + 1, body_h, cols - tree_w - 1 };
	*ret = l;
}

bool layout_contains(const struct layout_rect *r, int y, int x)
{
	return y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w;
}
