/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Firmware checks": the firmware checklist of `gpuvirt check`
 * (core/verify/fwcheck), one finding per line with its evidence and its fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/verify/fwcheck.h"
#include "tui/screen.h"
#include "tui/wizard.h"

static struct findings *found;   /* NULL until the step is first looked at */

static void run_checks(struct tui *t)
{
	if (found)
		return;
	found = findings_new();
	fwcheck_run(found, t->host);
}

static enum wizard_status fw_status(struct tui *t, char *text, size_t size)
{
	size_t n[4] = { 0 };

	run_checks(t);
	if (!found) {
		snprintf(text, size, "could not run (see the log)");
		return WIZARD_WARN;
	}
	for (size_t i = 0; i < findings_n(found); i++)
		n[findings_get(found, i)->status]++;
	snprintf(text, size, "%zu pass, %zu warn, %zu fail", n[FINDING_PASS], n[FINDING_WARN], n[FINDING_FAIL]);
	return n[FINDING_FAIL] ? WIZARD_TODO : n[FINDING_WARN] ? WIZARD_WARN : WIZARD_DONE;
}

static void fw_draw(struct tui *t, const struct layout_rect *r)
{
	struct layout_rect inner = *r;
	int y, skip = t->right_scroll, total = 0;

	screen_clear_rect(r, screen_attr(t, UI_NORMAL));
	run_checks(t);
	if (!found) {
		y = r->y;
		wizard_text(t, r, &y, UI_ERROR, "The checks could not run; the log says why.");
		return;
	}
	/* Scrolling by finding keeps each one whole. */
	inner.y = r->y;
	y = r->y;
	for (size_t i = 0; i < findings_n(found); i++, total++) {
		const struct finding *f = findings_get(found, i);
		static const char *const word[] = { "pass", "WARN", "FAIL", "info" };
		static const enum theme_element style[] = { UI_STEP_DONE, UI_LOG_WARN, UI_ERROR, UI_DIM };
		char line[512];

		if (skip > 0) {
			skip--;
			continue;
		}
		snprintf(line, sizeof(line), "%s  %s", word[f->status], f->title);
		wizard_text(t, &inner, &y, style[f->status], line);
		if (f->evidence && f->status != FINDING_PASS) {
			snprintf(line, sizeof(line), "      %s", f->evidence);
			wizard_text(t, &inner, &y, UI_DIM, line);
		}
		if (f->fix && f->status != FINDING_PASS) {
			snprintf(line, sizeof(line), "      fix: %s", f->fix);
			wizard_text(t, &inner, &y, UI_NORMAL, line);
		}
	}
	/* scrolling stops with the last finding at the top */
	t->right_lines = total - 1 + r->h;
}

static void fw_rescan(struct tui *t)
{
	(void)t;
	findings_free(found);
	found = NULL;
}

const struct wizard_step_ops wizard_step_firmware = {
	.status = fw_status,
	.draw = fw_draw,
	.rescan = fw_rescan,
	.cleanup = fw_rescan,
};
