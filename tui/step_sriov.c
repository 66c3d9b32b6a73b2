/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "SR-IOV VFs": every PF of the host with how many VFs it offers
 * (sriov_totalvfs), has now and gets at the next boot, and what says so
 * (core/propose/sriov.h); a PF whose driver cannot make VFs says why (the
 * stock i915). The person sets a count, 0 removing the VFs, and chooses
 * where the VFs go: the host's driver, or vfio-pci for VMs. For the PF under
 * the cursor the step shows why VFs did not appear (core/verify/
 * sriov-check.h) and its VFs as the scan found them; the device tree shows
 * them under their PF as udev reports them.
 *
 * The counts are the wizard's draft (--vfs ADDRESS=N, one a PF) and so are
 * the options (--vfs-driver, --boot-only): the step reads them back from
 * it. Its preview is the plan of its part of the draft, the text `gpuvirt
 * plan --vfs ...` prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/change.h"
#include "core/propose/draft.h"
#include "core/propose/sriov.h"
#include "core/util/xalloc.h"
#include "core/verify/findings.h"
#include "core/verify/sriov-check.h"
#include "tui/apply_flow.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/step_sriov.h"
#include "tui/textview.h"
#include "tui/tree.h"
#include "tui/tui.h"
#include "tui/wizard.h"

#define MAX_PFS 64
/* VFs listed for the PF under the cursor; the rest are counted */
#define MAX_VFS_SHOWN 8

/* The step's view of the snapshots; the counts are the draft's. */
struct sv {
	bool loaded;
	const struct host_device *pfs[MAX_PFS];
	size_t n_pfs;
	struct sriov_boot boot[MAX_PFS];   /* what sets each PF's count at the next boot */
	char *cannot[MAX_PFS];             /* why the PF can make no VFs; NULL when it can */
	struct sriov_conf *conf;
	struct findings *why;              /* why VFs did not appear, for the whole host */
	size_t cursor;
	char cursor_address[PCIADDR_STRLEN];   /* kept across rescans */
	bool follow;                       /* scroll so the cursor is visible */
	int pf_row[MAX_PFS];               /* each PF's first row on the screen drawn last */
	char tree_key[64];                 /* the tree's selection last taken over */
	char count_for[PCIADDR_STRLEN];    /* the PF of the open count dialog */
};

static void unload(struct sv *st)
{
	for (size_t i = 0; i < st->n_pfs; i++) {
		sriov_boot_clear(&st->boot[i]);
		free(st->cannot[i]);
		st->cannot[i] = NULL;
	}
	st->n_pfs = 0;
	sriov_conf_free(st->conf);
	st->conf = NULL;
	findings_free(st->why);
	st->why = NULL;
	st->loaded = false;
}

static void load(struct tui *t, struct sv *st)
{
	if (st->loaded)
		return;
	st->loaded = true;
	st->cursor = 0;
	st->conf = sriov_conf_load(t->root, t->conf);
	for (size_t i = 0; i < host_n_devices(t->host) && st->n_pfs < MAX_PFS; i++) {
		const struct host_device *d = host_device(t->host, i);
		struct sriov_opts probe_opts = { .boot_only = true };
		struct change probe = { .kind = CHANGE_VFS, .addr = d->addr, .count = 1 };
		struct gv_error err = { 0 };
		size_t k = st->n_pfs;

		if (d->sriov_total < 0 || d->physfn)
			continue;
		if (!strcmp(d->address, st->cursor_address))
			st->cursor = k;
		st->pfs[k] = d;
		sriov_conf_boot(st->conf, d, &st->boot[k]);
		/* can it take a count at all (now, or after the next boot)? the
		 * proposal's own check answers, with its reason */
		snprintf(probe.address, sizeof(probe.address), "%s", d->address);
		if (sriov_check_change(t->host, t->conf, &probe, &probe_opts, &err) < 0)
			st->cannot[k] = xstrdup(err.msg[0] ? err.msg : "it cannot make VFs");
		st->n_pfs++;
	}
	st->why = findings_new();
	sriov_check_run(st->why, t->host, t->conf, t->root);
	if (st->n_pfs)
		snprintf(st->cursor_address, sizeof(st->cursor_address), "%s", st->pfs[st->cursor]->address);
}

static const struct host_device *cursor_pf(const struct sv *st)
{
	return st->cursor < st->n_pfs ? st->pfs[st->cursor] : NULL;
}

static void set_cursor(struct sv *st, size_t i)
{
	if (i >= st->n_pfs)
		return;
	st->cursor = i;
	snprintf(st->cursor_address, sizeof(st->cursor_address), "%s", st->pfs[i]->address);
	st->follow = true;
}

/* The finding is about PF D: it names D's address. */
static bool finding_for(const struct finding *f, const struct host_device *d)
{
	return strstr(f->title, d->address) || (f->evidence && strstr(f->evidence, d->address));
}

/* "none", "3", "3 (ignored)": what sets it is said below the list */
static void boot_words(const struct sriov_boot *b, char *out, size_t size)
{
	if (b->via == SRIOV_PERSIST_NONE || b->count < 0)
		snprintf(out, size, "none");
	else
		snprintf(out, size, "%d%s", b->count, b->ignored ? " (ignored)" : "");
}

static enum wizard_status sv_status(struct tui *t, void *state, char *text, size_t size)
{
	struct sv *st = state;
	const struct draft *d = wizard_draft(t);
	size_t n = wizdraft_count(d, WIZDRAFT_SRIOV), todo, done, failed, boot_set = 0;
	const struct host_device *only = NULL;
	int count = -1, at_boot = -1, now = -1;
	bool problem = false;

	load(t, st);
	if (!st->n_pfs) {
		snprintf(text, size, "no SR-IOV device");
		return WIZARD_INFO;
	}
	if (n) {
		/* what is still to do, measured against the snapshots */
		wizdraft_measure_part(wizard_measure(t), d, WIZDRAFT_SRIOV, &todo, &done, &failed);
		if (failed) {
			snprintf(text, size, "does not fit: p says why");
			return WIZARD_WARN;
		}
		for (size_t i = 0; i < st->n_pfs; i++) {
			int want = wizdraft_vfs(d, st->pfs[i]->address);
			bool none_at_boot = st->boot[i].via == SRIOV_PERSIST_NONE || st->boot[i].ignored;

			if (want < 0)
				continue;
			/* the count at boot the plan keeps: N in a file read at
			 * boot, or for 0 nothing left that sets it */
			if (want == 0 ? none_at_boot || st->boot[i].count == 0 : !none_at_boot && st->boot[i].count == want)
				boot_set++;
			only = st->pfs[i];
			count = want;
			at_boot = none_at_boot ? 0 : st->boot[i].count;
			now = st->pfs[i]->sriov_num < 0 ? 0 : st->pfs[i]->sriov_num;
		}
		if (!todo) {
			if (n == 1 && only)
				snprintf(text, size, "%s: %d VFs, in place", tree_short_address(only), count);
			else
				snprintf(text, size, "%zu counts, all in place", n);
			return WIZARD_DONE;
		}
		if (boot_set == n) {
			/* the live count is left alone (another root, --boot-only) */
			if (n == 1 && only)
				snprintf(text, size, "%s: %d at next boot, %d now", tree_short_address(only), at_boot, now);
			else
				snprintf(text, size, "%zu counts set for the next boot", n);
			return WIZARD_INFO;
		}
		if (n == 1 && only)
			snprintf(text, size, "%s -> %d VFs: drafted", tree_short_address(only), count);
		else if (!done)
			snprintf(text, size, "%zu counts drafted", n);
		else
			snprintf(text, size, "%zu of %zu still to do", todo, n);
		return WIZARD_INFO;
	}
	for (size_t i = 0; i < findings_n(st->why); i++) {
		enum finding_status fs = findings_get(st->why, i)->status;

		if (fs == FINDING_FAIL || fs == FINDING_WARN)
			problem = true;
	}
	if (st->n_pfs == 1) {
		const struct host_device *pf = st->pfs[0];
		char boot[32] = "none";

		if (st->boot[0].via != SRIOV_PERSIST_NONE && !st->boot[0].ignored && st->boot[0].count >= 0)
			snprintf(boot, sizeof(boot), "%d", st->boot[0].count);
		snprintf(text, size, "%s: %d of %d VFs, %s at boot", tree_short_address(pf),
			 pf->sriov_num < 0 ? 0 : pf->sriov_num, pf->sriov_total, boot);
	} else {
		int vfs = 0;

		for (size_t i = 0; i < st->n_pfs; i++)
			vfs += st->pfs[i]->sriov_num > 0 ? st->pfs[i]->sriov_num : 0;
		snprintf(text, size, "%zu PFs, %d VFs now", st->n_pfs, vfs);
	}
	/* the step's screen says why */
	return problem ? WIZARD_WARN : WIZARD_INFO;
}

static void sv_enter(struct tui *t, void *state)
{
	struct sv *st = state;
	const struct tree_row *r = tree_selected(t->tree);

	load(t, st);
	/* the device tree's selection carries over when it moved since: a PF,
	 * or the PF of a VF */
	if (r && r->dev && strcmp(r->key, st->tree_key)) {
		const char *pf = r->dev->physfn ? r->dev->physfn : r->dev->address;

		for (size_t i = 0; i < st->n_pfs; i++)
			if (!strcmp(st->pfs[i]->address, pf))
				set_cursor(st, i);
	}
	if (r)
		snprintf(st->tree_key, sizeof(st->tree_key), "%s", r->key);
	st->follow = true;
}

static void add_pf(struct tui *t, struct sv *st, struct textview *tv, size_t i)
{
	const struct host_device *d = st->pfs[i];
	int want = wizdraft_vfs(wizard_draft(t), d->address);
	char line[1024], boot[96], label[96];

	tree_device_label(d, label, sizeof(label));
	snprintf(line, sizeof(line), "%s %s %s", d->address, d->driver ? d->driver : "-", label);
	textview_add_cut(tv, NULL, i == st->cursor ? UI_SELECTED : UI_NORMAL, line);
	boot_words(&st->boot[i], boot, sizeof(boot));
	snprintf(line, sizeof(line), "  %d total, %d now, at boot %s", d->sriov_total,
		 d->sriov_num < 0 ? 0 : d->sriov_num, boot);
	textview_add_cut(tv, NULL, UI_NORMAL, line);
	if (want >= 0) {
		snprintf(line, sizeof(line), "  drafted: %d VF%s%s", want, want == 1 ? "" : "s",
			 want == 0 ? " (removes them)" : "");
		textview_add_cut(tv, NULL, UI_STEP_DONE, line);
	}
	if (st->cannot[i]) {
		const char *why = st->cannot[i];
		size_t len = strlen(d->address);

		/* the message names the PF, which the row above does */
		if (!strncmp(why, d->address, len) && !strncmp(why + len, ": ", 2))
			why += len + 2;
		snprintf(line, sizeof(line), "  cannot: %s", why);
		textview_add_indented(tv, UI_LOG_WARN, 4, line);
	}
}

static void add_cursor_facts(struct tui *t, struct sv *st, struct textview *tv)
{
	const struct host_device *d = cursor_pf(st);
	const struct sriov_boot *b = &st->boot[st->cursor];
	char line[1536];
	size_t shown = 0, found = 0;

	if (!d)
		return;
	if (b->via == SRIOV_PERSIST_NONE)
		snprintf(line, sizeof(line), "At the next boot: nothing sets the count of %s.", d->address);
	else
		snprintf(line, sizeof(line), "At the next boot: %d, set by %s (%s).", b->count,
			 sriov_persist_name(b->via), b->where ? b->where : "?");
	textview_add(tv, UI_NORMAL, line);
	if (b->ignored) {
		snprintf(line, sizeof(line), "Ignored: %s", b->ignored);
		textview_add(tv, UI_LOG_WARN, line);
	}
	snprintf(line, sizeof(line), "Driver %s: %s", d->driver ? d->driver : "none",
		 d->sriov_driver == HOST_SRIOV_DRIVER_CAN ? "sets the count" :
		 d->sriov_driver == HOST_SRIOV_DRIVER_CANNOT ? "cannot set the count" :
		 d->sriov_driver == HOST_SRIOV_DRIVER_NONE ? "none bound: the kernel takes no count" :
		 "the kernel decides");
	textview_add(tv, UI_NORMAL, line);
	for (size_t i = 0; i < d->n_vfs; i++) {
		const struct host_device *vf = host_find(t->host, d->vfs[i]);

		if (shown == MAX_VFS_SHOWN)
			continue;
		snprintf(line, sizeof(line), "  VF %s %s", d->vfs[i], vf && vf->driver ? vf->driver : "no driver");
		textview_add_cut(tv, NULL, UI_DIM, line);
		shown++;
	}
	if (d->n_vfs > shown) {
		snprintf(line, sizeof(line), "  ... and %zu more VFs (the device tree lists them)", d->n_vfs - shown);
		textview_add_cut(tv, NULL, UI_DIM, line);
	}
	for (size_t i = 0; i < findings_n(st->why); i++) {
		const struct finding *f = findings_get(st->why, i);

		if (!finding_for(f, d))
			continue;
		if (!found++) {
			textview_blank(tv);
			textview_add(tv, UI_LABEL, "Why VFs did not appear:");
		}
		snprintf(line, sizeof(line), "%s %s", f->status == FINDING_FAIL ? "FAIL" : f->status == FINDING_WARN ?
			 "WARN" : "info", f->title);
		textview_add_indented(tv, f->status == FINDING_FAIL ? UI_ERROR : f->status == FINDING_WARN ?
				      UI_LOG_WARN : UI_NORMAL, 5, line);
		if (f->evidence && *f->evidence) {
			snprintf(line, sizeof(line), "     %s", f->evidence);
			textview_add_indented(tv, UI_DIM, 5, line);
		}
		if (f->fix) {
			snprintf(line, sizeof(line), "     fix: %s", f->fix);
			textview_add_indented(tv, UI_NORMAL, 10, line);
		}
	}
}

static void sv_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	struct sv *st = state;
	const struct sriov_opts *o = draft_sriov(wizard_draft(t));
	struct textview tv;
	char line[512];

	load(t, st);
	textview_init(&tv, r->w - 2);
	if (!st->n_pfs) {
		textview_add(&tv, UI_NORMAL, "No PCI function of this host has SR-IOV (no sriov_totalvfs).");
		goto draw;
	}
	textview_add(&tv, UI_LABEL, "PFs and their VFs:");
	for (size_t i = 0; i < st->n_pfs; i++) {
		st->pf_row[i] = (int)tv.n;
		add_pf(t, st, &tv, i);
	}
	textview_blank(&tv);
	snprintf(line, sizeof(line), "VFs go to: %s", o->vf_driver == SRIOV_VF_VFIO ?
		 "vfio-pci, at once and at every boot (for VMs)" : "the host's driver (the PF's, when it probes them)");
	textview_add(&tv, UI_NORMAL, line);
	if (o->boot_only)
		textview_add(&tv, UI_NORMAL, "Boot only: the running host is left alone.");
	textview_blank(&tv);
	add_cursor_facts(t, st, &tv);
	textview_blank(&tv);
	textview_add(&tv, UI_LABEL, "n/b  next/previous PF (j/k focused)");
	textview_add(&tv, UI_LABEL, "=  set the VF count (0 removes the VFs)");
	textview_add(&tv, UI_LABEL, "D  where the VFs go: host driver or vfio-pci");
	textview_add(&tv, UI_LABEL, "B  boot only: leave the running host alone");
	textview_add(&tv, UI_LABEL, "X  forget the count drafted for the PF");
	textview_add(&tv, UI_LABEL, "p  preview this step, then y applies");
	if (st->follow) {
		int cy = st->pf_row[st->cursor];

		t->right.visible = r->h;
		/* the heading comes into view with the first PF */
		scroll_show(&t->right, st->cursor == 0 ? 0 : cy);
		scroll_show(&t->right, cy + 1);
		st->follow = false;
	}
draw:
	t->right.lines = (int)tv.n;
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}

/* ---- the count, where the VFs go ---- */

static unsigned count_typed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct sv *st = userdata;
	struct draft *d = wizard_draft(t);
	struct gv_error err = { 0 };
	struct change c;
	char *arg;
	int r;

	if (!res->accepted || !st->count_for[0])
		return 0;
	/* what --vfs ADDRESS=N would refuse is not drafted: the same check,
	 * the same one line */
	arg = xasprintf("%s=%ld", st->count_for, res->number);
	r = change_parse(CHANGE_VFS, arg, &c, &err);
	free(arg);
	if (r == 0) {
		r = sriov_check_change(t->host, t->conf, &c, draft_sriov(d), &err);
		change_clear(&c);
	}
	if (r < 0) {
		gv_log(GV_LOG_WARN, "%s", err.msg);
		dialog_message(t, "Not drafted", err.msg);
		return 0;
	}
	wizdraft_set_vfs(d, st->count_for, (int)res->number);
	gv_log(GV_LOG_INFO, "%s: %ld VF%s drafted", st->count_for, res->number, res->number == 1 ? "" : "s");
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void ask_count(struct tui *t, struct sv *st)
{
	const struct host_device *d = cursor_pf(st);
	int want;
	char prompt[512];

	if (!d)
		return;
	want = wizdraft_vfs(wizard_draft(t), d->address);
	snprintf(st->count_for, sizeof(st->count_for), "%s", d->address);
	snprintf(prompt, sizeof(prompt), "VFs for %s (%s): it offers %d, has %d now. 0 removes them, now and at "
		 "every boot.", d->address, d->driver ? d->driver : "no driver", d->sriov_total,
		 d->sriov_num < 0 ? 0 : d->sriov_num);
	/* the proposal says what limits the count; the box takes a u16 */
	dialog_input_number(t, "SR-IOV VFs", prompt, want >= 0 ? want : d->sriov_total > 0 ? d->sriov_total : 0, 0,
			    65535, count_typed, st);
}

static unsigned vf_driver_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct draft *d = wizard_draft(t);
	struct sriov_opts o = *draft_sriov(d);

	(void)userdata;
	if (!res->accepted)
		return 0;
	o.vf_driver = res->choice == 1 ? SRIOV_VF_VFIO : SRIOV_VF_HOST;
	draft_set_sriov(d, &o);
	gv_log(GV_LOG_INFO, "SR-IOV: the VFs go to %s", o.vf_driver == SRIOV_VF_VFIO ? "vfio-pci" : "the host's driver");
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void ask_vf_driver(struct tui *t)
{
	static const char *const choices[] = {
		"host: the PF's driver takes them (the host uses them)",
		"vfio-pci: for VMs, at once and at every boot",
	};

	dialog_input_choice(t, "Where the VFs go",
			    "Which driver the VFs get (--vfs-driver). VFs for VMs go to vfio-pci, so no host driver "
			    "holds them first:", choices, 2,
			    draft_sriov(wizard_draft(t))->vf_driver == SRIOV_VF_VFIO ? 1 : 0, vf_driver_chosen, NULL);
}

static void toggle_boot_only(struct tui *t)
{
	struct draft *d = wizard_draft(t);
	struct sriov_opts o = *draft_sriov(d);

	o.boot_only = !o.boot_only;
	draft_set_sriov(d, &o);
	gv_log(GV_LOG_INFO, "SR-IOV: %s", o.boot_only ? "boot only: the running host is left alone" :
	       "the count is set now too (on this host's own root)");
}

static void preview(struct tui *t)
{
	struct draft *part;

	if (!wizdraft_count(wizard_draft(t), WIZDRAFT_SRIOV)) {
		dialog_message(t, "Nothing drafted", "Set a VF count with = first, then p previews it.");
		return;
	}
	/* this step's changes alone, with the --vfs options */
	part = wizdraft_part(wizard_draft(t), WIZDRAFT_SRIOV);
	apply_flow_preview_draft(t, "SR-IOV VFs", part);
	draft_free(part);
}

static unsigned sv_key(struct tui *t, void *state, int key)
{
	struct sv *st = state;
	const struct host_device *d;
	int move;

	load(t, st);
	switch (key) {
	case '=':
		ask_count(t, st);
		return TUI_HANDLED;
	case 'D':
		ask_vf_driver(t);
		return TUI_HANDLED;
	case 'B':
		toggle_boot_only(t);
		return TUI_HANDLED;
	case 'X':
		d = cursor_pf(st);
		if (d && wizdraft_vfs(wizard_draft(t), d->address) >= 0) {
			wizdraft_set_vfs(wizard_draft(t), d->address, -1);
			gv_log(GV_LOG_INFO, "%s: no VF count drafted", d->address);
		}
		return TUI_HANDLED;
	case 'p':
		preview(t);
		return TUI_HANDLED;
	}
	if (scroll_item_key(key, t->focus == TUI_FOCUS_RIGHT, (long)st->cursor, (long)st->n_pfs,
			    st->n_pfs && t->right.top <= st->pf_row[st->cursor], &move)) {
		set_cursor(st, st->cursor + (size_t)(long)move);
		return TUI_HANDLED;
	}
	return 0;
}

static void sv_rescan(struct tui *t, void *state)
{
	(void)t;
	/* VFs came or went, the root changed: read it all again */
	unload(state);
}

static void *sv_new(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct sv));
}

static void sv_free(void *state)
{
	if (!state)
		return;
	unload(state);
	free(state);
}

const struct wizard_step_ops step_sriov_ops = {
	.new = sv_new,
	.free = sv_free,
	.status = sv_status,
	.enter = sv_enter,
	.draw = sv_draw,
	.key = sv_key,
	.rescan = sv_rescan,
};
