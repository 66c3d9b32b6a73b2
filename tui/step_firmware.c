/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Firmware checks": the firmware checklist of `gpuvirt check`
 * (core/verify/fwcheck), one finding per line with its evidence and its fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/xalloc.h"
#include "core/verify/fwcheck.h"
#include "tui/screen.h"
#include "tui/step_firmware.h"
#include "tui/textview.h"
#include "tui/tui.h"

struct fw {
	struct findings *found;   /* NULL until the step is first looked at */
};

static const struct findings *run_checks(struct tui *t, struct fw *st)
{
	if (!st->found) {
		st->found = findings_new();
		fwcheck_run(st->found, t->host);
	}
	return st->found;
}

static enum wizard_status fw_status(struct tui *t, void *state, char *text, size_t size)
{
	const struct findings *found = run_checks(t, state);
	size_t n[4] = { 0 };

	if (!found) {
		snprintf(text, size, "could not run (see the log)");
		return WIZARD_WARN;
	}
	for (size_t i = 0; i < findings_n(found); i++)
		n[findings_get(found, i)->status]++;
	snprintf(text, size, "%zu pass, %zu warn, %zu fail", n[FINDING_PASS], n[FINDING_WARN], n[FINDING_FAIL]);
	return n[FINDING_FAIL] ? WIZARD_TODO : n[FINDING_WARN] ? WIZARD_WARN : WIZARD_DONE;
}

static void fw_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	const struct findings *found = run_checks(t, state);
	struct textview tv;
	long top = t->right.top;

	textview_init(&tv, r->w - 2);
	if (!found) {
		textview_add(&tv, UI_ERROR, "The checks could not run; the log says why.");
		t->right.lines = (int)tv.n;
		goto draw;
	}
	/* Scrolling by finding keeps each one whole: the scroll offset counts
	 * findings, and the view starts at the first row of that one. */
	top = -1;
	for (size_t i = 0; i < findings_n(found); i++) {
		const struct finding *f = findings_get(found, i);
		static const char *const word[] = { "pass", "WARN", "FAIL", "info" };
		static const enum theme_element style[] = { UI_STEP_DONE, UI_LOG_WARN, UI_ERROR, UI_DIM };
		char line[512];

		if (i == (size_t)t->right.top)
			top = (long)tv.n;
		snprintf(line, sizeof(line), "%s  %s", word[f->status], f->title);
		textview_add(&tv, style[f->status], line);
		if (f->evidence && f->status != FINDING_PASS) {
			snprintf(line, sizeof(line), "      %s", f->evidence);
			textview_add(&tv, UI_DIM, line);
		}
		if (f->fix && f->status != FINDING_PASS) {
			snprintf(line, sizeof(line), "      fix: %s", f->fix);
			textview_add(&tv, UI_NORMAL, line);
		}
	}
	if (top < 0)
		top = (long)tv.n;
	/* scrolling stops with the last finding at the top */
	t->right.lines = (int)findings_n(found) - 1 + r->h;
draw:
	textview_draw(&tv, t, r, (int)top, 0, UI_NORMAL);
	textview_release(&tv);
}

static void fw_rescan(struct tui *t, void *state)
{
	struct fw *st = state;

	(void)t;
	findings_free(st->found);
	st->found = NULL;
}

static void *fw_new(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct fw));
}

static void fw_free(void *state)
{
	struct fw *st = state;

	if (st)
		findings_free(st->found);
	free(st);
}

const struct wizard_step_ops step_firmware_ops = {
	.new = fw_new,
	.free = fw_free,
	.status = fw_status,
	.draw = fw_draw,
	.rescan = fw_rescan,
};
