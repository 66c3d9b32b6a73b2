/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Kernel command line": which boot loader this host boots with
 * and the evidence for it (core/boot), the running line against the one the
 * next boot gets, lint findings on both, and the arguments to add as toggles.
 * When the evidence fits more than one boot loader the person chooses: the
 * step never picks one for them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/boot.h"
#include "core/util/cmdline.h"
#include "core/plan/plan.h"
#include "core/verify/cmdline-lint.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/apply_flow.h"
#include "tui/step_cmdline.h"
#include "tui/textview.h"
#include "tui/tui.h"

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

static struct {
	bool loaded;
	const struct boot_detection *det;   /* the configuration snapshot's */
	enum boot_loader chosen;            /* the person's choice when ambiguous; survives rescans */
	char *configured;                   /* the next boot's line, NULL when unknown */
	char cfg_error[sizeof(((struct gv_error *)0)->msg)];
	struct cmdline_diff *pending;       /* configured vs running; NULL when unknown */
	struct findings *lint_cfg, *lint_run;    /* NULL when the line is unknown */
	bool intel_gpu;                     /* offer the i915 SR-IOV arguments */
	bool want[N_TOGGLES];
	enum toggle after_choice;           /* toggle to switch on once a loader is chosen */
	bool toggle_after_choice;
} st;

static void unload(void)
{
	st.det = NULL;
	free(st.configured);
	st.configured = NULL;
	cmdline_diff_free(st.pending);
	st.pending = NULL;
	findings_free(st.lint_cfg);
	findings_free(st.lint_run);
	st.lint_cfg = st.lint_run = NULL;
	st.cfg_error[0] = '\0';
	st.loaded = false;
}

static void load(struct tui *t)
{
	struct gv_error err = { 0 };
	const char *running = host_cmdline(t->host);
	int r;

	if (st.loaded)
		return;
	st.loaded = true;
	/* every fact below comes from the two snapshots: no detection here */
	st.det = sysconf_boot(t->conf);
	r = boot_configured_cmdline_for(t->conf, st.chosen, &st.configured, &err);
	if (r < 0) {
		st.configured = NULL;
		snprintf(st.cfg_error, sizeof(st.cfg_error), "%s", err.msg[0] ? err.msg : strerror(-r));
	}
	if (st.configured && running) {
		err = (struct gv_error){ 0 };
		if (boot_cmdline_pending_for(t->conf, st.chosen, running, &st.pending, &err) < 0)
			st.pending = NULL;
	}
	if (st.configured) {
		st.lint_cfg = findings_new();
		cmdline_lint(st.lint_cfg, st.configured, sysconf_kparam(t->conf));
	}
	if (running) {
		st.lint_run = findings_new();
		cmdline_lint(st.lint_run, running, sysconf_kparam(t->conf));
	}
	st.intel_gpu = false;
	for (size_t i = 0; i < host_n_devices(t->host); i++) {
		const struct host_device *d = host_device(t->host, i);
		if (host_device_is_display(d) && d->vendor_id == 0x8086 && !d->physfn)
			st.intel_gpu = true;
	}
	if (!st.intel_gpu)
		st.want[T_SRIOV] = false;
}

/* The boot loader the draft is written for; BOOT_AUTO when nobody knows. */
static enum boot_loader loader(void)
{
	if (!st.det)
		return BOOT_AUTO;
	if (st.chosen != BOOT_AUTO)
		return st.chosen;
	return boot_detection_loader(st.det);
}

static bool needs_choice(void)
{
	return st.det && boot_detection_ambiguous(st.det) && st.chosen == BOOT_AUTO;
}

static const char *const *toggle_args(struct tui *t, enum toggle k)
{
	switch (k) {
	case T_IOMMU: return boot_iommu_args(host_cpu_vendor(t->host), NULL);
	case T_SRIOV: return sriov_args;
	case T_SYSFB: return sysfb_args;
	default: return NULL;
	}
}

static bool toggle_offered(struct tui *t, enum toggle k)
{
	if (k == T_SRIOV)
		return st.intel_gpu;
	return toggle_args(t, k) != NULL;
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

static size_t drafted_args(struct tui *t, const char **add, size_t max)
{
	size_t n = 0;

	for (int k = 0; k < N_TOGGLES; k++) {
		const char *const *a;
		if (!st.want[k] || !toggle_offered(t, (enum toggle)k))
			continue;
		for (a = toggle_args(t, (enum toggle)k); a && *a && n < max; a++)
			add[n++] = *a;
	}
	return n;
}

static int cl_build(struct tui *t, struct plan *p, struct gv_error *err)
{
	const char *add[8];
	size_t n;

	load(t);
	n = drafted_args(t, add, sizeof(add) / sizeof(add[0]));
	if (!n)
		return 0;
	if (needs_choice())
		return gv_error_set(err, -ENOTUNIQ, "kernel command line: the boot loader is ambiguous; "
				    "choose one in the step (b)");
	return boot_propose_cmdline_for(p, t->host, t->conf, st.chosen, add, n, NULL, 0, err);
}

void step_cmdline_facts(struct tui *t, const char **ret_loader, bool *ret_pending)
{
	load(t);
	*ret_loader = needs_choice() ? "ambiguous" : loader() == BOOT_AUTO ? NULL : boot_loader_name(loader());
	*ret_pending = st.pending && !cmdline_diff_empty(st.pending);
}

static enum wizard_status cl_status(struct tui *t, char *text, size_t size)
{
	const char *add[8];
	size_t n;

	load(t);
	n = drafted_args(t, add, sizeof(add) / sizeof(add[0]));
	if (!st.det) {
		snprintf(text, size, "cannot read the root");
		return WIZARD_WARN;
	}
	if (needs_choice()) {
		snprintf(text, size, "boot loader ambiguous: choose");
		return WIZARD_TODO;
	}
	if (loader() == BOOT_AUTO) {
		snprintf(text, size, "no boot loader found");
		return WIZARD_WARN;
	}
	if (n) {
		snprintf(text, size, "%zu argument%s drafted", n, n == 1 ? "" : "s");
		return WIZARD_INFO;
	}
	if (st.pending && !cmdline_diff_empty(st.pending)) {
		snprintf(text, size, "%s, reboot pending", boot_loader_name(loader()));
		return WIZARD_WARN;
	}
	if (line_has_all(st.configured, toggle_args(t, T_IOMMU))) {
		snprintf(text, size, "%s, IOMMU args set", boot_loader_name(loader()));
		return WIZARD_DONE;
	}
	snprintf(text, size, "%s, IOMMU args missing", boot_loader_name(loader()));
	return WIZARD_TODO;
}

static void cl_enter(struct tui *t)
{
	load(t);
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
static bool in_cfg_lint(const struct finding *f)
{
	for (size_t i = 0; st.lint_cfg && i < findings_n(st.lint_cfg); i++) {
		const struct finding *c = findings_get(st.lint_cfg, i);
		/* the evidence is the argument at fault */
		if (!strcmp(c->id, f->id) && !strcmp(c->evidence, f->evidence))
			return true;
	}
	return false;
}

static void cl_draw(struct tui *t, const struct layout_rect *r)
{
	char line[2600], args[256];
	struct textview tv;
	enum boot_loader l = BOOT_AUTO;

	load(t);
	textview_init(&tv, r->w - 2);
#define TEXT(e, s) textview_add(&tv, (e), (s))
	if (!st.det) {
		snprintf(line, sizeof(line), "Cannot look for the boot loader under %s", t->root);
		TEXT(UI_ERROR, line);
	} else {
		l = loader();
		if (boot_detection_ambiguous(st.det)) {
			snprintf(line, sizeof(line), "Boot loader: ambiguous, the evidence fits %zu.",
				 boot_detection_n_candidates(st.det));
			TEXT(UI_LOG_WARN, line);
			if (st.chosen != BOOT_AUTO) {
				snprintf(line, sizeof(line), "You chose %s (b changes it).", boot_loader_name(st.chosen));
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
		for (size_t i = 0; i < boot_detection_n_candidates(st.det); i++) {
			enum boot_loader c = boot_detection_candidate(st.det, i);
			const char *const *ev = boot_detection_evidence(st.det, c);
			const char *file = boot_detection_cmdline_file(st.det, c);

			if (boot_detection_n_candidates(st.det) > 1) {
				snprintf(line, sizeof(line), "%s %s:", c == l ? "*" : "-", boot_loader_name(c));
				TEXT(c == l ? UI_LABEL : UI_NORMAL, line);
			}
			for (; ev && *ev; ev++) {
				snprintf(line, sizeof(line), "  evidence: %s", *ev);
				TEXT(UI_DIM, line);
			}
			snprintf(line, sizeof(line), "  writes %s, then %s", file ? file : "through kernelstub",
				 boot_detection_regen(st.det, c));
			TEXT(UI_DIM, line);
		}
	}
	textview_blank(&tv);
	TEXT(UI_LABEL, "Arguments to add (letter switches):");
	for (int k = 0; k < N_TOGGLES; k++) {
		const char *const *a = toggle_args(t, (enum toggle)k);
		const char *note = "";

		if (!toggle_offered(t, (enum toggle)k))
			continue;
		join(args, sizeof(args), a);
		if (line_has_all(st.configured, a))
			note = " (configured)";
		snprintf(line, sizeof(line), "[%c] %c  %s: %s%s", st.want[k] ? 'x' : ' ', toggle_info[k].key,
			 toggle_info[k].what, args, note);
		TEXT(st.want[k] ? UI_STEP_DONE : UI_NORMAL, line);
	}
	if (!toggle_args(t, T_IOMMU))
		TEXT(UI_DIM, "IOMMU: the CPU vendor is unknown, so no IOMMU arguments are proposed.");
	TEXT(UI_LABEL, "p  preview this step, then y applies");
	if (st.det && boot_detection_n_candidates(st.det) > 1)
		TEXT(UI_LABEL, "b  choose the boot loader");
	textview_blank(&tv);
	snprintf(line, sizeof(line), "Running:   %s", host_cmdline(t->host) ? host_cmdline(t->host) : "(unknown)");
	TEXT(UI_NORMAL, line);
	if (st.configured)
		snprintf(line, sizeof(line), "Next boot: %s", st.configured);
	else
		snprintf(line, sizeof(line), "Next boot: unknown (%s)", st.cfg_error);
	TEXT(st.configured ? UI_NORMAL : UI_DIM, line);
	if (st.pending && !cmdline_diff_empty(st.pending)) {
		TEXT(UI_LOG_WARN, "Reboot pending: the lines differ.");
		if (st.pending->n_missing) {
			size_t len = (size_t)snprintf(line, sizeof(line), "  next boot adds:");
			for (size_t i = 0; i < st.pending->n_missing && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", st.pending->missing[i]);
			TEXT(UI_LOG_WARN, line);
		}
		if (st.pending->n_extra) {
			size_t len = (size_t)snprintf(line, sizeof(line), "  next boot drops:");
			for (size_t i = 0; i < st.pending->n_extra && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", st.pending->extra[i]);
			TEXT(UI_LOG_WARN, line);
		}
	} else if (st.pending) {
		TEXT(UI_DIM, "The running kernel has the configured line: no reboot needed.");
	}
	for (size_t i = 0; st.lint_cfg && i < findings_n(st.lint_cfg); i++) {
		const struct finding *f = findings_get(st.lint_cfg, i);
		snprintf(line, sizeof(line), "%s (next boot): %s", f->status == FINDING_FAIL ? "FAIL" : "WARN",
			 f->title);
		TEXT(f->status == FINDING_FAIL ? UI_ERROR : UI_LOG_WARN, line);
	}
	for (size_t i = 0; st.lint_run && i < findings_n(st.lint_run); i++) {
		const struct finding *f = findings_get(st.lint_run, i);
		if (in_cfg_lint(f))
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

static void switch_toggle(struct tui *t, enum toggle k);

static unsigned loader_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	(void)userdata;
	if (!res->accepted || !st.det || res->choice >= boot_detection_n_candidates(st.det)) {
		st.toggle_after_choice = false;
		return 0;
	}
	st.chosen = boot_detection_candidate(st.det, res->choice);
	gv_log(GV_LOG_INFO, "kernel command line: boot loader %s, as chosen", boot_loader_name(st.chosen));
	/* the next-boot line is the chosen loader's: read it again (the header
	 * shows both) */
	unload();
	load(t);
	if (st.toggle_after_choice) {
		st.toggle_after_choice = false;
		switch_toggle(t, st.after_choice);
	}
	return TUI_DIRTY_HEADER | TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void choose_loader(struct tui *t)
{
	const char *choices[BOOT__MAX];
	char text[BOOT__MAX][160];
	size_t n = st.det ? boot_detection_n_candidates(st.det) : 0, initial = 0;

	if (n == 0) {
		dialog_message(t, "No boot loader", "No boot loader configuration was found under the root, so "
			       "there is nothing to choose from.");
		return;
	}
	if (n == 1) {
		snprintf(text[0], sizeof(text[0]), "The evidence fits only %s; there is nothing to choose.",
			 boot_loader_name(boot_detection_candidate(st.det, 0)));
		dialog_message(t, "Boot loader", text[0]);
		return;
	}
	if (n > BOOT__MAX)
		n = BOOT__MAX;
	for (size_t i = 0; i < n; i++) {
		enum boot_loader c = boot_detection_candidate(st.det, i);
		const char *file = boot_detection_cmdline_file(st.det, c);

		snprintf(text[i], sizeof(text[i]), "%s (%s)", boot_loader_name(c), file ? file : "kernelstub");
		choices[i] = text[i];
		if (c == st.chosen)
			initial = i;
	}
	dialog_input_choice(t, "Boot loader",
			    "The evidence fits more than one boot loader (see the step). Which one does this "
			    "host boot with?", choices, n, initial, loader_chosen, NULL);
}

static void switch_toggle(struct tui *t, enum toggle k)
{
	if (!toggle_offered(t, k))
		return;
	if (!st.want[k] && needs_choice()) {
		/* never guess: the draft needs to know which file it is for */
		st.after_choice = k;
		st.toggle_after_choice = true;
		choose_loader(t);
		return;
	}
	st.want[k] = !st.want[k];
}

static void preview(struct tui *t)
{
	const char *add[8];

	if (!drafted_args(t, add, sizeof(add) / sizeof(add[0]))) {
		dialog_message(t, "Nothing drafted", "Switch on the arguments to add first (the letters in "
			       "brackets), then p previews them.");
		return;
	}
	apply_flow_preview_step(t, "kernel command line", cl_build);
}

static unsigned cl_key(struct tui *t, int key)
{
	load(t);
	for (int k = 0; k < N_TOGGLES; k++) {
		if (key == toggle_info[k].key && toggle_offered(t, (enum toggle)k)) {
			switch_toggle(t, (enum toggle)k);
			return TUI_HANDLED;
		}
	}
	switch (key) {
	case 'b':
		choose_loader(t);
		return TUI_HANDLED;
	case 'p': case '\n': case '\r': case KEY_ENTER:
		preview(t);
		return TUI_HANDLED;
	}
	return 0;
}

static void cl_rescan(struct tui *t)
{
	(void)t;
	/* the root may have changed (apply, undo): read it again on the next look */
	unload();
}

static void cl_cleanup(struct tui *t)
{
	(void)t;
	unload();
	memset(&st, 0, sizeof(st));
}

const struct wizard_step_ops step_cmdline_ops = {
	.status = cl_status,
	.enter = cl_enter,
	.draw = cl_draw,
	.key = cl_key,
	.build = cl_build,
	.rescan = cl_rescan,
	.cleanup = cl_cleanup,
};
