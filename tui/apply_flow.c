/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/propose/draft.h"
#include "core/session.h"
#include "core/util/buf.h"
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

int apply_flow_build(struct tui *t, const struct draft *d, struct plan **ret, struct gv_error *err)
{
	return draft_build_plan(d, session_host(t->session), session_sysconf(t->session), session_root(t->session),
				ret, err);
}

static unsigned apply_confirmed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct plan *p = userdata;
	struct plan_apply_opts opts = { 0 };
	struct gv_error err = { 0 };
	bool undo = undo_plan_set(p) > 0;
	unsigned m = 0;
	char msg[1024];
	int r;

	if (!res->accepted) {
		gv_log(GV_LOG_INFO, undo ? "undo cancelled: nothing was changed" : "apply cancelled: nothing was written");
		goto out;
	}
	if (!apply_flow_may_write(t, undo ? "Undoing changes on this host" : "Applying changes to this host",
				  undo ? "undo" : "try the change"))
		goto out;
	opts.no_run = apply_flow_settings(t)->no_run;
	opts.sysfs_timeout_ms = (int)apply_flow_settings(t)->timeout_s * 1000;
	/* sysfs writes change the running host: only when the root is that
	 * host's, never under the demo or on a rescue session's --root */
	opts.no_live = t->demo || strcmp(t->root, "/") != 0;
	/* commands such as update-initramfs talk to the terminal */
	if (!opts.no_run)
		screen_suspend("gpuvirt: %s %zu change(s) under %s ...\n", undo ? "undoing" : "applying",
			       plan_n_actions(p), t->root);
	r = plan_apply(p, &opts, &err);
	if (!opts.no_run) {
		screen_resume();
		m |= TUI_DIRTY_ALL;
	}
	if (r < 0) {
		gv_log(GV_LOG_ERR, "%s: %s", undo ? "undo" : "apply", err.msg[0] ? err.msg : strerror(-r));
		snprintf(msg, sizeof(msg), "Nothing was changed (what had been done was rolled back):\n\n%s",
			 err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, undo ? "Undo failed" : "Apply failed", msg);
	} else if (undo) {
		gv_log(GV_LOG_INFO, "undone: change set %d under %s", undo_plan_set(p), t->root);
		snprintf(msg, sizeof(msg), "The last change set was undone: every file has its bytes from before.%s",
			 opts.no_run ? " Commands were listed, not run: see the log." : " Reboot for it to take effect.");
		dialog_message(t, "Undone", msg);
		m |= TUI_RESCAN_UNDONE;
	} else {
		gv_log(GV_LOG_INFO, "applied %zu change(s) under %s", plan_n_actions(p), t->root);
		snprintf(msg, sizeof(msg),
			 "Applied %zu change(s) under %s.%s\n\nThe journal is in %s%svar/lib/gpuvirt/; "
			 "u in Apply & verify reverts it. Reboot, then run 'gpuvirt check' to verify.",
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

void apply_flow_preview_draft(struct tui *t, const char *what, const struct draft *d)
{
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	int r = apply_flow_build(t, d, &p, &err);

	if (r < 0) {
		const char *why = err.msg[0] ? err.msg : strerror(-r);

		gv_log(GV_LOG_ERR, "%s: %s", what, why);
		dialog_message(t, "Cannot build the plan", why);
		return;
	}
	apply_flow_preview(t, p);
}

void apply_flow_preview_undo(struct tui *t)
{
	struct gv_error err = { 0 };
	struct journal_set *sets = NULL;
	struct plan *p = NULL;
	struct buf b = BUF_INIT;
	char *text = NULL, title[96];
	size_t n = 0;
	int r, set;

	if (!apply_flow_may_write(t, "Undoing changes on this host", "undo"))
		return;
	r = undo_plan(t->root, &p, &err);
	if (r == -ENOENT) {
		dialog_message(t, "Nothing to undo", "No change set applied with gpuvirt is in the journal.");
		return;
	}
	if (r >= 0)
		r = plan_preview(p, &text, &err);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "undo: %s", err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Cannot undo", err.msg[0] ? err.msg : strerror(-r));
		plan_free(p);
		return;
	}
	/* what `gpuvirt plan --undo` prints: the set, then its reversal */
	set = undo_plan_set(p);
	if (journal_list(t->root, &sets, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++)
			if (sets[i].id == set)
				buf_printf(&b, "# undo change set %d, %s %s: %s\n\n", set,
					   sets[i].interrupted ? "interrupted" : "applied", sets[i].when, sets[i].summary);
	journal_sets_free(sets, n);
	buf_puts(&b, text);
	free(text);
	snprintf(title, sizeof(title), "Undo change set %d under %s", set, plan_root(p));
	dialog_preview(t, title, buf_str(&b), apply_confirmed, p);
	buf_free(&b);
}
