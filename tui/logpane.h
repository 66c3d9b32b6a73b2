/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The log pane: while the screen is up, gv_log() lines land here instead of
 * on stderr (which would scribble over the screen). It keeps the last few
 * hundred lines and shows the newest ones unless scrolled back.
 */
#include <stdbool.h>

#include "core/util/log.h"
#include "tui/layout.h"

struct tui;
struct logpane;

struct logpane *logpane_new(void);
void logpane_free(struct logpane *lp);

/* Route gv_log() into T's log pane; logpane_detach() drops the route
 * again (before the pane is freed). */
void logpane_attach(struct tui *t);
void logpane_detach(void);
void logpane_add(struct logpane *lp, enum gv_log_level level, const char *msg);
/* True once after lines were added: the pane is to be drawn again. */
bool logpane_changed(struct logpane *lp);

/* KEY in the focused pane of VISIBLE lines: the scroll keys (tui/scroll.h)
 * scroll back in time and forward again. Returns TUI_HANDLED, with
 * TUI_DIRTY_LOG when the view moved; 0 for any other key. */
unsigned logpane_key(struct logpane *lp, int key, int visible);

void logpane_draw(const struct logpane *lp, const struct tui *t, const struct layout_rect *r, bool focused);
/* The number of lines at LEVEL or worse, for the exit summary. */
unsigned logpane_count(const struct logpane *lp, enum gv_log_level worst);
