/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Drivers & vfio": the GPUs with the functions of their IOMMU
 * groups; the person picks which go to vfio-pci at boot (core/propose
 * decides by id or by address and says why), and which host drivers to
 * blacklist. The boot GPU and the only GPU are guarded: picking one asks
 * for its address to be typed, after saying which console goes dark.
 *
 * The picks and blacklists are the wizard's draft (--vfio ADDRESS,
 * --blacklist MODULE): the step reads them back from it, so a rescan keeps
 * them, and the Apply & verify step applies them with everything else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/change.h"
#include "core/propose/draft.h"
#include "core/propose/propose.h"
#include "core/util/xalloc.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/apply_flow.h"
#include "tui/scroll.h"
#include "tui/step_drivers.h"
#include "tui/textview.h"
#include "tui/tui.h"
#include "tui/wizard.h"

#define MAX_GPUS 64
#define MAX_DRIVERS 9      /* keys 1-9 */

/* The step's view of the snapshot; what is picked is the draft's. */
struct dr {
	bool loaded;
	const struct host_device *gpus[MAX_GPUS]; size_t n_gpus;
	char *drivers[MAX_DRIVERS]; size_t n_drivers;
	size_t cursor;
	char cursor_address[PCIADDR_STRLEN];   /* the cursor's device, kept across rescans */
	bool follow;                           /* scroll so the cursor is visible */
	char *explain;                         /* for the cursor's device */
	char explain_for[PCIADDR_STRLEN];
	char guard_address[PCIADDR_STRLEN];    /* the guarded device being confirmed */
};

static bool picked(struct tui *t, const char *address)
{
	return wizdraft_picked(wizard_draft(t), address);
}

static bool blacklisted(struct tui *t, const char *driver)
{
	return wizdraft_toggle_on(wizard_draft(t), CHANGE_BLACKLIST, (const char *const[]){ driver, NULL });
}

static void unload(struct dr *st)
{
	for (size_t i = 0; i < st->n_drivers; i++)
		free(st->drivers[i]);
	st->n_drivers = 0;
	st->n_gpus = 0;
	free(st->explain);
	st->explain = NULL;
	st->explain_for[0] = '\0';
	st->loaded = false;
}

static void load(struct tui *t, struct dr *st)
{
	if (st->loaded)
		return;
	st->loaded = true;
	st->cursor = 0;
	for (size_t i = 0; i < host_n_devices(t->host); i++) {
		const struct host_device *d = host_device(t->host, i);
		bool seen = false;

		if (!host_device_is_display(d) || st->n_gpus >= MAX_GPUS)
			continue;
		if (!strcmp(d->address, st->cursor_address))
			st->cursor = st->n_gpus;
		st->gpus[st->n_gpus++] = d;
		if (!d->driver || !strcmp(d->driver, "vfio-pci") || d->physfn)
			continue;
		for (size_t k = 0; k < st->n_drivers; k++)
			seen |= !strcmp(st->drivers[k], d->driver);
		if (!seen && st->n_drivers < MAX_DRIVERS)
			st->drivers[st->n_drivers++] = xstrdup(d->driver);
	}
	/* picks of devices that are gone stay in the draft: propose_build()
	 * says so (-ENODEV) rather than the step dropping them silently */
	if (st->n_gpus)
		snprintf(st->cursor_address, sizeof(st->cursor_address), "%s", st->gpus[st->cursor]->address);
}

static const struct host_device *cursor_dev(const struct dr *st)
{
	return st->cursor < st->n_gpus ? st->gpus[st->cursor] : NULL;
}

static const char *cursor_explain(struct tui *t, struct dr *st)
{
	const struct host_device *d = cursor_dev(st);
	struct gv_error err = { 0 };

	if (!d)
		return NULL;
	if (st->explain && !strcmp(st->explain_for, d->address))
		return st->explain;
	free(st->explain);
	st->explain = NULL;
	if (propose_vfio_explain(t->host, d->address, &st->explain, &err) < 0)
		st->explain = xstrdup(err.msg[0] ? err.msg : "cannot explain this device");
	snprintf(st->explain_for, sizeof(st->explain_for), "%s", d->address);
	return st->explain;
}

/* The one change of the step's part, in words: "0000:41:00.0 -> vfio-pci". */
static void one_change(struct tui *t, char *text, size_t size)
{
	const struct draft *d = wizard_draft(t);

	for (size_t i = 0; i < draft_n(d); i++) {
		const struct change *c = draft_get(d, i);

		if (c->kind == CHANGE_VFIO)
			snprintf(text, size, "%s -> vfio-pci", c->address);
		else if (c->kind == CHANGE_BLACKLIST)
			snprintf(text, size, "blacklist %s", c->arg);
	}
}

static enum wizard_status dr_status(struct tui *t, void *state, char *text, size_t size)
{
	struct dr *st = state;
	const struct draft *d = wizard_draft(t);
	size_t n = wizdraft_count(d, WIZDRAFT_DRIVERS), todo, done, failed;

	load(t, st);
	if (n) {
		/* what is still to do, measured against the snapshots */
		wizdraft_measure_part(wizard_measure(t), d, WIZDRAFT_DRIVERS, &todo, &done, &failed);
		if (failed) {
			snprintf(text, size, "does not fit the host: p says why");
			return WIZARD_WARN;
		}
		if (n == 1) {
			char what[64] = "";

			one_change(t, what, sizeof(what));
			snprintf(text, size, "%s: %s", what, done ? "configured" : "drafted");
			return done ? WIZARD_DONE : WIZARD_INFO;
		}
		if (!done) {
			size_t vfio = wizdraft_count(d, WIZDRAFT_KIND(CHANGE_VFIO));

			snprintf(text, size, "%zu for vfio-pci, %zu blacklisted", vfio, n - vfio);
			return WIZARD_INFO;
		}
		if (!todo) {
			snprintf(text, size, "%zu drafted, all configured", n);
			return WIZARD_DONE;
		}
		snprintf(text, size, "%zu of %zu still to do", todo, n);
		return WIZARD_INFO;
	}
	if (!st->n_gpus) {
		snprintf(text, size, "no GPU on this host");
		return WIZARD_INFO;
	}
	for (size_t i = 0; i < st->n_gpus; i++)
		if (st->gpus[i]->driver && !strcmp(st->gpus[i]->driver, "vfio-pci")) {
			snprintf(text, size, "a GPU is on vfio-pci");
			return WIZARD_DONE;
		}
	snprintf(text, size, "%zu GPU%s, none picked", st->n_gpus, st->n_gpus == 1 ? "" : "s");
	return WIZARD_TODO;
}

static void dr_enter(struct tui *t, void *state)
{
	struct dr *st = state;

	load(t, st);
	st->follow = true;
}

/* Rows of the device list before GPU I (each GPU, then its group's other members). */
static int list_rows(struct tui *t, const struct dr *st, size_t upto)
{
	int rows = 0;

	for (size_t i = 0; i < upto && i < st->n_gpus; i++) {
		const struct host_iommu_group *g = host_find_group(t->host, st->gpus[i]->iommu_group);
		rows += 1 + (g && g->n_devices > 1 ? (int)g->n_devices - 1 : 0);
	}
	return rows;
}

static void dr_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	struct dr *st = state;
	char line[1024];
	struct textview tv;
	const char *ex;

	load(t, st);
	if (st->follow && st->n_gpus) {
		/* the list starts at row 1, below its heading, which comes into
		 * view with the first GPU */
		int cy = 1 + list_rows(t, st, st->cursor);
		bool up = cy < t->right.top;

		t->right.visible = r->h;
		scroll_show(&t->right, up && cy == 1 ? 0 : cy);
		st->follow = false;
	}
	textview_init(&tv, r->w - 2);
	if (!st->n_gpus) {
		textview_add(&tv, UI_NORMAL, "No GPU (display controller) on this host.");
		goto draw;
	}
	textview_add(&tv, UI_LABEL, "GPUs for vfio-pci (space picks):");
	for (size_t i = 0; i < st->n_gpus; i++) {
		const struct host_device *d = st->gpus[i];
		const struct host_iommu_group *g = host_find_group(t->host, d->iommu_group);
		const char *mark = d->boot_vga == 1 ? " BOOT" : "";

		snprintf(line, sizeof(line), "[%c] %s %s%s %s %s", picked(t, d->address) ? 'x' : ' ', d->address,
			 d->driver ? d->driver : "-", mark, d->vendor_name, d->device_name);
		textview_add_cut(&tv, NULL, i == st->cursor ? UI_SELECTED : UI_NORMAL, line);
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
	ex = cursor_explain(t, st);
	if (ex) {
		char *copy = xstrdup(ex), *save = NULL;

		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			textview_add(&tv, !strncmp(l, "Guarded:", 8) ? UI_LOG_WARN : UI_NORMAL, l);
		free(copy);
	}
	if (st->n_drivers) {
		textview_blank(&tv);
		textview_add(&tv, UI_LABEL, "Blacklist host drivers (digit switches):");
		for (size_t k = 0; k < st->n_drivers; k++) {
			bool on = blacklisted(t, st->drivers[k]);
			size_t kept = 0;

			for (size_t i = 0; i < st->n_gpus; i++)
				if (st->gpus[i]->driver && !strcmp(st->gpus[i]->driver, st->drivers[k]) &&
				    !picked(t, st->gpus[i]->address))
					kept++;
			snprintf(line, sizeof(line), "[%c] %zu  %s%s", on ? 'x' : ' ', k + 1, st->drivers[k],
				 kept && on ? " - a GPU that stays with the host uses it!" : "");
			textview_add(&tv, kept && on ? UI_LOG_WARN : UI_NORMAL, line);
		}
	}
	textview_blank(&tv);
	textview_add(&tv, UI_LABEL, "n/b  next/previous GPU (j/k focused)");
	textview_add(&tv, UI_LABEL, "p  preview this step, then y applies");
draw:
	t->right.lines = (int)tv.n;
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}

/* ---- picking, with the guard ---- */

static unsigned guard_typed(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct dr *st = userdata;
	char want[PCIADDR_STRLEN];
	const char *s;
	size_t len;

	snprintf(want, sizeof(want), "%s", st->guard_address);
	st->guard_address[0] = '\0';
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
	/* the typed address is what --force-boot-gpu stands for */
	wizdraft_pick(wizard_draft(t), want, true);
	gv_log(GV_LOG_WARN, "%s picked for vfio-pci after its address was typed: its console goes dark at "
	       "the next boot", want);
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void ask_guard(struct tui *t, struct dr *st, const struct host_device *d, const char *reason)
{
	char text[1536];
	bool boot = strstr(reason, "boot GPU") != NULL;

	snprintf(st->guard_address, sizeof(st->guard_address), "%s", d->address);
	snprintf(text, sizeof(text),
		 "%s (%s %s, driver %s) is %s. Giving it to vfio-pci turns off the host's console on it: "
		 "the screen connected to %s goes dark from the next boot (%s). Keep a serial console, "
		 "another GPU or ssh to reach the host.\n\nType %s to give it to vfio-pci anyway:",
		 d->address, d->vendor_name, d->device_name, d->driver ? d->driver : "none",
		 boot ? "the boot GPU (boot_vga=1)" : "the host's only GPU", d->address,
		 boot ? "the firmware's boot screen, the boot menu and the Linux text console are shown there"
		      : "the host has no other display",
		 d->address);
	dialog_input_text(t, boot ? "Boot GPU" : "Only GPU", text, "", guard_typed, st);
}

static void toggle_pick(struct tui *t, struct dr *st)
{
	const struct host_device *d = cursor_dev(st);
	const char *ex;
	char *reason = NULL;
	int r;

	if (!d)
		return;
	if (picked(t, d->address)) {
		wizdraft_drop(wizard_draft(t), t->host, d->address);
		gv_log(GV_LOG_INFO, "%s stays with the host", d->address);
		return;
	}
	r = propose_vfio_guard(t->host, d->address, &reason);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "%s: %s", d->address, strerror(-r));
		return;
	}
	if (r > 0) {
		ask_guard(t, st, d, reason);
		free(reason);
		return;
	}
	wizdraft_pick(wizard_draft(t), d->address, false);
	/* the log keeps the "by id / by address" line where every size shows it */
	ex = cursor_explain(t, st);
	if (ex) {
		const char *how = strstr(ex, "By address");
		if (!how)
			how = strstr(ex, "By id");
		gv_log(GV_LOG_INFO, "%s picked for vfio-pci: %.*s", d->address,
		       how ? (int)strcspn(how, ".\n") : 0, how ? how : "");
	}
}

static void preview(struct tui *t)
{
	struct draft *part;

	if (!wizdraft_count(wizard_draft(t), WIZDRAFT_DRIVERS)) {
		dialog_message(t, "Nothing drafted", "Pick a GPU with space, or switch on a blacklist with its "
			       "digit, then p previews the change.");
		return;
	}
	/* this step's changes alone, built as the whole draft is */
	part = wizdraft_part(wizard_draft(t), WIZDRAFT_DRIVERS);
	apply_flow_preview_draft(t, "drivers & vfio", part);
	draft_free(part);
}

static void move_cursor(struct dr *st, int delta)
{
	if (!st->n_gpus)
		return;
	if (delta < 0 && st->cursor > 0)
		st->cursor--;
	else if (delta > 0 && st->cursor + 1 < st->n_gpus)
		st->cursor++;
	snprintf(st->cursor_address, sizeof(st->cursor_address), "%s", st->gpus[st->cursor]->address);
	st->follow = true;
}

static unsigned dr_key(struct tui *t, void *state, int key)
{
	struct dr *st = state;
	int move;

	load(t, st);
	if (key >= '1' && key <= '9') {
		size_t k = (size_t)(key - '1');
		if (k < st->n_drivers)
			wizdraft_toggle(wizard_draft(t), CHANGE_BLACKLIST, (const char *const[]){ st->drivers[k], NULL });
		return TUI_HANDLED;
	}
	switch (key) {
	case ' ':
		toggle_pick(t, st);
		return TUI_HANDLED;
	case 'p':
		preview(t);
		return TUI_HANDLED;
	}
	if (scroll_item_key(key, t->focus == TUI_FOCUS_RIGHT, (long)st->cursor, (long)st->n_gpus,
			    st->cursor > 0 && t->right.top <= 1 + list_rows(t, st, st->cursor), &move)) {
		move_cursor(st, move);
		return TUI_HANDLED;
	}
	return 0;
}

static void dr_rescan(struct tui *t, void *state)
{
	(void)t;
	unload(state);
}

static void *dr_new(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct dr));
}

static void dr_free(void *state)
{
	if (!state)
		return;
	unload(state);
	free(state);
}

const struct wizard_step_ops step_drivers_ops = {
	.new = dr_new,
	.free = dr_free,
	.status = dr_status,
	.enter = dr_enter,
	.draw = dr_draw,
	.key = dr_key,
	.rescan = dr_rescan,
};
