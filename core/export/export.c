/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which device goes to the guest, and whether it may: the checks every
 * format shares. The spelling is in libvirt.c, qemu.c and proxmox.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export/export-internal.h"
#include "core/util/xalloc.h"

static const char *const format_names[] = {
	[EXPORT_LIBVIRT] = "libvirt",
	[EXPORT_QEMU] = "qemu",
	[EXPORT_PROXMOX] = "proxmox",
};

int export_format_parse(const char *name, enum export_format *ret)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (name && !strcmp(name, format_names[i])) {
			*ret = (enum export_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *export_format_name(enum export_format f)
{
	return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] : "?";
}

void export_note(struct export_result *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	r->notes = xreallocarray(r->notes, r->n_notes + 1, sizeof(*r->notes));
	r->notes[r->n_notes++] = s;
}

bool export_on_host_driver(const struct host_device *d)
{
	return d->driver && strcmp(d->driver, "vfio-pci") != 0;
}

size_t export_host_drivers(const struct export_target *t, struct buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_members; i++) {
		const struct host_device *m = t->members[i];
		if (export_on_host_driver(m))
			buf_printf(b, "%s%s (%s)", n++ ? ", " : "", m->address, m->driver);
	}
	return n;
}

char *export_libvirt_alias(const char *device)
{
	char *alias = xasprintf("ua-gpuvirt-%s", device);

	for (char *p = alias; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			*p = '-';
	return alias;
}

void export_result_free(struct export_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_notes; i++)
		free(r->notes[i]);
	free(r->notes);
	for (size_t i = 0; i < r->n_members; i++)
		free(r->members[i]);
	free(r->members);
	for (size_t i = 0; i < r->n_hostdevs; i++)
		free(r->hostdevs[i]);
	free(r->hostdevs);
	free(r->parent);
	free(r->device);
	free(r->text);
	free(r);
}

/* 8-4-4-4-12 hex digits, the form the kernel names mdevs by. */
static bool is_uuid(const char *s)
{
	static const int dash[] = { 8, 13, 18, 23 };

	if (strlen(s) != 36)
		return false;
	for (int i = 0, k = 0; i < 36; i++) {
		if (k < 4 && i == dash[k]) {
			if (s[i] != '-')
				return false;
			k++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static int find_mdev(const struct host *h, const char *uuid, struct export_target *t, struct gv_error *err)
{
	for (size_t i = 0; i < host_n_devices(h); i++) {
		const struct host_device *d = host_device(h, i);
		for (size_t j = 0; j < d->n_mdevs; j++) {
			if (strcasecmp(d->mdevs[j].uuid, uuid) != 0)
				continue;
			t->dev = d;
			t->mdev = &d->mdevs[j];
			for (size_t k = 0; t->mdev->type && k < d->n_mdev_types; k++)
				if (!strcmp(d->mdev_types[k].id, t->mdev->type))
					t->type = &d->mdev_types[k];
			return 0;
		}
	}
	return gv_error_set(err, -ENODEV, "mdev %s: no such mediated device on this host", uuid);
}

static void add_member(struct export_target *t, const struct host_device *d)
{
	t->members = xreallocarray(t->members, t->n_members + 1, sizeof(*t->members));
	t->members[t->n_members++] = d;
}

/*
 * The functions that go with T->dev: a VF alone; a whole device with every
 * non-bridge function of its IOMMU group, since vfio gives a VM a group only
 * whole. A member outside the device's slot is a device the host keeps:
 * refused, naming them all. Without an IOMMU group (the IOMMU is off) the
 * functions of its slot, as binding it would take them.
 */
static int gather_members(const struct host *h, struct export_target *t, struct export_result *r,
			  struct gv_error *err)
{
	const struct host_device *d = t->dev;
	const struct host_iommu_group *g = d->iommu_group >= 0 ? host_find_group(h, d->iommu_group) : NULL;
	struct buf kept = BUF_INIT;
	size_t n = g ? g->n_devices : host_n_devices(h);

	for (size_t i = 0; i < n; i++) {
		const struct host_device *m = g ? g->devices[i] : host_device(h, i);

		if (host_device_is_bridge(m))
			continue;
		if (m == d) {
			add_member(t, m);
			continue;
		}
		if (!g && (d->physfn || m->physfn || !pciaddr_same_slot(&m->addr, &d->addr)))
			continue;
		if (d->physfn || m->physfn || !pciaddr_same_slot(&m->addr, &d->addr))
			buf_printf(&kept, "%s%s", kept.len ? ", " : " ", m->address);
		else
			add_member(t, m);
	}
	if (kept.len) {
		int rc = gv_error_set(err, -EINVAL, "%s shares IOMMU group %d with devices the host keeps:%s; "
				      "a VM can only have the group whole (see gpuvirt list)", d->address,
				      d->iommu_group, buf_str(&kept));
		buf_free(&kept);
		return rc;
	}
	if (!t->n_members)   /* a group listing that missed it: trust the device */
		add_member(t, d);
	if (!g)
		export_note(r, "%s has no IOMMU group: the IOMMU is off, so no VM can have it until it is on "
			    "(gpuvirt plan --iommu)", d->address);
	return 0;
}

/* The boot GPU, or the host's only GPU, among the members: giving it away
 * takes the host's console. */
static const char *console_gpu(const struct host *h, const struct export_target *t, const char **ret_why)
{
	for (size_t i = 0; i < t->n_members; i++) {
		if (t->members[i]->boot_vga == 1) {
			*ret_why = "is the boot GPU (boot_vga=1)";
			return t->members[i]->address;
		}
	}
	for (size_t i = 0; i < t->n_members; i++) {
		const struct host_device *m = t->members[i];
		if (host_device_is_display(m) && !m->physfn && host_n_gpus(h) == 1) {
			*ret_why = "is the host's only GPU";
			return m->address;
		}
	}
	return NULL;
}

static int resolve_pci(const struct host *h, const char *device, const struct export_opts *o,
		       struct export_target *t, struct export_result *r, struct gv_error *err)
{
	struct pciaddr a;
	char canon[PCIADDR_STRLEN];
	const struct host_device *d;
	const char *console, *why = NULL;
	int rc;

	if (pciaddr_parse(device, &a) < 0)
		return gv_error_set(err, -EINVAL, "'%s' is neither a PCI address (0000:41:00.0 or 41:00.0) nor an "
				    "mdev UUID", device);
	pciaddr_format(&a, canon);
	d = host_find(h, canon);
	if (!d)
		return gv_error_set(err, -ENODEV, "%s: no such PCI device on this host", canon);
	t->dev = d;
	r->device = xstrdup(d->address);
	if (host_device_is_bridge(d))
		return gv_error_set(err, -EINVAL, "%s is a bridge (class %06x); bridges stay with the host",
				    d->address, (unsigned)d->class_code);
	if (d->sriov_num > 0)
		return gv_error_set(err, -EINVAL, "%s is an SR-IOV PF with %d VF%s enabled, which a VM cannot have "
				    "while they exist; give a VF instead: %s", d->address, d->sriov_num,
				    d->sriov_num == 1 ? "" : "s", d->n_vfs ? d->vfs[0] : "(none listed)");
	rc = gather_members(h, t, r, err);
	if (rc < 0)
		return rc;
	console = console_gpu(h, t, &why);
	if (console && !o->force_boot_gpu)
		return gv_error_set(err, -EPERM, "%s %s: giving it to a VM takes the host's console on it; use a "
				    "serial console or ssh and pass --force-boot-gpu", console, why);
	if (console)
		export_note(r, "--force-boot-gpu: %s %s: the host loses its console on it while the VM runs",
			    console, why);
	t->nvidia_vf = d->physfn && d->driver && !strcmp(d->driver, "nvidia");
	/* Legacy VGA ranges exist on a whole VGA-class function only. */
	t->vga = !d->physfn && d->class_code >= 0 && ((unsigned)d->class_code >> 8) == 0x0300;
	if (o->primary && (d->class_code < 0 || ((unsigned)d->class_code >> 8) != 0x0300))
		return gv_error_set(err, -EINVAL, "--primary: %s is not a VGA-class GPU (class %06x), so it cannot be "
				    "the guest's primary display", d->address, (unsigned)d->class_code);
	return 0;
}

static int resolve_mdev(const struct host *h, const char *device, const struct export_opts *o,
			struct export_target *t, struct export_result *r, struct gv_error *err)
{
	int rc = find_mdev(h, device, t, err);

	if (rc < 0)
		return rc;
	r->device = xstrdup(t->mdev->uuid);
	for (char *p = r->device; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (o->primary)
		return gv_error_set(err, -EINVAL, "--primary: mdev %s has no legacy VGA; its display is its own "
				    "(display=on)", r->device);
	if (t->type && t->type->device_api && strcmp(t->type->device_api, "vfio-pci") != 0)
		return gv_error_set(err, -EINVAL, "mdev %s: type %s has device API %s, not vfio-pci: it is not a "
				    "PCI device a VM can be given here", r->device, t->type->id, t->type->device_api);
	if (o->format == EXPORT_PROXMOX && !t->mdev->type)
		return gv_error_set(err, -EINVAL, "mdev %s: its type is unknown, and Proxmox makes its own instance "
				    "from the parent and the type (mdev=TYPE)", r->device);
	return 0;
}

int export_device(const struct host *h, const char *device, const struct export_opts *o,
		  struct export_result **ret, struct gv_error *err)
{
	struct export_result *r = xcalloc(1, sizeof(*r));
	struct export_target t = { 0 };
	struct buf text = BUF_INIT;
	int rc;

	gv_error_clear(err);
	r->format = o->format;
	if ((unsigned)o->format > EXPORT_PROXMOX) {
		rc = gv_error_set(err, -EINVAL, "unknown export format %d", (int)o->format);
		goto out;
	}
	if (o->hostpci > 15) {
		rc = gv_error_set(err, -EINVAL, "hostpci%u: Proxmox has hostpci0 to hostpci15", o->hostpci);
		goto out;
	}
	if (device && is_uuid(device))
		rc = resolve_mdev(h, device, o, &t, r, err);
	else
		rc = resolve_pci(h, device ? device : "", o, &t, r, err);
	if (rc < 0)
		goto out;

	if (t.mdev) {
		r->parent = xstrdup(t.dev->address);
	} else {
		r->members = xcalloc(t.n_members, sizeof(*r->members));
		for (; r->n_members < t.n_members; r->n_members++)
			r->members[r->n_members] = xstrdup(t.members[r->n_members]->address);
	}
	switch (o->format) {
	case EXPORT_LIBVIRT:
		export_libvirt(&t, o, &text, r);
		break;
	case EXPORT_QEMU:
		export_qemu(&t, o, &text, r);
		break;
	case EXPORT_PROXMOX:
		export_proxmox(&t, o, &text, r);
		break;
	}
	r->text = buf_steal(&text);
	*ret = r;
	r = NULL;
out:
	free(t.members);
	export_result_free(r);
	return rc;
}
