/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Export: what a VM's consumer needs to be given one device of the host
 * snapshot, as that consumer spells it (SRIOV-MDEV-VM.md §3):
 *
 *   libvirt   <hostdev> elements for the domain's <devices>
 *   qemu      -device vfio-pci,... arguments
 *   proxmox   a hostpciN: line of /etc/pve/qemu-server/VMID.conf
 *
 * The device is a PCI function (a whole GPU, a VF) or an mdev UUID. A whole
 * GPU goes with every endpoint of its IOMMU group (its HDMI audio, never a
 * bridge) as one multifunction guest device. What cannot go to a VM is
 * refused with the reason: a bridge, a PF with VFs enabled, a group shared
 * with devices the host keeps, the boot GPU (unless forced). Export only
 * reads the snapshot; it writes nothing.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/scan/host.h"
#include "core/util/error.h"

enum export_format {
	EXPORT_LIBVIRT,
	EXPORT_QEMU,
	EXPORT_PROXMOX,
};

struct export_opts {
	enum export_format format;
	bool force_boot_gpu;    /* export the boot GPU (or the host's only GPU) anyway, with a note */
	bool primary;           /* the guest's primary display: Proxmox x-vga=1, QEMU x-vga=on */
	unsigned hostpci;       /* Proxmox: N of hostpciN (0..15) */
	bool alias;             /* libvirt: each <hostdev> carries its user alias (export_libvirt_alias()) */
};

struct export_result {
	char *device;           /* canonical PCI address, or the mdev UUID in lower case */
	enum export_format format;
	char *text;             /* what the consumer reads; ends with a newline */
	char **notes;           /* one line each: what to do or know before the VM starts */
	size_t n_notes;
	/* What the guest gets: the PCI functions (canonical addresses, in
	 * guest function order), or for an mdev none and its parent. */
	char **members;
	size_t n_members;
	char *parent;           /* an mdev's parent function; NULL otherwise */
	/* libvirt: each <hostdev> element of TEXT alone, in the same order
	 * (virsh attach-device takes one per file); none for other formats. */
	char **hostdevs;
	size_t n_hostdevs;
};

/* The guest slot a multifunction device gets on the guest's root bus
 * (libvirt bus 0x00, QEMU pcie.0); the functions keep their host numbers. */
#define EXPORT_GUEST_SLOT 0x10

/* "libvirt", "qemu" or "proxmox" to RET. Returns 0, or -EINVAL. */
int export_format_parse(const char *name, enum export_format *ret);

/* The name export_format_parse() takes. */
const char *export_format_name(enum export_format f);

/*
 * Export DEVICE (a PCI address in full or short form, or an mdev UUID) of
 * host H as O->format says. Returns 0 and an owned result, or -errno with
 * ERR naming the device and the reason: -ENODEV no such device or mdev;
 * -EINVAL not a device name, a bridge, a PF with VFs enabled, a shared
 * group, an option that does not apply to it; -EPERM the boot GPU or the
 * host's only GPU without O->force_boot_gpu.
 */
int export_device(const struct host *h, const char *device, const struct export_opts *o,
		  struct export_result **ret, struct gv_error *err);

/* The user alias libvirt keeps for DEVICE's <hostdev> (a canonical PCI
 * address or an mdev UUID): "ua-gpuvirt-0000-41-00-0", letters, digits and
 * '-' only, so `virsh detach-device-alias DOMAIN ALIAS` finds it. Owned. */
char *export_libvirt_alias(const char *device);

/* Free R; NULL is fine. */
void export_result_free(struct export_result *r);
