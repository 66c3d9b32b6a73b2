/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Mediated devices": the mdev parents (GPUs that offer mdev
 * types, NVIDIA VFs that can take a vGPU type), and under the selected
 * parent its types, with how many are available, their names and
 * descriptions, and its instances, live or defined for mdevctl under the
 * root, with their start at boot. A count for a type drafts --mdev
 * PARENT:TYPE=COUNT; a type of an NVIDIA VF drafts --vgpu VF=ID; an
 * instance can be drafted for --mdev-remove.
 *
 * What is drafted is the wizard's draft; the step reads it back. The
 * proposal measures these changes as still to do even once applied (an
 * --mdev makes COUNT more each time), so what is in place is
 * wizdraft_mdev_in_place()'s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/propose/change.h"
#include "core/propose/draft.h"
#include "core/scan/mdevconf.h"
#include "core/util/xalloc.h"
#include "tui/apply_flow.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/step_mdev.h"
#include "tui/textview.h"
#include "tui/tui.h"
#include "tui/wizard.h"

#define MAX_PARENTS 64
#define MAX_ITEMS 512

enum item_kind {
	IT_TYPE,        /* an mdev type of the parent */
	IT_VGPU,        /* a vGPU type an NVIDIA VF can take */
	IT_INSTANCE,    /* an mdev, live or defined */
};

struct item {
	enum item_kind kind;
	size_t parent;                       /* index in parents */
	const struct host_mdev_type *type;   /* IT_TYPE */
	const struct host_vgpu_type *vgpu;   /* IT_VGPU */
	const char *uuid, *itype;            /* IT_INSTANCE; itype NULL when unknown */
	bool active, defined, start_auto;
};

/* The step's view of the snapshots; what is drafted is the draft's. */
struct md {
	bool loaded;
	const struct host_device *parents[MAX_PARENTS]; size_t n_parents;
	struct item items[MAX_ITEMS]; size_t n_items;   /* by parent: types, then instances */
	size_t cursor;
	char cursor_key[64];      /* the cursor's item, kept across rescans */
	bool follow;              /* scroll so the cursor is visible */
	char ask_parent[PCIADDR_STRLEN], ask_type[64];  /* the count being asked for */
};

static const struct mdevconf *defs(struct tui *t)
{
	return sysconf_mdevconf(t->conf);
}

/* An NVIDIA VF with vGPU types it can take now. */
static bool vgpu_vf(const struct host_device *d)
{
	return d->vgpu_current >= 0 && d->n_vgpu_types > 0;
}

static bool has_defs(struct tui *t, const struct host_device *d)
{
	const struct mdevconf *mc = defs(t);

	for (size_t i = 0; mc && i < mdevconf_n(mc); i++)
		if (!strcmp(mdevconf_get(mc, i)->parent, d->address))
			return true;
	return false;
}

static void item_key(const struct md *st, const struct item *it, char *out, size_t size)
{
	const char *addr = st->parents[it->parent]->address;

	if (it->kind == IT_TYPE)
		snprintf(out, size, "t %s %s", addr, it->type->id);
	else if (it->kind == IT_VGPU)
		snprintf(out, size, "v %s %d", addr, it->vgpu->id);
	else
		snprintf(out, size, "i %s", it->uuid);
}

static struct item *push(struct md *st, enum item_kind kind, size_t parent)
{
	struct item *it;

	if (st->n_items >= MAX_ITEMS)
		return NULL;
	it = &st->items[st->n_items++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->parent = parent;
	return it;
}

/* Instances by UUID: the host lists them in the order sysfs gives. */
static int by_uuid(const void *a, const void *b)
{
	return strcasecmp(((const struct item *)a)->uuid, ((const struct item *)b)->uuid);
}

static void load(struct tui *t, struct md *st)
{
	const struct mdevconf *mc = defs(t);
	char key[64];

	if (st->loaded)
		return;
	st->loaded = true;
	st->n_parents = st->n_items = 0;
	for (size_t i = 0; i < host_n_devices(t->host) && st->n_parents < MAX_PARENTS; i++) {
		const struct host_device *d = host_device(t->host, i);

		if (d->n_mdev_types || d->n_mdevs || vgpu_vf(d) || has_defs(t, d))
			st->parents[st->n_parents++] = d;
	}
	for (size_t p = 0; p < st->n_parents; p++) {
		const struct host_device *d = st->parents[p];
		struct item *it;
		size_t first;

		for (size_t k = 0; k < d->n_mdev_types; k++)
			if ((it = push(st, IT_TYPE, p)))
				it->type = &d->mdev_types[k];
		for (size_t k = 0; vgpu_vf(d) && k < d->n_vgpu_types; k++)
			if ((it = push(st, IT_VGPU, p)))
				it->vgpu = &d->vgpu_types[k];
		/* live ones and those only defined; a defined live one is one */
		first = st->n_items;
		for (size_t k = 0; k < d->n_mdevs; k++) {
			const struct mdevconf_def *def = mc ? mdevconf_find(mc, d->mdevs[k].uuid) : NULL;

			if (!(it = push(st, IT_INSTANCE, p)))
				break;
			it->uuid = d->mdevs[k].uuid;
			it->itype = d->mdevs[k].type;
			it->active = true;
			it->defined = def != NULL;
			it->start_auto = def && def->start_auto;
		}
		for (size_t k = 0; mc && k < mdevconf_n(mc); k++) {
			const struct mdevconf_def *def = mdevconf_get(mc, k);

			if (strcmp(def->parent, d->address) || host_find_mdev(t->host, def->uuid, NULL))
				continue;
			if (!(it = push(st, IT_INSTANCE, p)))
				break;
			it->uuid = def->uuid;
			it->itype = def->type;
			it->defined = true;
			it->start_auto = def->start_auto;
		}
		qsort(&st->items[first], st->n_items - first, sizeof(st->items[0]), by_uuid);
	}
	st->cursor = 0;
	for (size_t i = 0; i < st->n_items; i++) {
		item_key(st, &st->items[i], key, sizeof(key));
		if (!strcmp(key, st->cursor_key))
			st->cursor = i;
	}
	if (st->n_items)
		item_key(st, &st->items[st->cursor], st->cursor_key, sizeof(st->cursor_key));
}

static const struct item *cursor_item(const struct md *st)
{
	return st->cursor < st->n_items ? &st->items[st->cursor] : NULL;
}

/* The selected parent: the cursor's item's; NULL when there is none. */
static const struct host_device *selected(const struct md *st)
{
	const struct item *it = cursor_item(st);

	if (it)
		return st->parents[it->parent];
	return st->n_parents ? st->parents[0] : NULL;
}

static bool removal_drafted(struct tui *t, const char *uuid)
{
	return wizdraft_toggle_on(wizard_draft(t), CHANGE_MDEV_REMOVE, (const char *const[]){ uuid, NULL });
}

/* What starts the auto definitions at boot, in words; *RET_OK false when
 * nothing does now. */
static void boot_words(struct tui *t, char *out, size_t size, bool *ret_ok)
{
	const struct mdevconf *mc = defs(t);
	const char *binary = NULL, *rule = NULL, *calls = NULL;
	enum mdevconf_boot b;

	*ret_ok = false;
	if (!mc) {
		snprintf(out, size, "Start at boot: unknown (the root cannot be read).");
		return;
	}
	b = mdevconf_boot(mc, &binary, &rule, &calls);
	if (b != MDEVCONF_BOOT_NO_MDEVCTL && mdevconf_own_rule(mc)) {
		*ret_ok = true;
		snprintf(out, size, "Start at boot: gpuvirt's own udev rule (%s) runs %s.", MDEVCONF_OWN_RULE,
			 binary ? binary : "mdevctl");
		return;
	}
	switch (b) {
	case MDEVCONF_BOOT_NO_MDEVCTL:
		snprintf(out, size, "Start at boot: mdevctl is not installed: install the package mdevctl. The "
			 "definitions are written in its format anyway.");
		break;
	case MDEVCONF_BOOT_NO_RULE:
		snprintf(out, size, "Start at boot: no udev rule runs %s: gpuvirt's own rule will be written.",
			 binary ? binary : "mdevctl");
		break;
	case MDEVCONF_BOOT_BROKEN:
		snprintf(out, size, "Start at boot: mdevctl's udev rule calls %s, which is not there: gpuvirt's "
			 "own rule will be written.", calls ? calls : "?");
		break;
	case MDEVCONF_BOOT_OK:
		*ret_ok = true;
		snprintf(out, size, "Start at boot: mdevctl's udev rule (%s).", rule ? rule : "?");
		break;
	}
}

/* ---- status ---- */

static enum wizard_status md_status(struct tui *t, void *state, char *text, size_t size)
{
	struct md *st = state;
	const struct draft *d = wizard_draft(t);
	size_t n = wizdraft_count(d, WIZDRAFT_MDEV), units = 0, done = 0, failed = 0, instances = 0;

	load(t, st);
	if (n) {
		const struct wizdraft_measure *m = wizard_measure(t);

		for (size_t i = 0; i < draft_n(d); i++) {
			const struct change *c = draft_get(d, i);
			size_t u = c->kind == CHANGE_MDEV && c->count ? c->count : 1;

			if (!(WIZDRAFT_MDEV & WIZDRAFT_KIND(c->kind)))
				continue;
			units += u;
			if (wizdraft_mdev_in_place(c, t->host, t->conf, t->root))
				done += u;
			else if (i < m->n && m->state[i] == WIZDRAFT_FAILED)
				failed++;
		}
		if (failed) {
			snprintf(text, size, "does not fit the host: p says why");
			return WIZARD_WARN;
		}
		if (done == units) {
			snprintf(text, size, "%zu in place", units);
			return WIZARD_DONE;
		}
		if (!done) {
			snprintf(text, size, "%zu drafted", units);
			return WIZARD_INFO;
		}
		snprintf(text, size, "%zu of %zu still to do", units - done, units);
		return WIZARD_INFO;
	}
	if (!st->n_parents) {
		snprintf(text, size, "no mdev or vGPU types here");
		return WIZARD_INFO;
	}
	for (size_t i = 0; i < st->n_items; i++)
		instances += st->items[i].kind == IT_INSTANCE;
	if (instances) {
		char boot[512];
		bool ok;

		boot_words(t, boot, sizeof(boot), &ok);
		snprintf(text, size, "%zu instance%s%s", instances, instances == 1 ? "" : "s",
			 ok ? "" : ", not started at boot");
		return ok ? WIZARD_DONE : WIZARD_WARN;
	}
	snprintf(text, size, "%zu parent%s, no instance", st->n_parents, st->n_parents == 1 ? "" : "s");
	return WIZARD_TODO;
}

static void md_enter(struct tui *t, void *state)
{
	struct md *st = state;

	load(t, st);
	st->follow = true;
}

/* ---- the screen ---- */

static void draw_item(struct tui *t, struct md *st, struct textview *tv, size_t i)
{
	const struct item *it = &st->items[i];
	const struct host_device *p = st->parents[it->parent];
	enum theme_element style = i == st->cursor ? UI_SELECTED : UI_NORMAL;
	char line[1024], mark[16] = "[ ]";
	const struct change *c;

	switch (it->kind) {
	case IT_TYPE:
		c = wizdraft_mdev(wizard_draft(t), p->address, it->type->id);
		if (c)
			snprintf(mark, sizeof(mark), "[%u]", c->count);
		snprintf(line, sizeof(line), "%s %s \"%s\"", mark, it->type->id, it->type->name ? it->type->name : "?");
		textview_add(tv, style, line);
		if (it->type->available_instances >= 0)
			snprintf(line, sizeof(line), "    %d available", it->type->available_instances);
		else
			snprintf(line, sizeof(line), "    availability unknown");
		if (it->type->device_api)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", %s", it->type->device_api);
		if (it->type->description)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ": %s", it->type->description);
		textview_add_indented(tv, UI_DIM, 4, line);
		break;
	case IT_VGPU:
		c = wizdraft_vgpu(wizard_draft(t), p->address);
		if (c && c->count == (unsigned)it->vgpu->id)
			snprintf(mark, sizeof(mark), "[x]");
		snprintf(line, sizeof(line), "%s %d \"%s\"%s", mark, it->vgpu->id, it->vgpu->name ? it->vgpu->name : "?",
			 p->vgpu_current == it->vgpu->id ? " (now)" : "");
		textview_add(tv, style, line);
		break;
	case IT_INSTANCE:
		/* the UUID on a row of its own: at 80 columns it just does not fit */
		snprintf(line, sizeof(line), "%s %s: %s%s%s", removal_drafted(t, it->uuid) ? "[-]" : "[ ]",
			 it->itype ? it->itype : "type unknown", it->active ? "active" : "not active",
			 it->defined ? ", defined, " : ", not defined",
			 it->defined ? (it->start_auto ? "auto" : "manual") : "");
		textview_add(tv, style, line);
		textview_add(tv, i == st->cursor ? UI_SELECTED : UI_DIM, it->uuid);
		break;
	}
}

static void md_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	struct md *st = state;
	const struct host_device *sel;
	struct textview tv;
	char line[1024];
	int cursor_row = -1;
	bool ok, any_instance = false;

	load(t, st);
	sel = selected(st);
	textview_init(&tv, r->w - 2);
	if (!sel) {
		textview_add(&tv, UI_NORMAL, "No device here offers mdev types or NVIDIA vGPU types: no vGPU host "
			     "driver is bound to a GPU (NVIDIA's), or GVT-g is off on an Intel iGPU.");
		goto draw;
	}
	boot_words(t, line, sizeof(line), &ok);
	textview_add(&tv, ok ? UI_DIM : UI_LOG_WARN, line);
	textview_blank(&tv);
	textview_add(&tv, UI_LABEL, "Parents (n/b moves):");
	for (size_t p = 0; p < st->n_parents; p++) {
		const struct host_device *d = st->parents[p];

		snprintf(line, sizeof(line), "%c %s %s %s", d == sel ? '>' : ' ', d->address,
			 d->driver ? d->driver : "-", d->device_name);
		textview_add_cut(&tv, NULL, d == sel ? UI_LABEL : UI_NORMAL, line);
	}
	textview_blank(&tv);
	snprintf(line, sizeof(line), vgpu_vf(sel) ? "vGPU types of %s (+ picks):" : "Types of %s (+ sets a count):",
		 sel->address);
	textview_add(&tv, UI_LABEL, line);
	for (size_t i = 0; i < st->n_items; i++) {
		const struct item *it = &st->items[i];

		if (st->parents[it->parent] != sel || it->kind == IT_INSTANCE)
			continue;
		if (i == st->cursor)
			cursor_row = (int)tv.n;
		draw_item(t, st, &tv, i);
	}
	for (size_t i = 0; i < st->n_items; i++) {
		const struct item *it = &st->items[i];

		if (st->parents[it->parent] != sel || it->kind != IT_INSTANCE)
			continue;
		if (!any_instance) {
			textview_blank(&tv);
			textview_add(&tv, UI_LABEL, "Instances (- drafts removal):");
			any_instance = true;
		}
		if (i == st->cursor)
			cursor_row = (int)tv.n;
		draw_item(t, st, &tv, i);
	}
	if (!any_instance && !vgpu_vf(sel)) {
		textview_blank(&tv);
		textview_add(&tv, UI_DIM, "No instances on this parent.");
	}
	textview_blank(&tv);
	textview_add(&tv, UI_LABEL, "n/b  next/previous (j/k focused)");
	textview_add(&tv, UI_LABEL, "+  count or vGPU type; -  remove");
	textview_add(&tv, UI_LABEL, "p  preview this step, then y applies");
draw:
	t->right.lines = (int)tv.n;
	if (st->follow && cursor_row >= 0) {
		t->right.visible = r->h;
		/* the parents come into view with the first item, and an item's
		 * second row with it */
		if (st->cursor == 0)
			scroll_show(&t->right, 0);
		scroll_show(&t->right, cursor_row + 1);
		scroll_show(&t->right, cursor_row);
	}
	st->follow = false;
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}

/* ---- keys ---- */

static unsigned count_given(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct md *st = userdata;

	if (!res->accepted)
		return 0;
	if (wizdraft_mdev_set(wizard_draft(t), st->ask_parent, st->ask_type, res->number) < 0) {
		gv_log(GV_LOG_ERR, "%s:%s=%ld: not a change gpuvirt takes", st->ask_parent, st->ask_type, res->number);
		return 0;
	}
	if (res->number)
		gv_log(GV_LOG_INFO, "drafted %ld instance(s) of %s on %s, started at boot", res->number, st->ask_type,
		       st->ask_parent);
	else
		gv_log(GV_LOG_INFO, "drafted: gpuvirt's own %s instances on %s go", st->ask_type, st->ask_parent);
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void ask_count(struct tui *t, struct md *st, const struct item *it)
{
	const struct host_device *p = st->parents[it->parent];
	const struct host_mdev_type *mt = it->type;
	const struct change *c = wizdraft_mdev(wizard_draft(t), p->address, mt->id);
	long max = mt->available_instances >= 0 ? mt->available_instances : 64, initial;
	char prompt[512];

	snprintf(st->ask_parent, sizeof(st->ask_parent), "%s", p->address);
	snprintf(st->ask_type, sizeof(st->ask_type), "%s", mt->id);
	snprintf(prompt, sizeof(prompt),
		 "Instances of %s (%s) to make on %s, each defined for mdevctl to start at boot: 0 to %ld%s. 0 "
		 "removes the ones gpuvirt made of this type.", mt->id, mt->name ? mt->name : "?", p->address, max,
		 mt->available_instances >= 0 ? " (available now)" : "");
	initial = c ? (long)c->count : 1;
	dialog_input_number(t, "Mediated devices", prompt, initial > max ? max : initial, 0, max, count_given, st);
}

static void plus(struct tui *t, struct md *st)
{
	const struct item *it = cursor_item(st);
	const struct host_device *p;

	if (!it)
		return;
	p = st->parents[it->parent];
	switch (it->kind) {
	case IT_TYPE:
		ask_count(t, st, it);
		break;
	case IT_VGPU:
		if (wizdraft_vgpu_set(wizard_draft(t), p->address, it->vgpu->id) == 0)
			gv_log(GV_LOG_INFO, "drafted vGPU type %d (%s) for %s", it->vgpu->id,
			       it->vgpu->name ? it->vgpu->name : "?", p->address);
		break;
	case IT_INSTANCE:
		dialog_message(t, "Mediated devices", "+ sets a count on a type, or picks a vGPU type; on an "
			       "instance, - drafts its removal.");
		break;
	}
}

static void minus(struct tui *t, struct md *st)
{
	const struct item *it = cursor_item(st);
	const struct host_device *p;
	struct draft *d = wizard_draft(t);
	const struct change *c;

	if (!it)
		return;
	p = st->parents[it->parent];
	switch (it->kind) {
	case IT_TYPE:
		/* the drafted count goes; the instances stay */
		if (wizdraft_mdev(d, p->address, it->type->id)) {
			wizdraft_mdev_set(d, p->address, it->type->id, -1);
			gv_log(GV_LOG_INFO, "no longer drafted: %s on %s", it->type->id, p->address);
		}
		break;
	case IT_VGPU:
		c = wizdraft_vgpu(d, p->address);
		if (c) {
			wizdraft_vgpu_set(d, p->address, -1);
			gv_log(GV_LOG_INFO, "no longer drafted: a vGPU type for %s", p->address);
		} else if (p->vgpu_current == it->vgpu->id) {
			wizdraft_vgpu_set(d, p->address, 0);
			gv_log(GV_LOG_INFO, "drafted: %s gives up vGPU type %d", p->address, it->vgpu->id);
		}
		break;
	case IT_INSTANCE: {
		const char *vm = host_vm_using(t->host, it->uuid);
		bool on = wizdraft_toggle(d, CHANGE_MDEV_REMOVE, (const char *const[]){ it->uuid, NULL });

		gv_log(on && vm ? GV_LOG_WARN : GV_LOG_INFO, "%s %s%s%s", on ? "drafted removal of" : "keeps", it->uuid,
		       on && vm ? ": in use by " : "", on && vm ? vm : "");
		break;
	}
	}
}

static void preview(struct tui *t)
{
	struct draft *part;

	if (!wizdraft_count(wizard_draft(t), WIZDRAFT_MDEV)) {
		dialog_message(t, "Nothing drafted", "Set a count on a type with +, pick a vGPU type with +, or "
			       "draft an instance's removal with -, then p previews the change.");
		return;
	}
	/* this step's changes alone, built as the whole draft is, less what
	 * is in place: an applied --mdev would make its instances again */
	part = wizdraft_mdev_todo(wizard_draft(t), t->host, t->conf, t->root);
	if (!draft_n(part))
		dialog_message(t, "Nothing to apply", "Everything drafted in this step is in place.");
	else
		apply_flow_preview_draft(t, "mediated devices", part);
	draft_free(part);
}

static void move_cursor(struct md *st, long delta)
{
	long to = (long)st->cursor + delta;

	if (!st->n_items || to < 0 || to >= (long)st->n_items)
		return;
	st->cursor = (size_t)to;
	item_key(st, &st->items[st->cursor], st->cursor_key, sizeof(st->cursor_key));
	st->follow = true;
}

static unsigned md_key(struct tui *t, void *state, int key)
{
	struct md *st = state;
	int move;

	load(t, st);
	switch (key) {
	case '+':
		plus(t, st);
		return TUI_HANDLED;
	case '-':
		minus(t, st);
		return TUI_HANDLED;
	case 'p':
		preview(t);
		return TUI_HANDLED;
	}
	if (scroll_item_key(key, t->focus == TUI_FOCUS_RIGHT, (long)st->cursor, (long)st->n_items, true, &move)) {
		move_cursor(st, move);
		return TUI_HANDLED;
	}
	return 0;
}

static void md_rescan(struct tui *t, void *state)
{
	struct md *st = state;

	(void)t;
	/* the items point into the old snapshots */
	st->loaded = false;
	st->n_parents = st->n_items = 0;
}

static void *md_new(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct md));
}

const struct wizard_step_ops step_mdev_ops = {
	.new = md_new,
	.free = free,
	.status = md_status,
	.enter = md_enter,
	.draw = md_draw,
	.key = md_key,
	.rescan = md_rescan,
};
