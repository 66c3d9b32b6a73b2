/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Apply & verify": the wizard's draft as one plan (or a plan
 * file opened instead), said as the equivalent command, previewed as
 * `gpuvirt plan` prints it, applied on an explicit 'y' or saved as a plan
 * file for `gpuvirt apply --plan FILE`; undo of the last change set, its
 * diff first. Below that, "After the reboot": every change set in the
 * journal, expected against actual (the verify findings of `gpuvirt
 * check`), computed on enter() and rescan, never while drawing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/util/text.h"
#include "core/util/xalloc.h"
#include "core/verify/verify.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/apply_flow.h"
#include "tui/step_apply.h"
#include "tui/textview.h"
#include "tui/tui.h"
#include "tui/wizard.h"

struct ap {
	char *plan_file;      /* a plan opened from a file, NULL for the draft */
	char *save_file;      /* where the plan was last saved: offered again */

	/* "After the reboot": the journal against the running host */
	bool verified;        /* computed at least once */
	bool verify_broken;   /* could not run (the log says why) */
	bool fresh;           /* computed at start-up: the first enter() keeps it */
	bool jump;            /* draws scroll to the section (until the user scrolls) */
	int jump_scroll;      /* where it last scrolled to */
	struct journal_set *sets;
	size_t n_sets;
	struct findings *found; /* verify findings; NULL when nothing is applied */
	size_t n_expect, n_met, n_fail, n_warn, n_unknown, n_pending;
	bool journal_bad;     /* the journal could not be read */
	const struct finding *first_problem;   /* a fail, else a warn */
	char summary[320];
};

/* ---- After the reboot ---- */

static void verify_clear(struct ap *st)
{
	journal_sets_free(st->sets, st->n_sets);
	findings_free(st->found);
	st->sets = NULL;
	st->n_sets = 0;
	st->found = NULL;
	st->n_expect = st->n_met = st->n_fail = st->n_warn = st->n_unknown = st->n_pending = 0;
	st->journal_bad = st->verify_broken = false;
	st->first_problem = NULL;
	st->summary[0] = '\0';
}

/* "Module vfio_pci is not loaded" reads "module vfio_pci ..." mid-sentence. */
static void append_title(char *out, size_t size, const char *title)
{
	size_t len = strlen(out);

	if (len + 1 >= size)
		return;
	snprintf(out + len, size - len, "%s", title);
	if (isupper((unsigned char)title[0]) && islower((unsigned char)title[1]))
		out[len] = (char)tolower((unsigned char)out[len]);
}

static void verify_summarize(struct ap *st)
{
	char *s = st->summary;
	size_t size = sizeof(st->summary), len;

	for (size_t i = 0; st->found && i < findings_n(st->found); i++) {
		const struct finding *f = findings_get(st->found, i);

		if (f->category != FINDING_VERIFY)
			continue;
		if (!strcmp(f->id, "verify-pending")) {
			st->n_pending++;
			continue;
		}
		if (!strcmp(f->id, "verify-journal")) {
			/* info: "nothing applied" or an expectation this
			 * version does not know; warn: unreadable */
			if (f->status == FINDING_WARN)
				st->journal_bad = true;
			continue;
		}
		st->n_expect++;
		switch (f->status) {
		case FINDING_PASS: st->n_met++; break;
		case FINDING_FAIL:
			if (!st->n_fail++)
				st->first_problem = f;
			break;
		case FINDING_WARN:
			if (!st->n_warn++ && !st->n_fail)
				st->first_problem = f;
			break;
		case FINDING_INFO: st->n_unknown++; break;
		}
	}
	if (st->verify_broken) {
		snprintf(s, size, "The verification could not run; the log says why.");
		return;
	}
	if (st->journal_bad) {
		snprintf(s, size, "The journal could not be read: nothing can be verified or undone until it is.");
		return;
	}
	if (!st->n_sets) {
		snprintf(s, size, "Nothing has been applied with gpuvirt under this root yet: there is nothing "
			 "to verify.");
		return;
	}
	if (!st->n_expect && !st->n_pending) {
		snprintf(s, size, "The change set%s expect%s nothing of the running host.",
			 st->n_sets == 1 ? "" : "s", st->n_sets == 1 ? "s" : "");
		return;
	}
	if (st->n_met == st->n_expect)
		snprintf(s, size, "All %zu expectation%s met", st->n_expect, st->n_expect == 1 ? "" : "s");
	else
		snprintf(s, size, "%zu of %zu expectations met", st->n_met, st->n_expect);
	if (st->first_problem) {
		len = strlen(s);
		snprintf(s + len, size - len, "; ");
		append_title(s, size, st->first_problem->title);
		if (!st->n_fail) {
			len = strlen(s);
			snprintf(s + len, size - len, " (applied after this boot: reboot)");
		}
	}
	if (st->n_unknown) {
		len = strlen(s);
		snprintf(s + len, size - len, "; %zu cannot be checked", st->n_unknown);
	}
	if (st->n_pending) {
		len = strlen(s);
		snprintf(s + len, size - len, "; %zu command%s not run", st->n_pending, st->n_pending == 1 ? "" : "s");
	}
	len = strlen(s);
	snprintf(s + len, size - len, ".");
}

/* Read the journal and compare it with the running host. File I/O: only on
 * enter(), rescan and start-up. */
static void verify_refresh(struct tui *t, struct ap *st)
{
	struct gv_error err = { 0 };
	int r;

	verify_clear(st);
	st->verified = true;
	st->fresh = false;
	if (t->demo)
		return;   /* the sample host has no running kernel to compare with */
	r = journal_list(t->root, &st->sets, &st->n_sets, &err);
	if (r == 0 && !st->n_sets) {
		/* nothing applied: no need to scan anything */
		verify_summarize(st);
		return;
	}
	/* an unreadable journal: verify_run() says so as a finding */
	err.msg[0] = '\0';
	st->found = findings_new();
	verify_run(st->found, t->host, t->conf, t->root);
	verify_summarize(st);
}

/* Start-up: verify the journal against the running host (only a directory
 * listing when nothing was applied). When something applied before this
 * boot is not in effect, the wizard opens on this step, which keeps what
 * was computed and shows its "After the reboot" section; WHY, the log
 * line, names the first such expectation and its change set. */
static bool ap_opens_at_start(struct tui *t, void *state, char *why, size_t size)
{
	struct ap *st = state;
	const struct finding *f;
	char ref[48] = "";

	verify_refresh(t, st);
	if (!st->n_fail)
		return false;
	/* the wizard opens on this step right away: keep what was computed */
	st->fresh = true;
	st->jump = true;
	st->jump_scroll = 0;
	f = st->first_problem;
	/* the set first: on an 80-column log line the end may not show */
	if (f->set_id > 0)
		snprintf(ref, sizeof(ref), "change set %d: ", f->set_id);
	snprintf(why, size, "opened on verification: %s%s", ref, f->title);
	if (st->n_fail > 1)
		snprintf(why + strlen(why), size - strlen(why), " (and %zu more)", st->n_fail - 1);
	return true;
}

/* ---- the draft ---- */

/* What the draft comes to against the snapshots: a sentence for the
 * step's screen (LINE) and a few words for the step list (BRIEF). */
static enum wizard_status draft_summary(struct tui *t, char *line, size_t lsize, char *brief, size_t bsize)
{
	const struct draft *d = wizard_draft(t);
	const struct wizdraft_measure *m;
	size_t n = draft_n(d);
	const char *s = n == 1 ? "" : "s";
	const char *loader;
	bool cmdline_pending, reboot;

	if (!n) {
		snprintf(line, lsize, "Plan: no step has drafted a change yet.");
		snprintf(brief, bsize, "no change drafted yet");
		return WIZARD_INFO;
	}
	m = wizard_measure(t);
	if (m->plan_r < 0 || m->n_failed) {
		/* say why, whatever the step that drafted it */
		snprintf(line, lsize, "Plan: the %zu drafted change%s cannot be built: %s", n, s, m->why);
		snprintf(brief, bsize, "the plan cannot be built");
		return WIZARD_WARN;
	}
	if (m->n_todo == n) {
		snprintf(line, lsize, "Plan: %zu change%s drafted by the steps, still to do.", n, s);
		snprintf(brief, bsize, "%zu change%s drafted", n, s);
		return WIZARD_TODO;
	}
	if (m->n_todo) {
		snprintf(line, lsize, "Plan: %zu of the %zu drafted changes still to do; the configuration says "
			 "the rest already.", m->n_todo, n);
		snprintf(brief, bsize, "%zu of %zu still to do", m->n_todo, n);
		return WIZARD_TODO;
	}
	wizard_cmdline_facts(t, &loader, &cmdline_pending);
	reboot = wizdraft_reboot_pending(d, m, t->host, cmdline_pending);
	snprintf(line, lsize, "Plan: the %zu drafted change%s %s in place: the configuration says %s.%s%s", n, s,
		 n == 1 ? "is" : "are", n == 1 ? "it" : "all of them",
		 reboot ? " Reboot pending: the next boot takes " : "", reboot ? (n == 1 ? "it up." : "them up.") : "");
	if (reboot)
		snprintf(brief, bsize, "%zu drafted, in place; reboot pending", n);
	else
		snprintf(brief, bsize, "%zu change%s drafted, all in place", n, s);
	return reboot ? WIZARD_WARN : WIZARD_DONE;
}

static enum wizard_status ap_status(struct tui *t, void *state, char *text, size_t size)
{
	struct ap *st = state;
	char line[640];

	/* something applied before this boot is not in effect: first */
	if (st->n_fail) {
		snprintf(text, size, "%zu not in effect", st->n_fail);
		return WIZARD_TODO;
	}
	if (st->plan_file) {
		snprintf(text, size, "plan file opened");
		return WIZARD_TODO;
	}
	if (draft_n(wizard_draft(t)))
		return draft_summary(t, line, sizeof(line), text, size);
	if (st->verify_broken || st->journal_bad) {
		snprintf(text, size, st->journal_bad ? "journal unreadable" : "cannot verify (see the log)");
		return WIZARD_WARN;
	}
	if (st->n_warn) {
		snprintf(text, size, "%zu not in effect yet: reboot", st->n_warn);
		return WIZARD_WARN;
	}
	if (st->n_pending) {
		snprintf(text, size, "%zu command%s not run", st->n_pending, st->n_pending == 1 ? "" : "s");
		return WIZARD_WARN;
	}
	if (st->n_expect) {
		snprintf(text, size, "%zu of %zu in effect", st->n_met, st->n_expect);
		return st->n_met == st->n_expect ? WIZARD_DONE : WIZARD_WARN;
	}
	snprintf(text, size, "no change drafted yet");
	return WIZARD_INFO;
}

static void ap_enter(struct tui *t, void *state)
{
	struct ap *st = state;

	if (st->fresh) {
		st->fresh = false;
	} else {
		st->jump = false;
		verify_refresh(t, st);
	}
}

static void draw_verification(struct tui *t, struct ap *st, struct textview *tv)
{
	static const char *const word[] = { "[ OK ]", "[WARN]", "[FAIL]", "[INFO]" };
	static const enum theme_element style[] = { UI_STEP_DONE, UI_LOG_WARN, UI_ERROR, UI_DIM };
	char line[640];

	textview_add(tv, UI_GROUP, "After the reboot");
	if (t->demo) {
		textview_add(tv, UI_NORMAL, "The built-in sample host has no running kernel to compare with.");
		textview_add(tv, UI_DIM, "On a real host this lists every change set in the journal, what it "
			     "expects of the running host and what the host really has (the same as 'gpuvirt check').");
		return;
	}
	if (!st->verified) {
		textview_add(tv, UI_DIM, "Not verified yet.");
		return;
	}
	textview_add(tv, st->n_fail || st->verify_broken ? UI_ERROR : st->n_warn || st->n_pending || st->journal_bad
		     ? UI_LOG_WARN : UI_NORMAL, st->summary);
	for (size_t i = 0; i < st->n_sets; i++) {
		const struct journal_set *js = &st->sets[i];

		snprintf(line, sizeof(line), "Change set %d, %s: %s%s", js->id, js->when, js->summary,
			 js->interrupted ? " (interrupted: undo rolls it back)" : "");
		textview_add_indented(tv, UI_DIM, 2, line);
	}
	for (size_t i = 0; st->found && i < findings_n(st->found); i++) {
		const struct finding *f = findings_get(st->found, i);

		if (f->category != FINDING_VERIFY)
			continue;
		snprintf(line, sizeof(line), "%s %s", word[f->status], f->title);
		textview_add_indented(tv, style[f->status], 7, line);
		if (f->evidence && f->status != FINDING_PASS) {
			snprintf(line, sizeof(line), "       %s", f->evidence);
			textview_add_indented(tv, UI_DIM, 9, line);
		}
		if (f->fix && f->status != FINDING_PASS) {
			snprintf(line, sizeof(line), "       fix: %s", f->fix);
			textview_add_indented(tv, UI_NORMAL, 12, line);
		}
	}
	if (st->n_sets)
		textview_add(tv, UI_DIM, "r rescans the host and verifies again; u reverts the last change set "
			     "(as 'gpuvirt undo').");
}

/* The command that repeats the plan on the next host: the draft's, or the
 * opened file's. Owned; NULL when there is nothing to repeat. */
static char *equivalent(struct tui *t, struct ap *st)
{
	const char *words[] = { "apply", "--plan", st->plan_file, NULL };

	if (st->plan_file)
		return wizdraft_command(t->root, t->demo, words);
	if (!draft_n(wizard_draft(t)))
		return NULL;
	return wizdraft_draft_command(wizard_draft(t), "apply", t->root, t->demo);
}

static void ap_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	struct ap *st = state;
	const struct tui_apply *opt = apply_flow_settings(t);
	char line[1024], brief[96], *cmd;
	struct textview tv;
	int section, total;

	if (st->jump && t->right.top != st->jump_scroll)
		st->jump = false;   /* the user scrolled: leave it where they put it */
	/* a long path breaks after a '/', ':' or ',' */
	textview_init(&tv, r->w - 2);
	tv.wrap = TEXT_WRAP_PUNCT;
	if (st->plan_file)
		snprintf(line, sizeof(line), "Plan: the file %s", st->plan_file);
	else
		draft_summary(t, line, sizeof(line), brief, sizeof(brief));
	textview_add_indented(&tv, UI_NORMAL, 2, line);
	cmd = equivalent(t, st);
	if (cmd) {
		snprintf(line, sizeof(line), "Command: %s", cmd);
		textview_add_indented(&tv, UI_NORMAL, 2, line);
		free(cmd);
	}
	snprintf(line, sizeof(line), "Root: %s%s", t->root, t->demo ? " (scratch copy)" : "");
	textview_add_indented(&tv, UI_NORMAL, 2, line);
	snprintf(line, sizeof(line), "Commands: %s", opt->no_run ? "listed, not run" : "run after the files");
	textview_add_indented(&tv, UI_NORMAL, 2, line);
	snprintf(line, sizeof(line), "sysfs timeout: %ld s", opt->timeout_s);
	textview_add_indented(&tv, UI_NORMAL, 2, line);
	if (!t->is_root && !strcmp(t->root, "/"))
		textview_add(&tv, UI_LOG_WARN, "Read-only: applying needs root.");
	textview_blank(&tv);
	textview_add_indented(&tv, UI_LABEL, 3, "p  preview, then y applies");
	textview_add_indented(&tv, UI_LABEL, 3, "o  open a saved plan file");
	/* at 80x24 the section below stays in view */
	if (st->plan_file)
		textview_add_indented(&tv, UI_LABEL, 3, "x  forget the plan file");
	textview_add_indented(&tv, UI_LABEL, 3, "S  save the plan as a file");
	textview_add_indented(&tv, UI_LABEL, 3, "u  undo the last change set");
	textview_add_indented(&tv, UI_LABEL, 3, "n  run or only list commands");
	textview_add_indented(&tv, UI_LABEL, 3, "t  sysfs write timeout");
	textview_blank(&tv);
	section = (int)tv.n;
	draw_verification(t, st, &tv);
	total = (int)tv.n;
	t->right.lines = total;
	if (st->jump) {
		/* opened because something is not in effect: show that part,
		 * as far down as the pane can scroll, at any size */
		int want = section < total - r->h ? section : total - r->h;

		if (want < 0)
			want = 0;
		st->jump_scroll = want;
		t->right.top = want;
	}
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}

static unsigned opened(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct ap *st = userdata;
	struct plan *p = NULL;
	struct gv_error err = { 0 };

	if (!res->accepted || !*res->text)
		return 0;
	if (plan_load(res->text, t->root, &p, &err) < 0) {
		gv_log(GV_LOG_ERR, "%s", err.msg);
		dialog_message(t, "Cannot open the plan", err.msg);
		return 0;
	}
	gv_log(GV_LOG_INFO, "plan file %s opened: %zu action(s)", res->text, plan_n_actions(p));
	plan_free(p);
	free(st->plan_file);
	st->plan_file = xstrdup(res->text);
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static unsigned run_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	(void)userdata;
	if (res->accepted)
		apply_flow_settings(t)->no_run = res->choice == 1;
	return TUI_DIRTY_RIGHT;
}

static unsigned timeout_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	(void)userdata;
	if (res->accepted)
		apply_flow_settings(t)->timeout_s = res->number;
	return TUI_DIRTY_RIGHT;
}

/* The plan p previews and S saves: the opened file's, else the draft's.
 * NULL when there is none; a failure and an empty plan are said in a
 * message titled for DOING ("apply", "save"). */
static struct plan *current_plan(struct tui *t, struct ap *st, const char *doing)
{
	const struct draft *d = wizard_draft(t);
	struct plan *p = NULL;
	struct gv_error err = { 0 };
	char msg[768];
	int r;

	if (st->plan_file) {
		r = plan_load(st->plan_file, t->root, &p, &err);
	} else if (!draft_n(d)) {
		snprintf(msg, sizeof(msg), "No step has drafted a change yet. The steps that can draft changes say so "
			 "in the list; 'o' opens a plan saved earlier.");
		dialog_message(t, !strcmp(doing, "save") ? "Nothing to save" : "Nothing to apply", msg);
		return NULL;
	} else {
		r = apply_flow_build(t, d, &p, &err);
	}
	if (r < 0) {
		gv_log(GV_LOG_ERR, "%s", err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Cannot build the plan", err.msg[0] ? err.msg : strerror(-r));
		return NULL;
	}
	if (!st->plan_file && plan_is_empty(p)) {
		snprintf(msg, sizeof(msg), "The %zu drafted change%s %s in place already: the configuration under %s "
			 "says %s, so there is nothing to %s.", draft_n(d), draft_n(d) == 1 ? "" : "s",
			 draft_n(d) == 1 ? "is" : "are", t->root, draft_n(d) == 1 ? "it" : "all of them", doing);
		dialog_message(t, !strcmp(doing, "save") ? "Nothing to save" : "Nothing to apply", msg);
		plan_free(p);
		return NULL;
	}
	return p;
}

static unsigned save_named(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct ap *st = userdata;
	const char *file = res->text ? res->text : "";
	struct gv_error err = { 0 };
	struct plan *p;
	char msg[1536], *hint;
	int r;

	if (!res->accepted)
		return 0;
	file += strspn(file, " ");
	if (!*file) {
		dialog_message(t, "Not saved", "No file was named: nothing was saved.");
		return 0;
	}
	p = current_plan(t, st, "save");
	if (!p)
		return 0;
	r = plan_save(p, file, &err);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "save: %s", err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Cannot save the plan", err.msg[0] ? err.msg : strerror(-r));
		plan_free(p);
		return 0;
	}
	free(st->save_file);
	st->save_file = xstrdup(file);
	/* a plan is for the root it was made on: the hint names that root */
	hint = wizdraft_command(t->root, t->demo, (const char *const[]){ "apply", "--plan", file, NULL });
	gv_log(GV_LOG_INFO, "plan saved to %s; `%s` applies it", file, hint);
	snprintf(msg, sizeof(msg), "Saved the plan (%zu change%s) to %s.\n\n%s applies it, after checking that "
		 "no file it changes was changed since.", plan_n_actions(p), plan_n_actions(p) == 1 ? "" : "s",
		 file, hint);
	dialog_message(t, "Saved", msg);
	free(hint);
	plan_free(p);
	return TUI_DIRTY_LOG;
}

static void save(struct tui *t, struct ap *st)
{
	struct plan *p = current_plan(t, st, "save");

	if (!p)
		return;
	plan_free(p);
	dialog_input_text(t, "Save the plan", "File to write the plan to, for 'gpuvirt apply --plan FILE':",
			  st->save_file ? st->save_file : "", save_named, st);
}

static void preview(struct tui *t, struct ap *st)
{
	struct plan *p = current_plan(t, st, "apply");

	if (p)
		apply_flow_preview(t, p);
}

static unsigned ap_key(struct tui *t, void *state, int key)
{
	static const char *const run_choices[] = { "run them after the files", "only list them (--no-run)" };
	struct ap *st = state;
	const struct tui_apply *opt = apply_flow_settings(t);

	switch (key) {
	case 'p': case '\n': case '\r': case KEY_ENTER:
		preview(t, st);
		return TUI_HANDLED;
	case 'u':
		apply_flow_preview_undo(t);
		return TUI_HANDLED;
	case 'S':
		save(t, st);
		return TUI_HANDLED;
	case 'o':
		dialog_input_text(t, "Open a plan file", "A plan saved by gpuvirt (gpuvirt-plan 2):",
				  st->plan_file, opened, st);
		return TUI_HANDLED;
	case 'x':
		free(st->plan_file);
		st->plan_file = NULL;
		return TUI_HANDLED;
	case 'n':
		dialog_input_choice(t, "Commands", "update-grub, update-initramfs and the like:", run_choices, 2,
				    opt->no_run ? 1 : 0, run_chosen, NULL);
		return TUI_HANDLED;
	case 't':
		dialog_input_number(t, "sysfs timeout", "Seconds to wait for one sysfs write (1-120):",
				    opt->timeout_s, 1, 120, timeout_chosen, NULL);
		return TUI_HANDLED;
	}
	return 0;
}

static void ap_rescan(struct tui *t, void *state)
{
	/* the findings point into nothing of the old snapshot, but what they
	 * say may have changed with it */
	verify_refresh(t, state);
}

static void *ap_new(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct ap));
}

static void ap_free(void *state)
{
	struct ap *st = state;

	if (!st)
		return;
	free(st->plan_file);
	free(st->save_file);
	verify_clear(st);
	free(st);
}

const struct wizard_step_ops step_apply_ops = {
	.new = ap_new,
	.free = ap_free,
	.status = ap_status,
	.enter = ap_enter,
	.draw = ap_draw,
	.key = ap_key,
	.rescan = ap_rescan,
	.opens_at_start = ap_opens_at_start,
};
