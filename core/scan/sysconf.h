/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The configuration snapshot: what the configuration root says, read once
 * per root (and again after an apply or a rescan), next to the host snapshot
 * (core/scan/host.h). The proposal stage, the checks and every screen read
 * it instead of detecting again:
 *
 *   the boot loader    detection with its evidence (core/scan/bootdetect.h)
 *   the initramfs tool and the file that decided it
 *   modprobe           the modprobe configuration (libkmod, core/scan/modconf.h)
 *   GRUB               the effective GRUB_CMDLINE_LINUX and _DEFAULT
 *                      (core/scan/grub.h), with and without the drop-ins
 *   module parameters  the installed modules of the host's kernel
 *                      (core/scan/kparam.h)
 *   mdevctl            the persistent mdev definitions and what starts them
 *                      at boot (core/scan/mdevconf.h)
 *
 * Nothing in it changes after sysconf_load() returns; every getter returns
 * memory owned by the snapshot, valid until sysconf_free().
 */
#include "core/scan/bootdetect.h"
#include "core/util/error.h"

struct host;
struct kparam_db;
struct mdevconf;
struct modconf;
struct sysconf;

/*
 * The initramfs tool of the root (REFERENCE.md §3), found from evidence
 * under the root, never from which binary the running system happens to
 * have:
 *
 *   tool             evidence
 *   initramfs-tools  etc/initramfs-tools/
 *   dracut           etc/dracut.conf.d/, etc/dracut.conf
 *   mkinitcpio       etc/mkinitcpio.conf, etc/mkinitcpio.conf.d
 *
 * When several tools leave configuration behind, the one whose program is
 * installed under the root wins, and gv_log() says which was chosen.
 */
enum initramfs_tool {
	INITRAMFS_NONE,
	INITRAMFS_TOOLS,       /* Debian, Ubuntu, Proxmox */
	INITRAMFS_DRACUT,      /* Fedora, RHEL, openSUSE */
	INITRAMFS_MKINITCPIO,  /* Arch */
};

/* Read the configuration under ROOT for host H: H gives the facts the root
 * cannot (booted with UEFI, the kernel release whose modules count; H NULL:
 * a BIOS boot, gpuvirt's parameter table alone). Returns
 * 0 and an owned snapshot, or -errno with ERR when ROOT cannot be read or
 * libkmod fails outright; a file it cannot evaluate is kept as that file's
 * error (sysconf_grub()), never a failure. */
int sysconf_load(const char *root, const struct host *h, struct sysconf **ret, struct gv_error *err);
/* Free a snapshot; NULL is fine. */
void sysconf_free(struct sysconf *sc);

/* The root it was read from. */
const char *sysconf_root(const struct sysconf *sc);

/* The boot loader detection. */
const struct boot_detection *sysconf_boot(const struct sysconf *sc);

/* The initramfs tool (INITRAMFS_NONE when there is no evidence at all) and,
 * when RET_EVIDENCE is not NULL, the root-relative path that decided it (a
 * static string; NULL for NONE). */
enum initramfs_tool sysconf_initramfs(const struct sysconf *sc, const char **ret_evidence);
/* "initramfs-tools", "dracut", "mkinitcpio", or "none". */
const char *sysconf_initramfs_name(enum initramfs_tool tool);

/* The modprobe configuration under the root. */
const struct modconf *sysconf_modconf(const struct sysconf *sc);

/*
 * GRUB's effective GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT as
 * grub-mkconfig computes them for LOADER: BOOT_GRUB reads etc/default/grub.d
 * where the distribution does (boot_facts.grub_dropins), BOOT_GRUB_BLS never.
 * Borrowed strings, NULL when never set. Returns 0; the -errno with "FILE:LINE:
 * reason" in ERR that evaluating the files gave; -EINVAL for another LOADER.
 */
int sysconf_grub(const struct sysconf *sc, enum boot_loader loader, const char **ret_linux,
		 const char **ret_default, struct gv_error *err);

/* Module parameters of ROOT/lib/modules/RELEASE for the host's kernel
 * release (the table alone when it is not installed there). Lookups cache
 * in libkmod, hence not const. */
struct kparam_db *sysconf_kparam(const struct sysconf *sc);

/* mdevctl's definitions under the root and what starts them at boot. */
const struct mdevconf *sysconf_mdevconf(const struct sysconf *sc);
