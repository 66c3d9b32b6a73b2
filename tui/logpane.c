/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The log pane: while the screen is up, gv_log() lines land here instead of
 * on stderr (which would scribble over the screen). A ring of the last
 * LOG_KEEP lines; the pane shows the newest ones unless scrolled back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/xalloc.h"
#include "tui/logpane.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/tui.h"

#define LOG_KEEP 500

struct logline {
	enum gv_log_level level;
	char *text;
};

struct logpane {
	struct logline lines[LOG_KEEP];
	size_t first, n;     /* ring */
	int back;            /* lines scrolled back from the newest */
	bool changed;        /* lines came since the last logpane_changed() */
};

struct logpane *logpane_new(void)
{
	return xcalloc(1, sizeof(struct logpane));
}

void logpane_free(struct logpane *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < lp->n; i++)
		free(lp->lines[(lp->first + i) % LOG_KEEP].text);
	free(lp);
}

static const struct logline *nth(const struct logpane *lp, size_t i)
{
	return &lp->lines[(lp->first + i) % LOG_KEEP];
}

void logpane_add(struct logpane *lp, enum gv_log_level level, const char *msg)
{
	struct logline *l;
	char *copy;

	if (level == GV_LOG_DEBUG && !getenv("GPUVIRT_DEBUG"))
		return;
	copy = xstrdup(msg);
	if (lp->n == LOG_KEEP) {
		free(lp->lines[lp->first].text);
		lp->first = (lp->first + 1) % LOG_KEEP;
		lp->n--;
	}
	l = &lp->lines[(lp->first + lp->n) % LOG_KEEP];
	l->level = level;
	l->text = copy;
	lp->n++;
	if (lp->back)
		lp->back++;   /* keep the scrolled-back view where it is */
	lp->changed = true;
}

bool logpane_changed(struct logpane *lp)
{
	bool c = lp->changed;

	lp->changed = false;
	return c;
}

static void log_cb(void *userdata, enum gv_log_level level, const char *msg)
{
	logpane_add(userdata, level, msg);
}

void logpane_attach(struct tui *t)
{
	gv_log_set(log_cb, t->log);
}

void logpane_detach(void)
{
	gv_log_set(NULL, NULL);
}

unsigned logpane_key(struct logpane *lp, int key, int visible)
{
	/* the view counted from the oldest line, as every scroll view is;
	 * a page is the whole pane */
	int newest = (int)lp->n - visible, old = lp->back;
	struct scroll s = { .top = newest - lp->back, .lines = (int)lp->n, .visible = visible, .page = visible };

	if (!scroll_key(&s, key, SCROLL_SPACE_B))
		return 0;
	lp->back = newest - s.top > 0 ? newest - s.top : 0;
	return TUI_HANDLED | (lp->back != old ? TUI_DIRTY_LOG : 0);
}

unsigned logpane_count(const struct logpane *lp, enum gv_log_level worst)
{
	unsigned c = 0;

	for (size_t i = 0; i < lp->n; i++)
		c += nth(lp, i)->level <= worst;
	return c;
}

void logpane_draw(const struct logpane *lp, const struct tui *t, const struct layout_rect *r, bool focused)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	static const enum theme_element style[] = { UI_LOG_ERROR, UI_LOG_WARN, UI_LOG_INFO, UI_DIM };
	long last = (long)lp->n - 1 - lp->back;   /* newest line shown */
	long firstl = last - r->h + 1;

	if (firstl < 0)
		firstl = 0;
	for (int i = 0; i < r->h; i++) {
		long li = firstl + i;
		int y = r->y + i;

		if (li > last || li >= (long)lp->n) {
			screen_blank(y, r->x, r->w, screen_attr(t, UI_NORMAL));
			continue;
		}
		const struct logline *l = nth(lp, (size_t)li);
		attr_t a = screen_attr(t, style[l->level]);
		int n = screen_text(y, r->x + 1, r->w - 1, a, prefix[l->level]);
		screen_blank(y, r->x, 1, screen_attr(t, UI_NORMAL));
		screen_line(y, r->x + 1 + n, r->w - 1 - n, l->level <= GV_LOG_WARN ? a : screen_attr(t, UI_NORMAL),
			    l->text);
	}
	(void)focused;
}
