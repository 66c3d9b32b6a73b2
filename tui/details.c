/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The details pane: everything the snapshot knows about the selected group,
 * device or mediated device, as "label  value" lines wrapped to the pane.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan/host.h"
#include "tui/details.h"
#include "tui/screen.h"
#include "tui/textview.h"
#include "tui/tree.h"
#include "tui/tui.h"

#define LABEL_W 9

struct dlines {
	struct textview tv;
	char title[64];   /* what the title row names: an address, a group */
};

/* Add LABEL and TEXT, TEXT wrapped at word boundaries. A NULL label makes
 * a full-width paragraph (no label column). */
static void add(struct dlines *L, const char *label, enum theme_element style, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(struct dlines *L, const char *label, enum theme_element style, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (label)
		textview_add_labelled(&L->tv, label, style, buf);
	else
		textview_add(&L->tv, style, buf);
}

/* One line cut at the pane's edge: lists read better uncut-but-short than
 * wrapped, and a move of the cursor then rewrites fewer rows. */
static void add_cut(struct dlines *L, enum theme_element style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_cut(struct dlines *L, enum theme_element style, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	textview_add_cut(&L->tv, "", style, buf);
}

static void blank(struct dlines *L)
{
	textview_add_cut(&L->tv, NULL, UI_NORMAL, "");
}

static const char *class_name(int32_t c)
{
	static const struct { int32_t code; const char *name; } names[] = {
		{ 0x0300, "VGA compatible controller" }, { 0x0302, "3D controller" },
		{ 0x0380, "Display controller" }, { 0x0403, "Audio device" },
		{ 0x0401, "Multimedia audio controller" }, { 0x0200, "Ethernet controller" },
		{ 0x0280, "Network controller" }, { 0x0600, "Host bridge" },
		{ 0x0601, "ISA bridge" }, { 0x0604, "PCI bridge" }, { 0x0106, "SATA controller" },
		{ 0x0108, "Non-Volatile memory controller" }, { 0x0c03, "USB controller" },
		{ 0x0c05, "SMBus" }, { 0x0104, "RAID bus controller" }, { 0x1200, "Processing accelerators" },
		{ 0x0880, "System peripheral" }, { 0x1300, "Non-Essential Instrumentation" },
	};
	if (c < 0)
		return "unknown class";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == (c >> 8))
			return names[i].name;
	return "other";
}

static void group_members(struct dlines *L, const struct tui *t, int id, const struct host_device *self)
{
	const struct host_iommu_group *g = host_find_group(t->host, id);

	if (!g)
		return;
	for (size_t i = 0; i < g->n_devices; i++) {
		const struct host_device *m = g->devices[i];
		char label[160];
		if (m == self)
			continue;
		tree_device_label(m, label, sizeof(label));
		add_cut(L, UI_NORMAL, "%s %s %s", tree_short_address(m), m->driver ? m->driver : "-", label);
	}
}

static void describe_group(struct dlines *L, const struct tui *t, const struct tree_row *row)
{
	const struct host_iommu_group *g;

	if (row->group == TREE_NO_GROUP) {
		snprintf(L->title, sizeof(L->title), "no IOMMU group");
		if (!host_n_groups(t->host))
			add(L, NULL, UI_ERROR, "The IOMMU is off: no device can be passed to a VM. "
			    "Turn on VT-d / AMD-Vi in the firmware and the IOMMU on the kernel command line.");
		else
			add(L, NULL, UI_NORMAL, "These functions are not behind the IOMMU.");
		return;
	}
	g = host_find_group(t->host, row->group);
	snprintf(L->title, sizeof(L->title), "IOMMU group %d", row->group);
	if (!g)
		return;
	add(L, "Type", UI_NORMAL, "%s%s", g->type ? g->type : "unknown",
	    g->type && !strcmp(g->type, "identity") ? " (iommu=pt)" : "");
	add(L, "Members", UI_NORMAL, "%zu function%s", g->n_devices, g->n_devices == 1 ? "" : "s");
	for (size_t i = 0; i < g->n_devices; i++) {
		const struct host_device *m = g->devices[i];
		char label[160];
		tree_device_label(m, label, sizeof(label));
		add_cut(L, UI_NORMAL, "%s %s %s", tree_short_address(m), m->driver ? m->driver : "-", label);
	}
	blank(L);
	add(L, NULL, UI_DIM, "A VM gets a whole group: every endpoint in it goes to the VM together "
	    "(bridges stay with the host).");
}

static void describe_device(struct dlines *L, const struct tui *t, const struct host_device *d)
{
	snprintf(L->title, sizeof(L->title), "%s", d->address);
	add(L, "Vendor", UI_NORMAL, "%s", d->vendor_name);
	add(L, "Device", UI_NORMAL, "%s", d->device_name);
	if (d->vendor_id >= 0 && d->device_id >= 0)
		add(L, "IDs", UI_NORMAL, d->subsys_vendor_id > 0 ? "%04x:%04x sub %04x:%04x" : "%04x:%04x",
		    d->vendor_id, d->device_id, d->subsys_vendor_id, d->subsys_device_id);
	add(L, "Class", UI_NORMAL, "%s (%06x)", class_name(d->class_code), d->class_code < 0 ? 0 : d->class_code);
	add(L, "Driver", d->driver ? UI_DRIVER : UI_DRIVER_NONE, "%s", d->driver ? d->driver : "none bound");
	if (d->iommu_group >= 0) {
		const struct host_iommu_group *g = host_find_group(t->host, d->iommu_group);
		bool shared = host_device_shares_group(t->host, d);
		add(L, "Group", shared ? UI_MARK_SHARED : UI_NORMAL, "%d%s%s%s%s", d->iommu_group,
		    g && g->type ? " (" : "", g && g->type ? g->type : "", g && g->type ? ")" : "",
		    shared ? ", shared: goes to a VM only with" : "");
		if (shared)
			group_members(L, t, d->iommu_group, d);
	} else {
		add(L, "Group", UI_ERROR, "none (IOMMU off?)");
	}
	if (host_device_is_display(d))
		add(L, "Boot GPU", d->boot_vga == 1 ? UI_MARK_BOOT : UI_NORMAL, "%s",
		    d->boot_vga == 1 ? "yes" : d->boot_vga == 0 ? "no" : "unknown");
	if (d->sriov_total >= 0)
		add(L, "SR-IOV", UI_NORMAL, "%d of %d VFs enabled", d->sriov_num, d->sriov_total);
	if (d->physfn)
		add(L, "VF of", UI_NORMAL, "%s", d->physfn);

	if (d->boot_vga == 1)
		add(L, NULL, UI_MARK_BOOT, "boot: the host console runs on this GPU; a VM "
		    "given it blanks the console.");
	if (d->n_mdev_types) {
		blank(L);
		add(L, NULL, UI_LABEL, "Mediated device types");
		for (size_t i = 0; i < d->n_mdev_types; i++) {
			const struct host_mdev_type *mt = &d->mdev_types[i];
			add(L, "", UI_NORMAL, "%s %s, %d free", mt->id, mt->name ? mt->name : "",
			    mt->available_instances);
		}
	}
	if (d->n_mdevs) {
		blank(L);
		add(L, NULL, UI_LABEL, "Mediated devices");
		for (size_t i = 0; i < d->n_mdevs; i++)
			add(L, "", UI_NORMAL, "%s %s", d->mdevs[i].uuid, d->mdevs[i].type ? d->mdevs[i].type : "");
	}
	if (d->n_vfs) {
		blank(L);
		add(L, NULL, UI_LABEL, "Virtual functions");
		for (size_t i = 0; i < d->n_vfs; i++) {
			const struct host_device *vf = host_find(t->host, d->vfs[i]);
			add(L, "", UI_NORMAL, "%s %s", d->vfs[i], vf && vf->driver ? vf->driver : "no driver");
		}
	}
}

static void describe_mdev(struct dlines *L, const struct tui *t, const struct tree_row *row)
{
	const struct host_mdev_type *mt = NULL;

	for (size_t i = 0; i < row->dev->n_mdev_types; i++)
		if (row->mdev->type && !strcmp(row->dev->mdev_types[i].id, row->mdev->type))
			mt = &row->dev->mdev_types[i];
	snprintf(L->title, sizeof(L->title), "mdev");
	add(L, "UUID", UI_NORMAL, "%s", row->mdev->uuid);
	add(L, "Parent", UI_NORMAL, "%s", row->dev->address);
	add(L, "Type", UI_NORMAL, "%s", row->mdev->type ? row->mdev->type : "unknown");
	add(L, "State", UI_NORMAL, "%s%s", row->defined_only ? "defined (mdevctl), not active" : "active",
	    !row->def ? "" : row->def->start_auto ? "; starts at boot (auto)" : "; started by hand (manual)");
	if (mt && mt->name)
		add(L, "Name", UI_NORMAL, "%s", mt->name);
	if (mt && mt->device_api)
		add(L, "API", UI_NORMAL, "%s", mt->device_api);
	if (mt && mt->description)
		add(L, "About", UI_NORMAL, "%s", mt->description);
	(void)t;
}

void details_draw(struct tui *t, const struct layout_rect *r, bool focused)
{
	struct dlines L = { .title = "" };
	const struct tree_row *row = tree_selected(t->tree);
	struct layout_rect body = { r->y + 1, r->x, r->h - 1, r->w };
	char title[96];

	textview_init(&L.tv, r->w - 2);
	L.tv.label_w = LABEL_W;
	if (!row)
		add(&L, NULL, UI_DIM, "Nothing selected.");
	else if (row->kind == TREE_GROUP)
		describe_group(&L, t, row);
	else if (row->kind == TREE_DEVICE)
		describe_device(&L, t, row->dev);
	else
		describe_mdev(&L, t, row);

	t->right.lines = (int)L.tv.n;
	t->right.visible = body.h;
	scroll_clamp(&t->right);

	snprintf(title, sizeof(title), "%s Details  %s", focused ? ">" : " ", L.title);
	screen_line(r->y, r->x, r->w, screen_attr(t, focused ? UI_TITLE_ACTIVE : UI_TITLE), title);
	if (L.tv.n > (size_t)body.h) {
		char pos[64];
		snprintf(pos, sizeof(pos), "%d/%zu", t->right.top + 1, L.tv.n);
		screen_text(r->y, r->x + r->w - 1 - (int)strlen(pos), (int)strlen(pos), screen_attr(t, UI_DIM), pos);
	}
	textview_draw(&L.tv, t, &body, t->right.top, 0, UI_NORMAL);
	textview_release(&L.tv);
}
