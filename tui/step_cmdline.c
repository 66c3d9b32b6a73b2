/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Kernel command line": which boot loader this host boots with
 * and the evidence for it (core/boot), the running line against the one the
 * next boot gets, lint findings on both, and the arguments to add as toggles.
 * When the evidence fits more than one boot loader the person chooses: the
 * step never picks one for them.
 *
 * A toggle is on when its changes are in the wizard's draft (--iommu,
 * --cmdline-add ARG); the person's choice of boot loader is the draft's
 * --bootloader. What the configuration says of the next boot is the
 * wizard's (wizard_boot()), read once per snapshot and choice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/boot.h"
#include "core/propose/draft.h"
#include "core/util/cmdline.h"
#include "core/util/xalloc.h"
#include "core/verify/cmdline-lint.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/apply_flow.h"
#include "tui/step_cmdline.h"
#include "tui/textview.h"
#include "tui/tui.h"
#include "tui/wizard.h"

static const char *const sriov_args[] = { "i915.enable_guc=3", "i915.max_vfs=7", NULL };
static const char *const sysfb_args[] = { "initcall_blacklist=sysfb_init", NULL };

enum toggle { T_IOMMU, T_SRIOV, T_SYSFB, N_TOGGLES };

static const struct {
	int key;
	const char *what;
} toggle_info[N_TOGGLES] = {
	[T_IOMMU] = { 'i', "IOMMU" },
	[T_SRIOV] = { 'e', "i915 SR-IOV (7 VFs)" },
	[T_SYSFB] = { 'x', "no firmware framebuffer" },
};

/* The step's view of the snapshots; what is switched on is the draft's. */
struct cl {
	bool loaded;
	enum boot_loader lint_for;          /* the draft's loader when the lint was read */
	struct findings *lint_cfg, *lint_run;    /* NULL when the line is unknown */
	bool intel_gpu;                     /* offer the i915 SR-IOV arguments */
	enum toggle after_choice;           /* toggle to switch on once a loader is chosen */
	bool toggle_after_choice;
};

static void unload(struct cl *st)
{
	findings_free(st->lint_cfg);
	findings_free(st->lint_run);
	st->lint_cfg = st->lint_run = NULL;
	st->loaded = false;
}

static void load(struct tui *t, struct cl *st)
{
	const char *running = host_cmdline(t->host);
	enum boot_loader chosen = draft_boot_loader(wizard_draft(t));
	const struct wizard_boot *b;

	/* the next boot's line follows the person's choice of boot loader */
	if (st->loaded && st->lint_for == chosen)
		return;
	unload(st);
	st->loaded = true;
	st->lint_for = chosen;
	b = wizard_boot(t);
	if (b->configured) {
		st->lint_cfg = findings_new();
		cmdline_lint(st->lint_cfg, b->configured, sysconf_kparam(t->conf));
	}
	if (running) {
		st->lint_run = findings_new();
		cmdline_lint(st->lint_run, running, sysconf_kparam(t->conf));
	}
	st->intel_gpu = false;
	for (size_t i = 0; i < host_n_devices(t->host); i++) {
		const struct host_device *d = host_device(t->host, i);
		if (host_device_is_display(d) && d->vendor_id == 0x8086 && !d->physfn)
			st->intel_gpu = true;
	}
}

/* The arguments toggle K adds, as shown. */
static const char *const *toggle_args(struct tui *t, enum toggle k)
{
	switch (k) {
	case T_IOMMU: return boot_iommu_args(host_cpu_vendor(t->host), NULL);
	case T_SRIOV: return sriov_args;
	case T_SYSFB: return sysfb_args;
	default: return NULL;
	}
}

/* The changes toggle K stands for in the draft: --iommu, or --cmdline-add
 * of each of its arguments. */
static enum change_kind toggle_kind(enum toggle k)
{
	return k == T_IOMMU ? CHANGE_IOMMU : CHANGE_CMDLINE_ADD;
}

static const char *const *toggle_changes(struct tui *t, enum toggle k)
{
	return k == T_IOMMU ? NULL : toggle_args(t, k);
}

static bool toggle_offered(struct tui *t, const struct cl *st, enum toggle k)
{
	if (k == T_SRIOV)
		return st->intel_gpu;
	return toggle_args(t, k) != NULL;
}

static bool toggle_on(struct tui *t, const struct cl *st, enum toggle k)
{
	return toggle_offered(t, st, k) && wizdraft_toggle_on(wizard_draft(t), toggle_kind(k), toggle_changes(t, k));
}

/* Every argument of LIST is in LINE. */
static bool line_has_all(const char *line, const char *const *list)
{
	struct cmdline *c = NULL;
	bool all = true;

	if (!line || !list || cmdline_parse(line, &c) < 0)
		return false;
	for (; *list; list++)
		if (!cmdline_contains(c, *list))
			all = false;
	cmdline_free(c);
	return all;
}

/* The arguments the switched-on toggles add. */
static size_t drafted_args(struct tui *t, const struct cl *st)
{
	size_t n = 0;

	for (int k = 0; k < N_TOGGLES; k++) {
		if (!toggle_on(t, st, (enum toggle)k))
			continue;
		for (const char *const *a = toggle_args(t, (enum toggle)k); a && *a; a++)
			n++;
	}
	return n;
}

static enum wizard_status cl_status(struct tui *t, void *state, char *text, size_t size)
{
	struct cl *st = state;
	const struct wizard_boot *b;
	const char *name;
	size_t n, todo, done, failed;
	bool pending;

	load(t, st);
	b = wizard_boot(t);
	pending = b->pending && !cmdline_diff_empty(b->pending);
	n = drafted_args(t, st);
	if (!b->det) {
		snprintf(text, size, "cannot read the root");
		return WIZARD_WARN;
	}
	if (b->needs_choice) {
		snprintf(text, size, "boot loader ambiguous: choose");
		return WIZARD_TODO;
	}
	if (b->loader == BOOT_AUTO) {
		snprintf(text, size, "no boot loader found");
		return WIZARD_WARN;
	}
	name = boot_loader_name(b->loader);
	if (n) {
		/* what is still to do, measured against the snapshots */
		wizdraft_measure_part(wizard_measure(t), wizard_draft(t), WIZDRAFT_CMDLINE, &todo, &done, &failed);
		if (failed) {
			snprintf(text, size, "does not fit: p says why");
			return WIZARD_WARN;
		}
		if (!done) {
			snprintf(text, size, "%zu argument%s drafted", n, n == 1 ? "" : "s");
			return WIZARD_INFO;
		}
		if (todo) {
			snprintf(text, size, "%zu of %zu changes still to do", todo, todo + done);
			return WIZARD_INFO;
		}
		snprintf(text, size, "%zu argument%s in place%s", n, n == 1 ? "" : "s", pending ? "; reboot pending" : "");
		return pending ? WIZARD_WARN : WIZARD_DONE;
	}
	if (pending) {
		snprintf(text, size, "%s, reboot pending", name);
		return WIZARD_WARN;
	}
	if (line_has_all(b->configured, toggle_args(t, T_IOMMU))) {
		snprintf(text, size, "%s, IOMMU args set", name);
		return WIZARD_DONE;
	}
	snprintf(text, size, "%s, IOMMU args missing", name);
	return WIZARD_TODO;
}

static void cl_enter(struct tui *t, void *state)
{
	load(t, state);
}

/* "a b c" from a NULL-terminated list */
static void join(char *out, size_t size, const char *const *list)
{
	size_t len = 0;

	out[0] = '\0';
	for (; list && *list && len < size; list++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", *list);
}

/* a lint finding of the running line that the configured one has too is
 * shown once */
static bool in_cfg_lint(const struct cl *st, const struct finding *f)
{
	for (size_t i = 0; st->lint_cfg && i < findings_n(st->lint_cfg); i++) {
		const struct finding *c = findings_get(st->lint_cfg, i);
		/* the evidence is the argument at fault */
		if (!strcmp(c->id, f->id) && !strcmp(c->evidence, f->evidence))
			return true;
	}
	return false;
}

static void cl_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	struct cl *st = state;
	const struct wizard_boot *b;
	enum boot_loader chosen = draft_boot_loader(wizard_draft(t));
	char line[2600], args[256];
	struct textview tv;
	enum boot_loader l = BOOT_AUTO;

	load(t, st);
	b = wizard_boot(t);
	textview_init(&tv, r->w - 2);
#define TEXT(e, s) textview_add(&tv, (e), (s))
	if (!b->det) {
		snprintf(line, sizeof(line), "Cannot look for the boot loader under %s", t->root);
		TEXT(UI_ERROR, line);
	} else {
		l = b->loader;
		if (boot_detection_ambiguous(b->det)) {
			snprintf(line, sizeof(line), "Boot loader: ambiguous, the evidence fits %zu.",
				 boot_detection_n_candidates(b->det));
			TEXT(UI_LOG_WARN, line);
			if (chosen != BOOT_AUTO) {
				snprintf(line, sizeof(line), "You chose %s (b changes it).", boot_loader_name(chosen));
				TEXT(UI_NORMAL, line);
			} else {
				TEXT(UI_LOG_WARN, "Press b to choose the one this host boots with.");
			}
		} else if (l == BOOT_AUTO) {
			TEXT(UI_LOG_WARN, "Boot loader: none found under the root.");
		} else {
			snprintf(line, sizeof(line), "Boot loader: %s", boot_loader_name(l));
			TEXT(UI_NORMAL, line);
		}
		for (size_t i = 0; i < boot_detection_n_candidates(b->det); i++) {
			enum boot_loader c = boot_detection_candidate(b->det, i);
			const char *const *ev = boot_detection_evidence(b->det, c);
			const char *file = boot_detection_cmdline_file(b->det, c);

			if (boot_detection_n_candidates(b->det) > 1) {
				snprintf(line, sizeof(line), "%s %s:", c == l ? "*" : "-", boot_loader_name(c));
				TEXT(c == l ? UI_LABEL : UI_NORMAL, line);
			}
			for (; ev && *ev; ev++) {
				snprintf(line, sizeof(line), "  evidence: %s", *ev);
				TEXT(UI_DIM, line);
			}
			snprintf(line, sizeof(line), "  writes %s, then %s", file ? file : "through kernelstub",
				 boot_detection_regen(b->det, c));
			TEXT(UI_DIM, line);
		}
	}
	textview_blank(&tv);
	TEXT(UI_LABEL, "Arguments to add (letter switches):");
	for (int k = 0; k < N_TOGGLES; k++) {
		const char *const *a = toggle_args(t, (enum toggle)k);
		const char *note = "";
		bool on;

		if (!toggle_offered(t, st, (enum toggle)k))
			continue;
		on = toggle_on(t, st, (enum toggle)k);
		join(args, sizeof(args), a);
		if (line_has_all(b->configured, a))
			note = " (configured)";
		snprintf(line, sizeof(line), "[%c] %c  %s: %s%s", on ? 'x' : ' ', toggle_info[k].key,
			 toggle_info[k].what, args, note);
		TEXT(on ? UI_STEP_DONE : UI_NORMAL, line);
	}
	if (!toggle_args(t, T_IOMMU))
		TEXT(UI_DIM, "IOMMU: the CPU vendor is unknown, so no IOMMU arguments are proposed.");
	TEXT(UI_LABEL, "p  preview this step, then y applies");
	if (b->det && boot_detection_n_candidates(b->det) > 1)
		TEXT(UI_LABEL, "b  choose the boot loader");
	textview_blank(&tv);
	snprintf(line, sizeof(line), "Running:   %s", host_cmdline(t->host) ? host_cmdline(t->host) : "(unknown)");
	TEXT(UI_NORMAL, line);
	if (b->configured)
		snprintf(line, sizeof(line), "Next boot: %s", b->configured);
	else
		snprintf(line, sizeof(line), "Next boot: unknown (%s)", b->cfg_error);
	TEXT(b->configured ? UI_NORMAL : UI_DIM, line);
	if (b->pending && !cmdline_diff_empty(b->pending)) {
		TEXT(UI_LOG_WARN, "Reboot pending: the lines differ.");
		if (b->pending->n_missing) {
			size_t len = (size_t)snprintf(line, sizeof(line), "  next boot adds:");
			for (size_t i = 0; i < b->pending->n_missing && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", b->pending->missing[i]);
			TEXT(UI_LOG_WARN, line);
		}
		if (b->pending->n_extra) {
			size_t len = (size_t)snprintf(line, sizeof(line), "  next boot drops:");
			for (size_t i = 0; i < b->pending->n_extra && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", b->pending->extra[i]);
			TEXT(UI_LOG_WARN, line);
		}
	} else if (b->pending) {
		TEXT(UI_DIM, "The running kernel has the configured line: no reboot needed.");
	}
	for (size_t i = 0; st->lint_cfg && i < findings_n(st->lint_cfg); i++) {
		const struct finding *f = findings_get(st->lint_cfg, i);
		snprintf(line, sizeof(line), "%s (next boot): %s", f->status == FINDING_FAIL ? "FAIL" : "WARN",
			 f->title);
		TEXT(f->status == FINDING_FAIL ? UI_ERROR : UI_LOG_WARN, line);
	}
	for (size_t i = 0; st->lint_run && i < findings_n(st->lint_run); i++) {
		const struct finding *f = findings_get(st->lint_run, i);
		if (in_cfg_lint(st, f))
			continue;
		snprintf(line, sizeof(line), "%s (running): %s", f->status == FINDING_FAIL ? "FAIL" : "WARN",
			 f->title);
		TEXT(f->status == FINDING_FAIL ? UI_ERROR : UI_LOG_WARN, line);
	}
	t->right.lines = (int)tv.n;
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
#undef TEXT
}

static void switch_toggle(struct tui *t, struct cl *st, enum toggle k);

static unsigned loader_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct cl *st = userdata;
	const struct boot_detection *det = wizard_boot(t)->det;
	enum boot_loader chosen;

	if (!res->accepted || !det || res->choice >= boot_detection_n_candidates(det)) {
		st->toggle_after_choice = false;
		return 0;
	}
	chosen = boot_detection_candidate(det, res->choice);
	/* the draft says which loader its command-line changes are for; the
	 * next-boot line (the header shows it too) is that loader's */
	draft_set_boot_loader(wizard_draft(t), chosen);
	gv_log(GV_LOG_INFO, "kernel command line: boot loader %s, as chosen", boot_loader_name(chosen));
	load(t, st);
	if (st->toggle_after_choice) {
		st->toggle_after_choice = false;
		switch_toggle(t, st, st->after_choice);
	}
	return TUI_DIRTY_HEADER | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void choose_loader(struct tui *t, struct cl *st)
{
	const struct boot_detection *det = wizard_boot(t)->det;
	enum boot_loader chosen = draft_boot_loader(wizard_draft(t));
	const char *choices[BOOT__MAX];
	char text[BOOT__MAX][160];
	size_t n = det ? boot_detection_n_candidates(det) : 0, initial = 0;

	if (n == 0) {
		dialog_message(t, "No boot loader", "No boot loader configuration was found under the root, so "
			       "there is nothing to choose from.");
		return;
	}
	if (n == 1) {
		snprintf(text[0], sizeof(text[0]), "The evidence fits only %s; there is nothing to choose.",
			 boot_loader_name(boot_detection_candidate(det, 0)));
		dialog_message(t, "Boot loader", text[0]);
		return;
	}
	if (n > BOOT__MAX)
		n = BOOT__MAX;
	for (size_t i = 0; i < n; i++) {
		enum boot_loader c = boot_detection_candidate(det, i);
		const char *file = boot_detection_cmdline_file(det, c);

		snprintf(text[i], sizeof(text[i]), "%s (%s)", boot_loader_name(c), file ? file : "kernelstub");
		choices[i] = text[i];
		if (c == chosen)
			initial = i;
	}
	dialog_input_choice(t, "Boot loader",
			    "The evidence fits more than one boot loader (see the step). Which one does this "
			    "host boot with?", choices, n, initial, loader_chosen, st);
}

static void switch_toggle(struct tui *t, struct cl *st, enum toggle k)
{
	if (!toggle_offered(t, st, k))
		return;
	if (!toggle_on(t, st, k) && wizard_boot(t)->needs_choice) {
		/* never guess: the draft needs to know which file it is for */
		st->after_choice = k;
		st->toggle_after_choice = true;
		choose_loader(t, st);
		return;
	}
	wizdraft_toggle(wizard_draft(t), toggle_kind(k), toggle_changes(t, k));
}

static void preview(struct tui *t)
{
	struct draft *part;

	if (!wizdraft_count(wizard_draft(t), WIZDRAFT_CMDLINE)) {
		dialog_message(t, "Nothing drafted", "Switch on the arguments to add first (the letters in "
			       "brackets), then p previews them.");
		return;
	}
	/* this step's changes alone, built as the whole draft is */
	part = wizdraft_part(wizard_draft(t), WIZDRAFT_CMDLINE);
	apply_flow_preview_draft(t, "kernel command line", part);
	draft_free(part);
}

static unsigned cl_key(struct tui *t, void *state, int key)
{
	struct cl *st = state;

	load(t, st);
	for (int k = 0; k < N_TOGGLES; k++) {
		if (key == toggle_info[k].key && toggle_offered(t, st, (enum toggle)k)) {
			switch_toggle(t, st, (enum toggle)k);
			return TUI_HANDLED;
		}
	}
	switch (key) {
	case 'b':
		choose_loader(t, st);
		return TUI_HANDLED;
	case 'p': case '\n': case '\r': case KEY_ENTER:
		preview(t);
		return TUI_HANDLED;
	}
	return 0;
}

static void cl_rescan(struct tui *t, void *state)
{
	(void)t;
	/* the root may have changed (apply, undo): read it again on the next look */
	unload(state);
}

static void *cl_new(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct cl));
}

static void cl_free(void *state)
{
	if (!state)
		return;
	unload(state);
	free(state);
}

const struct wizard_step_ops step_cmdline_ops = {
	.new = cl_new,
	.free = cl_free,
	.status = cl_status,
	.enter = cl_enter,
	.draw = cl_draw,
	.key = cl_key,
	.rescan = cl_rescan,
};
