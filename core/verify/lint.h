/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Lint of the configuration already on the host (under the configuration
 * root) and of the running command line: the mistakes the guides' readers
 * make and the loaders silently ignore. Each problem is one finding in the
 * FINDING_LINT category, named by file and line:
 *
 *   vfio-virqfd          vfio_virqfd listed on a kernel >= 6.2 (it is part
 *                        of vfio there; initramfs builds break)
 *   modprobe-bad-line    a modprobe.d line libkmod rejects (bare ids such as
 *                        "10de:1db4", an unknown command)
 *   ignored-file         a modprobe.d or dracut.conf.d file whose name does
 *                        not end in .conf: the loader never reads it
 *   amd-iommu-on         amd_iommu=on (not a valid value, does nothing)
 *   module-parameter     an "options" parameter the module does not have
 *                        (modinfo under ROOT, or a near miss of core/kparam's
 *                        table: "id" for "ids")
 *   cmdline-*            what cmdline_lint() (core/verify/cmdline-lint.h) finds on
 *                        /proc/cmdline, etc/kernel/cmdline, GRUB's configured
 *                        line (where GRUB is the boot loader, or one of the
 *                        candidates: the value core/grub computes from
 *                        etc/default/grub and the drop-ins it reads, each
 *                        argument named "FILE:LINE: VARIABLE") and the
 *                        "options" lines of boot/loader/entries/ *.conf:
 *                        unknown modules and parameters, bad values,
 *                        duplicates... GRUB's line and the BLS entries are
 *                        kept in step by grubby, so a finding one of them
 *                        already gave is not repeated for another
 *   max-vfs              i915 max_vfs (or a sysfs.d sriov_numvfs) above the
 *                        device's sriov_totalvfs
 *   vfio-ids-boot-gpu    a vfio-pci id that also matches the boot GPU
 *   iommu-group-shared   a GPU sharing its IOMMU group with unrelated devices
 *   sysfs-conf           etc/sysfs.d in use without etc/sysfs.conf
 *   config-lint          one pass finding when nothing above was found
 *
 * Files read (under ROOT): etc/modprobe.d/ *.conf, etc/modules,
 * etc/modules-load.d/ *.conf, etc/initramfs-tools/modules,
 * etc/dracut.conf.d/ *, etc/mkinitcpio.conf, etc/mkinitcpio.conf.d/ *.conf,
 * etc/sysfs.conf, etc/sysfs.d/ *.conf, etc/kernel/cmdline, etc/default/grub,
 * etc/default/grub.d/ *.cfg, boot/loader/entries/ *.conf; and /proc/cmdline
 * from the firmware facts.
 */
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/verify/findings.h"

/* Lint the configuration under ROOT (its snapshot SC: the boot loader, the
 * module parameters) against host H (its devices and firmware facts),
 * appending findings to FS. Unreadable files are skipped with a debug log
 * line. */
void lint_run(struct findings *fs, const struct host *h, const struct sysconf *sc, const char *root);

