/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Apply & verify": gather the steps' drafts into one plan (or
 * open a plan file saved earlier), preview it as `gpuvirt plan` would print
 * it, apply it on an explicit 'y'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/wizard.h"

static struct {
	bool init;
	bool no_run;          /* list commands instead of running them */
	long timeout_s;       /* sysfs write timeout */
	char *plan_file;      /* a plan opened from a file, NULL for the drafts */
	size_t drafted;       /* actions the steps' drafts make, at the last look */
} st;

static void init(struct tui *t)
{
	if (st.init)
		return;
	st.init = true;
	/* commands run in a chroot of the root; on a scratch copy or in the
	 * demo there is nothing to run them in */
	st.no_run = t->demo || strcmp(t->root, "/") != 0;
	st.timeout_s = 5;
}

bool wizard_apply_no_run(struct tui *t)
{
	init(t);
	return st.no_run;
}

int wizard_apply_timeout_ms(struct tui *t)
{
	init(t);
	return (int)st.timeout_s * 1000;
}

static void count_drafts(struct tui *t)
{
	struct plan *p = NULL;
	struct gv_error err = { 0 };

	st.drafted = 0;
	if (wizard_build_plan(t, &p, &err) == 0)
		st.drafted = plan_n_actions(p);
	plan_free(p);
}

static enum wizard_status ap_status(struct tui *t, char *text, size_t size)
{
	init(t);
	if (st.plan_file) {
		snprintf(text, size, "plan file opened");
		return WIZARD_TODO;
	}
	if (!st.drafted) {
		snprintf(text, size, "no change drafted yet");
		return WIZARD_INFO;
	}
	snprintf(text, size, "%zu change%s drafted", st.drafted, st.drafted == 1 ? "" : "s");
	return WIZARD_TODO;
}

static void ap_enter(struct tui *t)
{
	init(t);
	count_drafts(t);
}

static void ap_draw(struct tui *t, const struct layout_rect *r)
{
	char line[512];
	int y = r->y;

	init(t);
	screen_clear_rect(r, screen_attr(t, UI_NORMAL));
	if (st.plan_file)
		snprintf(line, sizeof(line), "Plan: the file %s", st.plan_file);
	else if (st.drafted)
		snprintf(line, sizeof(line), "Plan: %zu change%s drafted by the steps.", st.drafted,
			 st.drafted == 1 ? "" : "s");
	else
		snprintf(line, sizeof(line), "Plan: no step has drafted a change yet.");
	wizard_text(t, r, &y, UI_NORMAL, line);
	snprintf(line, sizeof(line), "Root: %s%s", t->root, t->demo ? " (scratch copy)" : "");
	wizard_text(t, r, &y, UI_NORMAL, line);
	snprintf(line, sizeof(line), "Commands: %s", st.no_run ? "listed, not run" : "run after the files");
	wizard_text(t, r, &y, UI_NORMAL, line);
	snprintf(line, sizeof(line), "sysfs timeout: %ld s", st.timeout_s);
	wizard_text(t, r, &y, UI_NORMAL, line);
	if (!t->is_root && !strcmp(t->root, "/"))
		wizard_text(t, r, &y, UI_LOG_WARN, "Read-only: applying needs root.");
	y++;
	wizard_text(t, r, &y, UI_LABEL, "p  preview, then y applies");
	wizard_text(t, r, &y, UI_LABEL, "o  open a saved plan file");
	wizard_text(t, r, &y, UI_LABEL, "x  forget the plan file");
	wizard_text(t, r, &y, UI_LABEL, "n  run or only list commands");
	wizard_text(t, r, &y, UI_LABEL, "t  sysfs write timeout");
	y++;
	wizard_text(t, r, &y, UI_DIM, "After the reboot, 'gpuvirt check' compares what was applied with "
		    "the running host; 'gpuvirt undo' reverts the last change set.");
	t->right_lines = y - r->y;
}

static void opened(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct plan *p = NULL;
	struct gv_error err = { 0 };

	(void)userdata;
	if (!res->accepted || !*res->text)
		return;
	if (plan_load(res->text, t->root, &p, &err) < 0) {
		gv_log(GV_LOG_ERR, "%s", err.msg);
		dialog_message(t, "Cannot open the plan", err.msg);
		return;
	}
	gv_log(GV_LOG_INFO, "plan file %s opened: %zu action(s)", res->text, plan_n_actions(p));
	plan_free(p);
	free(st.plan_file);
	st.plan_file = strdup(res->text);
	tui_dirty(t, TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT);
}

static void run_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	(void)userdata;
	if (res->accepted)
		st.no_run = res->choice == 1;
	tui_dirty(t, TUI_DIRTY_RIGHT);
}

static void timeout_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	(void)userdata;
	if (res->accepted)
		st.timeout_s = res->number;
	tui_dirty(t, TUI_DIRTY_RIGHT);
}

static void preview(struct tui *t)
{
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	int r;

	if (st.plan_file)
		r = plan_load(st.plan_file, t->root, &p, &err);
	else
		r = wizard_build_plan(t, &p, &err);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "%s", err.msg);
		dialog_message(t, "Cannot build the plan", err.msg);
		return;
	}
	if (!st.plan_file && plan_n_actions(p) == 0) {
		plan_free(p);
		dialog_message(t, "Nothing to apply",
			       "No step has drafted a change yet. The steps that can draft changes say so in "
			       "the list; 'o' opens a plan saved earlier.");
		return;
	}
	wizard_preview_and_apply(t, p);
}

static bool ap_key(struct tui *t, int key)
{
	static const char *const run_choices[] = { "run them after the files", "only list them (--no-run)" };

	init(t);
	switch (key) {
	case 'p': case '\n': case '\r': case KEY_ENTER:
		preview(t);
		return true;
	case 'o':
		dialog_input_text(t, "Open a plan file", "A plan saved by gpuvirt (gpuvirt-plan 1):",
				  st.plan_file, opened, NULL);
		return true;
	case 'x':
		free(st.plan_file);
		st.plan_file = NULL;
		return true;
	case 'n':
		dialog_input_choice(t, "Commands", "update-grub, update-initramfs and the like:", run_choices, 2,
				    st.no_run ? 1 : 0, run_chosen, NULL);
		return true;
	case 't':
		dialog_input_number(t, "sysfs timeout", "Seconds to wait for one sysfs write (1-120):",
				    st.timeout_s, 1, 120, timeout_chosen, NULL);
		return true;
	}
	return false;
}

static void ap_rescan(struct tui *t)
{
	count_drafts(t);
}

static void ap_cleanup(struct tui *t)
{
	(void)t;
	free(st.plan_file);
	memset(&st, 0, sizeof(st));
}

const struct wizard_step_ops wizard_step_apply = {
	.status = ap_status,
	.enter = ap_enter,
	.draw = ap_draw,
	.key = ap_key,
	.rescan = ap_rescan,
	.cleanup = ap_cleanup,
};
