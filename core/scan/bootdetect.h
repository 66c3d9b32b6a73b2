/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The boot loader: which one this host really boots with and the evidence
 * for it (REFERENCE.md §2). Detection works from evidence under the
 * configuration root and the host's UEFI fact, never from which binaries
 * happen to be installed:
 *
 *   kernelstub         etc/kernelstub/configuration (Pop!_OS)
 *   proxmox-boot-tool  etc/kernel/proxmox-boot-uuids + etc/kernel/cmdline on a
 *                      UEFI host (ZFS root): systemd-boot
 *                      (proxmox-boot-uuids on a BIOS host means GRUB)
 *   grub-bls           boot/loader/entries/ *.conf + etc/default/grub (Fedora,
 *                      RHEL)
 *   grub               etc/default/grub or boot/grub{,2}/grub.cfg
 *   systemd-boot       etc/kernel/cmdline, or loader entries / loader.conf on
 *                      the ESP
 *
 * When the evidence fits more than one (GRUB configuration next to a
 * systemd-boot ESP, proxmox-boot-uuids on UEFI without etc/kernel/cmdline),
 * the answer is "ambiguous" with every candidate and its evidence: the front
 * end asks. Nothing guesses silently. What each boot loader reads and how its
 * command line is changed is core/propose/boot.h's business.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/util/error.h"

/* The files the boot loaders read the command line from, relative to the root. */
#define BOOT_KERNEL_CMDLINE "etc/kernel/cmdline"
#define BOOT_KERNELSTUB_CONFIG "etc/kernelstub/configuration"

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

/* What else the root says about its boot loaders. */
struct boot_facts {
	bool uefi;               /* booted with UEFI (as given to boot_detect()) */
	bool grub_dropins;       /* grub-mkconfig reads etc/default/grub.d (grub_reads_dropins()) */
	bool debian;             /* Debian family: update-grub */
	bool grub2;              /* boot/grub2: grub2-mkconfig */
	bool rhel_bls_cmdline;   /* RHEL >= 9.3: grub2-mkconfig --update-bls-cmdline */
	bool kernel_cmdline;     /* BOOT_KERNEL_CMDLINE exists */
};

/* Look at ROOT (configuration); UEFI is the host's fact (firmware_efi()).
 * Returns 0 and an owned detection, also when nothing or too much was found
 * (ask boot_detection_loader()); -errno only when ROOT cannot be read.
 * core/scan/sysconf.h is the one caller: everyone else reads its snapshot. */
int boot_detect(const char *root, bool uefi, struct boot_detection **ret, struct gv_error *err);
void boot_detection_free(struct boot_detection *d);

/* The root it looked at. */
const char *boot_detection_root(const struct boot_detection *d);
/* The boot loader to use; BOOT_AUTO when none was found or the evidence is
 * ambiguous (then boot_detection_n_candidates() > 1, and _ambiguous()). */
enum boot_loader boot_detection_loader(const struct boot_detection *d);
bool boot_detection_ambiguous(const struct boot_detection *d);
/* The UEFI fact it was given. */
bool boot_detection_uefi(const struct boot_detection *d);
/* What else the root said (borrowed). */
const struct boot_facts *boot_detection_facts(const struct boot_detection *d);
/* Every boot loader the evidence fits, most specific first. */
size_t boot_detection_n_candidates(const struct boot_detection *d);
enum boot_loader boot_detection_candidate(const struct boot_detection *d, size_t i);
/* The evidence for L: NULL-terminated "path: what it says" lines (borrowed). */
const char *const *boot_detection_evidence(const struct boot_detection *d, enum boot_loader l);
/* The file gpuvirt edits for L on this root (BOOT_KERNEL_CMDLINE,
 * GRUB_DROPIN, "etc/default/grub"), or NULL for kernelstub (its tool
 * writes its own files). */
const char *boot_detection_cmdline_file(const struct boot_detection *d, enum boot_loader l);
/* The regeneration step for L, as a person would type it ("update-grub"). */
const char *boot_detection_regen(const struct boot_detection *d, enum boot_loader l);
/* A few lines for the front end: what was found and why; for an ambiguous
 * result, every candidate with its evidence. Owned. */
char *boot_detection_describe(const struct boot_detection *d);
/* Why there is no boot loader to use: -ENOENT when none was found, else
 * -ENOTUNIQ with ERR listing the candidates and their first evidence. */
int boot_detection_error(const struct boot_detection *d, struct gv_error *err);
