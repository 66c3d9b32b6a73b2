/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpuvirt list [--all] [--json]: the host's GPUs by IOMMU group, with every
 * device that shares a group with one, their drivers, VFs and mdev types.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/propose/sriov.h"
#include "core/util/buf.h"
#include "core/scan/demo.h"
#include "core/scan/host.h"
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

static void json_hex(struct buf *b, const char *key, int v, int digits)
{
	buf_printf(b, "\"%s\": ", key);
	if (v < 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "\"%0*x\"", digits, v);
}

static void json_int(struct buf *b, const char *key, int v)
{
	if (v < 0)
		buf_printf(b, ", \"%s\": null", key);
	else
		buf_printf(b, ", \"%s\": %d", key, v);
}

/* The PF's "sriov" object (man/10-list.man documents it). */
static void json_sriov(const struct host_device *d, const struct sriov_conf *conf, struct buf *b)
{
	struct sriov_boot boot;

	buf_printf(b, "{\"total_vfs\": %d, \"num_vfs\": %d, \"vfs\": [", d->sriov_total,
		   d->sriov_num < 0 ? 0 : d->sriov_num);
	for (size_t j = 0; j < d->n_vfs; j++) {
		if (j)
			buf_puts(b, ", ");
		buf_json_str(b, d->vfs[j]);
	}
	buf_puts(b, "]");
	json_int(b, "offset", d->sriov_offset);
	json_int(b, "stride", d->sriov_stride);
	buf_puts(b, ", ");
	json_hex(b, "vf_device_id", d->sriov_vf_device, 4);
	buf_printf(b, ", \"autoprobe\": %s", d->sriov_autoprobe < 0 ? "null" : d->sriov_autoprobe ? "true" : "false");
	buf_printf(b, ", \"driver_sriov\": \"%s\"", host_sriov_driver_name(d->sriov_driver));
	json_int(b, "driver_max_vfs", d->sriov_driver_max_vfs);
	sriov_conf_boot(conf, d, &boot);
	json_int(b, "boot_vfs", boot.count);
	buf_printf(b, ", \"boot_via\": \"%s\", \"boot_source\": ", sriov_persist_name(boot.via));
	buf_json_str(b, boot.where);
	buf_puts(b, ", \"boot_ignored\": ");
	buf_json_str(b, boot.ignored);
	buf_puts(b, "}");
	sriov_boot_clear(&boot);
}

static void list_json(const struct host *h, const struct sriov_conf *conf, const bool *sel, struct buf *b)
{
	bool first = true;

	buf_puts(b, "{\n  \"devices\": [");
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		if (!sel[i])
			continue;
		buf_puts(b, first ? "\n    {" : ",\n    {");
		first = false;
		buf_puts(b, "\"address\": ");
		buf_json_str(b, d->address);
		buf_puts(b, ", ");
		json_hex(b, "vendor_id", d->vendor_id, 4);
		buf_puts(b, ", ");
		json_hex(b, "device_id", d->device_id, 4);
		buf_puts(b, ", ");
		json_hex(b, "class", d->class_code, 6);
		buf_puts(b, ", \"vendor_name\": ");
		buf_json_str(b, d->vendor_name);
		buf_puts(b, ", \"device_name\": ");
		buf_json_str(b, d->device_name);
		buf_puts(b, ", \"driver\": ");
		buf_json_str(b, d->driver);
		buf_puts(b, ", \"iommu_group\": ");
		if (d->iommu_group < 0)
			buf_puts(b, "null");
		else
			buf_printf(b, "%d", d->iommu_group);
		buf_printf(b, ", \"boot_vga\": %s", d->boot_vga == 1 ? "true" : "false");
		buf_puts(b, ", \"sriov\": ");
		if (d->sriov_total < 0)
			buf_puts(b, "null");
		else
			json_sriov(d, conf, b);
		buf_puts(b, ", \"physfn\": ");
		buf_json_str(b, d->physfn);
		buf_puts(b, ", \"mdev_types\": [");
		for (size_t j = 0; j < d->n_mdev_types; j++) {
			const struct host_mdev_type *t = &d->mdev_types[j];
			buf_puts(b, j ? ", {\"id\": " : "{\"id\": ");
			buf_json_str(b, t->id);
			buf_puts(b, ", \"name\": ");
			buf_json_str(b, t->name);
			buf_puts(b, ", \"available_instances\": ");
			if (t->available_instances < 0)
				buf_puts(b, "null");
			else
				buf_printf(b, "%d", t->available_instances);
			buf_puts(b, ", \"device_api\": ");
			buf_json_str(b, t->device_api);
			buf_puts(b, ", \"description\": ");
			buf_json_str(b, t->description);
			buf_puts(b, "}");
		}
		buf_puts(b, "], \"mdevs\": [");
		for (size_t j = 0; j < d->n_mdevs; j++) {
			buf_puts(b, j ? ", {\"uuid\": " : "{\"uuid\": ");
			buf_json_str(b, d->mdevs[j].uuid);
			buf_puts(b, ", \"type\": ");
			buf_json_str(b, d->mdevs[j].type);
			buf_puts(b, "}");
		}
		buf_puts(b, "]}");
	}
	buf_puts(b, first ? "],\n  \"iommu_groups\": [" : "\n  ],\n  \"iommu_groups\": [");
	first = true;
	for (size_t i = 0; i < host_n_groups(h); i++) {
		const struct host_iommu_group *g = host_group(h, i);
		if (!group_selected(h, g, sel))
			continue;
		buf_printf(b, "%s\n    {\"id\": %d, \"devices\": [", first ? "" : ",", g->id);
		first = false;
		for (size_t j = 0; j < g->n_devices; j++) {
			if (j)
				buf_puts(b, ", ");
			buf_json_str(b, g->devices[j]->address);
		}
		buf_puts(b, "]}");
	}
	buf_puts(b, first ? "]\n}\n" : "\n  ]\n}\n");
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

static void human_device(const struct host *h, const struct sriov_conf *conf, const struct host_device *d,
			 int indent, struct buf *b)
{
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
		human_sriov(d, conf, pad, b);
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
	for (size_t j = 0; j < d->n_mdevs; j++)
		buf_printf(b, "%*smdev %s (%s)\n", pad, "", d->mdevs[j].uuid,
			   d->mdevs[j].type ? d->mdevs[j].type : "type unknown");
	buf_free(&line);
}

static void human_with_vfs(const struct host *h, const struct sriov_conf *conf, const struct host_device *d,
			   const bool *sel, struct buf *b)
{
	human_device(h, conf, d, 2, b);
	for (size_t j = 0; j < d->n_vfs; j++) {
		const struct host_device *vf = host_find(h, d->vfs[j]);
		if (vf && sel[vf - host_device(h, 0)])
			human_device(h, conf, vf, 6, b);
	}
}

/* A VF shown under its PF is not shown again in a group of its own. */
static bool shown_under_pf(const struct host *h, const struct host_device *d, const bool *sel)
{
	const struct host_device *pf = d->physfn ? host_find(h, d->physfn) : NULL;
	return pf && sel[pf - host_device(h, 0)];
}

static void list_human(const struct host *h, const struct sriov_conf *conf, const bool *sel, bool all,
		       struct buf *b)
{
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
				human_with_vfs(h, conf, d, sel, b);
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
		human_with_vfs(h, conf, d, sel, b);
		shown++;
	}
	if (!shown)
		buf_puts(b, all ? "No PCI devices found.\n" : "No display devices found (gpuvirt list --all shows every device).\n");
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
	/* the count at the next boot is the root's to say */
	struct sriov_conf *conf = sriov_conf_load(session_root(s), session_sysconf(s));
	if (json)
		list_json(h, conf, sel, &out);
	else
		list_human(h, conf, sel, all, &out);
	sriov_conf_free(conf);
	fwrite(buf_str(&out), 1, out.len, stdout);
	buf_free(&out);
	free(sel);
	return fflush(stdout) == 0 ? 0 : 2;
}
