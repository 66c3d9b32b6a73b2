/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt: <hostdev> elements (domaincommon.rng, SRIOV-MDEV-VM.md §3.1).
 *
 * managed='yes' lets libvirt detach a PCI function to vfio-pci when the
 * domain starts and give it back when it stops. An mdev is never managed:
 * libvirt neither creates nor removes it. Neither is a VF that stays on
 * nvidia (vGPU 17+): vfio-pci cannot take it, so libvirt must not try.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/export/export-internal.h"
#include "core/util/xalloc.h"

static void pci_address(struct buf *b, const char *indent, const struct pciaddr *a)
{
	buf_printf(b, "%s<source>\n%s  <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
		   "%s</source>\n", indent, indent, a->domain, a->bus, a->dev, a->fn, indent);
}

/* libvirt keeps an alias across redefinitions only when it is the user's
 * own ("ua-"), and detach-device-alias finds the device by it. */
static void user_alias(struct buf *b, const char *device)
{
	char *alias = export_libvirt_alias(device);

	buf_printf(b, "  <alias name='%s'/>\n", alias);
	free(alias);
}

/* ONE (emptied) goes to TEXT and, on its own, to R's hostdevs. */
static void add_hostdev(struct buf *text, struct buf *one, struct export_result *r)
{
	buf_puts(text, buf_str(one));
	r->hostdevs = xreallocarray(r->hostdevs, r->n_hostdevs + 1, sizeof(*r->hostdevs));
	r->hostdevs[r->n_hostdevs++] = buf_steal(one);
}

static void export_pci(const struct export_target *t, const struct export_opts *o, struct buf *text,
		       struct export_result *r)
{
	bool multi = t->n_members > 1;
	struct buf drivers = BUF_INIT;

	for (size_t i = 0; i < t->n_members; i++) {
		struct buf one = BUF_INIT;

		buf_printf(&one, "<hostdev mode='subsystem' type='pci' managed='%s'>\n", t->nvidia_vf ? "no" : "yes");
		pci_address(&one, "  ", &t->members[i]->addr);
		if (o->alias)
			user_alias(&one, t->members[i]->address);
		/* One guest slot for every function, multifunction on function 0. */
		if (multi)
			buf_printf(&one, "  <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' function='0x%zx'%s/>\n",
				   EXPORT_GUEST_SLOT, i, i == 0 ? " multifunction='on'" : "");
		buf_puts(&one, "</hostdev>\n");
		add_hostdev(text, &one, r);
	}

	if (t->nvidia_vf) {
		export_note(r, "%s stays on nvidia (NVIDIA vGPU 17+): managed='no', since vfio-pci cannot take it; "
			    "set its vGPU type (nvidia/current_vgpu_type) before the domain starts", t->dev->address);
	} else {
		size_t n = export_host_drivers(t, &drivers);
		if (n)
			export_note(r, "%s %s on a host driver now: with managed='yes' libvirt detaches %s to vfio-pci "
				    "when the domain starts and gives %s back when it stops", buf_str(&drivers),
				    n > 1 ? "are" : "is", n > 1 ? "them" : "it", n > 1 ? "them" : "it");
	}
	if (multi)
		export_note(r, "one multifunction guest device at guest address 0000:00:%02x.0-%zx: change the slot "
			    "if the domain uses it; virsh attach-device takes one <hostdev> per file",
			    EXPORT_GUEST_SLOT, t->n_members - 1);
	if (o->primary)
		export_note(r, "libvirt has no x-vga: for the guest's primary display give the domain OVMF and "
			    "<video><model type='none'/></video>");
	buf_free(&drivers);
}

static void export_mdev(const struct export_target *t, const struct export_opts *o, struct buf *text,
			struct export_result *r)
{
	struct buf one = BUF_INIT;

	buf_printf(&one, "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='on'>\n"
		   "  <source>\n    <address uuid='%s'/>\n  </source>\n", r->device);
	if (o->alias)
		user_alias(&one, r->device);
	buf_puts(&one, "</hostdev>\n");
	add_hostdev(text, &one, r);
	export_note(r, "managed='no': libvirt does not create mdev %s; it must exist on %s when the domain "
		    "starts (keep it defined with mdevctl)", r->device, t->dev->address);
	export_note(r, "display='on' needs a <graphics> device (VNC or SPICE) in the domain");
}

void export_libvirt(const struct export_target *t, const struct export_opts *o, struct buf *text,
		    struct export_result *r)
{
	if (t->mdev)
		export_mdev(t, o, text, r);
	else
		export_pci(t, o, text, r);
}
