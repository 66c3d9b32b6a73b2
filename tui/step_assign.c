/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wizard step "Assign to a VM": the devices a VM can have (whole GPUs, VFs,
 * mdevs: what `gpuvirt export` takes, core/export/export.h), the device
 * tree's selection first when it moved since; the VMs whose configuration
 * is under the root (core/scan/vmconf.h), and what each already names. The
 * person gives the device under the cursor to one VM, or asks only for its
 * text in the three formats (libvirt <hostdev>, QEMU -device, Proxmox
 * hostpciN) to paste or to write to a file. The guest's checklist says what
 * the VM needs for it: the firmware and machine type, the driver inside the
 * guest, the display.
 *
 * Which VM gets a device is the wizard's draft (--assign DEVICE,vm=NAME or
 * DEVICE,vmid=N): the step reads it back. Its preview is the plan of its
 * part of the draft, the text `gpuvirt plan --assign ...` prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export/export.h"
#include "core/plan/journal.h"
#include "core/plan/plan.h"
#include "core/propose/assign.h"
#include "core/propose/draft.h"
#include "core/scan/vmconf.h"
#include "core/util/buf.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tui/apply_flow.h"
#include "tui/dialog.h"
#include "tui/screen.h"
#include "tui/scroll.h"
#include "tui/step_assign.h"
#include "tui/textview.h"
#include "tui/tree.h"
#include "tui/tui.h"
#include "tui/wizard.h"

#define MAX_DEVS 128
#define N_FORMATS 3
#define DEV_STRLEN 40   /* an mdev UUID and its NUL; a PCI address fits too */

struct adev {
	char id[DEV_STRLEN];               /* canonical address, or the mdev's UUID */
	const struct host_device *dev;     /* the function, or the mdev's parent */
	const struct host_mdev *mdev;      /* NULL for a PCI function */
	char *refused;                     /* why no VM can have it; NULL when one can */
};

/* The step's view of the snapshots; who gets what is the draft's. */
struct as {
	bool loaded;
	struct adev devs[MAX_DEVS];
	size_t n_devs;
	struct vmconf_list *vms;
	struct journal_set *sets;          /* for the commands left to run */
	size_t n_sets;
	size_t cursor;
	char cursor_id[DEV_STRLEN];        /* kept across rescans */
	bool follow;
	int dev_row[MAX_DEVS];             /* each device's row on the screen drawn last */
	char tree_key[64];                 /* the tree's selection last taken over */
	bool print;                        /* print only: the cursor's device in every format */
	/* the cursor's device exported, each format */
	char ex_for[DEV_STRLEN];
	struct export_result *ex[N_FORMATS];
	char ex_err[N_FORMATS][512];
	int write_format;                  /* W: the format chosen, N_FORMATS for all */
	char *write_file;                  /* the file named last */
};

static const char *const format_title[N_FORMATS] = {
	[EXPORT_LIBVIRT] = "libvirt <hostdev>, for the domain's <devices>:",
	[EXPORT_QEMU] = "QEMU arguments:",
	[EXPORT_PROXMOX] = "Proxmox, a line of etc/pve/qemu-server/VMID.conf:",
};

static void forget_exports(struct as *st)
{
	for (int f = 0; f < N_FORMATS; f++) {
		export_result_free(st->ex[f]);
		st->ex[f] = NULL;
		st->ex_err[f][0] = '\0';
	}
	st->ex_for[0] = '\0';
}

static void unload(struct as *st)
{
	for (size_t i = 0; i < st->n_devs; i++) {
		free(st->devs[i].refused);
		st->devs[i].refused = NULL;
	}
	st->n_devs = 0;
	vmconf_list_free(st->vms);
	st->vms = NULL;
	journal_sets_free(st->sets, st->n_sets);
	st->sets = NULL;
	st->n_sets = 0;
	forget_exports(st);
	st->loaded = false;
}

/* Why export refuses ID; NULL when it takes it (the boot GPU included: its
 * guard comes with the draft's --force-boot-gpu). */
static char *refusal(const struct host *h, const char *id)
{
	struct export_opts o = { .format = EXPORT_LIBVIRT, .force_boot_gpu = true };
	struct export_result *r = NULL;
	struct gv_error err = { 0 };

	if (export_device(h, id, &o, &r, &err) < 0)
		return xstrdup(err.msg[0] ? err.msg : "it cannot go to a VM");
	export_result_free(r);
	return NULL;
}

static struct adev *push(struct as *st, const char *id, const struct host_device *d, const struct host_mdev *m)
{
	struct adev *a;

	if (st->n_devs >= MAX_DEVS)
		return NULL;
	a = &st->devs[st->n_devs++];
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->dev = d;
	a->mdev = m;
	a->refused = NULL;
	return a;
}

static void load(struct tui *t, struct as *st)
{
	if (st->loaded)
		return;
	st->loaded = true;
	st->cursor = 0;
	for (size_t i = 0; i < host_n_devices(t->host) && st->n_devs < MAX_DEVS; i++) {
		const struct host_device *d = host_device(t->host, i);
		char *why;

		/* GPUs and VFs that a VM can have, then the mdevs on them */
		if ((host_device_is_display(d) || d->physfn) && !host_device_is_bridge(d)) {
			why = refusal(t->host, d->address);
			if (!why)
				push(st, d->address, d, NULL);
			free(why);
		}
		for (size_t k = 0; k < d->n_mdevs; k++)
			push(st, d->mdevs[k].uuid, d, &d->mdevs[k]);
	}
	for (size_t i = 0; i < st->n_devs; i++)
		if (!strcmp(st->devs[i].id, st->cursor_id))
			st->cursor = i;
	st->vms = vmconf_scan(t->root);
	if (journal_list(t->root, &st->sets, &st->n_sets, NULL) < 0) {
		st->sets = NULL;
		st->n_sets = 0;
	}
	if (st->n_devs)
		snprintf(st->cursor_id, sizeof(st->cursor_id), "%s", st->devs[st->cursor].id);
}

static const struct adev *cursor_dev(const struct as *st)
{
	return st->cursor < st->n_devs ? &st->devs[st->cursor] : NULL;
}

static void set_cursor(struct as *st, size_t i)
{
	if (i >= st->n_devs)
		return;
	st->cursor = i;
	snprintf(st->cursor_id, sizeof(st->cursor_id), "%s", st->devs[i].id);
	st->follow = true;
}

/* The cursor's device in every format, once per device. */
static void export_cursor(struct tui *t, struct as *st)
{
	const struct adev *a = cursor_dev(st);

	if (!a || !strcmp(st->ex_for, a->id))
		return;
	forget_exports(st);
	snprintf(st->ex_for, sizeof(st->ex_for), "%s", a->id);
	for (int f = 0; f < N_FORMATS; f++) {
		struct export_opts o = { .format = (enum export_format)f, .force_boot_gpu = true };
		struct gv_error err = { 0 };

		if (export_device(t->host, a->id, &o, &st->ex[f], &err) < 0) {
			st->ex[f] = NULL;
			snprintf(st->ex_err[f], sizeof(st->ex_err[f]), "%s", err.msg[0] ? err.msg : "cannot export it");
		}
	}
}

/* "41:00.0" for a PCI function, the UUID's first group for an mdev. */
static void short_id(const char *id, char *out, size_t size)
{
	if (!strncmp(id, "0000:", 5))
		snprintf(out, size, "%.12s", id + 5);
	else
		snprintf(out, size, "%.8s", id);
}

/* The VM of assign change C, as the step list says it: "win11", "VM 100". */
static void vm_words(const struct change *c, char *out, size_t size)
{
	struct assign_spec s;

	if (assign_spec_parse(c->arg, &s, NULL) < 0) {
		snprintf(out, size, "?");
		return;
	}
	snprintf(out, size, "%s%s", s.kind == VMCONF_PROXMOX ? "VM " : "", s.vm);
	assign_spec_clear(&s);
}

/* The VM configurations under the root that name ID already (a PCI
 * function, every function of its slot, or the mdev's UUID). */
static size_t given_to(const struct as *st, const struct adev *a, const struct vmconf **ret, size_t max,
		       unsigned *ret_line)
{
	size_t n = 0;

	for (size_t i = 0; st->vms && i < st->vms->n; i++) {
		const struct vmconf *vm = st->vms->vms[i];
		bool has = false;

		for (size_t k = 0; k < vm->n_devs && !has; k++) {
			const struct vmconf_dev *v = &vm->devs[k];

			if (a->mdev)
				has = v->uuid && !strcmp(v->uuid, a->id);
			else
				has = v->kind == VMCONF_DEV_PCI && vmconf_dev_covers(v, &a->dev->addr);
			if (has && n < max)
				ret_line[n] = v->line;
		}
		if (has && n < max)
			ret[n++] = vm;
	}
	return n;
}

static enum wizard_status as_status(struct tui *t, void *state, char *text, size_t size)
{
	struct as *st = state;
	const struct draft *d = wizard_draft(t);
	size_t n = wizdraft_count(d, WIZDRAFT_ASSIGN), todo, done, failed, assigned = 0, not_run = 0;
	const struct change *one = NULL;
	char dev[DEV_STRLEN], vm[96];

	load(t, st);
	if (n) {
		/* the measure says whether the draft still fits; whether the
		 * device is assigned is the VMs' configurations' to say */
		wizdraft_measure_part(wizard_measure(t), d, WIZDRAFT_ASSIGN, &todo, &done, &failed);
		if (failed) {
			snprintf(text, size, "does not fit: p says why");
			return WIZARD_WARN;
		}
		/* the VMs' configurations say what is assigned: the plan of a
		 * change whose <hostdev> file is written has nothing left to
		 * write, though its virsh or qm command was only listed */
		for (size_t i = 0; i < draft_n(d); i++) {
			const struct change *c = draft_get(d, i);

			if (c->kind != CHANGE_ASSIGN)
				continue;
			one = c;
			if (wizdraft_assign_in_vm(st->vms, c))
				assigned++;
			else if (wizdraft_assign_not_run(st->sets, st->n_sets, c))
				not_run++;
		}
		if (n == 1 && one) {
			struct assign_spec s;

			if (assign_spec_parse(one->arg, &s, NULL) == 0) {
				short_id(s.device, dev, sizeof(dev));
				assign_spec_clear(&s);
			} else {
				snprintf(dev, sizeof(dev), "?");
			}
			vm_words(one, vm, sizeof(vm));
			snprintf(text, size, "%s -> %s: %s", dev, vm, assigned ? "assigned" : not_run ?
				 (strstr(one->arg, ",vm=") ? "virsh not run" : "qm not run") : "drafted");
			return assigned ? WIZARD_DONE : not_run ? WIZARD_WARN : WIZARD_INFO;
		}
		if (assigned == n) {
			snprintf(text, size, "%zu devices, all assigned", n);
			return WIZARD_DONE;
		}
		if (not_run) {
			snprintf(text, size, "%zu of %zu: command not run", not_run, n);
			return WIZARD_WARN;
		}
		if (assigned)
			snprintf(text, size, "%zu of %zu still to do", n - assigned, n);
		else
			snprintf(text, size, "%zu devices drafted", n);
		return WIZARD_INFO;
	}
	if (!st->n_devs) {
		snprintf(text, size, "no GPU, VF or mdev for a VM");
		return WIZARD_INFO;
	}
	if (!st->vms || !st->vms->n) {
		snprintf(text, size, "no VM found: print only");
		return WIZARD_INFO;
	}
	snprintf(text, size, "%zu device%s, %zu VM%s", st->n_devs, st->n_devs == 1 ? "" : "s", st->vms->n,
		 st->vms->n == 1 ? "" : "s");
	return WIZARD_TODO;
}

static void as_enter(struct tui *t, void *state)
{
	struct as *st = state;
	const struct tree_row *r = tree_selected(t->tree);

	load(t, st);
	/* the device tree's selection carries over when it moved since */
	if (r && (r->kind == TREE_DEVICE || r->kind == TREE_MDEV) && strcmp(r->key, st->tree_key)) {
		const char *id = r->kind == TREE_MDEV ? r->mdev->uuid : r->dev->address;
		bool found = false;

		for (size_t i = 0; i < st->n_devs && !found; i++)
			if (!strcmp(st->devs[i].id, id)) {
				set_cursor(st, i);
				found = true;
			}
		if (!found) {
			/* not one a VM can have: shown with the reason */
			struct adev *a = push(st, id, r->dev, r->kind == TREE_MDEV ? r->mdev : NULL);

			if (a) {
				a->refused = refusal(t->host, id);
				set_cursor(st, st->n_devs - 1);
			}
		}
	}
	if (r)
		snprintf(st->tree_key, sizeof(st->tree_key), "%s", r->key);
	st->follow = true;
}

static void add_device(struct tui *t, struct as *st, struct textview *tv, size_t i)
{
	const struct adev *a = &st->devs[i];
	const struct change *c = wizdraft_assigned(wizard_draft(t), a->id);
	char line[1024], label[96], vm[96];

	tree_device_label(a->dev, label, sizeof(label));
	if (a->mdev)
		snprintf(line, sizeof(line), "%s mdev %s on %s", a->id, a->mdev->type ? a->mdev->type : "?",
			 tree_short_address(a->dev));
	else
		snprintf(line, sizeof(line), "%s %s%s%s %s", a->id, a->dev->driver ? a->dev->driver : "-",
			 a->dev->physfn ? " VF" : "", a->dev->boot_vga == 1 ? " BOOT" : "", label);
	textview_add_cut(tv, NULL, i == st->cursor ? UI_SELECTED : UI_NORMAL, line);
	if (c) {
		vm_words(c, vm, sizeof(vm));
		snprintf(line, sizeof(line), "  -> %s", vm);
		textview_add_cut(tv, NULL, UI_STEP_DONE, line);
	}
}

static void add_vms(const struct as *st, struct textview *tv)
{
	struct buf b = BUF_INIT;

	if (!st->vms || !st->vms->n) {
		textview_add(tv, UI_NORMAL, "VMs: none under the root (etc/libvirt/qemu, etc/pve/qemu-server): print "
			     "only.");
	} else {
		buf_puts(&b, "VMs:");
		for (size_t i = 0; i < st->vms->n; i++) {
			char *l = vmconf_label(st->vms->vms[i]);

			buf_printf(&b, "%s %s", i ? "," : "", l);
			free(l);
		}
		textview_add(tv, UI_NORMAL, buf_str(&b));
	}
	for (size_t i = 0; st->vms && i < st->vms->n_errors; i++) {
		buf_reset(&b);
		buf_printf(&b, "skipped: %s", st->vms->errors[i]);
		textview_add_indented(tv, UI_LOG_WARN, 2, buf_str(&b));
	}
	buf_free(&b);
}

/* The guest's side, for device A (SRIOV-MDEV-VM.md §3; the Proxmox guide). */
static void add_checklist(const struct adev *a, struct textview *tv)
{
	const struct host_device *d = a->dev;
	bool vf = d->physfn != NULL, intel = d->vendor_id == 0x8086, nvidia = d->vendor_id == 0x10de;
	bool amd = d->vendor_id == 0x1002, gpu = host_device_is_display(d);

	textview_add(tv, UI_LABEL, "The guest's checklist:");
#define ITEM(s) textview_add_indented(tv, UI_NORMAL, 2, "- " s)
	ITEM("Firmware: OVMF (UEFI) and the q35 machine type: a PCIe device (Proxmox pcie=1) needs q35.");
	if (a->mdev && nvidia)
		ITEM("Driver: NVIDIA's vGPU guest driver (GRID) of the host driver's release, and its licence.");
	else if (a->mdev)
		ITEM("Driver: the GPU vendor's driver inside the guest (i915 for GVT-g).");
	else if (vf && intel && gpu)
		ITEM("Driver: the SR-IOV i915 (the i915 SR-IOV DKMS build) inside the guest too: the stock i915 "
		     "does not drive a VF. Windows: Intel's graphics driver.");
	else if (vf && nvidia)
		ITEM("Driver: NVIDIA's vGPU guest driver of the host driver's release.");
	else if (intel && gpu)
		ITEM("Driver: i915 (Linux) or Intel's graphics driver (Windows) inside the guest.");
	else if (nvidia)
		ITEM("Driver: NVIDIA's driver inside the guest (or nouveau).");
	else if (amd)
		ITEM("Driver: amdgpu (Linux) or AMD's driver (Windows) inside the guest.");
	else if (gpu)
		ITEM("Driver: the GPU vendor's driver inside the guest.");
	else
		ITEM("Driver: the device's own driver inside the guest (iavf for an Intel NIC's VF).");
	if (vf || a->mdev)
		ITEM("Display: none, or VirtIO-GPU for the console (Proxmox Display); the VF has no outputs of "
		     "its own: reach the desktop over the network (RDP, Parsec, Sunshine).");
	else if (gpu)
		ITEM("Display: the GPU's own outputs (a monitor or a dummy plug); set the emulated display to "
		     "none once the guest's driver works.");
	if (gpu)
		ITEM("Windows: make it the primary GPU (Proxmox Primary GPU, x-vga=1); libvirt has no x-vga: use "
		     "OVMF.");
	if (vf)
		ITEM("Proxmox: the VF itself, never its PF and never All Functions (that takes the PF and "
		     "every VF).");
#undef ITEM
}

/* Export text, a row a line: a line too long for the pane goes on indented,
 * so that it reads as one. */
static void add_text(struct textview *tv, const char *text)
{
	char *copy = xstrdup(text), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		textview_add_indented(tv, UI_NORMAL, (int)strspn(l, " ") + 4, l);
	free(copy);
}

static void add_cursor_facts(struct tui *t, struct as *st, struct textview *tv)
{
	const struct adev *a = cursor_dev(st);
	const struct change *c;
	const struct vmconf *vms[8];
	unsigned lines[8];
	size_t n;
	char line[2048];
	int show;

	if (!a)
		return;
	export_cursor(t, st);
	if (a->refused) {
		snprintf(line, sizeof(line), "No VM can have it: %s", a->refused);
		textview_add(tv, UI_LOG_WARN, line);
		return;
	}
	n = given_to(st, a, vms, 8, lines);
	for (size_t i = 0; i < n && i < 8; i++) {
		char *l = vmconf_label(vms[i]);

		snprintf(line, sizeof(line), "Given to %s (%s:%u).", l, vms[i]->path, lines[i]);
		textview_add(tv, UI_NORMAL, line);
		free(l);
	}
	c = wizdraft_assigned(wizard_draft(t), a->id);
	if (c) {
		struct assign_spec s;
		char *desc = NULL;

		if (assign_spec_parse(c->arg, &s, NULL) == 0) {
			desc = assign_spec_describe(&s);
			assign_spec_clear(&s);
		}
		snprintf(line, sizeof(line), "Drafted: --assign %s", desc ? desc : c->arg);
		textview_add(tv, UI_STEP_DONE, line);
		free(desc);
		/* the command an apply listed and did not run */
		for (size_t i = 0; i < st->n_sets; i++)
			for (size_t k = 0; k < st->sets[i].n_pending; k++) {
				const char *const one[] = { st->sets[i].pending[k] };
				struct journal_set only = { .pending = (char **)one, .n_pending = 1 };

				if (!wizdraft_assign_not_run(&only, 1, c))
					continue;
				snprintf(line, sizeof(line), "Applied, but not run (--no-run): %s. Run it inside the "
					 "root, or apply again with commands run (Apply & verify, n).",
					 st->sets[i].pending[k]);
				textview_add(tv, UI_LOG_WARN, line);
			}
	} else if (!st->print) {
		textview_add(tv, UI_NORMAL, "Not drafted: V chooses the VM, or print only.");
	}
	/* the drafted VM's format, or all of them when printing only */
	show = c ? (strstr(c->arg, ",vm=") ? EXPORT_LIBVIRT : EXPORT_PROXMOX) : -1;
	for (int f = 0; f < N_FORMATS; f++) {
		if (!st->print && f != show)
			continue;
		if (st->print) {
			textview_blank(tv);
			textview_add(tv, UI_LABEL, format_title[f]);
			if (st->ex[f])
				add_text(tv, st->ex[f]->text);
		}
		if (!st->ex[f]) {
			textview_add(tv, UI_LOG_WARN, st->ex_err[f]);
			continue;
		}
		for (size_t k = 0; k < st->ex[f]->n_notes; k++) {
			snprintf(line, sizeof(line), "note: %s", st->ex[f]->notes[k]);
			textview_add_indented(tv, UI_DIM, 6, line);
		}
	}
	if (st->print) {
		textview_blank(tv);
		textview_add(tv, UI_NORMAL, "W writes it to a file.");
	}
	textview_blank(tv);
	add_checklist(a, tv);
}

static void as_draw(struct tui *t, void *state, const struct layout_rect *r)
{
	struct as *st = state;
	struct textview tv;

	load(t, st);
	textview_init(&tv, r->w - 2);
	if (!st->n_devs) {
		textview_add(&tv, UI_NORMAL, "No GPU, VF or mdev of this host can go to a VM (gpuvirt export says "
			     "why for a device).");
		goto draw;
	}
	textview_add(&tv, UI_LABEL, st->print ? "Devices (print only):" : "Devices for a VM:");
	for (size_t i = 0; i < st->n_devs; i++) {
		st->dev_row[i] = (int)tv.n;
		add_device(t, st, &tv, i);
	}
	textview_blank(&tv);
	add_vms(st, &tv);
	textview_blank(&tv);
	add_cursor_facts(t, st, &tv);
	textview_blank(&tv);
	textview_add(&tv, UI_LABEL, "n/b  next/previous device (j/k focused)");
	textview_add(&tv, UI_LABEL, "V  the VM to give it to, or print only");
	textview_add(&tv, UI_LABEL, "W  write its text to a file");
	textview_add(&tv, UI_LABEL, "X  forget the VM drafted for it");
	textview_add(&tv, UI_LABEL, "p  preview this step, then y applies");
	if (st->follow) {
		int cy = st->dev_row[st->cursor];

		t->right.visible = r->h;
		scroll_show(&t->right, st->cursor == 0 ? 0 : cy);
		st->follow = false;
	}
draw:
	t->right.lines = (int)tv.n;
	textview_draw(&tv, t, r, t->right.top, 0, UI_NORMAL);
	textview_release(&tv);
}

/* ---- the VM ---- */

static unsigned vm_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct as *st = userdata;
	const struct adev *a = cursor_dev(st);
	struct draft *d = wizard_draft(t), *one;
	const struct vmconf *vm;
	struct gv_error err = { 0 };
	struct plan *p = NULL;
	int r;

	if (!res->accepted || !a)
		return 0;
	if (!st->vms || res->choice >= st->vms->n) {
		/* print only: nothing goes to a VM */
		wizdraft_assign(d, a->id, VMCONF_LIBVIRT, NULL, NULL);
		st->print = true;
		t->right.top = 0;
		st->follow = true;
		return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
	}
	vm = st->vms->vms[res->choice];
	/* what --assign would refuse is not drafted: the same proposal, the
	 * same one line */
	one = draft_new();
	draft_set_force_boot_gpu(one, draft_force_boot_gpu(d));
	r = wizdraft_assign(one, a->id, vm->kind, vm->name, &err);
	if (r == 0)
		r = apply_flow_build(t, one, &p, &err);
	plan_free(p);
	draft_free(one);
	if (r < 0) {
		gv_log(GV_LOG_WARN, "%s", err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Not drafted", err.msg[0] ? err.msg : strerror(-r));
		return 0;
	}
	wizdraft_assign(d, a->id, vm->kind, vm->name, &err);
	st->print = false;
	gv_log(GV_LOG_INFO, "%s to %s %s: drafted", a->id, vm->kind == VMCONF_LIBVIRT ? "libvirt domain" : "Proxmox VM",
	       vm->name);
	return TUI_DIRTY_LEFT | TUI_DIRTY_RIGHT;
}

static void choose_vm(struct tui *t, struct as *st)
{
	const struct adev *a = cursor_dev(st);
	size_t n = st->vms ? st->vms->n : 0, initial = st->print ? n : 0;
	const struct change *c;
	const char **choices;
	char **labels, prompt[256];

	if (!a)
		return;
	if (a->refused) {
		dialog_message(t, "No VM can have it", a->refused);
		return;
	}
	c = wizdraft_assigned(wizard_draft(t), a->id);
	choices = xcalloc(n + 1, sizeof(*choices));
	labels = xcalloc(n + 1, sizeof(*labels));
	for (size_t i = 0; i < n; i++) {
		const struct vmconf *vm = st->vms->vms[i];
		char *arg = NULL;
		struct assign_spec s = { .kind = vm->kind, .vm = vm->name, .hostpci = -1 };

		labels[i] = vmconf_label(vm);
		choices[i] = labels[i];
		snprintf(s.device, sizeof(s.device), "%s", a->id);
		arg = assign_spec_format(&s);
		if (c && !strcmp(c->arg, arg))
			initial = i;
		free(arg);
	}
	choices[n] = "print only: its libvirt, QEMU and Proxmox text";
	snprintf(prompt, sizeof(prompt), "Which VM gets %s (from its next start)?", a->id);
	dialog_input_choice(t, "Assign to a VM", prompt, choices, n + 1, initial, vm_chosen, st);
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(choices);
}

/* ---- writing the text to a file ---- */

static unsigned file_named(struct tui *t, void *userdata, const struct dialog_result *res)
{
	struct as *st = userdata;
	const char *file = res->text ? res->text : "";
	struct gv_error err = { 0 };
	struct buf b = BUF_INIT;
	char msg[1024];
	int r;

	if (!res->accepted)
		return 0;
	file += strspn(file, " ");
	if (!*file) {
		dialog_message(t, "Not written", "No file was named: nothing was written.");
		return 0;
	}
	export_cursor(t, st);
	for (int f = 0; f < N_FORMATS; f++) {
		if (st->write_format != N_FORMATS && st->write_format != f)
			continue;
		if (!st->ex[f]) {
			dialog_message(t, "Not written", st->ex_err[f]);
			buf_free(&b);
			return 0;
		}
		/* all three in one file: each under a heading */
		if (st->write_format == N_FORMATS)
			buf_printf(&b, "%s# %s\n", f ? "\n" : "", format_title[f]);
		buf_puts(&b, st->ex[f]->text);
	}
	r = fsutil_write_atomic(file, buf_str(&b), b.len, 0644, &err);
	if (r < 0) {
		gv_log(GV_LOG_ERR, "write %s: %s", file, err.msg[0] ? err.msg : strerror(-r));
		dialog_message(t, "Not written", err.msg[0] ? err.msg : strerror(-r));
	} else {
		free(st->write_file);
		st->write_file = xstrdup(file);
		gv_log(GV_LOG_INFO, "%s: %s written to %s", st->ex_for,
		       st->write_format == N_FORMATS ? "libvirt, QEMU and Proxmox text" :
		       export_format_name((enum export_format)st->write_format), file);
		snprintf(msg, sizeof(msg), "Wrote the text for %s to %s.", st->ex_for, file);
		dialog_message(t, "Written", msg);
	}
	buf_free(&b);
	return TUI_DIRTY_LOG;
}

static unsigned format_chosen(struct tui *t, void *userdata, const struct dialog_result *res)
{
	static const char *const ext[N_FORMATS + 1] = { "xml", "args", "conf", "txt" };
	struct as *st = userdata;
	char initial[128], dev[DEV_STRLEN];

	if (!res->accepted)
		return 0;
	st->write_format = (int)res->choice;
	snprintf(dev, sizeof(dev), "%s", st->ex_for);
	for (char *p = dev; *p; p++)
		if (*p == ':' || *p == '.')
			*p = '-';
	snprintf(initial, sizeof(initial), "gpuvirt-%s.%s", dev, ext[st->write_format]);
	dialog_input_text(t, "Write to a file", "File to write the text to (relative to the current directory):",
			  initial, file_named, st);
	return 0;
}

static void ask_write(struct tui *t, struct as *st)
{
	static const char *const choices[] = {
		"libvirt <hostdev> (virsh attach-device takes it)",
		"QEMU -device arguments",
		"Proxmox hostpciN line",
		"all three, each under a heading",
	};
	const struct adev *a = cursor_dev(st);

	if (!a)
		return;
	export_cursor(t, st);
	if (a->refused) {
		dialog_message(t, "No VM can have it", a->refused);
		return;
	}
	dialog_input_choice(t, "Write to a file", "Which text?", choices, N_FORMATS + 1,
			    st->write_format >= 0 && st->write_format <= N_FORMATS ? (size_t)st->write_format : 0,
			    format_chosen, st);
}

static void preview(struct tui *t)
{
	struct draft *part;

	if (!wizdraft_count(wizard_draft(t), WIZDRAFT_ASSIGN)) {
		dialog_message(t, "Nothing drafted", "Choose the VM for a device with V first, then p previews it.");
		return;
	}
	/* this step's changes alone, built as the whole draft is */
	part = wizdraft_part(wizard_draft(t), WIZDRAFT_ASSIGN);
	apply_flow_preview_draft(t, "assign to a VM", part);
	draft_free(part);
}

static unsigned as_key(struct tui *t, void *state, int key)
{
	struct as *st = state;
	const struct adev *a;
	int move;

	load(t, st);
	switch (key) {
	case 'V':
		choose_vm(t, st);
		return TUI_HANDLED;
	case 'W':
		ask_write(t, st);
		return TUI_HANDLED;
	case 'X':
		a = cursor_dev(st);
		if (a && wizdraft_assigned(wizard_draft(t), a->id)) {
			wizdraft_assign(wizard_draft(t), a->id, VMCONF_LIBVIRT, NULL, NULL);
			gv_log(GV_LOG_INFO, "%s: no VM drafted", a->id);
		}
		return TUI_HANDLED;
	case 'p':
		preview(t);
		return TUI_HANDLED;
	}
	if (scroll_item_key(key, t->focus == TUI_FOCUS_RIGHT, (long)st->cursor, (long)st->n_devs,
			    st->n_devs && t->right.top <= st->dev_row[st->cursor], &move)) {
		set_cursor(st, st->cursor + (size_t)(long)move);
		return TUI_HANDLED;
	}
	return 0;
}

static void as_rescan(struct tui *t, void *state)
{
	(void)t;
	/* devices, VM configurations and the journal may have changed */
	unload(state);
}

static void *as_new(struct tui *t)
{
	struct as *st = xcalloc(1, sizeof(struct as));

	(void)t;
	st->write_format = N_FORMATS;
	return st;
}

static void as_free(void *state)
{
	struct as *st = state;

	if (!st)
		return;
	unload(st);
	free(st->write_file);
	free(st);
}

const struct wizard_step_ops step_assign_ops = {
	.new = as_new,
	.free = as_free,
	.status = as_status,
	.enter = as_enter,
	.draw = as_draw,
	.key = as_key,
	.rescan = as_rescan,
};
