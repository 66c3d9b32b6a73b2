/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The boot loader: which one this host really boots with, where its kernel
 * command line lives, and how to regenerate what it reads (REFERENCE.md §2).
 * Detection works from evidence under the configuration root (and UEFI from
 * /sys/firmware/efi), never from which binaries happen to be installed:
 *
 *   kernelstub         etc/kernelstub/configuration (Pop!_OS)
 *                      -> kernelstub -a ARGS / -d ARGS (it writes its own files)
 *   proxmox-boot-tool  etc/kernel/proxmox-boot-uuids + etc/kernel/cmdline on a
 *                      UEFI host (ZFS root): systemd-boot
 *                      -> etc/kernel/cmdline, proxmox-boot-tool refresh
 *                      (proxmox-boot-uuids on a BIOS host means GRUB)
 *   grub-bls           boot/loader/entries/ *.conf + etc/default/grub (Fedora,
 *                      RHEL) -> etc/default/grub (and etc/kernel/cmdline when
 *                      present), grubby --update-kernel=ALL --args/--remove-args;
 *                      RHEL >= 9.3: grub2-mkconfig --update-bls-cmdline
 *   grub               etc/default/grub or boot/grub{,2}/grub.cfg
 *                      -> GRUB_DROPIN where grub.d is read (grub_reads_dropins()),
 *                      else etc/default/grub in place; update-grub on the
 *                      Debian family, grub(2)-mkconfig -o ... elsewhere
 *   systemd-boot       etc/kernel/cmdline, or loader entries / loader.conf on
 *                      the ESP -> etc/kernel/cmdline, kernel-install add
 *                      VERSION IMAGE for each installed kernel
 *
 * When the evidence fits more than one (GRUB configuration next to a
 * systemd-boot ESP, proxmox-boot-uuids on UEFI without etc/kernel/cmdline),
 * the answer is "ambiguous" with every candidate and its evidence: the front
 * end asks, and passes the choice back as LOADER. Nothing guesses silently.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/cmdline.h"
#include "core/util/error.h"
#include "core/scan/host.h"
#include "core/plan/plan.h"

enum boot_loader {
	BOOT_AUTO = 0,          /* as an argument: detect; as an answer: none found or ambiguous */
	BOOT_GRUB,
	BOOT_GRUB_BLS,
	BOOT_PROXMOX_SDBOOT,
	BOOT_SYSTEMD_BOOT,
	BOOT_KERNELSTUB,
	BOOT__MAX
};

/* "grub", "grub-bls", "proxmox-boot-tool", "systemd-boot", "kernelstub";
 * "auto" for BOOT_AUTO. For a --bootloader option and for messages. */
const char *boot_loader_name(enum boot_loader l);
/* The reverse; -EINVAL for an unknown name. */
int boot_loader_from_name(const char *name, enum boot_loader *ret);

struct boot_detection;

/* Look at ROOT (configuration) and /sys/firmware/efi (hardware). Returns 0
 * and an owned detection, also when nothing or too much was found (ask
 * boot_detection_loader()); -errno only when ROOT cannot be read. */
int boot_detect(const char *root, struct boot_detection **ret, struct gv_error *err);
void boot_detection_free(struct boot_detection *d);

/* The boot loader to use; BOOT_AUTO when none was found or the evidence is
 * ambiguous (then boot_detection_n_candidates() > 1). */
enum boot_loader boot_detection_loader(const struct boot_detection *d);
bool boot_detection_ambiguous(const struct boot_detection *d);
bool boot_detection_uefi(const struct boot_detection *d);
/* Every boot loader the evidence fits, most specific first. */
size_t boot_detection_n_candidates(const struct boot_detection *d);
enum boot_loader boot_detection_candidate(const struct boot_detection *d, size_t i);
/* The evidence for L: NULL-terminated "path: what it says" lines (borrowed). */
const char *const *boot_detection_evidence(const struct boot_detection *d, enum boot_loader l);
/* The file gpuvirt edits for L on this root ("etc/kernel/cmdline",
 * GRUB_DROPIN, "etc/default/grub"), or NULL for kernelstub (its tool
 * writes its own files). */
const char *boot_detection_cmdline_file(const struct boot_detection *d, enum boot_loader l);
/* The regeneration step for L, as a person would type it ("update-grub"). */
const char *boot_detection_regen(const struct boot_detection *d, enum boot_loader l);
/* A few lines for the front end: what was found and why; for an ambiguous
 * result, every candidate with its evidence. Owned. */
char *boot_detection_describe(const struct boot_detection *d);

/*
 * Add to P what changes the next boot's kernel command line: ADD (each one
 * argument, an existing value of its key replaced) and REMOVE_KEYS (every
 * argument with that key; "key=value" removes only that one), written to the
 * file the detected boot loader reads, plus its regeneration command, plus
 * plan_expect(p, "cmdline", arg, NULL) for each added argument. Contents
 * are read through plan_file_content(), so earlier proposals in P count.
 * When nothing would change, no action is added (apply twice = apply once).
 * Returns 0, or -ENOTUNIQ (ambiguous boot loader: ERR lists the candidates;
 * ask, then call boot_propose_cmdline_for()), -ENOENT (no boot loader found),
 * -EINVAL (a bad argument, removing root=, or a GRUB file that cannot be
 * evaluated: ERR is "FILE:LINE: reason"), -E2BIG (over CMDLINE_SIZE).
 */
int boot_propose_cmdline(struct plan *p, const char *root, const char *const *add, size_t n_add,
			 const char *const *remove_keys, size_t n_remove, struct gv_error *err);
/* The same with the boot loader chosen by the caller (BOOT_AUTO: detect). */
int boot_propose_cmdline_for(struct plan *p, const char *root, enum boot_loader loader,
			     const char *const *add, size_t n_add, const char *const *remove_keys,
			     size_t n_remove, struct gv_error *err);

/*
 * The kernel command line the next boot will get, as configured under ROOT
 * (without what the boot loader adds itself: BOOT_IMAGE=, initrd=, and for
 * GRUB root= ro). Owned string; -ENOTUNIQ / -ENOENT as above.
 */
int boot_configured_cmdline(const char *root, char **ret, struct gv_error *err);
/* The same with LOADER as the person's choice where the evidence is
 * ambiguous (BOOT_AUTO: detect). */
int boot_configured_cmdline_for(const char *root, enum boot_loader loader, char **ret, struct gv_error *err);

/*
 * "Reboot pending": the configured next-boot line against RUNNING (NULL:
 * read /proc/cmdline), argument by argument (cmdline_compare()). For GRUB,
 * root=, ro and rw in RUNNING are the boot loader's and not reported as
 * extra. An empty diff means the running kernel has what is configured.
 */
int boot_cmdline_pending(const char *root, const char *running, struct cmdline_diff **ret,
			 struct gv_error *err);
int boot_cmdline_pending_for(const char *root, enum boot_loader loader, const char *running,
			     struct cmdline_diff **ret, struct gv_error *err);

/*
 * The arguments that turn the IOMMU on for passthrough, by CPU vendor
 * (host_cpu_vendor()): Intel "intel_iommu=on iommu=pt"; AMD "iommu=pt" only
 * (the AMD IOMMU is on by default, and amd_iommu=on is not a valid value).
 * NULL-terminated static list; NULL for an unknown vendor. *ret_n (may be
 * NULL) gets the count.
 */
const char *const *boot_iommu_args(enum host_cpu_vendor vendor, size_t *ret_n);
