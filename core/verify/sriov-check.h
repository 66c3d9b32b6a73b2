/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Why the VFs did not appear (SRIOV-MDEV-VM.md §1.6): for each PF that has
 * VFs, is set to get them at boot, or is an Intel GPU whose driver was told
 * max_vfs, one finding with the count now and at the next boot
 * (sriov-vfs), then the first cause that explains fewer VFs than wanted,
 * each with its evidence and a fix that is a command:
 *
 *   sriov-pf-vfio     the PF itself is bound to vfio-pci (given to a VM)
 *   sriov-driver      the stock module runs (no max_vfs: i915 without the
 *                     SR-IOV build), or the SR-IOV build is installed but
 *                     not what loaded
 *   sriov-secure-boot no driver, Secure Boot on and a DKMS module installed:
 *                     its key was likely rejected
 *   sriov-no-driver   no driver bound at all
 *   sriov-max-vfs     max_vfs unset, so the driver offers no VFs
 *   sriov-guc         max_vfs set, none offered, GuC submission off
 *   sriov-bars        max_vfs set, none offered: no room for the VF BARs
 *   sriov-too-many    the next boot asks for more than the PF offers
 *   sriov-cmdline     the next boot's command line has the driver's
 *                     parameters, the running one not: the boot loader read
 *                     another file
 *
 * and the count at boot: sriov-persist (VFs now, nothing sets them at
 * boot; or what sets them is never read: sysfsutils missing, etc/sysfs.d
 * without etc/sysfs.conf) and sriov-boot-count (the count at boot did not
 * take, or takes at the next boot).
 */
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/verify/findings.h"

/* Append the SR-IOV findings for host H and the configuration under ROOT
 * (its snapshot SC) to FS, category FINDING_SRIOV. */
void sriov_check_run(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root);
