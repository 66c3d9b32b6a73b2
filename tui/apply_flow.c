/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/plan.h"
#include "tui/apply_flow.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/tui.h"

struct tui_apply *apply_flow_settings(struct tui *t)
{
	if (!t->apply.set) {
		t->apply.set = true;
		/* commands run in a chroot of the root; on a scratch copy or in
		 * the demo there is nothing to run them in */
		t->apply.no_run = t->demo || strcmp(t->root, "/") != 0;
		t->apply.timeout_s = 5;
	}
	return &t->apply;
}

bool apply_flow_may_write(struct tui *t, const char *doing, const char *instead)
{
	char msg[512];

	if (t->is_root || strcmp(t->root, "/"))
		return true;
	snprintf(msg, sizeof(msg), "%s needs root. Run gpuvirt as root (sudo gpuvirt), or %s on a copy of the "
		 "configuration with --root DIR.", doing, instead);
	dialog_message(t, "Root is needed", msg);
	return false;
}

static unsigned apply_confirmed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct plan *p = userdata;
	struct plan_apply_opts opts = { 0 };
	struct gv_error err = { 0 };
	unsigned m = 0;
	char msg[1024];
	int r;

	if (!res->accepted) {
		gv_log(GV_LOG_INFO, "apply cancelled: nothing was written");
		goto out;
	}
	if (!apply_flow_may_write(t, "Applying changes to this host", "try the change"))
		goto out;
	opts.no_run = apply_flow_settings(t)->no_run;
	opts.sysfs_timeout_ms = (int)apply_flow_settings(t)->timeout_s * 1000;
	/* commands such as update-initramfs talk to the terminal */
	if (!opts.no_run)
		screen_suspend("gpuvirt: applying %zu change(s) under %s ...\n", plan_n_actions(p), t->root);
	r = plan_apply(p, &opts, &err);
	if (!opts.no_run) {
		screen_resume();
		m |= TUI_DIRTY_ALL;
	}
	if (r < 0) {
		gv_log(GV_LOG_ERR, "apply: %s", err.msg[0] ? err.msg : strerror(-r));
		snprintf(msg, sizeof(msg), "Nothing was changed (what had been done was rolled back):\n\n%s",
			 err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Apply failed", msg);
	} else {
		gv_log(GV_LOG_INFO, "applied %zu change(s) under %s", plan_n_actions(p), t->root);
		snprintf(msg, sizeof(msg),
			 "Applied %zu change(s) under %s.%s\n\nThe journal is in %s%svar/lib/gpuvirt/; "
			 "'gpuvirt undo' reverts it. Reboot, then run 'gpuvirt check' to verify.",
			 plan_n_actions(p), t->root,
			 opts.no_run ? " Commands were listed, not run: see the log." : "",
			 t->root, t->root[strlen(t->root) - 1] == '/' ? "" : "/");
		dialog_message(t, "Applied", msg);
		m |= TUI_RESCAN_APPLIED;
	}
out:
	plan_free(p);
	return m;
}

void apply_flow_preview(struct tui *t, struct plan *p)
{
	if (plan_is_empty(p)) {
		dialog_message(t, "Nothing to apply",
			       "The plan changes nothing on this host: every file already says what it would "
			       "write.");
		plan_free(p);
		return;
	}
	if (dialog_preview_plan(t, p, apply_confirmed, p) < 0) {
		dialog_message(t, "Preview failed", "The preview could not be rendered; the log says why.");
		plan_free(p);
	}
}

void apply_flow_preview_step(struct tui *t, const char *what,
			     int (*build)(struct tui *t, struct plan *p, struct gv_error *err))
{
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	int r = plan_new(t->root, &p);

	if (r < 0) {
		char why[4096];
		snprintf(why, sizeof(why), "%s: %s", t->root, strerror(-r));
		dialog_message(t, "Cannot build the plan", why);
		return;
	}
	r = build(t, p, &err);
	if (r < 0) {
		const char *why = err.msg[0] ? err.msg : strerror(-r);
		gv_log(GV_LOG_ERR, "%s: %s", what, why);
		dialog_message(t, "Cannot build the plan", why);
		plan_free(p);
		return;
	}
	apply_flow_preview(t, p);
}
