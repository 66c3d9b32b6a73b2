/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The details pane: everything the snapshot knows about the tree's selected
 * group, device or mediated device, as "label  value" rows wrapped to the
 * pane.
 */
#include <stdbool.h>

#include "tui/layout.h"

struct tui;

/* Draw the details of the tree's selected row into R, from line
 * t->right.top on (put back in range first); t->right.lines gets the
 * number of lines there are. */
void details_draw(struct tui *t, const struct layout_rect *r, bool focused);
