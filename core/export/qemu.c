/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU: -device vfio-pci arguments (hw/vfio/pci.c properties,
 * SRIOV-MDEV-VM.md §3.2), one per line, continued with a backslash so they
 * paste into a shell command. Bare QEMU binds nothing: what is not on
 * vfio-pci yet gets a note saying how to bind it first.
 */
#include <stdio.h>

#include "core/export/export-internal.h"

static void export_pci(const struct export_target *t, const struct export_opts *o, struct buf *text,
		       struct export_result *r)
{
	bool multi = t->n_members > 1;
	bool xvga = o->primary && t->vga;
	struct buf unbound = BUF_INIT;

	for (size_t i = 0; i < t->n_members; i++) {
		const struct host_device *m = t->members[i];

		buf_printf(text, "%s-device vfio-pci,host=%s", i ? " \\\n" : "", m->address);
		/* One guest slot for every function, multifunction on function 0. */
		if (multi)
			buf_printf(text, ",bus=pcie.0,addr=%02x.%zx%s", EXPORT_GUEST_SLOT, i,
				   i == 0 ? ",multifunction=on" : "");
		if (i == 0 && xvga)
			buf_puts(text, ",x-vga=on");
		if (!t->nvidia_vf && (!m->driver || export_on_host_driver(m)))
			buf_printf(&unbound, "%s%s (%s)", unbound.len ? ", " : "", m->address,
				   m->driver ? m->driver : "no driver");
	}
	buf_putc(text, '\n');

	if (t->nvidia_vf)
		export_note(r, "%s stays on nvidia (NVIDIA vGPU 17+), whose vfio interface QEMU opens: set its vGPU "
			    "type (nvidia/current_vgpu_type) before QEMU starts", t->dev->address);
	else if (unbound.len)
		export_note(r, "%s: not on vfio-pci, and QEMU binds nothing; bind first with gpuvirt apply --vfio %s",
			    buf_str(&unbound), t->dev->address);
	if (multi)
		export_note(r, "bus=pcie.0 is the root bus of -machine q35 (pci.0 on i440fx); guest slot %02x must be "
			    "free", EXPORT_GUEST_SLOT);
	if (xvga)
		export_note(r, "x-vga=on gives the guest %s's legacy VGA ranges (a SeaBIOS guest); with OVMF leave it "
			    "out and give QEMU -vga none", t->dev->address);
	else if (o->primary)
		export_note(r, "a VF has no legacy VGA: for the guest's primary display give QEMU OVMF and -vga none");
	buf_free(&unbound);
}

static void export_mdev(const struct export_target *t, struct buf *text, struct export_result *r)
{
	buf_printf(text, "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/%s,display=on\n", r->device);
	export_note(r, "mdev %s must exist on %s when QEMU starts (keep it defined with mdevctl)", r->device,
		    t->dev->address);
}

void export_qemu(const struct export_target *t, const struct export_opts *o, struct buf *text,
		 struct export_result *r)
{
	if (t->mdev)
		export_mdev(t, text, r);
	else
		export_pci(t, o, text, r);
}
