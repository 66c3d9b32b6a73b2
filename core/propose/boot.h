/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The kernel command line of the next boot: where the boot loader found by
 * detection (core/scan/bootdetect.h, read from the configuration snapshot)
 * keeps it, and how to change and regenerate it (REFERENCE.md §2):
 *
 *   kernelstub         kernelstub -a ARGS / -d ARGS (it writes its own files)
 *   proxmox-boot-tool  etc/kernel/cmdline, proxmox-boot-tool refresh
 *   grub-bls           etc/default/grub (and etc/kernel/cmdline when
 *                      present), grubby --update-kernel=ALL --args/--remove-args;
 *                      RHEL >= 9.3: grub2-mkconfig --update-bls-cmdline
 *   grub               GRUB_DROPIN where grub.d is read (grub_reads_dropins()),
 *                      else etc/default/grub in place; update-grub on the
 *                      Debian family, grub(2)-mkconfig -o ... elsewhere
 *   systemd-boot       etc/kernel/cmdline, kernel-install add VERSION IMAGE
 *                      for each installed kernel
 *
 * Where the evidence is ambiguous the front end asks and passes the choice
 * back as LOADER (BOOT_AUTO: what detection found).
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/plan/plan.h"
#include "core/scan/bootdetect.h"
#include "core/scan/host.h"
#include "core/scan/sysconf.h"
#include "core/util/cmdline.h"
#include "core/util/error.h"

/*
 * Add to P what changes the next boot's kernel command line: ADD (each one
 * argument, an existing value of its key replaced) and REMOVE_KEYS (every
 * argument with that key; "key=value" removes only that one), written to the
 * file LOADER (BOOT_AUTO: the detected one) reads, plus its regeneration
 * command, plus plan_expect(p, "cmdline", arg, NULL) for each added argument.
 * SC is the configuration snapshot of P's root; H gives the running command
 * line (the start of a new etc/kernel/cmdline, as kernel-install does; H
 * NULL: an empty one). Contents are read through plan_file_content(), so
 * earlier proposals in P count. When nothing would change, no action is
 * added (apply twice = apply once). Returns 0, or -ENOTUNIQ (ambiguous boot
 * loader: ERR lists the candidates; ask, then pass LOADER), -ENOENT (no boot
 * loader found), -EINVAL (a bad argument, removing root=, or a GRUB file
 * that cannot be evaluated: ERR is "FILE:LINE: reason"), -E2BIG (over
 * CMDLINE_SIZE).
 */
int boot_propose_cmdline_for(struct plan *p, const struct host *h, const struct sysconf *sc,
			     enum boot_loader loader, const char *const *add, size_t n_add,
			     const char *const *remove_keys, size_t n_remove, struct gv_error *err);
/* The same for the detected boot loader. */
int boot_propose_cmdline(struct plan *p, const struct host *h, const struct sysconf *sc,
			 const char *const *add, size_t n_add, const char *const *remove_keys,
			 size_t n_remove, struct gv_error *err);

/*
 * The kernel command line the next boot will get for LOADER (BOOT_AUTO: the
 * detected one), as configured in SC's root (without what the boot loader
 * adds itself: BOOT_IMAGE=, initrd=, and for GRUB root= ro). Owned string;
 * -ENOTUNIQ / -ENOENT as above.
 */
int boot_configured_cmdline_for(const struct sysconf *sc, enum boot_loader loader, char **ret,
				struct gv_error *err);
int boot_configured_cmdline(const struct sysconf *sc, char **ret, struct gv_error *err);

/*
 * "Reboot pending": the configured next-boot line against RUNNING (the
 * host's, host_cmdline(); NULL: -ENOENT, it is unknown), argument by
 * argument (cmdline_compare()). For GRUB, root=, ro and rw in RUNNING are
 * the boot loader's and not reported as extra. An empty diff means the
 * running kernel has what is configured.
 */
int boot_cmdline_pending_for(const struct sysconf *sc, enum boot_loader loader, const char *running,
			     struct cmdline_diff **ret, struct gv_error *err);
int boot_cmdline_pending(const struct sysconf *sc, const char *running, struct cmdline_diff **ret,
			 struct gv_error *err);

/*
 * The arguments that turn the IOMMU on for passthrough, by CPU vendor
 * (host_cpu_vendor()): Intel "intel_iommu=on iommu=pt"; AMD "iommu=pt" only
 * (the AMD IOMMU is on by default, and amd_iommu=on is not a valid value).
 * NULL-terminated static list; NULL for an unknown vendor. *ret_n (may be
 * NULL) gets the count.
 */
const char *const *boot_iommu_args(enum host_cpu_vendor vendor, size_t *ret_n);
