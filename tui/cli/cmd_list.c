/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt list [--all] [--json]: the host's GPUs by IOMMU group, with every
 * device that shares a group with one, their drivers, VFs and SR-IOV facts
 * (the count now and at the next boot), mdev types, the mdevs that exist
 * or are defined for mdevctl (etc/mdevctl.d under the root), and NVIDIA's
 * per-VF vGPU types.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/sriov.h"
#include "core/util/buf.h"
#include "core/util/jsonout.h"
#include "core/scan/demo.h"
#include "core/scan/host.h"
#include "core/scan/mdevconf.h"
#include "tui/cli/commands.h"

/* A device is listed when --all, when it is a display device, when it shares
 * an IOMMU group with one, or when it is a VF of a listed PF. */
static bool *list_selection(const struct host *h, bool all)
{
	size_t n = host_n_devices(h);
	bool *sel = calloc(n ? n : 1, sizeof(bool));

	if (!sel)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct host_device *d = host_device(h, i);
		if (all || host_device_is_display(d)) {
			sel[i] = true;
			continue;
		}
		const struct host_iommu_group *g = host_find_group(h, d->iommu_group);
		for (size_t j = 0; g && j < g->n_devices && !sel[i]; j++)
			sel[i] = host_device_is_display(g->devices[j]);
	}
	/* VFs follow their PF (PFs sort before their VFs, but not always:
	 * resolve through the PF itself). */
	for (size_t i = 0; i < n; i++) {
		const struct host_device *d = host_device(h, i);
		const struct host_device *pf = d->physfn ? host_find(h, d->physfn) : NULL;
		if (pf && sel[pf - host_device(h, 0)])
			sel[i] = true;
	}
	return sel;
}

static bool group_selected(const struct host *h, const struct host_iommu_group *g, const bool *sel)
{
	for (size_t j = 0; j < g->n_devices; j++)
		if (sel[g->devices[j] - host_device(h, 0)])
			return true;
	return false;
}

/* An id as 4 (or 6) lower-case hex digits; null when unknown. */
static struct json_object *json_hex(int v, int digits)
{
	char s[16];

	if (v < 0)
		return NULL;
	snprintf(s, sizeof(s), "%0*x", digits, v);
	return jsonout_str(s);
}

/* An mdev as list shows it: UUID and type, whether it exists now (active)
 * and whether mdevctl has it defined, and how it starts. */
static struct json_object *json_mdev(const char *uuid, const char *type, bool active, const struct mdevconf_def *def)
{
	struct json_object *o = jsonout_object();

	jsonout_set(o, "uuid", jsonout_str(uuid));
	jsonout_set(o, "type", jsonout_str(type));
	jsonout_set(o, "active", jsonout_bool(active));
	jsonout_set(o, "defined", jsonout_bool(def != NULL));
	jsonout_set(o, "start", jsonout_str(def ? (def->start_auto ? "auto" : "manual") : NULL));
	return o;
}

/* The definitions for parent D with no instance. */
static bool defined_only(const struct host_device *d, const struct mdevconf_def *def)
{
	struct pciaddr a;

	if (pciaddr_parse(def->parent, &a) < 0 || pciaddr_cmp(&a, &d->addr))
		return false;
	for (size_t j = 0; j < d->n_mdevs; j++)
		if (!strcasecmp(d->mdevs[j].uuid, def->uuid))
			return false;
	return true;
}

static struct json_object *json_vgpu(const struct host_device *d)
{
	struct json_object *o, *types;

	if (d->vgpu_current < 0)
		return NULL;
	o = jsonout_object();
	types = jsonout_array();
	jsonout_set(o, "current_type", jsonout_int(d->vgpu_current));
	for (size_t j = 0; j < d->n_vgpu_types; j++) {
		struct json_object *t = jsonout_object();
		jsonout_set(t, "id", jsonout_int(d->vgpu_types[j].id));
		jsonout_set(t, "name", jsonout_str(d->vgpu_types[j].name));
		jsonout_push(types, t);
	}
	jsonout_set(o, "creatable_types", types);
	return o;
}

/* The PF's "sriov" object (man/10-list.man documents it). */
static struct json_object *json_sriov(const struct host_device *d, const struct sriov_conf *conf)
{
	struct json_object *s = jsonout_object(), *a = jsonout_array();
	struct sriov_boot boot;

	jsonout_set(s, "total_vfs", jsonout_int(d->sriov_total));
	jsonout_set(s, "num_vfs", jsonout_int(d->sriov_num < 0 ? 0 : d->sriov_num));
	for (size_t j = 0; j < d->n_vfs; j++)
		jsonout_push(a, jsonout_str(d->vfs[j]));
	jsonout_set(s, "vfs", a);
	jsonout_set(s, "offset", jsonout_count(d->sriov_offset));
	jsonout_set(s, "stride", jsonout_count(d->sriov_stride));
	jsonout_set(s, "vf_device_id", json_hex(d->sriov_vf_device, 4));
	jsonout_set(s, "autoprobe", d->sriov_autoprobe < 0 ? NULL : jsonout_bool(d->sriov_autoprobe));
	jsonout_set(s, "driver_sriov", jsonout_str(host_sriov_driver_name(d->sriov_driver)));
	jsonout_set(s, "driver_max_vfs", jsonout_count(d->sriov_driver_max_vfs));
	sriov_conf_boot(conf, d, &boot);
	jsonout_set(s, "boot_vfs", jsonout_count(boot.count));
	jsonout_set(s, "boot_via", jsonout_str(sriov_persist_name(boot.via)));
	jsonout_set(s, "boot_source", jsonout_str(boot.where));
	jsonout_set(s, "boot_ignored", jsonout_str(boot.ignored));
	sriov_boot_clear(&boot);
	return s;
}

static struct json_object *json_device(const struct host_device *d, const struct mdevconf *mc,
				       const struct sriov_conf *conf)
{
	struct json_object *o = jsonout_object(), *a;

	jsonout_set(o, "address", jsonout_str(d->address));
	jsonout_set(o, "vendor_id", json_hex(d->vendor_id, 4));
	jsonout_set(o, "device_id", json_hex(d->device_id, 4));
	jsonout_set(o, "class", json_hex(d->class_code, 6));
	jsonout_set(o, "vendor_name", jsonout_str(d->vendor_name));
	jsonout_set(o, "device_name", jsonout_str(d->device_name));
	jsonout_set(o, "driver", jsonout_str(d->driver));
	jsonout_set(o, "iommu_group", jsonout_count(d->iommu_group));
	jsonout_set(o, "boot_vga", jsonout_bool(d->boot_vga == 1));
	jsonout_set(o, "sriov", d->sriov_total < 0 ? NULL : json_sriov(d, conf));
	jsonout_set(o, "physfn", jsonout_str(d->physfn));
	a = jsonout_array();
	for (size_t j = 0; j < d->n_mdev_types; j++) {
		const struct host_mdev_type *t = &d->mdev_types[j];
		struct json_object *to = jsonout_object();
		jsonout_set(to, "id", jsonout_str(t->id));
		jsonout_set(to, "name", jsonout_str(t->name));
		jsonout_set(to, "available_instances", jsonout_count(t->available_instances));
		jsonout_set(to, "device_api", jsonout_str(t->device_api));
		jsonout_set(to, "description", jsonout_str(t->description));
		jsonout_push(a, to);
	}
	jsonout_set(o, "mdev_types", a);
	a = jsonout_array();
	for (size_t j = 0; j < d->n_mdevs; j++)
		jsonout_push(a, json_mdev(d->mdevs[j].uuid, d->mdevs[j].type, true, mdevconf_find(mc, d->mdevs[j].uuid)));
	for (size_t j = 0; j < mdevconf_n(mc); j++) {
		const struct mdevconf_def *def = mdevconf_get(mc, j);
		if (defined_only(d, def))
			jsonout_push(a, json_mdev(def->uuid, def->type, false, def));
	}
	jsonout_set(o, "mdevs", a);
	jsonout_set(o, "vgpu", json_vgpu(d));
	return o;
}

static void list_json(const struct host *h, const struct mdevconf *mc, const struct sriov_conf *conf, const bool *sel,
		      struct buf *b)
{
	struct json_object *doc = jsonout_object(), *devices = jsonout_array(), *groups = jsonout_array();

	jsonout_set(doc, "devices", devices);
	jsonout_set(doc, "iommu_groups", groups);
	for (size_t i = 0; i < host_n_devices(h); i++)
		if (sel[i])
			jsonout_push(devices, json_device(host_device(h, i), mc, conf));
	for (size_t i = 0; i < host_n_groups(h); i++) {
		const struct host_iommu_group *g = host_group(h, i);
		struct json_object *go, *members;
		if (!group_selected(h, g, sel))
			continue;
		go = jsonout_object();
		members = jsonout_array();
		jsonout_set(go, "id", jsonout_int(g->id));
		for (size_t j = 0; j < g->n_devices; j++)
			jsonout_push(members, jsonout_str(g->devices[j]->address));
		jsonout_set(go, "devices", members);
		jsonout_push(groups, go);
	}
	/* a device a line, under the two lists */
	jsonout_lines(b, doc, 2);
	buf_putc(b, '\n');
	jsonout_free(doc);
}

#define LIST_WIDTH 80

/* Append LINE word-wrapped to LIST_WIDTH columns, the first line at INDENT
 * and continuation lines at INDENT + 2: a listing stays readable at 80
 * columns on a serial console, and nothing is cut off. */
static void put_wrapped(struct buf *b, int indent, const char *line)
{
	int col = indent;
	size_t gap = 0;   /* the spacing before this word, kept where it fits */
	const char *p = line + strspn(line, " ");

	buf_printf(b, "%*s", indent, "");
	for (bool first = true; *p; first = false) {
		size_t n = strcspn(p, " ");

		if (!first && col + (int)(gap + n) > LIST_WIDTH) {
			buf_printf(b, "\n%*s", indent + 2, "");
			col = indent + 2;
		} else if (!first) {
			buf_printf(b, "%*s", (int)gap, "");
			col += (int)gap;
		}
		buf_append(b, p, n);
		col += (int)n;
		gap = strspn(p + n, " ");
		p += n + gap;
	}
	buf_putc(b, '\n');
}

/* "VGA compatible controller [0300]", unless the name already carries the
 * number (pci.ids' "Unassigned class [ffff]", the numeric fallback). */
static void class_text(const struct host_device *d, struct buf *b)
{
	if (strchr(d->class_name, '[') || !strncmp(d->class_name, "Class ", 6))
		buf_puts(b, d->class_name);
	else
		buf_printf(b, "%s [%04x]", d->class_name, d->class_code < 0 ? 0 : d->class_code >> 8);
}

/*
 * Two lines a device: address, class, ids, driver; then the name and marks.
 * A VF shows what differs from its PF only (the class is the PF's, and so is
 * the name unless the VF has ids of its own).
 */
static void human_mdev(const struct host *h, struct buf *line, const char *uuid, const char *type, bool active,
		       const struct mdevconf_def *def)
{
	const char *vm = active ? host_vm_using(h, uuid) : NULL;

	buf_printf(line, "mdev %s (%s)", uuid, type ? type : "type unknown");
	/* mdevctl's words: auto or manual is how a definition starts */
	if (active && def)
		buf_printf(line, " active, %s", def->start_auto ? "auto" : "manual");
	else if (active)
		buf_puts(line, " active, not defined: gone after a reboot");
	else
		buf_printf(line, " %s, not active", def->start_auto ? "auto" : "manual");
	if (vm)
		buf_printf(line, ", in use by %s", vm);
}

/* NVIDIA's vGPU: a VF's type and the types it can take; on a parent, the
 * host driver and manager the vGPUs need. */
static void human_vgpu(const struct host *h, const struct host_device *d, const char *root,
		       const struct mdevconf *mc, int pad, struct buf *b)
{
	struct buf line = BUF_INIT;

	if (d->vgpu_current >= 0) {
		const char *name = NULL;
		for (size_t j = 0; j < d->n_vgpu_types; j++)
			if (d->vgpu_types[j].id == d->vgpu_current)
				name = d->vgpu_types[j].name;
		const char *vm = host_vm_using(h, d->address);
		if (d->vgpu_current)
			buf_printf(&line, "vGPU type: %d%s%s%s", d->vgpu_current, name ? " (" : "", name ? name : "",
				   name ? ")" : "");
		else
			buf_puts(&line, "vGPU type: none set");
		if (vm)
			buf_printf(&line, ", in use by %s", vm);
		put_wrapped(b, pad, buf_str(&line));
		buf_reset(&line);
		buf_puts(&line, "vGPU types it can take:");
		for (size_t j = 0; j < d->n_vgpu_types; j++)
			buf_printf(&line, "%s %d %s", j ? "," : "", d->vgpu_types[j].id, d->vgpu_types[j].name);
		if (!d->n_vgpu_types)
			buf_puts(&line, " none (the GPU's framebuffer is used up)");
		put_wrapped(b, pad, buf_str(&line));
	} else if (d->vendor_id == 0x10de && d->n_mdev_types) {
		buf_printf(&line, "vGPU host: nvidia_vgpu_vfio %s; nvidia-vgpu-mgr %s under %s",
			   host_vgpu_driver_loaded(h) ? "loaded" : "not loaded",
			   mdevconf_vgpu_mgr_enabled(mc) ? "enabled"
			   : mdevconf_vgpu_mgr_installed(mc) ? "not enabled" : "not installed", root);
		put_wrapped(b, pad, buf_str(&line));
	} else if (!d->n_mdev_types && host_device_gvtg_capable(d)) {
		buf_printf(&line, "GVT-g: off (--mdev %s:i915-GVTg_V%c_4 turns it on with i915.enable_gvt=1 and kvmgt)",
			   d->address, (d->device_id & 0xff00) == 0x1600 ? '4' : '5');
		put_wrapped(b, pad, buf_str(&line));
	}
	buf_free(&line);
}

/* "SR-IOV: 3 of 7 VFs enabled", "at the next boot: 3, from etc/sysfs.conf:1",
 * then what the driver can do. */
static void human_sriov(const struct host_device *d, const struct sriov_conf *conf, int pad, struct buf *b)
{
	struct buf line = BUF_INIT;
	struct sriov_boot boot;

	sriov_conf_boot(conf, d, &boot);
	buf_printf(&line, "SR-IOV: %d of %d VFs enabled", d->sriov_num < 0 ? 0 : d->sriov_num, d->sriov_total);
	if (boot.via == SRIOV_PERSIST_NONE)
		buf_puts(&line, ", none set for the next boot");
	put_wrapped(b, pad, buf_str(&line));
	if (boot.via != SRIOV_PERSIST_NONE) {
		buf_reset(&line);
		buf_printf(&line, "at the next boot: %d, from %s%s", boot.count, boot.where,
			   boot.ignored ? " (never read: see gpuvirt check)" : "");
		put_wrapped(b, pad, buf_str(&line));
	}
	buf_reset(&line);
	switch (d->sriov_driver) {
	case HOST_SRIOV_DRIVER_NONE:
		buf_puts(&line, "no driver: the count cannot be set");
		break;
	case HOST_SRIOV_DRIVER_CAN:
		buf_printf(&line, "%s sets the count", d->driver);
		break;
	case HOST_SRIOV_DRIVER_CANNOT:
		buf_printf(&line, "%s cannot make VFs%s", d->driver,
			   !strcmp(d->driver, "i915") ? " (the stock module)" : "");
		break;
	default:
		buf_printf(&line, "%s: the kernel says whether it sets the count", d->driver);
		break;
	}
	if (d->sriov_driver_max_vfs >= 0)
		buf_printf(&line, ", max_vfs=%d", d->sriov_driver_max_vfs);
	if (d->sriov_vf_device >= 0)
		buf_printf(&line, "; VFs are %04x:%04x", d->vendor_id < 0 ? 0 : d->vendor_id, d->sriov_vf_device);
	if (d->sriov_autoprobe >= 0)
		buf_printf(&line, "; autoprobe %s", d->sriov_autoprobe ? "on" : "off (new VFs get no driver)");
	put_wrapped(b, pad, buf_str(&line));
	buf_free(&line);
	sriov_boot_clear(&boot);
}

struct listing {
	const struct host *h;
	const char *root;
	const struct mdevconf *mc;
	const struct sriov_conf *conf;
	const bool *sel;
	bool all;
};

static void human_device(const struct listing *l, const struct host_device *d, int indent, struct buf *b)
{
	const struct host *h = l->h;
	const struct mdevconf *mc = l->mc;
	const struct host_device *pf = d->physfn ? host_find(h, d->physfn) : NULL;
	int pad = indent + 4;
	struct buf line = BUF_INIT;

	if (pf)
		buf_printf(&line, "VF %s", d->address);
	else {
		buf_printf(&line, "%s  ", d->address);
		class_text(d, &line);
	}
	buf_printf(&line, "  %04x:%04x  driver: %s", d->vendor_id < 0 ? 0 : d->vendor_id,
		   d->device_id < 0 ? 0 : d->device_id, d->driver ? d->driver : "none");
	if (pf && d->iommu_group >= 0)
		buf_printf(&line, ", group %d", d->iommu_group);
	put_wrapped(b, indent, buf_str(&line));
	if (!pf || pf->vendor_id != d->vendor_id || pf->device_id != d->device_id || d->boot_vga == 1) {
		buf_reset(&line);
		buf_printf(&line, "%s %s%s", d->vendor_name, d->device_name, d->boot_vga == 1 ? "  [boot GPU]" : "");
		put_wrapped(b, pad, buf_str(&line));
	}
	if (host_device_is_display(d) && host_device_shares_group(h, d)) {
		const struct host_iommu_group *g = host_find_group(h, d->iommu_group);
		buf_reset(&line);
		buf_printf(&line, "cannot be passed alone: IOMMU group %d also holds", d->iommu_group);
		for (size_t j = 0; j < g->n_devices; j++) {
			const struct host_device *o = g->devices[j];
			if (o != d && !host_device_is_bridge(o) && !pciaddr_same_slot(&o->addr, &d->addr))
				buf_printf(&line, " %s", o->address);
		}
		put_wrapped(b, pad, buf_str(&line));
	}
	if (d->sriov_total >= 0)
		human_sriov(d, l->conf, pad, b);
	for (size_t j = 0; j < d->n_mdev_types; j++) {
		const struct host_mdev_type *t = &d->mdev_types[j];
		buf_reset(&line);
		buf_printf(&line, "mdev type %s", t->id);
		if (t->name)
			buf_printf(&line, " \"%s\"", t->name);
		if (t->available_instances >= 0)
			buf_printf(&line, ", %d available", t->available_instances);
		if (t->device_api)
			buf_printf(&line, ", %s", t->device_api);
		put_wrapped(b, pad, buf_str(&line));
	}
	for (size_t j = 0; j < d->n_mdevs; j++) {
		buf_reset(&line);
		human_mdev(h, &line, d->mdevs[j].uuid, d->mdevs[j].type, true, mdevconf_find(mc, d->mdevs[j].uuid));
		put_wrapped(b, pad, buf_str(&line));
	}
	for (size_t j = 0; j < mdevconf_n(mc); j++) {
		const struct mdevconf_def *def = mdevconf_get(mc, j);
		if (!defined_only(d, def))
			continue;
		buf_reset(&line);
		human_mdev(h, &line, def->uuid, def->type, false, def);
		put_wrapped(b, pad, buf_str(&line));
	}
	human_vgpu(h, d, l->root, mc, pad, b);
	buf_free(&line);
}

static void human_with_vfs(const struct listing *l, const struct host_device *d, struct buf *b)
{
	human_device(l, d, 2, b);
	for (size_t j = 0; j < d->n_vfs; j++) {
		const struct host_device *vf = host_find(l->h, d->vfs[j]);
		if (vf && l->sel[vf - host_device(l->h, 0)])
			human_device(l, vf, 6, b);
	}
}

/* A VF shown under its PF is not shown again in a group of its own. */
static bool shown_under_pf(const struct host *h, const struct host_device *d, const bool *sel)
{
	const struct host_device *pf = d->physfn ? host_find(h, d->physfn) : NULL;
	return pf && sel[pf - host_device(h, 0)];
}

/* What mdevctl has under the root that no device listed shows: definitions
 * of parents this host lacks, and files it cannot read. */
static void human_mdevconf(const struct listing *l, struct buf *b)
{
	struct buf line = BUF_INIT;
	bool header = false;

	for (size_t j = 0; j < mdevconf_n(l->mc) + mdevconf_n_errors(l->mc); j++) {
		buf_reset(&line);
		if (j < mdevconf_n(l->mc)) {
			const struct mdevconf_def *def = mdevconf_get(l->mc, j);
			if (host_find(l->h, def->parent))
				continue;
			buf_printf(&line, "mdev %s (%s) on %s, %s: no such device here", def->uuid,
				   def->type, def->parent, def->start_auto ? "auto" : "manual");
		} else {
			const struct mdevconf_error *e = mdevconf_error(l->mc, j - mdevconf_n(l->mc));
			buf_printf(&line, "%s: mdevctl cannot read it: %s", e->path, e->reason);
		}
		if (!header)
			buf_printf(b, "\nmdevctl (%s%s" MDEVCONF_DIR ")\n", l->root,
				   l->root[strlen(l->root) - 1] == '/' ? "" : "/");
		header = true;
		put_wrapped(b, 2, buf_str(&line));
	}
	buf_free(&line);
}

static void list_human(const struct listing *l, struct buf *b)
{
	const struct host *h = l->h;
	const bool *sel = l->sel;
	bool all = l->all;
	size_t shown = 0;

	for (size_t i = 0; i < host_n_groups(h); i++) {
		const struct host_iommu_group *g = host_group(h, i);
		bool any = false;
		for (size_t j = 0; j < g->n_devices; j++) {
			const struct host_device *d = g->devices[j];
			if (sel[d - host_device(h, 0)] && !shown_under_pf(h, d, sel))
				any = true;
		}
		if (!any)
			continue;
		buf_printf(b, "%sIOMMU group %d%s%s%s\n", shown ? "\n" : "", g->id, g->type ? " (" : "",
			   g->type ? g->type : "", g->type ? ")" : "");
		shown++;
		for (size_t j = 0; j < g->n_devices; j++) {
			const struct host_device *d = g->devices[j];
			if (sel[d - host_device(h, 0)] && !shown_under_pf(h, d, sel))
				human_with_vfs(l, d, b);
		}
	}
	bool header = false;
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		if (!sel[i] || d->iommu_group >= 0 || shown_under_pf(h, d, sel))
			continue;
		if (!header) {
			buf_printf(b, "%sNo IOMMU group%s\n", shown ? "\n" : "",
				   host_n_groups(h) ? "" : " (the IOMMU is off: see gpuvirt check)");
			header = true;
		}
		human_with_vfs(l, d, b);
		shown++;
	}
	if (!shown)
		buf_puts(b, all ? "No PCI devices found.\n" : "No display devices found (gpuvirt list --all shows every device).\n");
	human_mdevconf(l, b);
}

int cmd_list(int argc, char **argv, const struct gv_globals *g, struct session *s)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const struct host *h = session_host(s);
	bool all = false, json = false;
	struct buf out = BUF_INIT;
	int c;

	while ((c = getopt_long(argc, argv, "ajh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			puts("usage: gpuvirt list [--all] [--json]");
			return 0;
		default:
			fputs("usage: gpuvirt list [--all] [--json]\n", stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gpuvirt list: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	bool *sel = list_selection(h, all);
	const struct mdevconf *mc = sysconf_mdevconf(session_sysconf(s));
	/* the count at the next boot is the root's to say */
	struct sriov_conf *conf = sriov_conf_load(session_root(s), session_sysconf(s));
	struct listing l = { .h = h, .root = session_root(s), .mc = mc, .conf = conf, .sel = sel, .all = all };
	if (json)
		list_json(h, mc, conf, sel, &out);
	else
		list_human(&l, &out);
	sriov_conf_free(conf);
	fwrite(buf_str(&out), 1, out.len, stdout);
	buf_free(&out);
	free(sel);
	return fflush(stdout) == 0 ? 0 : 2;
}
