/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The proposal engine: intents (struct change) + the two snapshots, the
 * host's (core/scan/host.h) and its configuration root's
 * (core/scan/sysconf.h) -> actions in a plan. Nothing else is read but the
 * files the plan changes (through plan_file_content()), so a plan for the
 * sample host is built exactly like one for a scanned host. `gpuvirt plan`, `gpuvirt apply`
 * and every wizard step call propose_build() the same way, so the TUI's
 * preview is byte for byte what the command line prints.
 *
 * What each intent becomes (files relative to the root, DESIGN.md §3):
 *
 *   --blacklist M   "blacklist M" in etc/modprobe.d/gpuvirt.conf (nouveau
 *                   also gets "options nouveau modeset=0"), then the
 *                   initramfs is rebuilt so the blacklist is in it.
 *   --vfio ADDR     ADDR and the other endpoint functions of its IOMMU group
 *                   (its HDMI audio; never bridges) go to vfio-pci at boot:
 *                   by id (options vfio-pci ids=..., softdep DRIVER pre:
 *                   vfio-pci) when no other device on the host has those
 *                   ids, else by address (driver_override from a udev rule
 *                   and from a modprobe hook that runs before the driver,
 *                   in the initramfs too), so an identical twin stays with
 *                   the host. The vfio modules load at boot and are in the
 *                   initramfs of the detected tool, which is rebuilt.
 *   --iommu, --cmdline-add, --cmdline-remove   the next boot's kernel
 *                   command line, in the file the detected boot loader reads
 *                   (boot_propose_cmdline_for(), core/propose/boot.h); --iommu is
 *                   boot_iommu_args() for the host's CPU vendor.
 *   --vfs ADDR=N    the PF's VF count now and at every boot, and what its
 *                   driver needs on the kernel command line (core/propose/
 *                   sriov.h); opts->sriov: --vfs-driver, --boot-only.
 *                   A PF with VFs never goes to vfio-pci.
 *   --mdev, --mdev-remove, --vgpu   mediated devices and NVIDIA's per-VF
 *                   vGPU (core/propose/mdev.h); --mdev P:T=N: N instances
 *                   of gpuvirt's own, nothing when there are. A device
 *                   with vGPU that goes to vfio-pci is warned about.
 *   --assign DEVICE,vm=NAME | DEVICE,vmid=N   the device to a libvirt domain
 *                   or a Proxmox VM under the root, through virsh or qm
 *                   (core/propose/assign.h), after every other action.
 *
 * Configuration that already says the same elsewhere is reported through
 * gv_log() (INFO, naming the file) and not written twice.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/propose/boot.h"
#include "core/propose/change.h"
#include "core/propose/sriov.h"
#include "core/util/error.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/plan/plan.h"

struct propose_opts {
	/* Allow binding the boot GPU (boot_vga=1) or the host's only GPU. The
	 * CLI sets it from --force-boot-gpu; the TUI only after the person has
	 * typed the device's address. --yes alone never sets it. */
	bool force_boot_gpu;
	/* The boot loader for command-line changes; BOOT_AUTO (0): detect. The
	 * TUI passes the person's choice when detection is ambiguous. */
	enum boot_loader boot_loader;
	/* --vfs-driver, --boot-only, --force-vfs-in-use */
	struct sriov_opts sriov;
};

/*
 * Add the actions for CHANGES (N of them) on host H with configuration root
 * ROOT (its snapshot SC) to P (a plan for the same root; other proposals may
 * have added to it already). OPTS may be NULL (all false). Returns 0, or:
 *   -EPERM       refused: binding the boot GPU or the only GPU without
 *                force_boot_gpu (ERR says which console goes dark);
 *   -ENODEV      a device is not on the host, or no longer what the scan saw;
 *   -EINVAL      a change that cannot apply to this host (a bridge, a vfio
 *                module blacklisted while binding to vfio-pci, a PF with
 *                VFs to vfio-pci, a VF count the PF cannot have, an mdev
 *                type the parent lacks or has too few of: mdev_check());
 *   -ENOPKG, -ENXIO, -EBUSY, -EIO  --vfs: see sriov_check_change();
 *   -EBUSY       also: a VM holds the mdev or VF (ERR names it);
 *   -ENOTUNIQ    the boot loader is ambiguous (ERR lists the candidates:
 *                ask, then pass opts->boot_loader); -ENOENT: none found;
 *   -E2BIG       the kernel command line would be too long;
 *   -EBUSY, -ENOSPC  --assign: the device is another VM's, the VM has no
 *                hostpci left (assign_propose());
 *   another -errno (reading the configuration).
 * Every kind is checked before anything is added, but a failure later on
 * may leave some actions in P: throw the plan away on error.
 */
int propose_build(const struct host *h, const struct sysconf *sc, const char *root,
		  const struct change *changes, size_t n, const struct propose_opts *opts, struct plan *p,
		  struct gv_error *err);

/*
 * The guard on its own, for the TUI: returns 1 and an owned one-line reason
 * when binding ADDRESS (with its group) to vfio-pci needs force_boot_gpu,
 * 0 (and *RET_REASON untouched) when it does not, -ENODEV when ADDRESS is
 * not on the host.
 */
int propose_vfio_guard(const struct host *h, const char *address, char **ret_reason);

/*
 * For the "Drivers & vfio" step: a few plain lines on what binding ADDRESS
 * to vfio-pci does on this host: which functions go with it and why (its
 * IOMMU group), by id or by address and why (an identical device that must
 * stay with the host), the driver it takes the device from, and whether
 * the guard applies. Returns 0 and owned text, or -ENODEV / -EINVAL with ERR.
 */
int propose_vfio_explain(const struct host *h, const char *address, char **ret_text, struct gv_error *err);
