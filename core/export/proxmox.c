/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proxmox VE: a hostpciN line of qemu-server's VM configuration
 * (SRIOV-MDEV-VM.md §3.3). The function is always given: a bare bus:dev
 * means "all functions", which for an iGPU or any PF with VFs takes the PF
 * and every VF. Functions joined by ';' become one multifunction guest
 * device. Proxmox binds the group to vfio-pci when the VM starts, and makes
 * an mdev itself from the parent and the type.
 */
#include <stdio.h>

#include "core/export/export-internal.h"

static void q35_note(struct export_result *r)
{
	export_note(r, "pcie=1 needs the q35 machine type (machine: q35); on i440fx Proxmox refuses the VM "
		    "(q35 machine model is not enabled)");
}

static void export_pci(const struct export_target *t, const struct export_opts *o, struct buf *text,
		       struct export_result *r)
{
	struct buf drivers = BUF_INIT, value = BUF_INIT;

	for (size_t i = 0; i < t->n_members; i++)
		buf_printf(&value, "%s%s", i ? ";" : "", t->members[i]->address);
	buf_puts(&value, ",pcie=1");
	if (o->primary)
		buf_puts(&value, ",x-vga=1");
	buf_printf(text, "hostpci%u: %s\n", o->hostpci, buf_str(&value));

	q35_note(r);
	if (t->nvidia_vf) {
		export_note(r, "%s stays on nvidia (NVIDIA vGPU 17+): append ,mdev=nvidia-ID with its vGPU type, "
			    "so that Proxmox sets the type rather than bind the VF to vfio-pci, which cannot take it",
			    t->dev->address);
	} else {
		size_t n = export_host_drivers(t, &drivers);
		if (n)
			export_note(r, "%s %s on a host driver now: Proxmox binds the IOMMU group to vfio-pci when "
				    "the VM starts", buf_str(&drivers), n > 1 ? "are" : "is");
	}
	if (t->n_members > 1)
		export_note(r, "';' joins the functions into one multifunction guest device; quote the value in a "
			    "shell: qm set VMID -hostpci%u '%s'", o->hostpci, buf_str(&value));
	if (o->primary && t->vga)
		export_note(r, "x-vga=1 makes %s the guest's primary display: Proxmox sets vga: none",
			    t->dev->address);
	else if (o->primary)
		export_note(r, "x-vga=1 makes %s the guest's primary display: Proxmox sets vga: none; use bios: ovmf, "
			    "since with SeaBIOS Proxmox also asks QEMU for legacy VGA, which a VF does not have",
			    t->dev->address);
	buf_free(&drivers);
	buf_free(&value);
}

static void export_mdev(const struct export_target *t, const struct export_opts *o, struct buf *text,
			struct export_result *r)
{
	buf_printf(text, "hostpci%u: %s,mdev=%s,pcie=1\n", o->hostpci, t->dev->address, t->mdev->type);
	q35_note(r);
	export_note(r, "Proxmox creates its own mdev of type %s on %s when the VM starts and removes it when "
		    "the VM stops; mdev %s is not the VM's, and while it exists it takes one of the type's "
		    "instances", t->mdev->type, t->dev->address, r->device);
}

void export_proxmox(const struct export_target *t, const struct export_opts *o, struct buf *text,
		    struct export_result *r)
{
	if (t->mdev)
		export_mdev(t, o, text, r);
	else
		export_pci(t, o, text, r);
}
