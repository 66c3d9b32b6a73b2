/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The panes that are not the tree: details of the selected item, the log
 * pane (where core gv_log() messages go while the screen is up), the header
 * with host facts and the status line with the keys.
 */
#include <stdbool.h>

#include "tui/layout.h"
#include "core/util/log.h"

struct tui;
struct logpane;

/* Draw the details of the tree's selected row, from line t->right_scroll.
 * Sets t->right_lines to the number of lines there were. */
void details_draw(struct tui *t, const struct layout_rect *r, bool focused);

/* The log pane keeps the last few hundred lines. */
struct logpane *logpane_new(void);
void logpane_free(struct logpane *lp);
/* Route gv_log() into the pane of T (marks the log dirty). */
void logpane_attach(struct tui *t);
void logpane_add(struct tui *t, enum gv_log_level level, const char *msg);
/* Scroll by DELTA lines (positive: back in time); returns true when it moved. */
bool logpane_scroll(struct logpane *lp, int delta, int visible);
void logpane_draw(struct tui *t, const struct layout_rect *r, bool focused);
/* The number of lines at LEVEL or worse, for the exit summary. */
unsigned logpane_count(const struct logpane *lp, enum gv_log_level worst);

/*
 * Header: version, CPU, IOMMU, and whatever the other modules can tell
 * (bootloader, "reboot pending"): see header_hook_facts() in tui/header.c.
 */
void header_draw(struct tui *t, const struct layout_rect *r);
void status_draw(struct tui *t, const struct layout_rect *r);
