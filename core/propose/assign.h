/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Giving a device to a VM (SRIOV-MDEV-VM.md §3): the CHANGE
 *
 *   --assign DEVICE --vm NAME                 a libvirt domain
 *   --assign DEVICE --vmid N [--hostpci K]    a Proxmox VM
 *
 * DEVICE is a PCI function (a whole GPU goes with the rest of its IOMMU
 * group, its HDMI audio) or an mdev UUID, exported as gpuvirt export does
 * (core/export/export.h, with its refusals). The VM's configuration under
 * the root says what it has (core/scan/vmconf.h); every other VM's says
 * whether the device is given away already.
 *
 *   libvirt   one file per <hostdev>, ROOT/var/lib/gpuvirt/hostdev/NAME/
 *             DEVICE.xml, carrying the user alias ua-gpuvirt-DEVICE, then
 *             `virsh attach-device NAME FILE --config`, read back with
 *             `virsh dumpxml --inactive NAME` (it must show the device's
 *             source address or UUID); undone by `virsh detach-device-alias
 *             NAME ALIAS --config`, which needs no file, so the undo can
 *             remove the file as well
 *   Proxmox   `qm set N -hostpciK VALUE` on the next free hostpciK (or K),
 *             read back with `qm config N`; undone by `qm set N -delete
 *             hostpciK`
 *
 * The commands are reversible plan commands (plan_run_reversible()): the
 * journal keeps their undo, and `gpuvirt undo` runs it. The VM gets the
 * device at its next start.
 *
 * In a draft the change's argument is one word, the form gpuvirt prints and
 * the command line also takes: "DEVICE,vm=NAME" or
 * "DEVICE,vmid=N[,hostpci=K]".
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/scan/host.h"
#include "core/scan/vmconf.h"
#include "core/util/error.h"

struct plan;

/* Where the <hostdev> files for virsh attach-device go, under the root. */
#define ASSIGN_HOSTDEV_DIR "var/lib/gpuvirt/hostdev"

struct assign_spec {
	char device[40];          /* a canonical PCI address, or an mdev UUID in lower case */
	enum vmconf_kind kind;
	char *vm;                 /* libvirt: the domain's name; Proxmox: the VMID in decimal */
	int hostpci;              /* Proxmox: K of hostpciK, -1 for the next free one */
};

/*
 * Parse ARG ("DEVICE,vm=NAME", "DEVICE,vmid=N[,hostpci=K]") into RET. The
 * device must be a PCI address or an mdev UUID; a domain name must not be
 * empty, start with '-' or '.', or hold '/' or a control character; a VMID
 * is 100 to 999999999; K is 0 to 15. Returns 0, or -EINVAL with ERR naming
 * --assign and what is wrong. Release with assign_spec_clear().
 */
int assign_spec_parse(const char *arg, struct assign_spec *ret, struct gv_error *err);

/* S as the one-word argument assign_spec_parse() takes. Owned. */
char *assign_spec_format(const struct assign_spec *s);

/* S as the person writes it: "0000:41:00.0 --vm win11",
 * "0000:00:02.1 --vmid 100 --hostpci 2". Owned. */
char *assign_spec_describe(const struct assign_spec *s);

void assign_spec_clear(struct assign_spec *s);

/*
 * Add to P what gives each of the N devices of SPECS to its VM, on host H
 * and the configurations under ROOT; FORCE_BOOT_GPU lets the boot GPU go.
 * A device the VM has already is reported through gv_log() (INFO) and not
 * added again. Returns 0, or -errno with ERR one line naming what is wrong:
 * -EINVAL an unknown VM, a domain XML that does not parse (libxml2's error
 * with file and line), a taken hostpciK, or the export's refusals (-ENODEV
 * an unknown device, -EPERM the boot GPU); -EBUSY the device is another
 * VM's (named), or one VM holds part of a group; -ENOSPC a Proxmox VM with
 * every hostpci taken.
 */
int assign_propose(const struct host *h, const char *root, const struct assign_spec *specs, size_t n,
		   bool force_boot_gpu, struct plan *p, struct gv_error *err);
