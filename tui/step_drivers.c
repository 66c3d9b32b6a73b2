/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Drivers & vfio": the GPUs with the functions of their IOMMU
 * groups; the person picks which go to vfio-pci at boot (core/propose
 * decides by id or by address and says why), and which host drivers to
 * blacklist. The boot GPU and the only GPU are guarded: picking one asks
 * for its address to be typed, after saying which console goes dark.
 *
 * The draft is kept by PCI address, so a rescan keeps the picks of devices
 * that are still there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/change.h"
#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/plan/undo.h"
#include "core/propose/propose.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/apply_flow.h"
#include "tui/scroll.h"
#include "tui/step_drivers.h"
#include "tui/textview.h"
#include "tui/tui.h"

#define MAX_GPUS 64
#define MAX_DRIVERS 9      /* keys 1-9 */

struct pick {
	char address[PCIADDR_STRLEN];
	bool forced;            /* the person typed the address of a guarded device */
};

static struct {
	/* the draft (survives rescans) */
	struct pick *picks; size_t n_picks;
	char *blacklist[MAX_DRIVERS]; size_t n_blacklist;
	/* from the snapshot (rebuilt on rescan) */
	bool loaded;
	const struct host_device *gpus[MAX_GPUS]; size_t n_gpus;
	char *drivers[MAX_DRIVERS]; size_t n_drivers;
	size_t cursor;
	char cursor_address[PCIADDR_STRLEN];   /* the cursor's device, kept across rescans */
	bool follow;                           /* scroll so the cursor is visible */
	char *explain;                         /* for the cursor's device */
	char explain_for[PCIADDR_STRLEN];
	char guard_address[PCIADDR_STRLEN];    /* the guarded device being confirmed */
} st;

static struct pick *find_pick(const char *address)
{
	for (size_t i = 0; i < st.n_picks; i++)
		if (!strcmp(st.picks[i].address, address))
			return &st.picks[i];
	return NULL;
}

static void drop_pick(const char *address)
{
	struct pick *p = find_pick(address);

	if (!p)
		return;
	*p = st.picks[--st.n_picks];
}

static void add_pick(const char *address, bool forced)
{
	struct pick *p;

	if (find_pick(address))
		return;
	p = realloc(st.picks, (st.n_picks + 1) * sizeof(*p));
	if (!p)
		abort();
	st.picks = p;
	p = &st.picks[st.n_picks++];
	memset(p, 0, sizeof(*p));
	snprintf(p->address, sizeof(p->address), "%s", address);
	p->forced = forced;
}

static bool blacklisted(const char *driver)
{
	for (size_t i = 0; i < st.n_blacklist; i++)
		if (!strcmp(st.blacklist[i], driver))
			return true;
	return false;
}

static void unload(void)
{
	for (size_t i = 0; i < st.n_drivers; i++)
		free(st.drivers[i]);
	st.n_drivers = 0;
	st.n_gpus = 0;
	free(st.explain);
	st.explain = NULL;
	st.explain_for[0] = '\0';
	st.loaded = false;
}

static void load(struct tui *t)
{
	if (st.loaded)
		return;
	st.loaded = true;
	st.cursor = 0;
	for (size_t i = 0; i < host_n_devices(t->host); i++) {
		const struct host_device *d = host_device(t->host, i);
		bool seen = false;

		if (!host_device_is_display(d) || st.n_gpus >= MAX_GPUS)
			continue;
		if (!strcmp(d->address, st.cursor_address))
			st.cursor = st.n_gpus;
		st.gpus[st.n_gpus++] = d;
		if (!d->driver || !strcmp(d->driver, "vfio-pci") || d->physfn)
			continue;
		for (size_t k = 0; k < st.n_drivers; k++)
			seen |= !strcmp(st.drivers[k], d->driver);
		if (!seen && st.n_drivers < MAX_DRIVERS) {
			st.drivers[st.n_drivers] = strdup(d->driver);
			if (!st.drivers[st.n_drivers])
				abort();
			st.n_drivers++;
		}
	}
	/* picks of devices that are gone stay in the draft: propose_build()
	 * says so (-ENODEV) rather than the step dropping them silently */
	if (st.n_gpus)
		snprintf(st.cursor_address, sizeof(st.cursor_address), "%s", st.gpus[st.cursor]->address);
}

static const struct host_device *cursor_dev(void)
{
	return st.cursor < st.n_gpus ? st.gpus[st.cursor] : NULL;
}

static const char *cursor_explain(struct tui *t)
{
	const struct host_device *d = cursor_dev();
	struct gv_error err = { 0 };

	if (!d)
		return NULL;
	if (st.explain && !strcmp(st.explain_for, d->address))
		return st.explain;
	free(st.explain);
	st.explain = NULL;
	if (propose_vfio_explain(t->host, d->address, &st.explain, &err) < 0) {
		st.explain = strdup(err.msg[0] ? err.msg : "cannot explain this device");
		if (!st.explain)
			abort();
	}
	snprintf(st.explain_for, sizeof(st.explain_for), "%s", d->address);
	return st.explain;
}

/* The draft as the command line would spell it. */
static int draft_changes(struct change **ret, size_t *ret_n, bool *ret_force, struct gv_error *err)
{
	struct change *changes = NULL;
	size_t n = 0;
	bool force = false;
	int r = 0;

	for (size_t i = 0; i < st.n_blacklist && r >= 0; i++) {
		struct change c;
		r = change_parse(CHANGE_BLACKLIST, st.blacklist[i], &c, err);
		if (r >= 0) {
			r = change_array_add(&changes, &n, &c);
			change_clear(&c);
		}
	}
	for (size_t i = 0; i < st.n_picks && r >= 0; i++) {
		struct change c;
		r = change_parse(CHANGE_VFIO, st.picks[i].address, &c, err);
		if (r >= 0) {
			r = change_array_add(&changes, &n, &c);
			change_clear(&c);
		}
		/* only devices whose address was typed can be picked when guarded */
		force |= st.picks[i].forced;
	}
	if (r < 0) {
		change_array_free(changes, n);
		return r;
	}
	*ret = changes;
	*ret_n = n;
	*ret_force = force;
	return 0;
}

static int dr_build(struct tui *t, struct plan *p, struct gv_error *err)
{
	struct change *changes = NULL;
	struct propose_opts opts = { 0 };
	size_t n = 0;
	int r;

	r = draft_changes(&changes, &n, &opts.force_boot_gpu, err);
	if (r < 0 || n == 0)
		return r;
	r = propose_build(t->host, t->conf, t->root, changes, n, &opts, p, err);
	change_array_free(changes, n);
	return r;
}

static enum wizard_status dr_status(struct tui *t, char *text, size_t size)
{
	load(t);
	if (!st.n_gpus) {
		snprintf(text, size, "no GPU on this host");
		return WIZARD_INFO;
	}
	if (st.n_picks || st.n_blacklist) {
		snprintf(text, size, "%zu for vfio-pci, %zu blacklisted", st.n_picks, st.n_blacklist);
		return WIZARD_INFO;
	}
	for (size_t i = 0; i < st.n_gpus; i++)
		if (st.gpus[i]->driver && !strcmp(st.gpus[i]->driver, "vfio-pci")) {
			snprintf(text, size, "a GPU is on vfio-pci");
			return WIZARD_DONE;
		}
	snprintf(text, size, "%zu GPU%s, none picked", st.n_gpus, st.n_gpus == 1 ? "" : "s");
	return WIZARD_TODO;
}

static void dr_enter(struct tui *t)
{
	load(t);
	st.follow = true;
}

/* Rows of the device list before GPU I (each GPU, then its group's other members). */
static int list_rows(struct tui *t, size_t upto)
{
	int rows = 0;

	for (size_t i = 0; i < upto && i < st.n_gpus; i++) {
		const struct host_iommu_group *g = host_find_group(t->host, st.gpus[i]->iommu_group);
		rows += 1 + (g && g->n_devices > 1 ? (int)g->n_devices - 1 : 0);
	}
	return rows;
}

static void dr_draw(struct tui *t, const struct layout_rect *r)
{
	char line[1024];
	struct textview tv;
	const char *ex;

	load(t);
	if (st.follow && st.n_gpus) {
		/* the list starts at row 1, below its heading, which comes into
		 * view with the first GPU */
		int cy = 1 + list_rows(t, st.cursor);
		bool up = cy < t->right.top;

		t->right.visible = r->h;
		scroll_show(&t->right, up && cy == 1 ? 0 : cy);
		st.follow = false;
	}
	textview_init(&tv, r->w - 2);
	if (!st.n_gpus) {
		textview_add(&tv, UI_NORMAL, "No GPU (display controller) on this host.");
		goto draw;
	}
	textview_add(&tv, UI_LABEL, "GPUs for vfio-pci (space picks):");
	for (size_t i = 0; i < st.n_gpus; i++) {
		const struct host_device *d = st.gpus[i];
		const struct host_iommu_group *g = host_find_group(t->host, d->iommu_group);
		const struct pick *p = find_pick(d->address);
		const char *mark = d->boot_vga == 1 ? " BOOT" : "";

		snprintf(line, sizeof(line), "[%c] %s %s%s %s %s", p ? 'x' : ' ', d->address,
			 d->driver ? d->driver : "-", mark, d->vendor_name, d->device_name);
		textview_add_cut(&tv, NULL, i == st.cursor ? UI_SELECTED : UI_NORMAL, line);
		for (size_t k = 0; g && k < g->n_devices; k++) {
			const struct host_device *m = g->devices[k];
			if (m == d)
				continue;
			snprintf(line, sizeof(line), "    + %s %s %s", m->address, m->driver ? m->driver : "-",
				 m->class_name);
			textview_add_cut(&tv, NULL, UI_DIM, line);
		}
	}
	textview_blank(&tv);
	ex = cursor_explain(t);
	if (ex) {
		char *copy = strdup(ex), *save = NULL;

		if (!copy)
			abort();
		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			textview_add(&tv, !strncmp(l, "Guarded:", 8) ? UI_LOG_WARN : UI_NORMAL, l);
		free(copy);
	}
	if (st.n_drivers) {
		textview_blank(&tv);
		textview_add(&tv, UI_LABEL, "Blacklist host drivers (digit switches):");
		for (size_t k = 0; k < st.n_drivers; k++) {
			size_t kept = 0;
			for (size_t i = 0; i < st.n_gpus; i++)
				if (st.gpus[i]->driver && !strcmp(st.gpus[i]->driver, st.drivers[k]) &&
				    !find_pick(st.gpus[i]->address))
					kept++;
			snprintf(line, sizeof(line), "[%c] %zu  %s%s", blacklisted(st.drivers[k]) ? 'x' : ' ', k + 1,
				 st.drivers[k], kept && blacklisted(st.drivers[k]) ?
				 " - a GPU that stays with the host uses it!" : "");
			textview_add(&tv, kept && blacklisted(st.drivers[k]) ? UI_LOG_WARN : UI_NORMAL, line);
		}
	}
	textview_blank(&tv);
	textview_add(&tv, UI_LABEL, "n/b  next/previous GPU (j/k focused)");
	textview_add(&tv, UI_LABEL, "p  preview this step, then y applies");
	textview_add(&tv, UI_LABEL, "u  undo the last applied change set");
draw:
	t->right.lines = (int)tv.n;
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}

/* ---- picking, with the guard ---- */

static unsigned guard_typed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	char want[PCIADDR_STRLEN];
	const char *s;
	size_t len;

	(void)userdata;
	snprintf(want, sizeof(want), "%s", st.guard_address);
	st.guard_address[0] = '\0';
	if (!res->accepted) {
		gv_log(GV_LOG_INFO, "%s stays with the host", want);
		return 0;
	}
	/* the exact address, give or take surrounding blanks */
	s = res->text ? res->text : "";
	while (*s == ' ')
		s++;
	len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	if (len != strlen(want) || strncmp(s, want, len)) {
		gv_log(GV_LOG_WARN, "%s: the address typed did not match; not picked", want);
		dialog_message(t, "Not picked", "The address typed is not the device's address: nothing was "
			       "picked, the device stays with the host.");
		return 0;
	}
	add_pick(want, true);
	gv_log(GV_LOG_WARN, "%s picked for vfio-pci after its address was typed: its console goes dark at "
	       "the next boot", want);
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void ask_guard(struct tui *t, const struct host_device *d, const char *reason)
{
	char text[1536];
	bool boot = strstr(reason, "boot GPU") != NULL;

	snprintf(st.guard_address, sizeof(st.guard_address), "%s", d->address);
	snprintf(text, sizeof(text),
		 "%s (%s %s, driver %s) is %s. Giving it to vfio-pci turns off the host's console on it: "
		 "the screen connected to %s goes dark from the next boot (%s). Keep a serial console, "
		 "another GPU or ssh to reach the host.\n\nType %s to give it to vfio-pci anyway:",
		 d->address, d->vendor_name, d->device_name, d->driver ? d->driver : "none",
		 boot ? "the boot GPU (boot_vga=1)" : "the host's only GPU", d->address,
		 boot ? "the firmware's boot screen, the boot menu and the Linux text console are shown there"
		      : "the host has no other display",
		 d->address);
	dialog_input_text(t, boot ? "Boot GPU" : "Only GPU", text, "", guard_typed, NULL);
}

static void toggle_pick(struct tui *t)
{
	const struct host_device *d = cursor_dev();
	const char *ex;
	char *reason = NULL;
	int r;

	if (!d)
		return;
	if (find_pick(d->address)) {
		drop_pick(d->address);
		gv_log(GV_LOG_INFO, "%s stays with the host", d->address);
		return;
	}
	r = propose_vfio_guard(t->host, d->address, &reason);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "%s: %s", d->address, strerror(-r));
		return;
	}
	if (r > 0) {
		ask_guard(t, d, reason);
		free(reason);
		return;
	}
	add_pick(d->address, false);
	/* the log keeps the "by id / by address" line where every size shows it */
	ex = cursor_explain(t);
	if (ex) {
		const char *how = strstr(ex, "By address");
		if (!how)
			how = strstr(ex, "By id");
		gv_log(GV_LOG_INFO, "%s picked for vfio-pci: %.*s", d->address,
		       how ? (int)strcspn(how, ".\n") : 0, how ? how : "");
	}
}

static void toggle_blacklist(struct tui *t, size_t k)
{
	const char *drv = st.drivers[k];

	(void)t;
	for (size_t i = 0; i < st.n_blacklist; i++) {
		if (!strcmp(st.blacklist[i], drv)) {
			free(st.blacklist[i]);
			st.blacklist[i] = st.blacklist[--st.n_blacklist];
			return;
		}
	}
	if (st.n_blacklist >= MAX_DRIVERS)
		return;
	st.blacklist[st.n_blacklist] = strdup(drv);
	if (!st.blacklist[st.n_blacklist])
		abort();
	st.n_blacklist++;
}

static void preview(struct tui *t)
{
	if (!st.n_picks && !st.n_blacklist) {
		dialog_message(t, "Nothing drafted", "Pick a GPU with space, or switch on a blacklist with its "
			       "digit, then p previews the change.");
		return;
	}
	apply_flow_preview_step(t, "drivers & vfio", dr_build);
}

/* ---- undo ---- */

static unsigned undo_confirmed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct journal_undo_opts opts = { 0 };
	struct gv_error err = { 0 };
	unsigned m = 0;
	char msg[1024];
	int r;

	(void)userdata;
	if (!res->accepted || res->choice != 1) {
		gv_log(GV_LOG_INFO, "undo cancelled: nothing was changed");
		return 0;
	}
	opts.no_run = apply_flow_settings(t)->no_run;
	/* update-initramfs and the like talk to the terminal */
	if (!opts.no_run)
		screen_suspend("gpuvirt: undoing the last change set under %s ...\n", t->root);
	r = journal_undo(t->root, &opts, &err);
	if (!opts.no_run) {
		screen_resume();
		m |= TUI_DIRTY_ALL;
	}
	if (r < 0) {
		gv_log(GV_LOG_ERR, "undo: %s", err.msg[0] ? err.msg : strerror(-r));
		snprintf(msg, sizeof(msg), "Nothing was changed:\n\n%s", err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Undo failed", msg);
		return m;
	}
	gv_log(GV_LOG_INFO, "undone: the last change set under %s", t->root);
	snprintf(msg, sizeof(msg), "The last change set was undone: every file has its bytes from before.%s",
		 opts.no_run ? " Commands were listed, not run: see the log." : " Reboot for it to take effect.");
	dialog_message(t, "Undone", msg);
	return m | TUI_RESCAN_UNDONE;
}

static void undo(struct tui *t)
{
	static const char *const choices[] = { "no, keep it", "yes, undo it" };
	struct journal_set *sets = NULL;
	struct gv_error err = { 0 };
	char prompt[1024];
	size_t n = 0;

	if (!apply_flow_may_write(t, "Undoing changes on this host", "undo"))
		return;
	if (journal_list(t->root, &sets, &n, &err) < 0) {
		dialog_message(t, "Cannot read the journal", err.msg);
		return;
	}
	if (n == 0) {
		dialog_message(t, "Nothing to undo", "No change set applied with gpuvirt is in the journal.");
		journal_sets_free(sets, n);
		return;
	}
	snprintf(prompt, sizeof(prompt), "Undo change set %d (%s): %s? Every file it wrote gets its bytes "
		 "from before.", sets[n - 1].id, sets[n - 1].when ? sets[n - 1].when : "?",
		 sets[n - 1].summary ? sets[n - 1].summary : "");
	journal_sets_free(sets, n);
	dialog_input_choice(t, "Undo", prompt, choices, 2, 0, undo_confirmed, NULL);
}

static void move_cursor(int delta)
{
	if (!st.n_gpus)
		return;
	if (delta < 0 && st.cursor > 0)
		st.cursor--;
	else if (delta > 0 && st.cursor + 1 < st.n_gpus)
		st.cursor++;
	snprintf(st.cursor_address, sizeof(st.cursor_address), "%s", st.gpus[st.cursor]->address);
	st.follow = true;
}

static unsigned dr_key(struct tui *t, int key)
{
	load(t);
	if (key >= '1' && key <= '9') {
		size_t k = (size_t)(key - '1');
		if (k < st.n_drivers)
			toggle_blacklist(t, k);
		return TUI_HANDLED;
	}
	switch (key) {
	case ' ':
		toggle_pick(t);
		return TUI_HANDLED;
	case 'n':
		move_cursor(1);
		return TUI_HANDLED;
	case 'b':
		move_cursor(-1);
		return TUI_HANDLED;
	case 'p':
		preview(t);
		return TUI_HANDLED;
	case 'u':
		undo(t);
		return TUI_HANDLED;
	}
	if (t->focus == TUI_FOCUS_RIGHT) {
		/* j/k move the cursor; past the last GPU they scroll the text */
		if ((key == 'j' || key == KEY_DOWN) && st.cursor + 1 < st.n_gpus) {
			move_cursor(1);
			return TUI_HANDLED;
		}
		if ((key == 'k' || key == KEY_UP) && st.cursor > 0 && t->right.top <= 1 + list_rows(t, st.cursor)) {
			move_cursor(-1);
			return TUI_HANDLED;
		}
	}
	return 0;
}

static void dr_rescan(struct tui *t)
{
	(void)t;
	unload();
}

static void dr_cleanup(struct tui *t)
{
	(void)t;
	unload();
	free(st.picks);
	for (size_t i = 0; i < st.n_blacklist; i++)
		free(st.blacklist[i]);
	memset(&st, 0, sizeof(st));
}

const struct wizard_step_ops step_drivers_ops = {
	.status = dr_status,
	.enter = dr_enter,
	.draw = dr_draw,
	.key = dr_key,
	.build = dr_build,
	.rescan = dr_rescan,
	.cleanup = dr_cleanup,
};
